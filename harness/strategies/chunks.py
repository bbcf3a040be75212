"""Splitting a byte string at arbitrary chunk boundaries."""

from __future__ import annotations

from hypothesis import strategies as st


def split_at(data: bytes, cuts: list[int]) -> list[bytes]:
    """Split ``data`` at the given offsets (any order, duplicates ignored)."""
    points = sorted({cut for cut in cuts if 0 < cut < len(data)})
    pieces = []
    start = 0
    for point in [*points, len(data)]:
        pieces.append(data[start:point])
        start = point
    return [piece for piece in pieces if piece] or [data]


def chunkings(data: bytes) -> st.SearchStrategy[list[bytes]]:
    """Generate ways to cut ``data`` into chunks; shrinks toward one chunk."""
    if len(data) < 2:
        return st.just([data])
    cuts = st.lists(st.integers(min_value=1, max_value=len(data) - 1), max_size=12)
    return cuts.map(lambda offsets: split_at(data, offsets))
