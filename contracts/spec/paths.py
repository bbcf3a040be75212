"""JSON paths such as ``$.Containers[0].Names`` for failure messages."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def child_path(parent: str, key: str | int) -> str:
    """Return the JSON path of member or index ``key`` below ``parent``."""
    if isinstance(key, int):
        return f"{parent}[{key}]"
    if _IDENTIFIER.match(key):
        return f"{parent}.{key}"
    return f"{parent}[{json.dumps(key)}]"


def json_path(parts: Iterable[str | int], root: str = "$") -> str:
    """Return the JSON path of a sequence of member names and indexes."""
    path = root
    for part in parts:
        path = child_path(path, part)
    return path
