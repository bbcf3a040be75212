"""Engine API versions as a comparable type."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from functools import total_ordering

_VERSION = re.compile(r"^[0-9.]+$")


@total_ordering
@dataclass(frozen=True, slots=True)
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

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, APIVersion):
            return NotImplemented
        return (self.major, self.minor) < (other.major, other.minor)

    def at_least(self, text: str) -> bool:
        """Return whether this version is ``text`` or newer."""
        return self >= _parse_cached(text)

    def below(self, text: str) -> bool:
        """Return whether this version is older than ``text``."""
        return self < _parse_cached(text)


@functools.lru_cache(maxsize=256)
def _parse_cached(text: str) -> APIVersion:
    # Version gates compare against a few literals on every field of every
    # document, so each literal is parsed once.
    return APIVersion.parse(text)


def _to_int(part: str) -> int:
    try:
        return int(part)
    except ValueError:
        return 0


OLDEST = APIVersion(1, 24)
"""The oldest version this daemon serves in any profile."""

NEWEST = APIVersion(1, 55)
"""The newest released version with a specification."""
