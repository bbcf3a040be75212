"""``GET /containers/{id}/attach/ws``: a container's stdio over a WebSocket.

The handshake and framing follow RFC 6455 as dockerd's WebSocket server
answers them: output goes out unmasked and never multiplexed, as binary
frames from API 1.28 and text frames before; client frames carry stdin.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import threading

from werkzeug.wrappers import Response

from ...engine.containers import Container
from ..call import Call
from ..responses import Hijack, HijackedConnection
from ..routing import Router

router = Router()

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEXT, _BINARY, _CLOSE, _PING, _PONG = 0x1, 0x2, 0x8, 0x9, 0xA


def accept_key(key: str) -> str:
    """Return ``Sec-WebSocket-Accept`` for a client's ``Sec-WebSocket-Key``."""
    digest = hashlib.sha1((key + _GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def encode_frame(opcode: int, payload: bytes) -> bytes:
    """Encode one final, unmasked frame (server to client)."""
    length = len(payload)
    if length < 126:
        header = struct.pack(">BB", 0x80 | opcode, length)
    elif length < 1 << 16:
        header = struct.pack(">BBH", 0x80 | opcode, 126, length)
    else:
        header = struct.pack(">BBQ", 0x80 | opcode, 127, length)
    return header + payload


def read_frame(connection: HijackedConnection) -> tuple[int, bytes] | None:
    """Read one frame from the client, unmasking it; None at end of input."""
    head = _read_exactly(connection, 2)
    if head is None:
        return None
    opcode = head[0] & 0x0F
    masked = head[1] & 0x80
    length = head[1] & 0x7F
    if length == 126:
        extended = _read_exactly(connection, 2)
        if extended is None:
            return None
        length = struct.unpack(">H", extended)[0]
    elif length == 127:
        extended = _read_exactly(connection, 8)
        if extended is None:
            return None
        length = struct.unpack(">Q", extended)[0]
    if length > 16 * 1024 * 1024:
        return None
    mask = _read_exactly(connection, 4) if masked else b"\0\0\0\0"
    payload = _read_exactly(connection, length) if length else b""
    if mask is None or payload is None:
        return None
    unmasked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return opcode, unmasked


def _read_exactly(connection: HijackedConnection, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = connection.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


@router.get("/containers/<id>/attach/ws", "ContainerAttachWebsocket")
def attach_websocket(call: Call, id: str) -> Response:
    """Upgrade to a WebSocket and carry the container's stdio both ways."""
    container = call.engine.containers.get(id)
    headers = call.request.headers
    key = headers.get("Sec-WebSocket-Key", "")
    # Go's WebSocket server refuses a bad handshake in plain text, after
    # dockerd has taken over the connection, so no JSON and no API headers.
    if "websocket" not in headers.get("Upgrade", "").lower() or not key:
        return _refusal(["HTTP/1.1 400 Bad Request"], "not websocket protocol")
    if headers.get("Sec-WebSocket-Version", "") != "13":
        return _refusal(
            ["HTTP/1.1 400 Bad Request", "Sec-WebSocket-Version: 13"],
            "missing or bad WebSocket Version",
        )
    opcode = _BINARY if call.version.at_least("1.28") else _TEXT
    streams = {name for name in ("stdout", "stderr") if call.query_bool(name)}
    want_stdin = call.query_bool("stdin")
    stop = threading.Event()
    output = call.engine.containers.attach_output(
        container,
        logs=call.query_bool("logs"),
        stream=call.query_bool("stream"),
        stop=stop,
    )

    def session(connection: HijackedConnection) -> None:
        if want_stdin and container.config.get("OpenStdin"):
            threading.Thread(
                target=_pump_stdin, args=(connection, container, stop), daemon=True
            ).start()

        def end() -> None:
            stop.set()
            container.log.notify()
            call.engine.containers.wake()

        try:
            # With nothing to carry, dockerd closes the socket at once.
            frames = output if streams or want_stdin else iter(())
            with call.on_disconnect(end):
                for stream_name, data in frames:
                    if stream_name in streams and not connection.send(
                        encode_frame(opcode, data)
                    ):
                        break
            connection.send(encode_frame(_CLOSE, struct.pack(">H", 1000)))
        finally:
            stop.set()
            connection.close_write()

    head = [
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Accept: {accept_key(key)}",
    ]
    return Hijack(session, "application/octet-stream", head=head)


def _refusal(head: list[str], message: str) -> Hijack:
    def session(connection: HijackedConnection) -> None:
        connection.send(message.encode())
        connection.close_write()

    return Hijack(session, "text/plain", head=head)


def _pump_stdin(
    connection: HijackedConnection, container: Container, stop: threading.Event
) -> None:
    """Copy the payload of each client frame into the container's stdin."""
    while not stop.is_set():
        frame = read_frame(connection)
        pipe = container.stdin
        if frame is None or frame[0] == _CLOSE:
            if pipe is not None and container.config.get("StdinOnce"):
                pipe.close()
            return
        if frame[0] == _PING:
            connection.send(encode_frame(_PONG, frame[1]))
        elif frame[0] in (_TEXT, _BINARY, 0x0) and pipe is not None:
            pipe.write(frame[1])
