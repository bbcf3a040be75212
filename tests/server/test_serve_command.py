"""``fakedaemon serve`` as a process: the printed host, signals and cleanup."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest


def start_serve(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "fakedaemon", "serve", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_and_removes_socket(tmp_path: Path, stop_signal: int) -> None:
    socket_path = tmp_path / "d.sock"
    process = start_serve("-H", f"unix://{socket_path}")
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        assert line == f"DOCKER_HOST=unix://{socket_path}"
        transport = httpx.HTTPTransport(uds=str(socket_path))
        with httpx.Client(transport=transport, base_url="http://docker") as client:
            assert client.get("/_ping").text == "OK"
        process.send_signal(stop_signal)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert not socket_path.exists()


def test_tcp_port_zero_prints_port(tmp_path: Path) -> None:
    process = start_serve("-H", "tcp://127.0.0.1:0", "-H", f"unix://{tmp_path}/d.sock")
    try:
        assert process.stdout is not None
        tcp_line = process.stdout.readline().strip()
        unix_line = process.stdout.readline().strip()
        assert tcp_line.startswith("DOCKER_HOST=tcp://127.0.0.1:")
        port = int(tcp_line.rsplit(":", 1)[1])
        assert port > 0
        assert unix_line == f"DOCKER_HOST=unix://{tmp_path}/d.sock"
        assert httpx.get(f"http://127.0.0.1:{port}/_ping").text == "OK"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        assert process.stderr is not None
        errors = process.stderr.read()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert "Binding to an IP address, even on localhost" in errors


def test_public_address_refused() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fakedaemon", "serve", "-H", "tcp://0.0.0.0:2375"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "binds loopback addresses only" in result.stderr


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("", "invalid image '': invalid reference format"),
        ("Bad!!Ref", "invalid image 'Bad!!Ref': invalid reference format"),
    ],
)
def test_invalid_image_rejected(tmp_path: Path, image: str, message: str) -> None:
    socket_path = tmp_path / "docker.sock"
    with start_serve("-H", f"unix://{socket_path}", "--image", image) as process:
        _, errors = process.communicate(timeout=30)

    assert process.returncode == 1
    assert message in errors
    assert "Traceback" not in errors
    assert not socket_path.exists()


def test_env_prints_default_socket() -> None:
    environment = {**os.environ, "XDG_RUNTIME_DIR": ""}
    result = subprocess.run(
        [sys.executable, "-m", "fakedaemon", "env"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=30,
    )
    assert result.stdout.strip() == (
        f"export DOCKER_HOST=unix:///tmp/fakedaemon-{os.getuid()}/docker.sock"
    )
