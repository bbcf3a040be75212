"""The everyday workflow through docker-py against the fake daemon's socket."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from fakedaemon import Daemon, DaemonConfig


@pytest.fixture
def client(daemon: Daemon) -> Iterator[docker.DockerClient]:
    opened = docker.DockerClient(base_url=daemon.docker_host, version="auto")
    try:
        yield opened
    finally:
        opened.close()


def test_version_negotiated(client: docker.DockerClient, daemon: Daemon) -> None:
    assert client.version()["ApiVersion"] == str(daemon.engine.profile.max_api)
    assert client.api.api_version == str(daemon.engine.profile.max_api)


def test_info_counts(client: docker.DockerClient) -> None:
    info = client.info()
    assert info["Containers"] == 0
    assert info["Images"] == 1


def test_pull_and_list(client: docker.DockerClient) -> None:
    image = client.images.pull("alpine", tag="3.19")
    assert "alpine:3.19" in image.tags
    tags = sorted(tag for listed in client.images.list() for tag in listed.tags)
    assert tags == ["alpine:3.19", "busybox:latest"]


def test_run_returns_output(client: docker.DockerClient) -> None:
    output = client.containers.run("busybox", ["echo", "hello"], remove=True)
    assert output == b"hello\n"
    assert client.containers.list(all=True) == []


def test_run_failure_raises(client: docker.DockerClient) -> None:
    with pytest.raises(docker.errors.ContainerError) as raised:
        client.containers.run(
            "busybox", ["sh", "-c", "echo out; echo err >&2; exit 3"], stderr=True
        )
    assert raised.value.exit_status == 3
    assert raised.value.stderr == b"err\n"


def test_detached_lifecycle(client: docker.DockerClient) -> None:
    container = client.containers.run(
        "busybox", ["sleep", "300"], name="web", detach=True
    )
    listed = client.containers.list(filters={"name": "web"})
    assert [entry.id for entry in listed] == [container.id]
    container.reload()
    assert container.status == "running"
    assert container.logs() == b""
    container.stop()
    container.reload()
    assert container.status == "exited"
    assert container.attrs["State"]["ExitCode"] == 143
    container.remove()
    client.images.remove("busybox")
    assert client.images.list() == []


def test_logs_of_finished_container(client: docker.DockerClient) -> None:
    container = client.containers.run(
        "busybox", ["sh", "-c", "echo one; echo two >&2"], detach=True
    )
    assert container.wait() == {"StatusCode": 0}
    assert container.logs(stdout=True, stderr=False) == b"one\n"
    assert container.logs(stdout=False, stderr=True) == b"two\n"


def test_attach_socket_with_stdin(client: docker.DockerClient) -> None:
    container = client.containers.create("busybox", ["cat"], stdin_open=True, tty=False)
    socket = container.attach_socket(params={"stdin": 1, "stdout": 1, "stream": 1})
    container.start()
    raw = socket._sock
    raw.sendall(b"ping\n")
    raw.shutdown(1)
    received = b""
    while True:
        chunk = raw.recv(4096)
        if not chunk:
            break
        received += chunk
    socket.close()
    raw.close()
    assert received == b"\x01\x00\x00\x00\x00\x00\x00\x05ping\n"
    assert container.wait()["StatusCode"] == 0


def test_missing_container_not_found(client: docker.DockerClient) -> None:
    with pytest.raises(docker.errors.NotFound) as raised:
        client.containers.get("nosuch")
    assert raised.value.explanation == "No such container: nosuch"


def test_remove_missing_image_not_found(client: docker.DockerClient) -> None:
    with pytest.raises(docker.errors.ImageNotFound) as raised:
        client.images.remove("nosuch")
    assert raised.value.explanation == "No such image: nosuch:latest"


def test_pinned_old_version(daemon: Daemon) -> None:
    old = docker.DockerClient(base_url=daemon.docker_host, version="1.24")
    try:
        container = old.containers.run("busybox", ["echo", "old"], detach=True)
        assert container.wait()["StatusCode"] == 0
        assert container.logs() == b"old\n"
    finally:
        old.close()


def test_offline_pull_fails(tmp_path: Path) -> None:
    config = DaemonConfig(offline=True)
    with Daemon(config, hosts=[f"unix://{tmp_path / 'offline.sock'}"]) as offline:
        client = docker.DockerClient(base_url=offline.docker_host)
        try:
            with pytest.raises(docker.errors.APIError) as raised:
                client.images.pull("alpine", tag="3.19")
        finally:
            client.close()
    assert raised.value.status_code == 500
    assert "registry-1.docker.io" in str(raised.value.explanation)


def test_healthcheck_status(client: docker.DockerClient, daemon: Daemon) -> None:
    daemon.control.clock.freeze()
    container = client.containers.run(
        "busybox",
        ["sleep", "300"],
        detach=True,
        healthcheck={"test": ["CMD", "false"], "interval": 1_000_000_000, "retries": 2},
    )
    # run returns the container as inspected before the start.
    assert container.health == "unknown"
    container.reload()
    assert container.health == "starting"
    daemon.control.clock.advance(1)
    container.reload()
    assert container.health == "starting"
    assert container.attrs["State"]["Health"]["FailingStreak"] == 1
    daemon.control.clock.advance(1)
    container.reload()
    assert container.health == "unhealthy"
    listed = client.containers.list(filters={"health": "unhealthy"})
    assert [found.id for found in listed] == [container.id]
    container.remove(force=True)
