"""Re-encodings of a recorded JSON body that a real daemon may also send.

A client must decode every variant to the value it decodes from the
recording, apart from the deliberate changes the variant lists:

- members whose value is Go's zero value (``null``, ``""``, ``0``,
  ``false``, ``[]``, ``{}``) left out, as fields tagged ``omitempty`` are;
- unknown members added to any object at any depth, as a newer daemon adds
  fields;
- members of every object in another order;
- other white space between tokens, and Go's ``\\u003c`` escapes of ``<``,
  ``>`` and ``&`` (``encoding/json`` escapes them by default) or ``\\uXXXX``
  escapes of every non-ASCII character.

Cutting the encoded bytes into chunks is left to
:func:`harness.strategies.chunkings`.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from harness.strategies._options import check_bool
from harness.strategies.chunks import split_at

JSONPath = tuple[str | int, ...]
"""The keys and list indexes that lead to a value inside a JSON document."""

_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}

# Separators a JSON encoder may put between tokens; the newline forms appear
# only where the variant may span lines.
_INLINE_SPACES = ("", " ", "\t", "  ")
_LINE_SPACES = ("\n", "\r\n", "\n  ")


@dataclass(frozen=True, slots=True)
class JSONVariant:
    """A JSON document re-encoded with the changes that were made to it.

    Attributes:
        text: the encoded variant, without a line terminator.
        document: the variant's value (the recording's, minus ``dropped``,
            plus ``added``).
        dropped: paths of the zero-valued members left out.
        added: paths of the unknown members added, with their values.
    """

    text: str
    document: Any
    dropped: tuple[JSONPath, ...] = ()
    added: tuple[tuple[JSONPath, Any], ...] = ()


def is_zero(value: Any) -> bool:
    """Tell whether ``value`` is the zero value Go's ``omitempty`` leaves out."""
    if value is None or value is False:
        return True
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value == 0
    return isinstance(value, str | list | dict) and len(value) == 0


_UNKNOWN_NAMES = st.from_regex(r"[A-Z][A-Za-z0-9]{0,11}", fullmatch=True)

_UNKNOWN_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=5,
)


def json_variants(
    document: Any,
    *,
    drop_zero: bool = True,
    add_unknown: bool = True,
    shuffle: bool = True,
    whitespace: bool = True,
    multiline: bool = True,
    escapes: bool = True,
) -> st.SearchStrategy[JSONVariant]:
    """Generate re-encodings of ``document`` with their deliberate changes.

    Args:
        document: the decoded recorded body.
        drop_zero: leave out members whose value is Go's zero value.
        add_unknown: add members with new names to objects at any depth.
        shuffle: reorder the members of every object.
        whitespace: put white space between tokens.
        multiline: allow line breaks in that white space; turn it off for
            messages of a line-delimited stream.
        escapes: use ``\\u`` escapes for ``<>&`` or for all non-ASCII text.

    Shrinks toward the document unchanged, encoded compactly.
    """
    options = {
        "drop_zero": drop_zero,
        "add_unknown": add_unknown,
        "shuffle": shuffle,
        "whitespace": whitespace,
        "multiline": multiline,
        "escapes": escapes,
    }
    for name, value in options.items():
        check_bool(name, value)

    objects: list[JSONPath] = []
    zeros: list[JSONPath] = []
    _collect(document, (), objects, zeros)
    drops = (
        st.lists(st.sampled_from(zeros), unique=True, max_size=8)
        if drop_zero and zeros
        else st.just([])
    )
    additions = (
        st.lists(
            st.tuples(
                st.sampled_from(objects),
                _UNKNOWN_NAMES,
                _UNKNOWN_VALUES,
                st.integers(min_value=0, max_value=255),
            ),
            max_size=4,
        )
        if add_unknown and objects
        else st.just([])
    )
    # One seed reorders every object; None keeps the recorded order.
    orders = st.none() | st.integers(min_value=0, max_value=2**32 - 1)

    @st.composite
    def variants(draw: st.DrawFn) -> JSONVariant:
        dropped = draw(drops)
        placed = _place(document, dropped, draw(additions))
        order = draw(orders) if shuffle else None
        shuffler = None if order is None else random.Random(order)
        value = _rebuild(document, (), set(dropped), placed, shuffler)
        text = _encode(draw, value, options)
        added = tuple(
            ((*path, name), member)
            for path, members in placed.items()
            for name, member, _ in members
        )
        return JSONVariant(text, value, tuple(dropped), added)

    return variants()


