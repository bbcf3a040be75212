"""Decode streamed bodies into records: JSON messages and stdout/stderr frames."""

from __future__ import annotations

import json
import struct
from typing import Any

from .model import Body

JSON_TYPES = frozenset({"application/json", "application/x-json-stream"})
OUTPUT_TYPES = frozenset(
    {"application/vnd.docker.raw-stream", "application/vnd.docker.multiplexed-stream"}
)
# The first byte of an 8-byte frame header names the stream (Engine API,
# "Attach to a container": 0 stdin, 1 stdout, 2 stderr; 3 is the
# systemerr stream that 20.10 and later write for errors in-band).
STREAM_NAMES = {0: "stdin", 1: "stdout", 2: "stderr", 3: "systemerr"}
STREAM_NUMBERS = {name: number for number, name in STREAM_NAMES.items()}
FRAME_HEADER = struct.Struct(">BxxxL")


def decode_json_messages(data: bytes) -> list[dict[str, Any]]:
    """Split a JSON stream into one record per line.

    Each record is ``{"json": value}``, or ``{"text": line}`` for a line
    that is not JSON (a daemon may write a plain error after a stream began).
    """
    records: list[dict[str, Any]] = []
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            records.append({"json": json.loads(line)})
        except ValueError:
            records.append(Body(line).to_json())
    return records


def split_frames(data: bytes) -> list[tuple[str, bytes]] | None:
    """Split 8-byte framed output into (stream, data) pairs.

    Returns None when ``data`` is not a whole sequence of frames, as is the
    case for the unframed output of a container with a TTY.
    """
    frames: list[tuple[str, bytes]] = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < FRAME_HEADER.size:
            return None
        if data[offset + 1 : offset + 4] != b"\0\0\0":
            return None
        number, length = FRAME_HEADER.unpack_from(data, offset)
        if number not in STREAM_NAMES:
            return None
        start = offset + FRAME_HEADER.size
        if start + length > len(data):
            return None
        frames.append((STREAM_NAMES[number], data[start : start + length]))
        offset = start + length
    return frames


def encode_frame(stream: str, data: bytes) -> bytes:
    """Return ``data`` behind the 8-byte header of ``stream``."""
    return FRAME_HEADER.pack(STREAM_NUMBERS[stream], len(data)) + data


def decode_output(data: bytes) -> list[dict[str, Any]]:
    """Decode container output into ``{"stream": name, "text"|"base64": ...}``.

    Framed output gives one record per frame; anything else gives a single
    record of stream ``"raw"``.
    """
    if not data:
        return []
    frames = split_frames(data)
    if frames is None:
        return [{"stream": "raw", **Body(data).to_json()}]
    return [{"stream": name, **Body(chunk).to_json()} for name, chunk in frames]


def decode_records(content_type: str, data: bytes) -> list[dict[str, Any]] | None:
    """Decode a streamed body by its media type; None when the type has no records."""
    if content_type in JSON_TYPES:
        return decode_json_messages(data)
    if content_type in OUTPUT_TYPES:
        return decode_output(data)
    return None


def merge_output(records: list[dict[str, Any]]) -> dict[str, bytes]:
    """Join decoded output records per stream, since frame boundaries vary."""
    joined: dict[str, bytes] = {}
    for record in records:
        name = str(record.get("stream", "raw"))
        joined[name] = joined.get(name, b"") + Body.from_json(record).data
    return joined
