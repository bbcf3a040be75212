"""Swarm mode through docker-py's swarm, service, secret and config APIs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import docker
import docker.errors
import docker.types
import pytest

from fakedaemon import Daemon


@pytest.fixture
def client(daemon: Daemon) -> Iterator[docker.DockerClient]:
    opened = docker.DockerClient(base_url=daemon.docker_host, version="auto")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def manager(client: docker.DockerClient) -> docker.DockerClient:
    client.swarm.init(advertise_addr="127.0.0.1", listen_addr="127.0.0.1:2377")
    return client


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def running(service: docker.models.services.Service) -> list[dict[str, Any]]:
    return [
        task
        for task in service.tasks(filters={"desired-state": "running"})
        if task["Status"]["State"] == "running"
    ]


def test_swarm_attributes(manager: docker.DockerClient) -> None:
    manager.swarm.reload()
    assert manager.swarm.attrs["Spec"]["Orchestration"] == {
        "TaskHistoryRetentionLimit": 5
    }
    assert manager.swarm.attrs["JoinTokens"]["Worker"].startswith("SWMTKN-1-")
    assert manager.info()["Swarm"]["LocalNodeState"] == "active"


def test_swarm_update(manager: docker.DockerClient) -> None:
    manager.swarm.update(rotate_worker_token=True, task_history_retention_limit=3)
    manager.swarm.reload()
    assert manager.swarm.attrs["Spec"]["Orchestration"] == {
        "TaskHistoryRetentionLimit": 3
    }


def test_init_twice_rejected(manager: docker.DockerClient) -> None:
    with pytest.raises(docker.errors.APIError) as raised:
        manager.swarm.init(advertise_addr="127.0.0.1")
    assert raised.value.status_code == 503


def test_nodes(manager: docker.DockerClient) -> None:
    nodes = manager.nodes.list()
    assert len(nodes) == 1
    node = nodes[0]
    assert node.attrs["Spec"]["Role"] == "manager"
    node.update({"Availability": "active", "Role": "manager", "Labels": {"a": "b"}})
    node.reload()
    assert node.attrs["Spec"]["Labels"] == {"a": "b"}


def test_service_workflow(manager: docker.DockerClient) -> None:
    service = manager.services.create(
        "busybox",
        command=["sleep", "300"],
        name="web",
        mode=docker.types.ServiceMode("replicated", replicas=3),
    )
    wait_until(lambda: len(running(service)) == 3)
    assert [s.name for s in manager.services.list()] == ["web"]
    # docker-py scales by resending the spec with its defaults filled in,
    # which starts a rolling update on Engine 26.1 as here, so wait for it.
    assert service.scale(5)

    def settled() -> bool:
        service.reload()
        state = service.attrs.get("UpdateStatus", {}).get("State")
        return bool(state == "completed" and len(running(service)) == 5)

    wait_until(settled)
    service.update(env=["A=1"])
    wait_until(settled)
    service.reload()
    assert service.attrs["Spec"]["TaskTemplate"]["ContainerSpec"]["Env"] == ["A=1"]
    tasks = running(service)
    assert len(tasks) == 5
    assert all(t["Spec"]["ContainerSpec"]["Env"] == ["A=1"] for t in tasks)
    service.remove()
    assert manager.services.list() == []
    # A sparse list reads no container, so removals in between cannot fail it.
    wait_until(lambda: manager.containers.list(all=True, sparse=True) == [])


def test_service_logs(manager: docker.DockerClient) -> None:
    service = manager.services.create(
        "busybox",
        command=["echo", "hi"],
        name="hello",
        restart_policy=docker.types.RestartPolicy(condition="none"),
    )

    def finished() -> bool:
        return any(t["Status"]["State"] == "complete" for t in service.tasks())

    wait_until(finished)
    assert b"".join(service.logs(stdout=True)) == b"hi\n"


def test_secret_and_config(manager: docker.DockerClient) -> None:
    secret = manager.secrets.create(name="s", data=b"s\n", labels={"k": "v"})
    config = manager.configs.create(name="c", data=b"c\n")
    assert [s.name for s in manager.secrets.list()] == ["s"]
    assert manager.secrets.get(secret.id).attrs["Spec"] == {
        "Name": "s",
        "Labels": {"k": "v"},
    }
    assert manager.configs.get(config.id).attrs["Spec"]["Data"] == "Ywo="
    secret.remove()
    config.remove()
    assert manager.secrets.list() == []


def test_leave(manager: docker.DockerClient) -> None:
    with pytest.raises(docker.errors.APIError) as raised:
        manager.swarm.leave()
    assert raised.value.status_code == 503
    assert manager.swarm.leave(force=True)
    assert manager.info()["Swarm"]["LocalNodeState"] == "inactive"
