"""WebSocket connections (RFC 6455) for ``GET /containers/{id}/attach/ws``."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import struct
from collections.abc import Iterator
from types import TracebackType

from harness.client.errors import ProtocolError

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_CLOSE, _PING, _PONG = 0x8, 0x9, 0xA
_MAX_PAYLOAD = 16 * 1024 * 1024


def new_key() -> str:
    """Return a random ``Sec-WebSocket-Key``."""
    return base64.b64encode(os.urandom(16)).decode("ascii")


def accept_key(key: str) -> str:
    """Return the ``Sec-WebSocket-Accept`` a server must send for ``key``."""
    digest = hashlib.sha1((key + _GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


class WebSocketConnection:
    """A client WebSocket: masked frames out, the server's payloads in.

    The container's output arrives as whole messages, never multiplexed;
    ``send_stdin`` writes one binary frame and ``close`` sends a close frame.
    """

    def __init__(self, sock: socket.socket, buffered: bytes) -> None:
        self._sock = sock
        self._buffer = bytearray(buffered)
        self._closed = False

    def send_stdin(self, data: bytes) -> None:
        """Send ``data`` to the container's stdin as one binary frame."""
        self._send(0x2, data)

    def messages(self) -> Iterator[bytes]:
        """Yield each data message until the server closes the connection."""
        while True:
            frame = self._read_frame()
            if frame is None:
                return
            opcode, payload = frame
            if opcode == _CLOSE:
                return
            if opcode == _PING:
                self._send(_PONG, payload)
            elif opcode != _PONG:
                yield payload

    def settimeout(self, timeout: float | None) -> None:
        """Set the socket timeout for reads."""
        self._sock.settimeout(timeout)

    def close(self) -> None:
        """Send a close frame (status 1000) and close the socket."""
        if self._closed:
            return
        self._closed = True
        try:
            self._send(_CLOSE, struct.pack(">H", 1000))
        except OSError:
            pass
        self._sock.close()

    def __enter__(self) -> WebSocketConnection:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack(">BB", 0x80 | opcode, 0x80 | length)
        elif length < 1 << 16:
            header = struct.pack(">BBH", 0x80 | opcode, 0x80 | 126, length)
        else:
            header = struct.pack(">BBQ", 0x80 | opcode, 0x80 | 127, length)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self._sock.sendall(header + mask + masked)

    def _read_frame(self) -> tuple[int, bytes] | None:
        head = self._read(2)
        if head is None:
            return None
        opcode = head[0] & 0x0F
        length = head[1] & 0x7F
        if head[1] & 0x80:
            raise ProtocolError("the daemon sent a masked WebSocket frame")
        if length in (126, 127):
            size = 2 if length == 126 else 8
            extended = self._read(size)
            if extended is None:
                return None
            length = int.from_bytes(extended, "big")
        if length > _MAX_PAYLOAD:
            raise ProtocolError(f"WebSocket frame of {length} bytes is too large")
        payload = self._read(length) if length else b""
        if payload is None:
            return None
        return opcode, payload

    def _read(self, size: int) -> bytes | None:
        while len(self._buffer) < size:
            chunk = self._sock.recv(65536)
            if not chunk:
                return None
            self._buffer += chunk
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data
