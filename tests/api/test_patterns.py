"""Tests for client regular expressions: literal fast path and RE2 agree."""

from __future__ import annotations

import pytest
import re2  # type: ignore[import-untyped]
from hypothesis import given
from hypothesis import strategies as st

from fakedaemon.api import patterns


@pytest.mark.parametrize(
    ("pattern", "text", "matched"),
    [
        ("web", "/web-1", True),
        ("^/web$", "/web", True),
        ("^/web$", "/web-1", False),
        ("fdbench-1$", "/fdbench-1", True),
        ("fdbench-1$", "/fdbench-10", False),
        ("fdbench-1$", "/fdbench-1\n", False),
        ("^/db", "/db-2", True),
        ("^db", "/db-2", False),
        ("", "/any", True),
        ("^$", "", True),
        ("^$", "/x", False),
        ("we.b", "/weXb", True),
        ("[", "/[", False),
    ],
)
def test_search_cases(pattern: str, text: str, matched: bool) -> None:
    assert patterns.search(pattern, text) is matched


def _re2_search(pattern: str, text: str) -> bool:
    options = re2.Options()
    options.log_errors = False
    try:
        compiled = re2.compile(pattern, options)
    except re2.error:
        return False
    return compiled.search(text) is not None


@given(
    st.text(alphabet="ab-/^$.é\\", max_size=6),
    st.text(alphabet="ab-/é\n", max_size=8),
)
def test_search_agrees_with_re2(pattern: str, text: str) -> None:
    assert patterns.search(pattern, text) is _re2_search(pattern, text)
