"""Fixtures for the client tests: clients installed from Debian's packages."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakedaemon import Daemon

DEBIAN_DOCKER = Path("/usr/bin/docker")
"""The docker CLI of Debian's ``docker.io`` package (Docker 20.10, API 1.41)."""


def missing(reason: str) -> None:
    """Skip the test on a user's machine; fail it under CI, where all is installed."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true requires it)")
    pytest.skip(reason)


def client_environment(docker_host: str, home: Path) -> dict[str, str]:
    """Return a clean environment that points a client at ``docker_host``."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "DOCKER_HOST": docker_host,
        "DOCKER_CONFIG": str(home / ".docker"),
        "DOCKER_CLI_HINTS": "false",
        "LANG": "C.UTF-8",
    }


class Command:
    """A client executable bound to one daemon and a clean environment."""

    def __init__(self, argv: list[str], docker_host: str, home: Path) -> None:
        self.argv = argv
        self.home = home
        self.environment = client_environment(docker_host, home)

    def run(
        self,
        *arguments: str,
        input: bytes | None = None,
        cwd: Path | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[bytes]:
        """Run the executable with ``arguments`` and return the finished process."""
        return subprocess.run(
            [*self.argv, *arguments],
            input=input,
            capture_output=True,
            env=self.environment,
            cwd=cwd or self.home,
            timeout=timeout,
            check=False,
        )


def _version_of(executable: str, *arguments: str) -> str:
    finished = subprocess.run(
        [executable, *arguments], capture_output=True, text=True, check=False
    )
    found = re.search(r"(\d+\.\d+\.\d+)", finished.stdout)
    return found.group(1) if found else ""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """An empty home folder, so no user configuration reaches the client."""
    folder = tmp_path / "home"
    (folder / ".docker").mkdir(parents=True)
    return folder


@pytest.fixture
def debian_docker(daemon: Daemon, home: Path) -> Command:
    """The docker 20.10 CLI of Debian's ``docker.io`` package, at /usr/bin/docker."""
    if not DEBIAN_DOCKER.exists():
        missing("the docker CLI of Debian's docker.io package is not installed")
    version = _version_of(str(DEBIAN_DOCKER), "--version")
    if not version.startswith("20.10."):
        missing(f"/usr/bin/docker is version {version or '?'}, not 20.10")
    return Command([str(DEBIAN_DOCKER)], daemon.docker_host, home)


@pytest.fixture
def compose(daemon: Daemon, home: Path) -> Iterator[Command]:
    """``docker-compose`` 1.29 from Debian's package, pointed at the daemon."""
    executable = shutil.which("docker-compose")
    if executable is None:
        missing("docker-compose (Debian's docker-compose package) is not installed")
    assert executable is not None
    yield Command([executable], daemon.docker_host, home)
