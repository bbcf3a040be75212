"""Response builders for handlers: JSON, empty, streams and hijacked connections."""

from __future__ import annotations

import fcntl
import socket
import struct
import termios
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Response

from .jsonenc import dump_line

JSON = "application/json"
RAW_STREAM = "application/vnd.docker.raw-stream"
MULTIPLEXED_STREAM = "application/vnd.docker.multiplexed-stream"


class Buffered(Response):
    """A response with its whole body in hand and headers the daemon wrote.

    werkzeug's constructor checks each header value for line breaks that a
    client could have smuggled in, and works out the content type and the
    status text. The daemon's own constant headers need none of that, so
    they go into the header list as they are: building a small response
    takes about a third of the time. In every other way it is a werkzeug
    ``Response``, which middlewares and faults may change as any other.
    """

    def __init__(
        self, body: bytes, status: int, headers: Iterable[tuple[str, str]] = ()
    ) -> None:
        self.headers = Headers()
        extend_trusted(self.headers, [*headers, ("Content-Length", str(len(body)))])
        self.status = status
        self.direct_passthrough = False
        self._on_close = []
        self.response = [body]


def extend_trusted(headers: Headers, items: Iterable[tuple[str, str]]) -> None:
    """Append ``items`` to ``headers`` without werkzeug's value checks.

    Only for names and values the daemon wrote itself, never for ones a
    request carried. werkzeug keeps the pairs in ``Headers._list``, and the
    tests compare the result with what werkzeug's own methods build.
    """
    headers._list.extend(items)


_JSON_HEADERS = (("Content-Type", JSON),)


def json_response(document: Any, status: int = 200) -> Response:
    """Return ``document`` as dockerd's ``WriteJSON`` writes it."""
    return Buffered(dump_line(document), status, _JSON_HEADERS)


def json_bytes_response(body: bytes, status: int = 200) -> Response:
    """Return a body already encoded as ``json_response`` would encode it."""
    return Buffered(body, status, _JSON_HEADERS)


def empty(status: int = 204) -> Response:
    """Return a response without a body (204 by default)."""
    return Buffered(b"", status)


def stream(
    chunks: Iterable[bytes], content_type: str = JSON, status: int = 200
) -> Response:
    """Return a streamed response; the server sends each chunk as it comes.

    The status line and headers go out before the first chunk is produced,
    as dockerd flushes them before it starts waiting.
    """
    response = Response(chunks, status=status, content_type=content_type)
    response.direct_passthrough = True
    return response


def json_lines(documents: Iterable[Any]) -> Iterator[bytes]:
    """Encode each document as one line of a JSON stream."""
    for document in documents:
        yield dump_line(document)


@dataclass
class HijackedConnection:
    """The raw connection of a hijacked request: the client's bytes both ways.

    ``reader`` is the server's buffered reader, so bytes the client sent right
    after the request headers are not lost.
    """

    sock: socket.socket
    reader: BinaryIO

    def send(self, data: bytes) -> bool:
        """Write ``data``; return False once the client has gone away."""
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        return True

    def read(self, size: int = 65536) -> bytes:
        """Read up to ``size`` bytes from the client; b"" at end of input."""
        try:
            return self.reader.read1(size)  # type: ignore[attr-defined,no-any-return]
        except (OSError, ValueError):
            return b""

    def wait_until_read(self, timeout: float = 1.0) -> None:
        """Wait until the client has read everything sent so far, up to ``timeout``.

        Some clients (docker-py through http.client) read the response head
        with a buffered reader and then take the raw socket, losing bytes that
        arrived with the head. A real process needs milliseconds to start, so
        its output never arrives that early; a simulated one would.
        """
        if self.sock.family != socket.AF_UNIX:
            # TCP reports bytes the peer's kernel has not acknowledged, not
            # bytes its application has read, so only a short pause helps.
            time.sleep(0.01)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                queued = fcntl.ioctl(self.sock.fileno(), termios.TIOCOUTQ, b"\0" * 4)
            except OSError:
                return
            if struct.unpack("i", queued)[0] == 0:
                return
            time.sleep(0.001)

    def close_write(self) -> None:
        """Half-close the connection so the client sees the end of output."""
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass


class Hijack(Response):
    """A response that takes over the connection (attach, exec start).

    The server writes the status line and headers itself, then hands the
    socket to ``session``; no HTTP framing follows.
    """

    def __init__(
        self,
        session: Callable[[HijackedConnection], None],
        content_type: str,
        *,
        extra_headers: dict[str, str] | None = None,
        head: list[str] | None = None,
    ) -> None:
        super().__init__(b"", status=200, content_type=content_type)
        self.session = session
        self.extra_headers = extra_headers or {}
        self.head = head
        """A complete status line and headers to send instead of the usual 101."""
