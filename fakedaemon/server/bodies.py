"""Request bodies: a length-limited reader and a chunked-encoding decoder.

Both read as the handler asks, never more, so a client that announces a
huge body cannot make the daemon allocate it. Errors are raised as
``BodyReadError`` with the words of Go's ``net/http``, which dockerd's
handlers pass on (``invalid JSON: unexpected EOF``).
"""

from __future__ import annotations

import io
from typing import Any, BinaryIO

from ..errors import InvalidParameter

MAX_CHUNK_LINE = 4096
"""Longest chunk-size line accepted, extensions included, as in Go."""

DRAIN_LIMIT = 4 * 1024 * 1024
"""Unread request body a connection skips to reach its next request."""


class BodyReadError(InvalidParameter):
    """A request body that ended early or broke the chunked encoding."""


class LengthReader(io.RawIOBase):
    """The body of a request with ``Content-Length``: reads stop at the length."""

    def __init__(self, source: BinaryIO, length: int) -> None:
        self._source = source
        self.remaining = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.remaining <= 0:
            return 0
        view = memoryview(buffer)[: self.remaining]
        data = self._source.read1(len(view))  # type: ignore[attr-defined]
        if not data:
            raise BodyReadError("unexpected EOF")
        view[: len(data)] = data
        self.remaining -= len(data)
        return len(data)

    def drain(self) -> bool:
        """Skip what the handler left unread; False when that is too much."""
        if self.remaining > DRAIN_LIMIT:
            return False
        try:
            while self.remaining > 0:
                self.readinto(bytearray(min(self.remaining, 65536)))
        except BodyReadError:
            return False
        return True


class ChunkedReader(io.RawIOBase):
    """The body of a request with ``Transfer-Encoding: chunked``."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self._left = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._done:
            return 0
        if self._left == 0:
            self._left = self._next_size()
            if self._left == 0:
                self._finish()
                return 0
        view = memoryview(buffer)[: self._left]
        data = self._source.read1(len(view))  # type: ignore[attr-defined]
        if not data:
            raise BodyReadError("unexpected EOF")
        view[: len(data)] = data
        self._left -= len(data)
        if self._left == 0:
            self._expect_crlf()
        return len(data)

    def _next_size(self) -> int:
        line = self._source.readline(MAX_CHUNK_LINE + 1)
        if not line:
            raise BodyReadError("unexpected EOF")
        if len(line) > MAX_CHUNK_LINE or not line.endswith(b"\n"):
            raise BodyReadError("header line too long")
        text = line.rstrip(b"\r\n").split(b";", 1)[0].strip(b" \t")
        if len(text) > 16:
            raise BodyReadError("http chunk length too large")
        if not text or any(c not in b"0123456789abcdefABCDEF" for c in text):
            raise BodyReadError("invalid byte in chunk length")
        return int(text, 16)

    def _expect_crlf(self) -> None:
        ending = self._source.read(2)
        if ending != b"\r\n":
            if len(ending) < 2:
                raise BodyReadError("unexpected EOF")
            raise BodyReadError("malformed chunked encoding")

    def _finish(self) -> None:
        # The trailer section ends with an empty line.
        while True:
            line = self._source.readline(MAX_CHUNK_LINE + 1)
            if not line:
                raise BodyReadError("unexpected EOF")
            if line in (b"\r\n", b"\n"):
                break
        self._done = True

    def drain(self) -> bool:
        """Skip what the handler left unread; False when that is too much."""
        total = 0
        try:
            while not self._done:
                count = self.readinto(bytearray(65536))
                total += count
                if total > DRAIN_LIMIT:
                    return False
        except BodyReadError:
            return False
        return True
