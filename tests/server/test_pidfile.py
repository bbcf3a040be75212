"""The pid file: a live owner rejects a second daemon, a stale file is replaced."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fakedaemon.server.pidfile import PidFile, PidFileError


def finished_pid() -> int:
    process = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(process.stdout)


def test_acquire_writes_own_pid(tmp_path: Path) -> None:
    path = tmp_path / "run" / "d.pid"
    PidFile(path).acquire()
    assert path.read_text() == str(os.getpid())


def test_live_owner_rejected(tmp_path: Path) -> None:
    path = tmp_path / "d.pid"
    path.write_text(str(os.getppid()))
    with pytest.raises(PidFileError) as raised:
        PidFile(path).acquire()
    assert str(raised.value) == (
        f"pid file found, ensure docker is not running or delete {path}"
    )
    assert path.read_text() == str(os.getppid())


def test_stale_pid_replaced(tmp_path: Path) -> None:
    path = tmp_path / "d.pid"
    path.write_text(str(finished_pid()))
    PidFile(path).acquire()
    assert path.read_text() == str(os.getpid())


def test_garbage_replaced(tmp_path: Path) -> None:
    path = tmp_path / "d.pid"
    path.write_text("not a number\n")
    PidFile(path).acquire()
    assert path.read_text() == str(os.getpid())


def test_release_removes_file(tmp_path: Path) -> None:
    path = tmp_path / "d.pid"
    pidfile = PidFile(path)
    pidfile.acquire()
    pidfile.release()
    assert not path.exists()


def test_release_keeps_foreign_file(tmp_path: Path) -> None:
    path = tmp_path / "d.pid"
    pidfile = PidFile(path)
    pidfile.acquire()
    path.write_text(str(os.getppid()))
    pidfile.release()
    assert path.read_text() == str(os.getppid())
