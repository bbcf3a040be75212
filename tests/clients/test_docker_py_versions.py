"""docker-py pinned to an old API version, and negotiating one.

A client pinned to 1.24 puts ``/v1.24`` on every request and must get the
shapes of 1.24. A client with ``version="auto"`` takes the daemon's version
from ``/version`` and gets the newest shapes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker  # type: ignore[import-untyped]
import docker.errors  # type: ignore[import-untyped]
import pytest

from fakedaemon import Daemon, DaemonConfig


@pytest.fixture
def pinned(daemon: Daemon) -> Iterator[docker.DockerClient]:
    opened = docker.DockerClient(base_url=daemon.docker_host, version="1.24")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def negotiating(daemon: Daemon) -> Iterator[docker.DockerClient]:
    opened = docker.DockerClient(base_url=daemon.docker_host, version="auto")
    try:
        yield opened
    finally:
        opened.close()


def test_pinned_requests_use_1_24(pinned: docker.DockerClient, daemon: Daemon) -> None:
    output = pinned.containers.run("busybox", ["echo", "old"], remove=True)
    assert output == b"old\n"
    versions = {entry.api_version for entry in daemon.control.journal.entries}
    assert versions == {"1.24"}


def test_pinned_gets_old_shapes(pinned: docker.DockerClient) -> None:
    image = pinned.images.get("busybox")
    # API 1.44 removed VirtualSize from image inspect.
    assert image.attrs["VirtualSize"] == image.attrs["Size"]


def test_pinned_full_lifecycle(pinned: docker.DockerClient) -> None:
    pinned.images.pull("alpine", tag="3.19")
    volume = pinned.volumes.create("old-data")
    network = pinned.networks.create("old-net")
    container = pinned.containers.run(
        "alpine:3.19",
        ["sh", "-c", "echo kept > /data/file; cat /data/file"],
        volumes={"old-data": {"bind": "/data", "mode": "rw"}},
        network="old-net",
        detach=True,
    )
    assert container.wait()["StatusCode"] == 0
    assert container.logs() == b"kept\n"
    container.remove()
    network.remove()
    volume.remove()
    assert pinned.containers.list(all=True) == []


def test_negotiates_daemon_maximum(
    negotiating: docker.DockerClient, daemon: Daemon
) -> None:
    maximum = str(daemon.engine.profile.max_api)
    assert negotiating.api.api_version == maximum
    negotiating.containers.list()
    listed = daemon.control.journal.calls("ContainerList")
    assert [entry.api_version for entry in listed] == [maximum]


def test_negotiated_gets_new_shapes(negotiating: docker.DockerClient) -> None:
    image = negotiating.images.get("busybox")
    assert "VirtualSize" not in image.attrs


def test_negotiates_older_engine(tmp_path: Path) -> None:
    config = DaemonConfig(engine="20.10")
    with Daemon(config, hosts=[f"unix://{tmp_path / 'old.sock'}"]) as old:
        client = docker.DockerClient(base_url=old.docker_host, version="auto")
        try:
            assert client.api.api_version == "1.41"
            assert client.containers.run("busybox", ["true"], remove=True) == b""
        finally:
            client.close()


def test_too_new_rejected(daemon: Daemon) -> None:
    maximum = daemon.engine.profile.max_api
    client = docker.DockerClient(base_url=daemon.docker_host, version="1.99")
    try:
        with pytest.raises(docker.errors.APIError) as raised:
            client.containers.list()
    finally:
        client.close()
    assert raised.value.status_code == 400
    assert raised.value.explanation == (
        f"client version 1.99 is too new. Maximum supported API version is {maximum}"
    )


def test_too_old_rejected(tmp_path: Path) -> None:
    config = DaemonConfig(min_api_version="1.40")
    with Daemon(config, hosts=[f"unix://{tmp_path / 'new.sock'}"]) as strict:
        client = docker.DockerClient(base_url=strict.docker_host, version="1.24")
        try:
            with pytest.raises(docker.errors.APIError) as raised:
                client.containers.list()
        finally:
            client.close()
    assert raised.value.status_code == 400
    assert str(raised.value.explanation).startswith("client version 1.24 is too old")
