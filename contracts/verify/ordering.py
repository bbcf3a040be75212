"""Lists whose order the Engine leaves to chance, put in one order for comparing.

dockerd builds some lists from Go maps, whose iteration order changes from
run to run: the networks of ``GET /networks`` and the volumes of ``GET
/volumes``. Comparing them element by element would fail on a correct
daemon, and pairing their ids by position would pair different objects, so
both sides are sorted by name first.
"""

from __future__ import annotations

import re
from typing import Any

from contracts.exchange.model import Request

# (path of a GET request, key of the list in the document or None for the
# document itself, key that names an element)
_UNORDERED: tuple[tuple[re.Pattern[str], str | None, str], ...] = (
    (re.compile(r"^(?:/v[0-9.]+)?/networks/?(?:\?|$)"), None, "Name"),
    (re.compile(r"^(?:/v[0-9.]+)?/volumes(?:\?|$)"), "Volumes", "Name"),
)


def in_stable_order(request: Request, document: Any) -> Any:
    """Return ``document`` with the request's unordered list sorted by name."""
    if request.method != "GET":
        return document
    for pattern, key, name in _UNORDERED:
        if not pattern.match(request.target):
            continue
        if key is None and isinstance(document, list):
            return _sorted(document, name)
        if key is not None and isinstance(document, dict):
            items = document.get(key)
            if isinstance(items, list):
                return {**document, key: _sorted(items, name)}
    return document


def _sorted(items: list[Any], name: str) -> list[Any]:
    return sorted(
        items,
        key=lambda item: str(item.get(name, "")) if isinstance(item, dict) else "",
    )
