"""Hijacked connections for attach, exec and session (HTTP ``101`` upgrade)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator, Mapping
from types import TracebackType

from harness.client.errors import (
    ConnectError,
    ProtocolError,
    RequestTimeout,
    UpgradeError,
)
from harness.client.hosts import Host
from harness.client.streams import StreamType, demultiplex, raw_frames

_HEADER_LIMIT = 64 * 1024
_BODY_LIMIT = 1024 * 1024
_CHUNK = 32 * 1024


def open_socket(
    host: Host, *, ssl_context: ssl.SSLContext | None, timeout: float | None
) -> socket.socket:
    """Connect a plain or TLS socket to the daemon.

    Raises:
        ConnectError: the socket cannot be connected.
        RequestTimeout: connecting timed out.
    """
    try:
        if host.is_unix:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(host.addr)
            except BaseException:
                sock.close()
                raise
        else:
            name, _, port = host.addr.rpartition(":")
            if not name:
                raise ConnectError(f"missing port in docker host `{host.text}`")
            server = name.strip("[]")
            sock = socket.create_connection((server, int(port)), timeout=timeout)
            if ssl_context is not None:
                sock = ssl_context.wrap_socket(sock, server_hostname=server)
    except TimeoutError as error:
        raise RequestTimeout(f"timed out connecting to {host.text}") from error
    except OSError as error:
        raise ConnectError(
            f"Cannot connect to the Docker daemon at {host.text}. "
            f"Is the docker daemon running? ({error})"
        ) from error
    return sock


class HijackedConnection:
    """The raw byte stream of an attach or exec after the ``101`` upgrade.

    Attributes:
        media_type: the response's ``Content-Type``
            (``application/vnd.docker.raw-stream`` or ``…multiplexed-stream``).
        headers: the response headers, names lower-cased.
        tty: True when the stream carries raw TTY bytes instead of frames.
    """

    def __init__(
        self,
        sock: socket.socket,
        buffered: bytes,
        headers: dict[str, str],
        *,
        tty: bool,
    ) -> None:
        self._sock = sock
        self._buffered = buffered
        self.headers = headers
        self.media_type = headers.get("content-type", "")
        self.tty = tty

    def send_stdin(self, data: bytes) -> None:
        """Write ``data`` to the container's stdin."""
        self._sock.sendall(data)

    def close_stdin(self) -> None:
        """Half-close the connection so the container sees end of input.

        Raises:
            ProtocolError: the connection is TLS. Python's ssl module cannot
                half-close (Go sends close_notify and keeps reading), and a
                plain shutdown would drop the TLS layer under later reads.
        """
        if isinstance(self._sock, ssl.SSLSocket):
            raise ProtocolError(
                "cannot close stdin alone on a TLS connection: Python's ssl "
                "module has no half-close; close the whole connection instead"
            )
        try:
            self._sock.shutdown(socket.SHUT_WR)
        except OSError:
            # Already closed by the daemon: stdin has ended either way.
            pass

    def chunks(self) -> Iterator[bytes]:
        """Yield the bytes the daemon sends until it closes the connection."""
        if self._buffered:
            data, self._buffered = self._buffered, b""
            yield data
        while True:
            try:
                data = self._sock.recv(_CHUNK)
            except TimeoutError as error:
                raise RequestTimeout("timed out reading the hijacked stream") from error
            except OSError:
                # A reset after the daemon finished is the end of the stream.
                return
            if not data:
                return
            yield data

    def frames(self) -> Iterator[tuple[StreamType, bytes]]:
        """Yield ``(stream, payload)`` pairs: demultiplexed, or stdout for a TTY."""
        if self.tty:
            return raw_frames(self.chunks())
        return demultiplex(self.chunks())

    def settimeout(self, timeout: float | None) -> None:
        """Set the socket timeout for reads and writes, in seconds."""
        self._sock.settimeout(timeout)

    def close(self) -> None:
        """Close the connection."""
        self._sock.close()

    def __enter__(self) -> HijackedConnection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def upgrade(
    sock: socket.socket,
    *,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    protocol: str = "tcp",
) -> tuple[bytes, dict[str, str]]:
    """Send an upgrade request on ``sock`` and read the response head.

    Returns:
        The bytes read past the response head and the response headers.

    Raises:
        UpgradeError: the status is not 101; the body (up to 1 MiB) is kept.
        ProtocolError: the response head is malformed or missing.
    """
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines += ["Connection: Upgrade", f"Upgrade: {protocol}"]
    lines.append(f"Content-Length: {len(body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    try:
        sock.sendall(head + body)
    except OSError as error:
        raise ProtocolError(f"failed to send the upgrade request: {error}") from error

    data = bytearray()
    while b"\r\n\r\n" not in data:
        chunk = _recv(sock)
        if not chunk:
            raise ProtocolError("connection closed before the upgrade response")
        data += chunk
        if len(data) > _HEADER_LIMIT:
            raise ProtocolError("upgrade response head is larger than 64 KiB")

    raw_head, _, rest = bytes(data).partition(b"\r\n\r\n")
    status, response_headers = _parse_head(raw_head)
    if status != 101:
        raise UpgradeError(status, _read_body(sock, rest, response_headers))
    return rest, response_headers


def _recv(sock: socket.socket) -> bytes:
    try:
        return sock.recv(_CHUNK)
    except TimeoutError as error:
        raise RequestTimeout("timed out waiting for the upgrade response") from error
    except OSError as error:
        raise ProtocolError(f"failed to read the upgrade response: {error}") from error


def _parse_head(raw_head: bytes) -> tuple[int, dict[str, str]]:
    text = raw_head.decode("latin-1")
    status_line, *header_lines = text.split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ProtocolError(f"malformed HTTP response {status_line!r}")

    headers: dict[str, str] = {}
    for line in header_lines:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return int(parts[1]), headers


def _read_body(sock: socket.socket, rest: bytes, headers: dict[str, str]) -> bytes:
    """Read an error body: by Content-Length, else until the daemon closes."""
    body = bytearray(rest)
    length_text = headers.get("content-length")
    length = int(length_text) if length_text and length_text.isdigit() else None
    while len(body) < _BODY_LIMIT and (length is None or len(body) < length):
        try:
            chunk = sock.recv(_CHUNK)
        except OSError:
            break
        if not chunk:
            break
        body += chunk
    return bytes(body[:length] if length is not None else body[:_BODY_LIMIT])
