"""Parse integers as Go's ``strconv`` does, with its error messages.

dockerd parses most numeric query parameters with ``strconv.Atoi``,
``ParseInt`` or ``ParseUint`` and passes the error text to the client. The
fake must reject exactly what Go rejects and word the error the same way.
Python's ``int`` is looser: it also takes spaces, underscores and non-ASCII
digits.
"""

from __future__ import annotations

import re

_SIGNED = re.compile(r"[+-]?[0-9]+")
_UNSIGNED = re.compile(r"[0-9]+")


class StrconvError(ValueError):
    """A number Go's ``strconv`` rejects; the message is Go's."""


def parse_int(text: str, function: str = "Atoi", bits: int = 64) -> int:
    """Parse a base-10 signed integer as ``strconv.<function>`` does.

    Raises:
        StrconvError: ``strconv.Atoi: parsing "x": invalid syntax`` or
            ``value out of range``.
    """
    if _SIGNED.fullmatch(text) is None:
        raise StrconvError(f'strconv.{function}: parsing "{text}": invalid syntax')
    value = _to_int(text)
    if not -(2 ** (bits - 1)) <= value < 2 ** (bits - 1):
        raise StrconvError(f'strconv.{function}: parsing "{text}": value out of range')
    return value


def parse_uint(text: str, bits: int = 64) -> int:
    """Parse a base-10 unsigned integer as ``strconv.ParseUint`` does."""
    if _UNSIGNED.fullmatch(text) is None:
        raise StrconvError(f'strconv.ParseUint: parsing "{text}": invalid syntax')
    value = _to_int(text)
    if value >= 2**bits:
        raise StrconvError(f'strconv.ParseUint: parsing "{text}": value out of range')
    return value


def _to_int(text: str) -> int:
    # Python converts at most 4300 digits; anything past 40 is out of range.
    digits = text.lstrip("+-").lstrip("0")
    if len(digits) > 40:
        return 2**200
    return int(text)
