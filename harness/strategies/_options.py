"""Checks of strategy options, run when a strategy is built."""

from __future__ import annotations

import re
from collections.abc import Collection

from hypothesis.errors import InvalidArgument

_VERSION = re.compile(r"1\.(?P<minor>[0-9]+)")


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is a bool, else raise InvalidArgument."""
    if not isinstance(value, bool):
        raise InvalidArgument(f"{name}={value!r} must be True or False")
    return value


def check_choice(name: str, value: object, choices: Collection[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise InvalidArgument."""
    if not isinstance(value, str) or value not in choices:
        allowed = ", ".join(sorted(choices))
        raise InvalidArgument(f"{name}={value!r} must be one of: {allowed}")
    return value


def check_subset(
    name: str, values: object, choices: Collection[str]
) -> tuple[str, ...]:
    """Return ``values`` as a tuple if it is a non-empty subset of ``choices``."""
    if isinstance(values, str) or not isinstance(values, Collection) or not values:
        raise InvalidArgument(f"{name}={values!r} must be a non-empty collection")
    unknown = sorted(str(value) for value in values if value not in choices)
    if unknown:
        allowed = ", ".join(sorted(choices))
        raise InvalidArgument(f"{name} has unknown values {unknown}: use {allowed}")
    return tuple(str(value) for value in values)


def check_version(name: str, value: object) -> int:
    """Return the minor number of an API version ``1.NN``, else raise."""
    if not isinstance(value, str):
        raise InvalidArgument(f"{name}={value!r} must be a string such as '1.41'")
    match = _VERSION.fullmatch(value)
    if match is None:
        raise InvalidArgument(f"{name}={value!r} must be an API version 1.NN")
    return int(match.group("minor"))


def check_non_negative(name: str, value: object) -> int:
    """Return ``value`` if it is an int of 0 or more, else raise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidArgument(f"{name}={value!r} must be an integer of 0 or more")
    return value
