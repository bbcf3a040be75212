"""Streams end when their client hangs up, releasing the request thread."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from fakedaemon import Daemon


def open_stream(daemon: Daemon, target: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(daemon.addresses[0].path)
    sock.sendall(f"GET {target} HTTP/1.1\r\nHost: d\r\n\r\n".encode())
    sock.settimeout(5)
    assert sock.recv(12) == b"HTTP/1.1 200"
    return sock


def wait_for_threads(count: int, timeout: float = 5) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and threading.active_count() > count:
        time.sleep(0.05)
    return threading.active_count()


@pytest.mark.parametrize("target", ["/v1.45/events", "/v1.45/containers/follower/logs"])
def test_stream_ends_on_hangup(daemon: Daemon, target: str) -> None:
    container = daemon.engine.containers.create(
        {"Image": "busybox", "Cmd": ["sleep", "300"]}, None, "follower"
    )
    daemon.engine.containers.start(container.id)
    before = threading.active_count()
    query = "?stdout=1&follow=1" if "logs" in target else ""
    streams = [open_stream(daemon, target + query) for _ in range(5)]
    assert threading.active_count() >= before + 5
    for sock in streams:
        sock.close()
    assert wait_for_threads(before) <= before
    daemon.engine.containers.kill(container.id)
