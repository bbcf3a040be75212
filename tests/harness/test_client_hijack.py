"""Tests of hijacked attach and exec connections over a unix socket."""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from harness.client import Client, StreamType, UpgradeError

if TYPE_CHECKING:
    from conftest import RawServer

StartServer = Callable[[Callable[[bytes], bytes]], "RawServer"]

UPGRADED = (
    b"HTTP/1.1 101 UPGRADED\r\n"
    b"Content-Type: application/vnd.docker.multiplexed-stream\r\n"
    b"Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
)


def frame(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", kind, len(payload)) + payload


def test_attach_frames(raw_server: StartServer) -> None:
    server = raw_server(lambda head: UPGRADED + frame(1, b"hi\n") + frame(2, b"e"))
    with Client(server.host, version="1.45") as client:
        conn = client.container_attach("c1", stdin=True)
        with conn:
            frames = list(conn.frames())
    assert frames == [(StreamType.STDOUT, b"hi\n"), (StreamType.STDERR, b"e")]
    assert conn.media_type == "application/vnd.docker.multiplexed-stream"


def test_attach_request_head(raw_server: StartServer) -> None:
    server = raw_server(lambda head: UPGRADED)
    with Client(server.host, version="1.45") as client:
        client.container_attach("c1", stdin=True, logs=True).close()
    lines = server.heads[0].decode().split("\r\n")
    assert lines[0] == (
        "POST /v1.45/containers/c1/attach?logs=1&stderr=1&stdin=1&stdout=1&stream=1"
        " HTTP/1.1"
    )
    assert "Host: api.moby.localhost" in lines
    assert "Connection: Upgrade" in lines
    assert "Upgrade: tcp" in lines
    assert "Content-Type: text/plain" in lines


def test_stdin_and_half_close(raw_server: StartServer) -> None:
    server = raw_server(lambda head: UPGRADED)
    with Client(server.host, version="1.45") as client:
        conn = client.container_attach("c1", stdin=True)
        conn.send_stdin(b"input\n")
        conn.close_stdin()
        assert list(conn.frames()) == []
        conn.close()
    deadline = time.monotonic() + 5
    while bytes(server.received) != b"input\n" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert bytes(server.received) == b"input\n"


def test_upgrade_refused(raw_server: StartServer) -> None:
    reply = (
        b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n\r\n"
        b"No such container: c1\r\n"
    )
    server = raw_server(lambda head: reply)
    with Client(server.host, version="1.45") as client:
        with pytest.raises(UpgradeError) as caught:
            client.container_attach("c1")
    assert str(caught.value) == "unable to upgrade to tcp, received 404"
    assert caught.value.body == b"No such container: c1\r\n"


def test_exec_start_tty_raw(raw_server: StartServer) -> None:
    reply = (
        b"HTTP/1.1 101 UPGRADED\r\n"
        b"Content-Type: application/vnd.docker.raw-stream\r\n\r\nraw bytes"
    )
    server = raw_server(lambda head: reply)
    with Client(server.host, version="1.45") as client:
        with client.exec_start("e1", tty=True, console_size=(24, 80)) as conn:
            frames = list(conn.frames())
    assert frames == [(StreamType.STDOUT, b"raw bytes")]
    head = server.heads[0].decode()
    assert head.startswith("POST /v1.45/exec/e1/start HTTP/1.1")
    assert "Content-Type: application/json" in head
    assert bytes(server.received).startswith(
        b'{"Detach":false,"Tty":true,"ConsoleSize":[24,80]}\n'
    )


def test_connect_refused(tmp_path: object) -> None:
    with Client(f"unix://{tmp_path}/none.sock", version="1.45") as client:
        with pytest.raises(Exception, match="Cannot connect to the Docker daemon"):
            client.container_attach("c1")
