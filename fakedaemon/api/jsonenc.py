"""JSON as dockerd writes it: compact, one document per line."""

from __future__ import annotations

import json
from typing import Any

_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> str:
    """Encode ``value`` compactly, keeping non-ASCII text as UTF-8."""
    return _ENCODER.encode(value)


def dump_line(value: Any) -> bytes:
    """Encode ``value`` as Go's ``json.Encoder`` does: compact plus a newline."""
    return (_ENCODER.encode(value) + "\n").encode()
