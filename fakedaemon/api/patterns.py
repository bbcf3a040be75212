"""Regular expressions from clients, matched with RE2 as Go's ``regexp`` does.

Filters such as the container ``name`` filter take a client's pattern; RE2
runs in linear time, so no pattern can stall the daemon, and its syntax is
the one dockerd accepts.
"""

from __future__ import annotations

import functools
from typing import Any

import re2  # type: ignore[import-untyped]

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> Any:
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error:
        return None


def search(pattern: str, text: str) -> bool:
    """Return whether ``pattern`` matches somewhere in ``text``.

    An invalid pattern matches nothing, as dockerd ignores the compile error
    of a filter's regular expression.
    """
    compiled = _compile(pattern)
    return compiled is not None and compiled.search(text) is not None