def _collect(
    value: Any, path: JSONPath, objects: list[JSONPath], zeros: list[JSONPath]
) -> None:
    if isinstance(value, list):
        for index, item in enumerate(value):
            _collect(item, (*path, index), objects, zeros)
    elif isinstance(value, dict):
        objects.append(path)
        for key, member in value.items():
            if is_zero(member):
                zeros.append((*path, key))
            _collect(member, (*path, key), objects, zeros)


def _lookup(document: Any, path: JSONPath) -> Any:
    for key in path:
        document = document[key]
    return document


def _place(
    document: Any,
    dropped: list[JSONPath],
    additions: list[tuple[JSONPath, str, Any, int]],
) -> dict[JSONPath, list[tuple[str, Any, int]]]:
    """Group the unknown members by object, keeping only those that fit.

    Go matches member names case-insensitively, so a new name must differ
    from every name of its object in any case; an object that is itself
    dropped gets none.
    """
    placed: dict[JSONPath, list[tuple[str, Any, int]]] = {}
    for path, name, member, position in additions:
        if any(path[: len(gone)] == gone for gone in dropped):
            continue
        taken = {key.lower() for key in _lookup(document, path)}
        taken.update(other.lower() for other, _, _ in placed.get(path, []))
        if name.lower() in taken:
            continue
        placed.setdefault(path, []).append((name, member, position))
    return placed


def _rebuild(
    value: Any,
    path: JSONPath,
    dropped: set[JSONPath],
    placed: dict[JSONPath, list[tuple[str, Any, int]]],
    shuffler: random.Random | None,
) -> Any:
    if isinstance(value, list):
        return [
            _rebuild(item, (*path, index), dropped, placed, shuffler)
            for index, item in enumerate(value)
        ]
    if not isinstance(value, dict):
        return value
    members = [
        (key, _rebuild(member, (*path, key), dropped, placed, shuffler))
        for key, member in value.items()
        if (*path, key) not in dropped
    ]
    for name, member, position in placed.get(path, []):
        members.insert(position % (len(members) + 1), (name, member))
    if shuffler is not None:
        shuffler.shuffle(members)
    return dict(members)


def _encode(draw: st.DrawFn, value: Any, options: dict[str, bool]) -> str:
    ascii_only = False
    go_escapes = False
    if options["escapes"]:
        ascii_only = draw(st.booleans())
        go_escapes = draw(st.booleans())
    indent: int | None = None
    item_separator, key_separator = ",", ":"
    leading = trailing = ""
    if options["whitespace"]:
        spaces = _INLINE_SPACES + (_LINE_SPACES if options["multiline"] else ())
        if options["multiline"] and draw(st.booleans()):
            indent = draw(st.integers(min_value=0, max_value=4))
        item_separator = "," + draw(st.sampled_from(_INLINE_SPACES))
        key_separator = ":" + draw(st.sampled_from(_INLINE_SPACES))
        leading = draw(st.sampled_from(spaces))
        trailing = draw(st.sampled_from(spaces))
    text = json.dumps(
        value,
        ensure_ascii=ascii_only,
        indent=indent,
        separators=(item_separator, key_separator),
    )
    if go_escapes:
        # <, > and & occur only inside strings, where the escape is equal.
        for character, escape in _GO_ESCAPES.items():
            text = text.replace(character, escape)
    return leading + text + trailing


@dataclass(frozen=True, slots=True)
class JSONStreamVariant:
    """A stream of JSON messages re-encoded message by message.

    Attributes:
        body: the whole stream, messages joined with their terminators.
        messages: one variant per recorded message, in order.
    """

    body: bytes
    messages: tuple[JSONVariant, ...]


