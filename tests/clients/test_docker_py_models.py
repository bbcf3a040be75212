"""docker-py's high-level API (``DockerClient`` and its models) end to end.

One test per collection: images, containers, volumes, networks, exec and
swarm, each through the objects users hold (``Image``, ``Container``...),
not through the low-level ``APIClient``.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator

import docker  # type: ignore[import-untyped]
import docker.errors  # type: ignore[import-untyped]
import pytest

from fakedaemon import Daemon


@pytest.fixture
def client(daemon: Daemon) -> Iterator[docker.DockerClient]:
    opened = docker.DockerClient(base_url=daemon.docker_host, version="auto")
    try:
        yield opened
    finally:
        opened.close()


def test_images_pull_tag_remove(client: docker.DockerClient) -> None:
    image = client.images.pull("alpine", tag="3.19")
    assert image.tags == ["alpine:3.19"]
    assert image.attrs["Os"] == "linux"

    assert image.tag("registry.example/team/alpine", tag="stable") is True
    image.reload()
    assert sorted(image.tags) == ["alpine:3.19", "registry.example/team/alpine:stable"]

    history = image.history()
    assert history[0]["Id"] == image.id

    client.images.remove("registry.example/team/alpine:stable")
    client.images.remove("alpine:3.19")
    with pytest.raises(docker.errors.ImageNotFound):
        client.images.get("alpine:3.19")


def test_images_filtered_list(client: docker.DockerClient) -> None:
    client.images.pull("alpine", tag="3.19")
    names = [image.tags for image in client.images.list(name="alpine")]
    assert names == [["alpine:3.19"]]


def test_images_build(client: docker.DockerClient) -> None:
    dockerfile = (
        b'FROM busybox\nRUN echo built > /built.txt\nCMD ["cat", "/built.txt"]\n'
    )
    image, log = client.images.build(
        fileobj=io.BytesIO(dockerfile), tag="app:1", rm=True
    )
    assert "app:1" in image.tags
    assert any("Successfully tagged app:1" in entry.get("stream", "") for entry in log)
    assert client.containers.run("app:1", remove=True) == b"built\n"


def test_containers_lifecycle(client: docker.DockerClient) -> None:
    container = client.containers.create(
        "busybox",
        ["sh", "-c", "echo ready; sleep 600"],
        name="svc",
        labels={"tier": "back"},
        environment={"MODE": "test"},
    )
    assert container.status == "created"

    container.start()
    container.reload()
    assert container.status == "running"
    assert container.labels == {"tier": "back"}
    assert "MODE=test" in container.attrs["Config"]["Env"]
    assert client.containers.list(filters={"label": "tier=back"}) == [container]

    container.rename("svc2")
    container.reload()
    assert container.name == "svc2"

    container.pause()
    container.reload()
    assert container.status == "paused"
    container.unpause()

    container.stop(timeout=1)
    assert container.wait()["StatusCode"] == 143
    assert container.logs() == b"ready\n"
    container.remove()
    assert client.containers.list(all=True) == []


def test_containers_archive(client: docker.DockerClient) -> None:
    container = client.containers.create("busybox", ["cat", "/etc/app.conf"])
    payload = io.BytesIO()
    with tarfile.open(fileobj=payload, mode="w") as archive:
        data = b"debug=1\n"
        member = tarfile.TarInfo("app.conf")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    assert container.put_archive("/etc", payload.getvalue()) is True

    container.start()
    container.wait()
    assert container.logs() == b"debug=1\n"

    chunks, stat = container.get_archive("/etc/app.conf")
    assert stat["name"] == "app.conf"
    with tarfile.open(fileobj=io.BytesIO(b"".join(chunks))) as archive:
        extracted = archive.extractfile("app.conf")
        assert extracted is not None
        assert extracted.read() == b"debug=1\n"


def test_containers_run_error(client: docker.DockerClient) -> None:
    with pytest.raises(docker.errors.ContainerError) as raised:
        client.containers.run("busybox", ["sh", "-c", "echo broken >&2; exit 5"])
    assert raised.value.exit_status == 5
    assert raised.value.stderr == b"broken\n"


def test_volumes(client: docker.DockerClient) -> None:
    volume = client.volumes.create("cache", labels={"keep": "yes"})
    assert volume.attrs["Driver"] == "local"
    client.containers.run(
        "busybox",
        ["sh", "-c", "echo saved > /cache/file"],
        volumes={"cache": {"bind": "/cache", "mode": "rw"}},
        remove=True,
    )
    output = client.containers.run(
        "busybox", ["cat", "/cache/file"], volumes=["cache:/cache"], remove=True
    )
    assert output == b"saved\n"
    assert [
        listed.name for listed in client.volumes.list(filters={"label": "keep"})
    ] == ["cache"]
    volume.remove()
    with pytest.raises(docker.errors.NotFound):
        client.volumes.get("cache")


def test_networks(client: docker.DockerClient) -> None:
    network = client.networks.create("backend", driver="bridge")
    container = client.containers.run("busybox", ["sleep", "600"], detach=True)
    network.connect(container, aliases=["db"])
    network.reload()
    assert [member.id for member in network.containers] == [container.id]

    container.reload()
    endpoint = container.attrs["NetworkSettings"]["Networks"]["backend"]
    assert "db" in endpoint["Aliases"]
    assert endpoint["IPAddress"]

    network.disconnect(container)
    container.remove(force=True)
    network.remove()
    assert client.networks.list(names=["backend"]) == []


def test_exec(client: docker.DockerClient) -> None:
    container = client.containers.run("busybox", ["sleep", "600"], detach=True)
    result = container.exec_run(["sh", "-c", "echo out; echo err >&2; exit 2"])
    assert result.exit_code == 2
    assert result.output == b"out\nerr\n"

    split = container.exec_run(["sh", "-c", "echo a; echo b >&2"], demux=True)
    assert split.output == (b"a\n", b"b\n")

    environment = container.exec_run(
        ["printenv", "GREETING"], environment=["GREETING=hi"]
    )
    assert environment.output == b"hi\n"


def test_swarm_services(client: docker.DockerClient) -> None:
    client.swarm.init(advertise_addr="127.0.0.1", listen_addr="127.0.0.1:2377")
    assert client.info()["Swarm"]["LocalNodeState"] == "active"

    service = client.services.create(
        "busybox", ["sleep", "600"], name="worker", mode={"Replicated": {"Replicas": 2}}
    )
    assert client.services.get("worker").id == service.id
    assert service.attrs["Spec"]["Mode"] == {"Replicated": {"Replicas": 2}}

    service.scale(3)
    service.reload()
    assert service.attrs["Spec"]["Mode"] == {"Replicated": {"Replicas": 3}}

    service.remove()
    assert client.services.list() == []
    assert client.swarm.leave(force=True) is True
