"""No container starts a host process, whatever command the CLI sends."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

GUARD = Path(__file__).with_name("host_process_guard.py")

DOCKERFILE = b"""FROM busybox
RUN echo built > /built.txt && mkdir -p /app
COPY hello.txt /app/hello.txt
CMD ["cat", "/app/hello.txt"]
"""

FLOWS: list[tuple[str, ...]] = [
    ("run", "--rm", "busybox", "echo", "hello"),
    ("run", "--rm", "busybox", "sh", "-c", "echo a | cat; ls / > /dev/null"),
    ("run", "-d", "--name", "svc", "busybox", "sleep", "1000"),
    ("exec", "svc", "sh", "-c", "echo from-exec; id"),
    ("logs", "svc"),
    ("top", "svc"),
    ("cp", "svc:/etc/hostname", "{tmp}/hostname"),
    ("cp", "{tmp}/hello.txt", "svc:/tmp/hello.txt"),
    ("diff", "svc"),
    ("commit", "svc", "committed:1"),
    ("restart", "-t", "0", "svc"),
    ("stop", "-t", "0", "svc"),
    ("rm", "svc"),
    ("pull", "busybox:latest"),
    ("tag", "busybox:latest", "mine:1"),
    ("build", "-t", "built:1", "{tmp}/context"),
    ("run", "--rm", "built:1"),
    ("save", "-o", "{tmp}/images.tar", "mine:1"),
    ("rmi", "mine:1"),
    ("load", "-i", "{tmp}/images.tar"),
    ("images",),
    ("ps", "-a"),
]


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    if shutil.which("docker") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the docker CLI is required under CI")
        pytest.skip("the docker CLI is not installed on this machine")
    folder = tmp_path_factory.mktemp("guarded")
    log = folder / "guard.log"
    log.write_text("")
    socket_path = folder / "d.sock"
    process = subprocess.Popen(
        [sys.executable, str(GUARD), "serve", "-H", f"unix://{socket_path}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "FAKEDAEMON_GUARD_LOG": str(log)},
    )
    assert process.stdout is not None
    process.stdout.readline()
    context = folder / "context"
    context.mkdir()
    (context / "Dockerfile").write_bytes(DOCKERFILE)
    (context / "hello.txt").write_text("hello from the build\n")
    (folder / "hello.txt").write_text("copied in\n")
    (folder / "config").mkdir()
    try:
        yield {"folder": folder, "log": log, "socket": socket_path}
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        process.stdout.close()


def docker(paths: dict[str, Path], *arguments: str) -> subprocess.CompletedProcess[str]:
    folder = paths["folder"]
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(folder / "config"),
        "DOCKER_CONFIG": str(folder / "config"),
        "DOCKER_HOST": f"unix://{paths['socket']}",
        "DOCKER_BUILDKIT": "0",
        "DOCKER_CLI_HINTS": "false",
    }
    expanded = [argument.replace("{tmp}", str(folder)) for argument in arguments]
    return subprocess.run(
        [str(shutil.which("docker")), *expanded],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


@pytest.fixture(scope="module")
def outcomes(guarded: dict[str, Path]) -> dict[str, subprocess.CompletedProcess[str]]:
    return {" ".join(flow): docker(guarded, *flow) for flow in FLOWS}


@pytest.mark.docker_cli
@pytest.mark.parametrize("flow", [" ".join(flow) for flow in FLOWS])
def test_flow_succeeds(
    outcomes: dict[str, subprocess.CompletedProcess[str]], flow: str
) -> None:
    result = outcomes[flow]
    assert result.returncode == 0, result.stderr


@pytest.mark.docker_cli
def test_no_process_attempted(
    outcomes: dict[str, subprocess.CompletedProcess[str]], guarded: dict[str, Path]
) -> None:
    assert len(outcomes) == len(FLOWS)
    assert guarded["log"].read_text() == ""


@pytest.mark.docker_cli
def test_output_simulated(
    outcomes: dict[str, subprocess.CompletedProcess[str]],
) -> None:
    assert outcomes["run --rm busybox echo hello"].stdout == "hello\n"
    assert outcomes["run --rm built:1"].stdout == "hello from the build\n"


def test_guard_refuses_fork(tmp_path: Path) -> None:
    log = tmp_path / "guard.log"
    script = (
        "import os, sys; sys.path.insert(0, sys.argv[1]);"
        "import host_process_guard as g; g.install()\n"
        "try:\n    os.fork()\nexcept PermissionError:\n    print('refused')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, str(GUARD.parent)],
        capture_output=True,
        text=True,
        env={**os.environ, "FAKEDAEMON_GUARD_LOG": str(log)},
        timeout=30,
    )
    assert result.stdout == "refused\n"
    assert log.read_text().startswith("os.fork")
