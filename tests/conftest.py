"""Fixtures shared by every test: daemons on real sockets and the docker CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fakedaemon import Daemon, DaemonConfig

REPOSITORY = Path(__file__).resolve().parents[1]


def missing(reason: str) -> None:
    """Skip the test on a user's machine; fail it under CI, where all is installed."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true requires it)")
    pytest.skip(reason)


@pytest.fixture
def require() -> Callable[[str], None]:
    """The rule of ``missing`` for tests outside this file: skip, or fail in CI."""
    return missing


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    """A fake daemon on its own unix socket, with busybox present."""
    socket_path = tmp_path / "docker.sock"
    with Daemon(DaemonConfig(seed=None), hosts=[f"unix://{socket_path}"]) as running:
        yield running


@dataclass
class DockerCLI:
    """Runs the docker CLI on the machine against one daemon."""

    executable: str
    host: str
    config_dir: Path

    def run(
        self, *arguments: str, input: bytes | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[bytes]:
        """Run ``docker ARGUMENTS`` and return the finished process."""
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.config_dir),
            "DOCKER_HOST": self.host,
            "DOCKER_CONFIG": str(self.config_dir),
            "DOCKER_CLI_HINTS": "false",
        }
        return subprocess.run(
            [self.executable, *arguments],
            input=input,
            capture_output=True,
            env=environment,
            timeout=timeout,
            check=False,
        )


@pytest.fixture
def docker(daemon: Daemon, tmp_path: Path) -> DockerCLI:
    """The docker CLI pointed at the ``daemon`` fixture."""
    executable = shutil.which("docker")
    if executable is None:
        missing("the docker CLI is not installed on this machine")
    assert executable is not None
    config_dir = tmp_path / "docker-config"
    config_dir.mkdir()
    return DockerCLI(executable, daemon.docker_host, config_dir)


@pytest.fixture
def docker_executable() -> str:
    """The docker CLI's path; skips (fails under CI) where it is missing."""
    executable = shutil.which("docker")
    if executable is None:
        missing("the docker CLI is not installed on this machine")
    assert executable is not None
    return executable


@pytest.fixture
def real_engine() -> str:
    """The ``DOCKER_HOST`` of a real Engine from ``FAKEDAEMON_REAL_ENGINE``."""
    host = os.environ.get("FAKEDAEMON_REAL_ENGINE")
    if not host:
        missing("FAKEDAEMON_REAL_ENGINE is not set (e.g. unix:///tmp/e20/docker.sock)")
    assert host is not None
    return host
