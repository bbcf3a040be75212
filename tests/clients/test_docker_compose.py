"""docker-compose 1.29 (Debian's package, on docker-py 5) against the fake.

docker-compose 1.29 negotiates the API version with the daemon, then
drives networks, volumes, containers, attach and exec through it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import docker  # type: ignore[import-untyped]
import pytest

from fakedaemon import Daemon

if TYPE_CHECKING:
    from conftest import Command


pytestmark = pytest.mark.docker_cli

COMPOSE_FILE = """\
version: "3.8"
services:
  web:
    image: busybox
    command: ["sh", "-c", "echo web ready; sleep 3600"]
    networks: [backend]
    volumes: ["data:/data"]
  worker:
    image: alpine:3.19
    command: ["sh", "-c", "echo worker ready; sleep 3600"]
    networks: [backend]
    depends_on: [web]
networks:
  backend: {}
volumes:
  data: {}
"""


@pytest.fixture
def client(daemon: Daemon) -> Iterator[docker.DockerClient]:
    opened = docker.DockerClient(base_url=daemon.docker_host, version="auto")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def project(compose: Command, tmp_path: Path) -> Path:
    folder = tmp_path / "demo"
    folder.mkdir()
    (folder / "docker-compose.yml").write_text(COMPOSE_FILE)
    return folder


def up(compose: Command, project: Path) -> None:
    finished = compose.run("-p", "demo", "up", "-d", cwd=project)
    assert finished.returncode == 0, finished.stderr.decode()


def test_up_creates_everything(
    compose: Command, project: Path, client: docker.DockerClient
) -> None:
    up(compose, project)
    containers = client.containers.list(
        filters={"label": "com.docker.compose.project=demo"}
    )
    assert sorted(container.name for container in containers) == [
        "demo_web_1",
        "demo_worker_1",
    ]
    web = client.containers.get("demo_web_1")
    assert list(web.attrs["NetworkSettings"]["Networks"]) == ["demo_backend"]
    assert [mount["Name"] for mount in web.attrs["Mounts"]] == ["demo_data"]
    assert client.volumes.get("demo_data").name == "demo_data"


def test_up_pulls_missing_image(
    compose: Command, project: Path, daemon: Daemon
) -> None:
    up(compose, project)
    daemon.control.journal.assert_called("ImageCreate", times=1)
    daemon.control.journal.assert_called(
        "ImageCreate", query={"fromImage": "alpine", "tag": "3.19"}
    )


def test_ps_lists_services(compose: Command, project: Path) -> None:
    up(compose, project)
    finished = compose.run("-p", "demo", "ps", cwd=project)
    assert finished.returncode == 0, finished.stderr.decode()
    rows = finished.stdout.decode().splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["demo_web_1", "demo_worker_1"]
    assert all(" Up " in row for row in rows)


def test_logs_of_both_services(compose: Command, project: Path) -> None:
    up(compose, project)
    finished = compose.run("-p", "demo", "logs", "--no-color", cwd=project)
    assert finished.returncode == 0, finished.stderr.decode()
    output = finished.stdout.decode()
    assert "web_1     | web ready" in output
    assert "worker_1  | worker ready" in output


def test_exec_in_service(compose: Command, project: Path) -> None:
    up(compose, project)
    finished = compose.run(
        "-p", "demo", "exec", "-T", "web", "sh", "-c", "echo in web; exit 4",
        cwd=project,
    )  # fmt: skip
    assert finished.returncode == 4
    assert finished.stdout == b"in web\n"


def test_down_removes_everything(
    compose: Command, project: Path, client: docker.DockerClient
) -> None:
    up(compose, project)
    finished = compose.run("-p", "demo", "down", "-v", cwd=project)
    assert finished.returncode == 0, finished.stderr.decode()
    assert client.containers.list(all=True) == []
    assert client.networks.list(names=["demo_backend"]) == []
    assert client.volumes.list(filters={"name": "demo_data"}) == []


def test_negotiates_from_version(
    compose: Command, project: Path, daemon: Daemon
) -> None:
    # docker-py 5 under compose takes the daemon's ApiVersion from /version,
    # even above the newest version docker-py itself knows.
    up(compose, project)
    journal = daemon.control.journal
    assert journal.operations()[0] == "SystemVersion"
    versioned = {entry.api_version for entry in journal.entries if entry.api_version}
    assert versioned == {str(daemon.engine.profile.max_api)}
