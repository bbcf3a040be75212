"""The `filters` query parameter in both of dockerd's encodings."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping

from ..errors import DaemonError, InvalidParameter
from . import gojson

_TRUE = ("1", "true")
_FALSE = ("0", "false")


class Filters:
    """Parsed filters: each key maps to a set of values, matched with OR.

    dockerd accepts ``{"key":{"value":true}}`` (what its Go client sends) and
    the older ``{"key":["value"]}`` (what docker-py sends); both parse here.
    """

    def __init__(self, values: Mapping[str, Iterable[str]] | None = None) -> None:
        self._values: dict[str, set[str]] = {
            key: set(items) for key, items in (values or {}).items()
        }
        self._label_tests: dict[str, Callable[[Mapping[str, str] | None], bool]] = {}

    @classmethod
    def parse(cls, text: str | None) -> Filters:
        """Parse a `filters` parameter; raise InvalidParameter as dockerd does."""
        if not text:
            return cls()
        try:
            document = json.loads(text)
        except ValueError:
            raise InvalidParameter("invalid filter") from None
        if not isinstance(document, dict):
            raise InvalidParameter("invalid filter")
        values: dict[str, list[str]] = {}
        for key, entry in document.items():
            if isinstance(entry, dict) and all(
                isinstance(flag, bool) for flag in entry.values()
            ):
                # dockerd keeps every key of the map, whatever its flag.
                values[key] = list(entry)
            elif isinstance(entry, list) and all(isinstance(v, str) for v in entry):
                values[key] = list(entry)
            else:
                raise InvalidParameter("invalid filter")
        return cls(values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def keys(self) -> list[str]:
        """Return the filter keys present."""
        return list(self._values)

    def validate(self, allowed: Iterable[str]) -> None:
        """Raise ``invalid filter 'key'`` for a key outside ``allowed``."""
        permitted = set(allowed)
        for key in self._values:
            if key not in permitted:
                raise InvalidParameter(f"invalid filter '{key}'")

    def contains(self, key: str) -> bool:
        """Return whether ``key`` was given."""
        return key in self._values

    def get(self, key: str) -> list[str]:
        """Return the values of ``key`` (empty when absent)."""
        return sorted(self._values.get(key, ()))

    def bool_value(self, key: str) -> bool | None:
        """Return the boolean of ``key``; None when absent.

        Raises:
            InvalidParameter: ``invalid filter 'key=[values]'`` for a value
                other than 1, true, 0 or false, as dockerd's ``GetBoolOrDefault``.
        """
        values = self._values.get(key)
        if not values:
            return None
        lowered = {value.lower() for value in values}
        if lowered <= set(_TRUE):
            return True
        if lowered <= set(_FALSE):
            return False
        shown = " ".join(sorted(values))
        raise InvalidParameter(f"invalid filter '{key}=[{shown}]'")

    def match_exact(self, key: str, candidate: str) -> bool:
        """Return whether ``candidate`` is a value of ``key``, or ``key`` is absent."""
        values = self._values.get(key)
        return not values or candidate in values

    def match_any(self, key: str, candidates: Iterable[str]) -> bool:
        """Return whether one of ``candidates`` equals a value of ``key``."""
        values = self._values.get(key)
        if not values:
            return True
        return any(candidate in values for candidate in candidates)

    def match_labels(
        self, labels: Mapping[str, str] | None, key: str = "label"
    ) -> bool:
        """Return whether ``labels`` satisfy every ``key`` or ``key=value`` entry."""
        return self.label_test(key)(labels)

    def label_test(
        self, key: str = "label"
    ) -> Callable[[Mapping[str, str] | None], bool]:
        """Return the test of ``match_labels`` for ``key``.

        The test splits the entries once and is kept, so a listing that
        tests many objects splits them once.
        """
        test = self._label_tests.get(key)
        if test is None:
            test = self._label_tests[key] = _label_test(
                [entry.partition("=") for entry in self._values.get(key, ())]
            )
        return test

    def to_dict(self) -> dict[str, list[str]]:
        """Return the filters as ``{key: sorted values}``."""
        return {key: sorted(values) for key, values in self._values.items()}


def _label_test(
    required: list[tuple[str, str, str]],
) -> Callable[[Mapping[str, str] | None], bool]:
    """Return a test that ``labels`` contain each name, with its value if given."""

    def test(labels: Mapping[str, str] | None) -> bool:
        present = labels or {}
        for name, separator, value in required:
            if name not in present:
                return False
            if separator and present[name] != value:
                return False
        return True

    return test


def legacy_filter_error(text: str | None, error: InvalidParameter) -> DaemonError:
    """Return the error Engine 20.10 gave where later Engines give ``error``.

    20.10 capitalised "Invalid filter". For a `filters` value that is not
    JSON it returned a 500 with ``json.Unmarshal``'s own message.
    """
    if text and error.message == "invalid filter":
        try:
            _, end = gojson.loads(text)
        except gojson.JSONSyntaxError as syntax:
            message = str(syntax)
            if message == "unexpected EOF":
                message = "unexpected end of JSON input"
            return DaemonError(message)
        rest = text[end:].lstrip(" \t\r\n")
        if rest:
            return DaemonError(f"invalid character '{rest[0]}' after top-level value")
    if error.message.startswith("invalid filter"):
        return InvalidParameter("I" + error.message[1:])
    return error