def json_stream_variants(
    documents: list[Any],
    *,
    terminators: tuple[str, ...] = ("\n", "\r\n"),
    **options: bool,
) -> st.SearchStrategy[JSONStreamVariant]:
    """Generate a line-delimited stream of ``documents``, each one varied.

    Each message ends with one of ``terminators`` (``\\r\\n`` is what image
    pulls send, ``\\n`` what events and waits send). ``options`` are those of
    :func:`json_variants`; white space inside a message never breaks a line.

    Shrinks toward the messages unchanged, compact, ending in ``\\n``.
    """
    if not terminators or not all(
        isinstance(end, str) and end and end.strip() == "" for end in terminators
    ):
        raise InvalidArgument(
            f"terminators={terminators!r} must be non-empty white space strings"
        )
    options["multiline"] = False

    @st.composite
    def streams(draw: st.DrawFn) -> JSONStreamVariant:
        messages = tuple(
            draw(json_variants(document, **options)) for document in documents
        )
        pieces = [
            message.text + draw(st.sampled_from(terminators)) for message in messages
        ]
        return JSONStreamVariant("".join(pieces).encode("utf-8"), messages)

    return streams()


def strip_paths(value: Any, paths: list[JSONPath]) -> Any:
    """Return a copy of ``value`` without the members at ``paths``.

    Paths that lead nowhere are ignored, so a client that drops an unknown
    member and one that keeps it compare the same.
    """
    result = _copy(value)
    # Remove deeper paths first and list items from the end, so earlier
    # removals do not shift the indexes of later ones.
    for path in sorted(paths, key=len, reverse=True):
        _remove(result, path)
    return result


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy(member) for key, member in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value


def _remove(value: Any, path: JSONPath) -> None:
    for key in path[:-1]:
        if isinstance(value, dict) and isinstance(key, str) and key in value:
            value = value[key]
        elif isinstance(value, list) and isinstance(key, int) and key < len(value):
            value = value[key]
        else:
            return
    last = path[-1] if path else None
    if isinstance(value, dict) and isinstance(last, str):
        value.pop(last, None)


def first_difference(expected: Any, got: Any, path: JSONPath = ()) -> str | None:
    """Describe the first place where two decoded values differ, or None."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in expected.keys() | got.keys():
            if key not in got:
                return f"{_show_path((*path, key))}: missing"
            if key not in expected:
                return f"{_show_path((*path, key))}: unexpected {got[key]!r:.80}"
            found = first_difference(expected[key], got[key], (*path, key))
            if found is not None:
                return found
        return None
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return f"{_show_path(path)}: {len(got)} items, expected {len(expected)}"
        for index, (left, right) in enumerate(zip(expected, got, strict=True)):
            found = first_difference(left, right, (*path, index))
            if found is not None:
                return found
        return None
    if type(expected) is not type(got) or expected != got:
        return f"{_show_path(path)}: got {got!r:.120}, expected {expected!r:.120}"
    return None


def _show_path(path: JSONPath) -> str:
    return "/" + "/".join(str(part) for part in path)


_TOKEN_BYTES = frozenset(b'{}[],:"\r\n \t')


def body_chunkings(
    data: bytes, *, boundaries: tuple[int, ...] = (), max_chunks: int = 12
) -> st.SearchStrategy[list[bytes]]:
    """Generate ways to cut ``data`` into chunks, often at JSON token edges.

    A cut falls at one of ``boundaries`` (such as the ends of a stream's
    messages), next to a structural byte (brackets, commas, colons, quotes,
    white space, line ends), where decoders keep state, or anywhere, inside
    UTF-8 sequences too. Shrinks toward one chunk.
    """
    if len(data) < 2:
        return st.just([data])
    anywhere = st.integers(min_value=1, max_value=len(data) - 1)
    edges = [
        offset
        for offset in range(1, len(data))
        if data[offset] in _TOKEN_BYTES or data[offset - 1] in _TOKEN_BYTES
    ]
    cut = st.sampled_from(edges) | anywhere if edges else anywhere
    inside = sorted({offset for offset in boundaries if 0 < offset < len(data)})
    if inside:
        cut = st.sampled_from(inside) | cut
    return st.lists(cut, max_size=max_chunks - 1).map(
        lambda offsets: split_at(data, offsets)
    )
