"""Decoders for the Engine API's streams: JSON messages, stdcopy frames, bytes."""

from __future__ import annotations

import codecs
import enum
import json
import struct
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

from harness.client.errors import DaemonStreamError, ProgressError, ProtocolError

T = TypeVar("T")

FRAME_HEADER = struct.Struct(">BxxxL")
"""The 8-byte stdcopy header: stream type, three zero bytes, big-endian size."""

RECORD_SEPARATOR = "\x1e"
"""The byte that starts each record of ``application/json-seq`` (RFC 7464)."""


class StreamType(enum.IntEnum):
    """The stream a stdcopy frame belongs to (first byte of its header)."""

    STDIN = 0
    STDOUT = 1
    STDERR = 2
    SYSTEMERR = 3


def iter_json_values(
    chunks: Iterable[bytes], *, record_separator: bool = False
) -> Iterator[Any]:
    """Yield each JSON value from a stream of concatenated JSON texts.

    Values may be separated by any JSON whitespace (so ``\\r\\n`` progress
    messages, JSON Lines and NDJSON all work) and may be split across chunks.
    With ``record_separator``, ``0x1E`` before a record is skipped too.

    Raises:
        ProtocolError: the stream holds invalid JSON or ends inside a value.
    """
    decoder = json.JSONDecoder()
    text_decoder = codecs.getincrementaldecoder("utf-8")("replace")
    skip = " \t\r\n" + (RECORD_SEPARATOR if record_separator else "")
    buffer = ""

    for chunk in chunks:
        buffer += text_decoder.decode(chunk)
        while True:
            buffer = buffer.lstrip(skip)
            if not buffer:
                break
            try:
                value, end = decoder.raw_decode(buffer)
            except json.JSONDecodeError:
                # The value may be cut at the chunk boundary; wait for more.
                break
            yield value
            buffer = buffer[end:]

    buffer = (buffer + text_decoder.decode(b"", final=True)).strip(skip)
    if buffer:
        try:
            decoder.raw_decode(buffer)
        except json.JSONDecodeError as error:
            raise ProtocolError(f"invalid JSON in stream: {error}") from error
        raise ProtocolError("invalid JSON in stream: unexpected data after a value")


def raise_for_message(message: Any) -> None:
    """Raise :class:`ProgressError` if a JSON message carries an in-band error.

    ``errorDetail`` is preferred, as in moby's ``jsonmessage``; a bare ``error``
    string (sent alone by some older daemons) is honoured too.
    """
    if not isinstance(message, dict):
        return

    detail = message.get("errorDetail")
    if isinstance(detail, dict) and (detail.get("message") or detail.get("code")):
        code = detail.get("code")
        text = str(detail.get("message") or message.get("error") or "")
        raise ProgressError(
            text, code=code if isinstance(code, int) else None, detail=message
        )
    if message.get("error"):
        raise ProgressError(str(message["error"]), code=None, detail=message)


def iter_progress(chunks: Iterable[bytes]) -> Iterator[dict[str, Any]]:
    """Yield progress messages, raising the first in-band error."""
    for message in iter_json_values(chunks):
        raise_for_message(message)
        yield message


def demultiplex(chunks: Iterable[bytes]) -> Iterator[tuple[StreamType, bytes]]:
    """Split stdcopy frames into ``(stream, payload)`` pairs.

    Raises:
        DaemonStreamError: a frame of type 3 (the daemon reports a failure).
        ProtocolError: an unknown stream type (``unrecognized stream: N``) or a
            frame cut off before its header or payload was complete.
    """
    buffer = bytearray()
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= FRAME_HEADER.size:
            kind, size = FRAME_HEADER.unpack_from(buffer)
            if kind > StreamType.SYSTEMERR:
                raise ProtocolError(f"unrecognized stream: {kind}")
            end = FRAME_HEADER.size + size
            if len(buffer) < end:
                break

            payload = bytes(buffer[FRAME_HEADER.size : end])
            del buffer[:end]
            if kind == StreamType.SYSTEMERR:
                raise DaemonStreamError(payload)
            yield StreamType(kind), payload

    if buffer:
        if len(buffer) < FRAME_HEADER.size:
            raise ProtocolError(
                f"truncated stream frame: {len(buffer)} of {FRAME_HEADER.size} "
                "header bytes"
            )
        _, size = FRAME_HEADER.unpack_from(buffer)
        got = len(buffer) - FRAME_HEADER.size
        raise ProtocolError(f"truncated stream frame: {got} of {size} payload bytes")


def raw_frames(chunks: Iterable[bytes]) -> Iterator[tuple[StreamType, bytes]]:
    """Yield a TTY stream's bytes, which are not framed, as stdout."""
    for chunk in chunks:
        if chunk:
            yield StreamType.STDOUT, chunk


class Stream(Generic[T]):
    """An iterator over a streamed response that closes it when done.

    Use it as a context manager, or call :meth:`close`, to release the
    connection before the stream ends.
    """

    def __init__(
        self,
        items: Iterator[T],
        close: Callable[[], None],
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        self._items = items
        self._close = close
        self.headers = headers or {}

    def __iter__(self) -> Iterator[T]:
        return self

    def __next__(self) -> T:
        try:
            return next(self._items)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Close the underlying response; later iteration stops."""
        self._close()

    def __enter__(self) -> Stream[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def read_all(stream: Iterable[bytes]) -> bytes:
    """Concatenate a byte stream."""
    return b"".join(stream)
