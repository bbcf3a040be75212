"""Media types and body decoding for Engine API exchanges."""

from __future__ import annotations

import json
from typing import Any

# Media types whose bodies are JSON values or streams of them. dockerd sends
# progress and event streams as "application/json" with one JSON object after
# another, and API 1.42 added the JSON Lines names for /events.
_JSON_TYPES = frozenset(
    {
        "application/json",
        "application/jsonl",
        "application/x-ndjson",
        "application/json-seq",
    }
)

# RFC 7464 JSON text sequences put this record separator before each value.
_RECORD_SEPARATOR = "\x1e"


def media_type(content_type: str | None) -> str | None:
    """Return the lower-cased media type of a Content-Type, without parameters."""
    if content_type is None:
        return None
    bare = content_type.split(";", 1)[0].strip().lower()
    return bare or None


def is_json(media: str | None) -> bool:
    """Return whether a media type carries JSON (a value or a stream)."""
    if media is None:
        return False
    return media in _JSON_TYPES or media.endswith("+json")


def decode_json_values(body: bytes | str) -> list[Any]:
    """Decode one JSON value, or a stream of values one after another.

    Streams may separate their values by newlines (``\\r\\n`` in dockerd's
    progress streams), by nothing at all, or by RFC 7464 record separators.

    Raises:
        ValueError: when the body is not JSON; the message names the offset.
    """
    text = body.decode("utf-8") if isinstance(body, bytes) else body
    text = text.replace(_RECORD_SEPARATOR, "\n")
    decoder = json.JSONDecoder()
    values: list[Any] = []
    position = 0
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position >= length:
            break
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"invalid JSON at offset {error.pos}: {error.msg}"
            ) from None
        values.append(value)
    return values
