"""Strategies for the ``filters`` query parameter in both of its encodings."""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import strategies as st

from harness.strategies._options import check_subset

ENCODINGS = ("map", "list")
"""``map`` is ``{"key": {"value": true}}``; ``list`` is ``{"key": ["value"]}``."""

KEYS = ("label", "status", "name", "id", "dangling", "before", "reference")
"""Filter keys used by the list operations."""


@dataclass(frozen=True, slots=True)
class FilterExample:
    """An encoded ``filters`` value and what the daemon decodes from it.

    Attributes:
        encoded: the JSON text sent as the query parameter.
        encoding: ``map`` or ``list``.
        decoded: each key's values, sorted. dockerd keeps a value of the
            map encoding whatever its flag (Engine 20.10 and 26.1 answer
            ``{"status": {"bogus": false}}`` with ``invalid filter
            'status=bogus'``), and a key without values stays, empty.
    """

    encoded: str
    encoding: str
    decoded: dict[str, list[str]]


_VALUES = st.one_of(
    st.sampled_from(["running", "exited", "true", "com.example=1", "web", ""]),
    st.text(st.characters(codec="utf-8"), max_size=12),
)


@st.composite
def _filters(draw: st.DrawFn, encodings: tuple[str, ...]) -> FilterExample:
    encoding = draw(st.sampled_from(encodings))
    keys = draw(
        st.lists(
            st.one_of(st.sampled_from(KEYS), st.text(min_size=1, max_size=8)),
            max_size=3,
            unique=True,
        )
    )
    document: dict[str, object] = {}
    decoded: dict[str, list[str]] = {}
    for key in keys:
        values = draw(st.lists(_VALUES, max_size=3, unique=True))
        if encoding == "map":
            flags = {value: draw(st.booleans()) for value in values}
            document[key] = flags
            decoded[key] = sorted(flags)
        else:
            document[key] = values
            decoded[key] = sorted(values)
    encoded = json.dumps(document, ensure_ascii=draw(st.booleans()))
    return FilterExample(encoded, encoding, decoded)


def filters(
    *, encodings: tuple[str, ...] = ENCODINGS
) -> st.SearchStrategy[FilterExample]:
    """Generate ``filters`` parameters with the decoding dockerd gives them.

    Both encodings dockerd accepts are drawn: the map of flags the Go client
    sends and the legacy lists docker-py sends. Keys are common filter keys
    or arbitrary text; values include empty and non-ASCII strings, with
    raw or escaped UTF-8. Shrinks toward ``{}`` in the map encoding.

    Raises:
        InvalidArgument: ``encodings`` names an unknown encoding.
    """
    return _filters(check_subset("encodings", encodings, ENCODINGS))
