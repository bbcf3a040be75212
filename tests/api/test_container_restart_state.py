"""Inspect and wait of a container with a restart policy, around its restarts."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client

from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine

from .. import polling


@pytest.fixture
def engine() -> Iterator[Engine]:
    created = Engine(DaemonConfig())
    created.clock.freeze()
    try:
        yield created
    finally:
        created.close()


def run_always(client: Client, script: str) -> str:
    """Create and start a container that runs ``script`` with restart=always."""
    created = client.post(
        "/v1.41/containers/create",
        json={
            "Image": "busybox",
            "Cmd": ["sh", "-c", script],
            "HostConfig": {"RestartPolicy": {"Name": "always"}},
        },
    )
    assert created.status_code == 201, created.data
    container_id: str = created.json["Id"]
    started = client.post(f"/v1.41/containers/{container_id}/start")
    assert started.status_code == 204, started.data
    return container_id


def test_restarting_container_counts_as_running(client: Client, engine: Engine) -> None:
    container_id = run_always(client, "exit 3")
    container = engine.containers.get(container_id)
    assert polling.eventually(lambda: container.state.restarting, 5)

    state = client.get(f"/v1.41/containers/{container_id}/json").json["State"]

    assert state["Status"] == "restarting"
    assert state["Restarting"] is True
    assert state["Running"] is True
    assert state["Pid"] == 0
    assert state["ExitCode"] == 3


def test_wait_ends_at_exit_before_restart(client: Client, engine: Engine) -> None:
    """A not-running wait returns at the exit although the policy restarts."""
    container_id = run_always(client, "sleep 1; exit 3")
    results: list[Any] = []

    def wait() -> None:
        results.append(client.post(f"/v1.41/containers/{container_id}/wait").json)

    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    container = engine.containers.get(container_id)
    assert polling.eventually(lambda: container.state.running, 5)
    engine.clock.advance(1)
    waiter.join(5)

    assert [result["StatusCode"] for result in results] == [3]
    assert polling.eventually(lambda: container.state.restarting, 5)
