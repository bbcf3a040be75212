"""sd_notify messages to a unix datagram socket."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakedaemon.server.notify import notify


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[socket.socket, str]]:
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(path)
        sock.settimeout(5)
        yield sock, path


def test_ready_sent(receiver: tuple[socket.socket, str]) -> None:
    sock, path = receiver
    assert notify("READY=1", {"NOTIFY_SOCKET": path})
    assert sock.recv(1024) == b"READY=1"


def test_without_socket_nothing_sent() -> None:
    assert not notify("READY=1", {})


def test_missing_socket_reported(tmp_path: Path) -> None:
    environ = {"NOTIFY_SOCKET": str(tmp_path / "absent.sock")}
    assert not notify("READY=1", environ)
