"""Faults that change the bytes on the wire: raw responses, cut streams, bad frames.

Over a socket these take the connection through the server's hijack function
and write exactly the bytes a broken daemon would. In-process there is no
connection, so they raise ``WireFault`` or ``ConnectionDropped`` for the
in-process transport to turn into the error an HTTP client would meet.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterable, Iterator
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, cast

from werkzeug.wrappers import Response

from ..api.app import HIJACK_KEY
from ..api.responses import Hijack, HijackedConnection

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

GARBAGE = b"\x00\x17\xffthis is not an HTTP response\x01\x02\r\n\r\n\xfe"
"""The bytes the ``garbage`` fault sends instead of a response."""

INVALID_STREAM_TYPE = 7
"""A stream byte outside stdin (0), stdout (1), stderr (2) and systemerr (3)."""


class ConnectionDropped(ConnectionAbortedError):
    """A fault closed the connection in the middle of a response body."""


class WireFault(Exception):
    """A fault that needs the raw connection, raised where there is none.

    ``kind`` is ``drop`` (closed before any response), ``garbage`` (bytes that
    are not HTTP) or ``truncated`` (``status``, ``headers`` and the first
    bytes of ``body`` sent, then closed).
    """

    def __init__(
        self,
        kind: str,
        *,
        status: int = 0,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
    ) -> None:
        super().__init__(f"connection fault: {kind}")
        self.kind = kind
        self.status = status
        self.headers = headers or []
        self.body = body


class RawResponse(Response):
    """A response that takes over the connection, writes ``payload`` and closes."""

    def __init__(self, payload: bytes, fault: WireFault) -> None:
        super().__init__(b"", status=200)
        self.payload = payload
        self.fault = fault

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        hijack = environ.get(HIJACK_KEY)
        if hijack is None:
            raise self.fault
        sock, _ = hijack()
        try:
            if self.payload:
                sock.sendall(self.payload)
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        return []


def drop_connection() -> RawResponse:
    """Return a response that closes the connection without a response."""
    return RawResponse(b"", WireFault("drop"))


def garbage() -> RawResponse:
    """Return a response that sends bytes that are not HTTP, then closes."""
    return RawResponse(GARBAGE, WireFault("garbage", body=GARBAGE))


def truncate(response: Response, size: int) -> Response:
    """Cut the body of ``response`` after ``size`` bytes and close the connection.

    A body of ``size`` bytes or fewer passes intact. A streamed body is
    sent chunked up to the cut; a complete body keeps its full
    ``Content-Length`` so the client notices the missing bytes.
    """
    if isinstance(response, Hijack):
        return response
    if response.is_streamed:
        response.response = _cut(_chunks(response), size)
        return response
    body = response.get_data()
    response.headers["Content-Length"] = str(len(body))
    headers = list(response.headers.items())
    head = [f"HTTP/1.1 {status_line(response.status_code)}"]
    head += [f"{name}: {value}" for name, value in headers]
    payload = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body[:size]
    fault = WireFault(
        "truncated", status=response.status_code, headers=headers, body=body[:size]
    )
    return RawResponse(payload, fault)


def _cut(chunks: Iterable[bytes], size: int) -> Iterator[bytes]:
    sent = 0
    iterator = iter(chunks)
    try:
        for chunk in iterator:
            if sent + len(chunk) >= size:
                if size > sent:
                    yield chunk[: size - sent]
                raise ConnectionDropped(f"fault cut the body after {size} bytes")
            sent += len(chunk)
            yield chunk
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


def stream_error(response: Response, after: int, message: str) -> Response:
    """End a JSON progress stream with an in-band error after ``after`` messages.

    The status stays 200 and the error is one more message
    (``{"errorDetail": {"message": ...}, "error": ...}``), as dockerd reports
    a pull or build that fails once its stream has started.
    """
    if isinstance(response, Hijack) or response.status_code != 200:
        return response
    response.response = _progress_then_error(_chunks(response), after, message)
    response.headers.pop("Content-Length", None)
    response.direct_passthrough = True
    return response


def _progress_then_error(
    chunks: Iterable[bytes], after: int, message: str
) -> Iterator[bytes]:
    error = {"errorDetail": {"message": message}, "error": message}
    line = json.dumps(error, separators=(",", ":")).encode() + b"\r\n"
    iterator = iter(chunks)
    pending = b""
    count = 0
    try:
        if after <= 0:
            yield line
            return
        for chunk in iterator:
            pending += chunk
            while b"\n" in pending:
                message_bytes, _, pending = pending.partition(b"\n")
                yield message_bytes + b"\n"
                count += 1
                if count >= after:
                    yield line
                    return
        if pending:
            yield pending
        yield line
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


class FrameCorrupter:
    """Damages the first 8-byte stdout/stderr frame of an output stream.

    ``bad_header`` writes an invalid stream type and non-zero padding into
    the header; ``truncated`` sends the header with half the payload and
    then closes the connection.
    """

    def __init__(self, *, bad_header: bool, truncated: bool) -> None:
        self.bad_header = bad_header
        self.truncated = truncated
        self.done = False

    def apply(self, data: bytes) -> tuple[bytes, bool]:
        """Return the bytes to send and whether to close the connection after."""
        if self.done or len(data) < 8:
            return data, False
        self.done = True
        if self.bad_header:
            data = bytes([INVALID_STREAM_TYPE, 0xAB, 0xCD, 0xEF]) + data[4:]
        if self.truncated:
            payload = data[8:]
            return data[:8] + payload[: len(payload) // 2], True
        return data, False

    def wrap(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """Apply to a streamed body; a truncation ends it with a dropped connection."""
        iterator = iter(chunks)
        try:
            for chunk in iterator:
                data, close = self.apply(chunk)
                yield data
                if close:
                    raise ConnectionDropped("fault truncated an output frame")
        finally:
            close_iterator = getattr(iterator, "close", None)
            if close_iterator is not None:
                close_iterator()


class _FaultyConnection(HijackedConnection):
    """A hijacked connection whose output passes through a ``FrameCorrupter``."""

    corrupter: FrameCorrupter

    def send(self, data: bytes) -> bool:
        data, close = self.corrupter.apply(data)
        if not super().send(data):
            return False
        if close:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return False
        return True


def corrupt_frames(
    response: Response, *, bad_header: bool, truncated: bool
) -> Response:
    """Damage the first output frame of logs, attach or exec start."""
    corrupter = FrameCorrupter(bad_header=bad_header, truncated=truncated)
    if isinstance(response, Hijack):
        session = response.session

        def faulty_session(connection: HijackedConnection) -> None:
            faulty = _FaultyConnection(connection.sock, connection.reader)
            faulty.corrupter = corrupter
            session(faulty)

        response.session = faulty_session
        return response
    if response.status_code != 200:
        return response
    response.response = corrupter.wrap(_chunks(response))
    response.headers.pop("Content-Length", None)
    response.direct_passthrough = True
    return response


def close_hijack_early(response: Response) -> Response:
    """Close a hijacked connection right after the upgrade, before any output."""
    if not isinstance(response, Hijack):
        return response

    def close_at_once(connection: HijackedConnection) -> None:
        try:
            connection.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    response.session = close_at_once
    return response


class _BareUpgrade(Response):
    """A 101 answer without ``Upgrade`` and ``Connection``, then the session."""

    def __init__(self, hijack: Hijack) -> None:
        super().__init__(b"", status=101)
        self.hijack = hijack

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        take_over: Callable[[], tuple[socket.socket, Any]] | None = environ.get(
            HIJACK_KEY
        )
        if take_over is None:
            error = Response(
                json.dumps(
                    {
                        "message": "this operation needs a hijacked connection, "
                        "which the in-process transport cannot give: serve the "
                        "daemon on a unix socket or TCP"
                    }
                )
                + "\n",
                status=400,
                content_type="application/json",
            )
            return error(environ, start_response)
        sock, reader = take_over()
        head = ["HTTP/1.1 101 UPGRADED", f"Content-Type: {self.hijack.content_type}"]
        head += [
            f"{name}: {value}" for name, value in self.hijack.extra_headers.items()
        ]
        connection = HijackedConnection(sock, reader)
        if connection.send(("\r\n".join(head) + "\r\n\r\n").encode("latin-1")):
            self.hijack.session(connection)
        return []


def upgrade_without_headers(response: Response) -> Response:
    """Answer a hijacking request with a 101 that lacks the upgrade headers."""
    if not isinstance(response, Hijack):
        return response
    return _BareUpgrade(response)


def set_api_version(response: Response, value: str | None) -> Response:
    """Remove ``Api-Version`` (None) or replace it with ``value``."""
    if isinstance(response, Hijack):
        headers = response.extra_headers
        headers.pop("Api-Version", None)
        if value is not None:
            headers["Api-Version"] = value
        return response
    if isinstance(response, _BareUpgrade):
        set_api_version(response.hijack, value)
        return response
    response.headers.pop("Api-Version", None)
    if value is not None:
        response.headers["Api-Version"] = value
    return response


def _chunks(response: Response) -> Iterable[bytes]:
    # Handlers return bytes bodies; werkzeug's type also allows text.
    return cast("Iterable[bytes]", response.response)


def status_line(code: int) -> str:
    """Return ``code`` with Go's reason phrase (``404 Not Found``)."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} status code {code}"
