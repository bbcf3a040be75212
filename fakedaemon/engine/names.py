"""Container names: validation and the generated ``adjective_surname`` names."""

from __future__ import annotations

import re

from ..errors import InvalidParameter
from ..ids import IdSource

VALID_NAME = re.compile(r"^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
"""dockerd's rule for container names (``restrictedNamePattern``)."""

_ADJECTIVES = [
    "agile",
    "amber",
    "bold",
    "brave",
    "bright",
    "calm",
    "clever",
    "cosmic",
    "crisp",
    "eager",
    "fancy",
    "gentle",
    "happy",
    "humble",
    "jolly",
    "keen",
    "lively",
    "lucid",
    "merry",
    "mellow",
    "nimble",
    "noble",
    "quiet",
    "rapid",
    "serene",
    "sharp",
    "steady",
    "sunny",
    "swift",
    "tender",
    "upbeat",
    "vivid",
    "witty",
    "zealous",
]
_SURNAMES = [
    "agnesi",
    "babbage",
    "bohr",
    "cannon",
    "curie",
    "darwin",
    "euler",
    "faraday",
    "fermi",
    "galois",
    "gauss",
    "hamilton",
    "hopper",
    "hypatia",
    "kepler",
    "lamarr",
    "leavitt",
    "lovelace",
    "maxwell",
    "meitner",
    "mendel",
    "newton",
    "noether",
    "pascal",
    "planck",
    "ramanujan",
    "ride",
    "shannon",
    "tesla",
    "turing",
    "volta",
    "wiles",
    "wright",
    "yalow",
]


def validate_name(name: str) -> str:
    """Return ``name`` with its leading ``/``, or raise dockerd's 400."""
    if not VALID_NAME.match(name):
        raise InvalidParameter(
            f"Invalid container name ({name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] "
            "are allowed"
        )
    return name if name.startswith("/") else "/" + name


def generate_name(ids: IdSource, taken: set[str]) -> str:
    """Return a free ``/adjective_surname`` name, adding a digit after clashes."""
    for attempt in range(20):
        name = f"/{ids.choice(_ADJECTIVES)}_{ids.choice(_SURNAMES)}"
        if attempt >= 5:
            name += ids.choice([str(digit) for digit in range(10)])
        if name not in taken:
            return name
    return "/" + ids.hex_id(12)
