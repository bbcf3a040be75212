"""Unix socket ownership and mode (``--group``)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from fakedaemon import Daemon, DaemonConfig
from fakedaemon.server.listeners import lookup_group


def test_socket_mode_0660(tmp_path: Path) -> None:
    path = tmp_path / "d.sock"
    with Daemon(DaemonConfig(), hosts=[f"unix://{path}"]):
        assert stat.S_IMODE(path.stat().st_mode) == 0o660


def test_group_owns_socket(tmp_path: Path) -> None:
    path = tmp_path / "d.sock"
    group = str(os.getgid())
    with Daemon(DaemonConfig(group=group), hosts=[f"unix://{path}"]):
        assert path.stat().st_gid == os.getgid()
        assert stat.S_IMODE(path.stat().st_mode) == 0o660


def test_unknown_group_fails_start(tmp_path: Path) -> None:
    path = tmp_path / "d.sock"
    daemon = Daemon(DaemonConfig(group="no-such-group-x"), hosts=[f"unix://{path}"])
    with pytest.raises(ValueError, match="group no-such-group-x not found"):
        daemon.start()
    assert not path.exists()


def test_lookup_numeric_group() -> None:
    assert lookup_group("4242") == 4242


def test_several_listeners(tmp_path: Path) -> None:
    first, second = tmp_path / "a.sock", tmp_path / "b.sock"
    hosts = [f"unix://{first}", f"unix://{second}", "tcp://127.0.0.1:0"]
    with Daemon(DaemonConfig(), hosts=hosts) as daemon:
        schemes = [address.scheme for address in daemon.addresses]
    assert schemes == ["unix", "unix", "tcp"]
