"""HTTP/1.1 wire primitives: message heads and incremental body decoding."""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Headers, header

HEAD_END = b"\r\n\r\n"
# dockerd answers with 400 when a head is bigger than Go's 1 MiB default
# (net/http DefaultMaxHeaderBytes); a proxy gives up on larger heads too.
MAX_HEAD = 1 << 20


class WireError(ValueError):
    """Bytes that are not a valid HTTP/1.1 message."""


@dataclass(slots=True)
class Head:
    """A parsed request or status line and its header fields."""

    first: str
    second: str
    third: str
    headers: Headers = field(default_factory=list)

    def header(self, name: str) -> str | None:
        """Return the first value of header ``name``, or None."""
        return header(self.headers, name)


def split_head(buffer: bytes) -> tuple[Head, bytes] | None:
    """Parse a message head at the start of ``buffer``.

    Returns the head and the bytes after it, or None while the head is
    incomplete.

    Raises:
        WireError: the start line or a header field is malformed, or the head
            exceeds ``MAX_HEAD`` bytes.
    """
    end = buffer.find(HEAD_END)
    if end < 0:
        if len(buffer) > MAX_HEAD:
            raise WireError("message head exceeds 1 MiB")
        return None
    text = buffer[:end].decode("latin-1")
    lines = text.split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2:
        raise WireError(f"malformed start line: {lines[0]!r}")
    while len(parts) < 3:
        parts.append("")
    headers: Headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise WireError(f"malformed header field: {line!r}")
        headers.append((name, value.strip()))
    return Head(parts[0], parts[1], parts[2], headers), buffer[end + len(HEAD_END) :]


NONE = "none"
LENGTH = "length"
CHUNKED = "chunked"
UNTIL_CLOSE = "close"


def request_body_mode(head: Head) -> tuple[str, int]:
    """Return how a request's body is delimited, and its length if known."""
    encoding = (head.header("Transfer-Encoding") or "").lower()
    if "chunked" in encoding:
        return CHUNKED, 0
    length = head.header("Content-Length")
    if length:
        return LENGTH, _parse_length(length)
    return NONE, 0


def response_body_mode(method: str, status: int, head: Head) -> tuple[str, int]:
    """Return how a response's body is delimited (RFC 9112, section 6.3)."""
    if method == "HEAD" or 100 <= status < 200 or status in (204, 304):
        return NONE, 0
    encoding = (head.header("Transfer-Encoding") or "").lower()
    if "chunked" in encoding:
        return CHUNKED, 0
    length = head.header("Content-Length")
    if length is not None:
        return LENGTH, _parse_length(length)
    return UNTIL_CLOSE, 0


def _parse_length(value: str) -> int:
    try:
        length = int(value)
    except ValueError:
        raise WireError(f"invalid Content-Length: {value!r}") from None
    if length < 0:
        raise WireError(f"invalid Content-Length: {value!r}")
    return length


class BodyDecoder:
    """Decode a body fed in pieces: by length, chunked, or until close.

    ``feed`` returns the payload pieces it completed (one per chunk for a
    chunked body) and the bytes past the end of the body, which belong to
    the next message on the connection.
    """

    def __init__(self, mode: str, length: int = 0) -> None:
        self.mode = mode
        self.remaining = length
        self.done = mode == NONE or (mode == LENGTH and length == 0)
        self.chunked = mode == CHUNKED
        self._buffer = b""
        self._in_trailer = False

    def feed(self, data: bytes) -> tuple[list[bytes], bytes]:
        """Consume ``data``; return the payload pieces and the leftover bytes."""
        if self.done:
            return [], data
        if self.mode == UNTIL_CLOSE:
            return ([data] if data else []), b""
        if self.mode == LENGTH:
            piece, rest = data[: self.remaining], data[self.remaining :]
            self.remaining -= len(piece)
            self.done = self.remaining == 0
            return ([piece] if piece else []), rest
        return self._feed_chunked(data)

    def _feed_chunked(self, data: bytes) -> tuple[list[bytes], bytes]:
        self._buffer += data
        pieces: list[bytes] = []
        while not self.done:
            if self._in_trailer:
                # Trailer fields end with an empty line; dockerd sends none.
                end = self._buffer.find(b"\r\n")
                if end < 0:
                    break
                line, self._buffer = self._buffer[:end], self._buffer[end + 2 :]
                if not line:
                    self.done = True
                continue
            end = self._buffer.find(b"\r\n")
            if end < 0:
                break
            size_text = self._buffer[:end].split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise WireError(f"invalid chunk size: {size_text!r}") from None
            if size == 0:
                self._buffer = self._buffer[end + 2 :]
                self._in_trailer = True
                continue
            start = end + 2
            if len(self._buffer) < start + size + 2:
                break
            pieces.append(self._buffer[start : start + size])
            self._buffer = self._buffer[start + size + 2 :]
        if self.done:
            rest, self._buffer = self._buffer, b""
            return pieces, rest
        return pieces, b""

    def finish(self) -> None:
        """Mark the body ended because the connection closed."""
        if self.mode == UNTIL_CLOSE:
            self.done = True


def encode_chunk(data: bytes) -> bytes:
    """Return ``data`` as one chunk of a chunked body."""
    return f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n"


def format_head(start_line: str, headers: Headers) -> bytes:
    """Return a message head: the start line, the header fields, a blank line."""
    lines = [start_line, *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
