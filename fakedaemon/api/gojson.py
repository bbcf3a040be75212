"""Decode request bodies the way Go's ``encoding/json`` decodes them into structs.

dockerd decodes each request body into a Go struct, so a value of the wrong
JSON kind fails with ``json: cannot unmarshal <kind> into Go struct field
<Struct>.<path> of type <type>``. This module parses JSON with Go's limits
(nesting depth 10000, no ``NaN``, numbers kept as written) and checks a
document against a declared Go type (:class:`GoType`), reproducing those
messages, matching keys to fields case-insensitively as Go does, and
normalising ``strslice.StrSlice`` values (a string is a one-element list).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

MAX_DEPTH = 10000
"""Go's ``encoding/json`` scanner rejects documents nested deeper than this."""

_SHALLOW_ENOUGH = 400
"""Bracket count under which no document can reach Python's recursion limit."""

_INT_RANGES = {
    "int": (-(2**63), 2**63 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "int32": (-(2**31), 2**31 - 1),
    "uint": (0, 2**64 - 1),
    "uint64": (0, 2**64 - 1),
    "uint32": (0, 2**32 - 1),
    "uint16": (0, 2**16 - 1),
}


class JSONSyntaxError(ValueError):
    """A body that is not JSON, described in the words of Go's scanner."""


class GoTypeError(ValueError):
    """A JSON value of a kind that the Go field it lands in cannot take."""


class Number(float):
    """A JSON number that is not a small integer, with its text as written.

    Go reports such numbers with their literal (``number 1e400``) when they
    do not fit an integer field, so the text travels with the value.
    """

    text: str

    def __new__(cls, text: str) -> Number:
        try:
            value = float(text)
        except OverflowError:
            value = float("inf")
        number = super().__new__(cls, value)
        number.text = text
        return number


@dataclass(frozen=True, eq=False)
class GoType:
    """A Go type that a request body decodes into.

    ``kind`` is one of string, bool, int, float, slice, array, map, struct,
    strslice and any; ``name`` is the type as Go's ``reflect`` prints it.
    """

    name: str
    kind: str
    elem: GoType | None = None
    fields: dict[str, Field] = field(default_factory=dict)
    struct: str = ""
    """The struct's unqualified name, which Go's messages begin the path with."""


@dataclass(frozen=True)
class Field:
    """A struct field: its JSON name, type and path through embedded structs."""

    name: str
    type: GoType
    embedded_in: tuple[str, ...] = ()


def scalar(name: str, kind: str) -> GoType:
    """Return a string, bool, int, float or any type named ``name``."""
    return GoType(name, kind)


def slice_of(elem: GoType, name: str = "") -> GoType:
    """Return ``[]elem`` (or a named slice type)."""
    return GoType(name or f"[]{elem.name}", "slice", elem)


def array_of(elem: GoType, length: int) -> GoType:
    """Return the fixed-size array ``[length]elem``."""
    return GoType(f"[{length}]{elem.name}", "array", elem)


def map_of(elem: GoType, name: str = "") -> GoType:
    """Return ``map[string]elem`` (or a named map type)."""
    return GoType(name or f"map[string]{elem.name}", "map", elem)


def struct(
    name: str,
    fields: dict[str, GoType],
    embedded: dict[str, dict[str, GoType]] | None = None,
) -> GoType:
    """Return the struct type ``name`` (``package.Name``) with its fields.

    ``embedded`` maps the name of each embedded struct to the fields it
    promotes; Go 1.20 and later name it in error paths.
    """
    table = {key: Field(key, value) for key, value in fields.items()}
    for outer, promoted in (embedded or {}).items():
        for key, value in promoted.items():
            table[key] = Field(key, value, (outer,))
    return GoType(name, "struct", fields=table, struct=name.rpartition(".")[2])


STRING = scalar("string", "string")
BOOL = scalar("bool", "bool")
INT = scalar("int", "int")
INT64 = scalar("int64", "int")
UINT16 = scalar("uint16", "int")
UINT64 = scalar("uint64", "int")
UINT = scalar("uint", "int")
ANY = scalar("interface {}", "any")
STRSLICE = GoType("strslice.StrSlice", "strslice", STRING)
STRINGS = slice_of(STRING)
STRING_MAP = map_of(STRING)


def loads(text: str) -> tuple[Any, int]:
    """Parse ``text`` as Go's decoder would, or raise :class:`JSONSyntaxError`.

    Numbers that are not plain integers become :class:`Number`. Returns the
    first value and the offset where it ends, so the caller can decide about
    trailing content.
    """
    _check_depth(text)
    decoder = json.JSONDecoder(
        parse_float=Number, parse_int=_parse_int, parse_constant=_reject_constant
    )
    try:
        document, end = decoder.raw_decode(text)
    except json.JSONDecodeError as error:
        raise JSONSyntaxError(_describe(text, error)) from None
    except RecursionError:
        # Deeper than Python's recursion limit yet within Go's depth limit.
        document, end = _IterativeParser(text).parse()
    if _SURROGATE_IN_TEXT.search(text) is not None:
        document = _without_surrogates(document)
    return document, end


# Python decodes an escaped UTF-16 surrogate that has no partner ("\ud800")
# into a string that cannot be encoded again, so Go's U+FFFD replaces it.
# Only a text with an escaped or a raw surrogate needs the walk.
_SURROGATE_IN_TEXT = re.compile(r"\\u[dD][89a-fA-F]|[\ud800-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {
            _without_surrogates(key): _without_surrogates(item)
            for key, item in value.items()
        }
    return value


def _parse_int(text: str) -> int | Number:
    # Python refuses to convert more than 4300 digits; Go keeps the literal.
    if len(text) > 4000:
        return Number(text)
    return int(text)


def _reject_constant(name: str) -> Any:
    if name.startswith("-"):
        raise JSONSyntaxError("invalid character 'I' in numeric literal")
    raise JSONSyntaxError(
        f"invalid character '{name[0]}' looking for beginning of value"
    )


def _check_depth(text: str) -> None:
    if text.count("[") + text.count("{") < _SHALLOW_ENOUGH:
        return
    depth = 0
    for match in re.finditer(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise JSONSyntaxError(f"invalid character '{token}' exceeded max depth")
        elif token in "]}":
            depth -= 1


def _describe(text: str, error: json.JSONDecodeError) -> str:
    """Describe a syntax error in the words of Go's ``encoding/json``."""
    if error.pos >= len(text):
        return "unexpected EOF"
    character = text[error.pos]
    if error.msg.startswith("Expecting property name"):
        return (
            f"invalid character '{character}' looking for beginning of object "
            "key string"
        )
    if error.msg.startswith("Expecting ',' delimiter"):
        return f"invalid character '{character}' after object key:value pair"
    if error.msg.startswith("Expecting ':' delimiter"):
        return f"invalid character '{character}' after object key"
    return f"invalid character '{character}' looking for beginning of value"


class _IterativeParser:
    """A JSON parser without recursion, for documents nested beyond Python's limit."""

    _TOKEN = re.compile(
        r"\s*(?:(?P<open>[\[{])|(?P<close>[\]}])|(?P<comma>,)|(?P<colon>:)"
        r'|(?P<string>")|(?P<number>-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?)'
        r"|(?P<word>true|false|null))"
    )

    def __init__(self, text: str) -> None:
        self.text = text

    def parse(self) -> tuple[Any, int]:
        # NOTE: this parser checks tokens, not the grammar between them (a
        # missing comma passes); the C parser has already read the document
        # up to the depth where it gave up.
        stack: list[list[Any] | dict[str, Any]] = []
        keys: list[str | None] = []
        result: Any = None
        for kind, value, position in self._tokens():
            if kind == "open":
                container: list[Any] | dict[str, Any] = [] if value == "[" else {}
                self._add(stack, keys, container)
                stack.append(container)
                keys.append(None)
                continue
            if kind == "close":
                keys.pop()
                result = stack.pop()
                if not stack:
                    return result, position
                continue
            if kind in ("comma", "colon"):
                continue
            top = stack[-1] if stack else None
            if isinstance(top, dict) and keys[-1] is None and kind == "string":
                keys[-1] = value
                continue
            self._add(stack, keys, value)
            if not stack:
                return value, position
        raise JSONSyntaxError("unexpected EOF")

    @staticmethod
    def _add(
        stack: list[list[Any] | dict[str, Any]], keys: list[str | None], value: Any
    ) -> None:
        if not stack:
            return
        top = stack[-1]
        if isinstance(top, list):
            top.append(value)
        else:
            key = keys[-1]
            top[key or ""] = value
            keys[-1] = None

    def _tokens(self) -> Iterator[tuple[str, Any, int]]:
        text = self.text
        position = 0
        words = {"true": True, "false": False, "null": None}
        while position < len(text):
            match = self._TOKEN.match(text, position)
            if match is None:
                if not text[position:].strip():
                    return
                raise JSONSyntaxError(
                    f"invalid character '{text[position]}' looking for beginning "
                    "of value"
                )
            kind = match.lastgroup or ""
            position = match.end()
            if kind == "string":
                value, position = json.decoder.scanstring(text, position)  # type: ignore[attr-defined]
                yield kind, value, position
            elif kind == "number":
                yield kind, _number(match.group(kind)), position
            elif kind == "word":
                yield kind, words[match.group(kind)], position
            else:
                yield kind, match.group(kind), position


def _number(text: str) -> int | Number:
    if any(mark in text for mark in ".eE"):
        return Number(text)
    return _parse_int(text)


class _Checker:
    """One check of a document against a Go type, collecting Go's first error."""

    def __init__(self, embedded_paths: bool) -> None:
        self.embedded_paths = embedded_paths
        self.first_error: GoTypeError | None = None

    def fail(
        self, kind: str, target: GoType, struct_name: str, path: list[str]
    ) -> None:
        # Go's decoder remembers the first type error and keeps decoding.
        if self.first_error is not None:
            return
        if struct_name:
            where = f"Go struct field {struct_name}.{'.'.join(path)}"
        else:
            where = "Go value"
        self.first_error = GoTypeError(
            f"json: cannot unmarshal {kind} into {where} of type {target.name}"
        )

    def check(
        self, value: Any, target: GoType, struct_name: str, path: list[str]
    ) -> Any:
        if value is None:
            return None
        kind = _kind(value)
        checker = _KIND_CHECKS.get(target.kind)
        if checker is None:
            return value
        return checker(self, value, kind, target, struct_name, path)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _check_string(
    checker: _Checker,
    value: Any,
    kind: str,
    target: GoType,
    where: str,
    path: list[str],
) -> Any:
    if kind != "string":
        checker.fail(kind, target, where, path)
    return value


def _check_bool(
    checker: _Checker,
    value: Any,
    kind: str,
    target: GoType,
    where: str,
    path: list[str],
) -> Any:
    if kind != "bool":
        checker.fail(kind, target, where, path)
    return value


def _check_int(
    checker: _Checker,
    value: Any,
    kind: str,
    target: GoType,
    where: str,
    path: list[str],
) -> Any:
    if kind != "number":
        checker.fail(kind, target, where, path)
        return value
    low, high = _INT_RANGES.get(target.name, _INT_RANGES["int64"])
    if isinstance(value, Number):
        checker.fail(f"number {value.text}", target, where, path)
    elif not low <= value <= high:
        checker.fail(f"number {value}", target, where, path)
    return value


def _check_float(
    checker: _Checker,
    value: Any,
    kind: str,
    target: GoType,
    where: str,
    path: list[str],
) -> Any:
    if kind != "number":
        checker.fail(kind, target, where, path)
    elif value in (float("inf"), float("-inf")):
        checker.fail(f"number {value.text}", target, where, path)
    return value


def _check_list(
    checker: _Checker,
    value: Any,
    kind: str,
    target: GoType,
    where: str,
    path: list[str],
) -> Any:
    if kind != "array" or target.elem is None:
        checker.fail(kind, target, where, path)
        return value
    elem = target.elem
    items = [checker.check(item, elem, where, path) for item in value]
    if elem.kind == "string":
        # A null element decodes to the zero value, the empty string.
        items = ["" if item is None else item for item in items]
    return items


def _check_strslice(
    checker: _Checker,
    value: Any,
    kind: str,
    target: GoType,
    where: str,
    path: list[str],
) -> Any:
    # StrSlice.UnmarshalJSON tries []string, then string; the second error is
    # the one reported, and it stops the decoder at once.
    if kind == "string":
        return [value]
    if kind == "array" and all(item is None or isinstance(item, str) for item in value):
        return ["" if item is None else item for item in value]
    first = checker.first_error
    checker.first_error = None
    checker.fail(kind, STRING, where, path)
    error = checker.first_error
    checker.first_error = first
    assert error is not None
    raise error


def _check_map(
    checker: _Checker,
    value: Any,
    kind: str,
    target: GoType,
    where: str,
    path: list[str],
) -> Any:
    if kind != "object" or target.elem is None:
        checker.fail(kind, target, where, path)
        return value
    elem = target.elem
    checked = {
        key: checker.check(item, elem, where, path) for key, item in value.items()
    }
    if elem.kind == "string":
        checked = {key: "" if item is None else item for key, item in checked.items()}
    return checked


def _check_struct(
    checker: _Checker,
    value: Any,
    kind: str,
    target: GoType,
    where: str,
    path: list[str],
) -> Any:
    if kind != "object":
        checker.fail(kind, target, where, path)
        return value
    folded = _folded_fields(target)
    result: dict[str, Any] = {}
    for key, item in value.items():
        spec = target.fields.get(key) or folded.get(key.lower())
        if spec is None:
            # Go ignores unknown fields; keep them for handlers that read extras.
            result[key] = item
            continue
        prefix = list(spec.embedded_in) if checker.embedded_paths else []
        result[spec.name] = checker.check(
            item, spec.type, target.struct, [*path, *prefix, spec.name]
        )
    return result


_FOLDED: dict[int, dict[str, Field]] = {}


def _folded_fields(target: GoType) -> dict[str, Field]:
    folded = _FOLDED.get(id(target))
    if folded is None:
        folded = {name.lower(): spec for name, spec in target.fields.items()}
        _FOLDED[id(target)] = folded
    return folded


_KindCheck = Callable[[_Checker, Any, str, GoType, str, list[str]], Any]

_KIND_CHECKS: dict[str, _KindCheck] = {
    "string": _check_string,
    "bool": _check_bool,
    "int": _check_int,
    "float": _check_float,
    "slice": _check_list,
    "array": _check_list,
    "strslice": _check_strslice,
    "map": _check_map,
    "struct": _check_struct,
}


def check(document: Any, target: GoType, *, embedded_paths: bool = True) -> Any:
    """Check ``document`` against ``target`` and return it normalised.

    Keys are renamed to their fields' spelling, StrSlice strings become
    lists, and null elements of string lists and maps become empty strings.

    Args:
        document: the decoded JSON body.
        target: the Go type dockerd decodes the body into.
        embedded_paths: name embedded structs in error paths, as Go 1.20 and
            later do (Engine 23.0 on); Engine 20.10 was built with Go 1.19.

    Raises:
        GoTypeError: with Go's message for the first mismatch.
    """
    checker = _Checker(embedded_paths)
    result = checker.check(document, target, "", [])
    if checker.first_error is not None:
        raise checker.first_error
    return result
