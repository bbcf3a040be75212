"""Header lookup and checks of simple (non-body) values."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

_INTEGER = re.compile(r"^[+-]?\d+$")

# dockerd reads boolean query values with httputils.BoolValue: anything but
# "", "0", "no", "false" and "none" (case-insensitive) counts as true. The
# set below is what clients send in practice; other words are reported.
_BOOLEAN_WORDS = frozenset({"", "0", "1", "true", "false", "yes", "no", "none"})


class Headers(Mapping[str, str]):
    """A case-insensitive, read-only view of HTTP headers."""

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._items = {name.lower(): value for name, value in headers.items()}

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)


def check_simple_value(declared: Mapping[str, Any], value: str) -> str | None:
    """Return why ``value`` breaks a Swagger header or parameter, or None.

    ``declared`` is a Swagger 2.0 header or non-body parameter object with
    ``type`` and optionally ``enum``, ``items`` and ``collectionFormat``.
    """
    kind = declared.get("type")
    if kind == "array":
        items = declared.get("items")
        if not isinstance(items, Mapping):
            return None
        for part in split_collection(
            value, str(declared.get("collectionFormat", "csv"))
        ):
            problem = check_simple_value(items, part)
            if problem is not None:
                return problem
        return None

    problem = _check_type(kind, value)
    if problem is not None:
        return problem
    enum = declared.get("enum")
    if isinstance(enum, list) and not _in_enum(kind, value, enum):
        allowed = ", ".join(str(item) for item in enum)
        return f"{value!r} is not one of the allowed values: {allowed}"
    return None


def split_collection(value: str, collection_format: str) -> list[str]:
    """Split one array parameter value by its Swagger ``collectionFormat``.

    ``multi`` arrays arrive as repeated parameters, each one a single item.
    """
    separators = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|"}
    separator = separators.get(collection_format)
    if separator is None:
        return [value]
    return value.split(separator)


def _check_type(kind: Any, value: str) -> str | None:
    if kind == "integer" and not _INTEGER.match(value):
        return f"{value!r} is not an integer"
    if kind == "number":
        try:
            float(value)
        except ValueError:
            return f"{value!r} is not a number"
    if kind == "boolean" and value.lower() not in _BOOLEAN_WORDS:
        return f"{value!r} is not a boolean (use true, false, 1 or 0)"
    return None


def _in_enum(kind: Any, value: str, enum: list[Any]) -> bool:
    if kind == "integer":
        return int(value) in enum
    if kind == "number":
        return float(value) in enum
    return value in [str(item) for item in enum]
