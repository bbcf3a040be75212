"""Regular expressions from clients, matched with RE2 as Go's ``regexp`` does.

Filters such as the container ``name`` filter take a client's pattern; RE2
runs in linear time, so no pattern can stall the daemon, and its syntax is
the one dockerd accepts.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

_METACHARACTERS = frozenset("\\.+*?()|[]{}^$")
"""Characters with a meaning in RE2 syntax; a pattern without them is a literal."""


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> Callable[[str], bool] | None:
    literal = _literal_search(pattern)
    if literal is not None:
        return literal
    import re2  # type: ignore[import-untyped]

    options = re2.Options()
    options.log_errors = False
    try:
        compiled = re2.compile(pattern, options)
    except re2.error:
        return None

    def search_bytes(text: str) -> bool:
        # Searching the UTF-8 bytes gives the same answer as searching the
        # text, and saves the wrapper's conversion of offsets to characters.
        return compiled.search(text.encode()) is not None

    return search_bytes


def _literal_search(pattern: str) -> Callable[[str], bool] | None:
    """Return a string test equal to RE2's search for a literal pattern.

    A literal with an optional leading ``^`` and trailing ``$`` is the common
    filter (``name=^/web$``); without the multi-line flag RE2 anchors ``^``
    and ``$`` at the ends of the text, so string tests give the same answer.
    """
    start = pattern.startswith("^")
    rest = pattern[1:] if start else pattern
    end = rest.endswith("$")
    body = rest[:-1] if end else rest
    if _METACHARACTERS.intersection(body):
        return None
    if start and end:
        return lambda text: text == body
    if start:
        return lambda text: text.startswith(body)
    if end:
        return lambda text: text.endswith(body)
    return lambda text: body in text


def search(pattern: str, text: str) -> bool:
    """Return whether ``pattern`` matches somewhere in ``text``.

    An invalid pattern matches nothing, as dockerd ignores the compile error
    of a filter's regular expression.
    """
    compiled = _compile(pattern)
    return compiled is not None and compiled(text)
