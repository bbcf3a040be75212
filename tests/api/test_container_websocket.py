"""The WebSocket attach route over a real socket."""

from __future__ import annotations

import base64
import os
import socket

from fakedaemon import Daemon
from fakedaemon.api.routers.container_websocket import accept_key


def request(daemon: Daemon, target: str, headers: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(daemon.addresses[0].path)
    sock.settimeout(10)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: d\r\n{headers}\r\n".encode())
    return sock


def read_all(sock: socket.socket) -> bytes:
    received = b""
    while chunk := sock.recv(65536):
        received += chunk
    return received


def upgrade_headers(key: str, version: str = "13") -> str:
    return (
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: {version}\r\n"
    )


def test_accept_key_matches_rfc_example() -> None:
    assert accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_plain_request_is_refused(daemon: Daemon) -> None:
    container = daemon.engine.containers.create({"Image": "busybox"}, None, "ws1")
    with request(daemon, f"/v1.45/containers/{container.id}/attach/ws", "") as sock:
        assert (
            read_all(sock) == b"HTTP/1.1 400 Bad Request\r\n\r\nnot websocket protocol"
        )


def test_bad_version_is_refused(daemon: Daemon) -> None:
    container = daemon.engine.containers.create({"Image": "busybox"}, None, "ws2")
    headers = upgrade_headers("dGhlIHNhbXBsZSBub25jZQ==", version="8")
    with request(
        daemon, f"/v1.45/containers/{container.id}/attach/ws", headers
    ) as sock:
        assert read_all(sock) == (
            b"HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Version: 13\r\n\r\n"
            b"missing or bad WebSocket Version"
        )


def test_output_arrives_as_binary_frames(daemon: Daemon) -> None:
    container = daemon.engine.containers.create(
        {"Image": "busybox", "Cmd": ["sh", "-c", "echo hi; echo err >&2"]}, None, "ws3"
    )
    key = base64.b64encode(os.urandom(16)).decode()
    target = f"/v1.45/containers/{container.id}/attach/ws?stream=1&stdout=1&stderr=1"
    with request(daemon, target, upgrade_headers(key)) as sock:
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
        assert f"Sec-WebSocket-Accept: {accept_key(key)}".encode() in head
        daemon.engine.containers.start(container.id)
        frames = read_all(sock)
    assert frames == b"\x82\x03hi\n\x82\x04err\n\x88\x02\x03\xe8"


def test_stdin_frames_reach_the_process(daemon: Daemon) -> None:
    container = daemon.engine.containers.create(
        {"Image": "busybox", "Cmd": ["cat"], "OpenStdin": True, "StdinOnce": True},
        None,
        "ws4",
    )
    key = base64.b64encode(os.urandom(16)).decode()
    target = f"/v1.45/containers/{container.id}/attach/ws?stream=1&stdout=1&stdin=1"
    with request(daemon, target, upgrade_headers(key)) as sock:
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += sock.recv(1)
        daemon.engine.containers.start(container.id)
        mask = b"\x01\x02\x03\x04"
        payload = b"ping\n"
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        sock.sendall(b"\x82" + bytes([0x80 | len(payload)]) + mask + masked)
        sock.sendall(b"\x88\x80" + mask)
        frames = read_all(sock)
    assert frames.startswith(b"\x82\x05ping\n")


def test_text_frames_before_128(daemon: Daemon) -> None:
    container = daemon.engine.containers.create(
        {"Image": "busybox", "Cmd": ["echo", "old"]}, None, "ws5"
    )
    key = base64.b64encode(os.urandom(16)).decode()
    target = f"/v1.27/containers/{container.id}/attach/ws?stream=1&stdout=1"
    with request(daemon, target, upgrade_headers(key)) as sock:
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            head += sock.recv(1)
        daemon.engine.containers.start(container.id)
        frames = read_all(sock)
    assert frames.startswith(b"\x81\x04old\n")
