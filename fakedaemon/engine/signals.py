"""Signal names and numbers as dockerd parses them (``signal.ParseSignal``)."""

from __future__ import annotations

import re

from ..errors import DaemonError, InvalidParameter

SIGNALS: dict[str, int] = {
    "HUP": 1,
    "INT": 2,
    "QUIT": 3,
    "ILL": 4,
    "TRAP": 5,
    "ABRT": 6,
    "IOT": 6,
    "BUS": 7,
    "FPE": 8,
    "KILL": 9,
    "USR1": 10,
    "SEGV": 11,
    "USR2": 12,
    "PIPE": 13,
    "ALRM": 14,
    "TERM": 15,
    "STKFLT": 16,
    "CHLD": 17,
    "CONT": 18,
    "STOP": 19,
    "TSTP": 20,
    "TTIN": 21,
    "TTOU": 22,
    "URG": 23,
    "XCPU": 24,
    "XFSZ": 25,
    "VTALRM": 26,
    "PROF": 27,
    "WINCH": 28,
    "IO": 29,
    "POLL": 29,
    "PWR": 30,
    "SYS": 31,
}

_SIGNAL_NUMBER = re.compile(r"[+-]?[0-9]{1,30}")

SIGKILL = 9
SIGTERM = 15


def parse_signal(text: str) -> int:
    """Parse ``KILL``, ``SIGKILL``, ``9`` or ``RTMIN+3``.

    Raises:
        ValueError: the text names no signal.
    """
    value = text.strip()
    if value.isdigit():
        number = int(value)
        if number == 0 or number > 64:
            raise ValueError(value)
        return number
    name = value.upper().removeprefix("SIG")
    if name in SIGNALS:
        return SIGNALS[name]
    if name.startswith("RTMIN"):
        offset = name.removeprefix("RTMIN").removeprefix("+") or "0"
        if offset.isdigit() and int(offset) <= 30:
            return 34 + int(offset)
    if name.startswith("RTMAX"):
        offset = name.removeprefix("RTMAX").removeprefix("-") or "0"
        if offset.isdigit() and int(offset) <= 30:
            return 64 - int(offset)
    raise ValueError(value)


def check_signal_supported(reference: str, signal: str, legacy: bool) -> None:
    """Reject a signal number outside Linux's 1 to 64, as dockerd's kill does."""
    number = int(signal) if _SIGNAL_NUMBER.fullmatch(signal) else 0
    if number == 0 or 1 <= number <= 64:
        return
    if legacy:
        # Engine 20.10 printed the number as an unsigned 64-bit value.
        raise DaemonError(
            f"Cannot kill container: {reference}: The linux daemon does not "
            f"support signal {number % 2**64}"
        )
    raise InvalidParameter(
        f"cannot kill container: {reference}: the linux daemon does not support "
        f"signal {number}"
    )
