"""Find swarm objects by id, name or unique id prefix, as dockerd does."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ...errors import InvalidParameter, NotFound

Record = TypeVar("Record")


def invalid_argument(message: str) -> InvalidParameter:
    """Return SwarmKit's InvalidArgument error, which dockerd returns as a 400."""
    return InvalidParameter(f"rpc error: code = InvalidArgument desc = {message}")


def find(
    kind: str,
    reference: str,
    records: Iterable[Record],
    identify: Callable[[Record], str],
    name_of: Callable[[Record], str] | None = None,
) -> Record:
    """Return the record ``reference`` names: full id, then name, then id prefix.

    Raises:
        NotFound: ``<kind> <reference> not found``.
        InvalidParameter: the prefix matches more than one record.
    """
    candidates = list(records)
    for record in candidates:
        if identify(record) == reference:
            return record
    if name_of is not None:
        named = [record for record in candidates if name_of(record) == reference]
        if len(named) == 1:
            return named[0]
    if reference:
        prefixed = [r for r in candidates if identify(r).startswith(reference)]
        if len(prefixed) == 1:
            return prefixed[0]
        if len(prefixed) > 1:
            raise InvalidParameter(
                f"{kind} {reference} is ambiguous ({len(prefixed)} matches found)"
            )
    raise NotFound(f"{kind} {reference} not found")


def merge_defaults(defaults: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """Return ``defaults`` overlaid with the non-zero values of ``given``.

    The Engine fills every field a spec leaves at Go's zero value (0, "",
    null, empty) with its default, so zero values never replace a default.
    """
    merged = copy.deepcopy(defaults)
    for key, value in given.items():
        current = merged.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            merged[key] = merge_defaults(current, value)
        elif value not in (None, 0, "", [], {}) or key not in merged:
            merged[key] = copy.deepcopy(value)
    return merged


def parse_version(kind: str, text: str) -> int:
    """Parse the ``version`` query parameter of an update.

    Raises:
        InvalidParameter: in the words of Go's ``strconv.ParseUint``.
    """
    if text.isdigit():
        return int(text)
    raise InvalidParameter(
        f"invalid {kind} version '{text}': strconv.ParseUint: parsing "
        f'"{text}": invalid syntax'
    )
