"""Engine API versions as a comparable type."""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"^[0-9.]+$")


@dataclass(frozen=True, slots=True, order=True)
class APIVersion:
    """An Engine API version such as ``1.41``, compared part by part as numbers.

    dockerd compares versions by splitting on ``.`` and comparing the parts as
    integers, with a missing or unparsable part counting as 0; ``parse`` keeps
    that rule so ``1.4`` sorts below ``1.40`` and ``1.041`` equals ``1.41``.
    """

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> APIVersion:
        """Parse ``MAJOR.MINOR`` as dockerd's router accepts it (digits and dots)."""
        if not _VERSION.match(text):
            raise ValueError(f"invalid API version {text!r}")
        parts = [_to_int(part) for part in text.split(".")]
        parts += [0, 0]
        return cls(parts[0], parts[1])

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    def at_least(self, text: str) -> bool:
        """Return whether this version is ``text`` or newer."""
        gate = _GATES.get(text)
        if gate is None:
            gate = _gate(text)
        return (self.major, self.minor) >= gate

    def below(self, text: str) -> bool:
        """Return whether this version is older than ``text``."""
        gate = _GATES.get(text)
        if gate is None:
            gate = _gate(text)
        return (self.major, self.minor) < gate


_GATES: dict[str, tuple[int, int]] = {}
"""Version literals of the gates, parsed once: serializers gate fields on a few
literals for every document they write."""

_MAX_GATES = 256


def _gate(text: str) -> tuple[int, int]:
    parsed = APIVersion.parse(text)
    gate = (parsed.major, parsed.minor)
    # The literals come from the code, so the table stays small; the bound
    # keeps it so if a caller passes texts from requests.
    if len(_GATES) < _MAX_GATES:
        _GATES[text] = gate
    return gate


def _to_int(part: str) -> int:
    try:
        return int(part)
    except ValueError:
        return 0


OLDEST = APIVersion(1, 24)
"""The oldest version this daemon serves in any profile."""

NEWEST = APIVersion(1, 55)
"""The newest released version with a specification."""
