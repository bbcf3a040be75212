"""Every kind of state survives dump and load, and snapshot and restore.

For each way of saving the state, one daemon is filled with every kind of
object (``tests/state_scenario.py``), reset, and given its state back. Each
test then compares what the Engine API shows of one kind before and after.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakedaemon import Daemon, DaemonConfig

from ..state_scenario import build_state, differences, observe, volume_files


def python_load(daemon: Daemon, client: httpx.Client) -> None:
    text = json.dumps(daemon.control.dump())
    daemon.control.reset()
    daemon.control.load(json.loads(text))


def python_snapshot(daemon: Daemon, client: httpx.Client) -> None:
    snapshot = daemon.control.snapshot()
    daemon.control.reset()
    daemon.control.restore(snapshot)


def http_state(daemon: Daemon, client: httpx.Client) -> None:
    state = client.get("/_fakedaemon/state")
    assert state.status_code == 200
    assert client.post("/_fakedaemon/reset").status_code == 204
    loaded = client.put("/_fakedaemon/state", content=state.content)
    assert loaded.status_code == 204, loaded.text


def http_snapshot(daemon: Daemon, client: httpx.Client) -> None:
    created = client.post("/_fakedaemon/snapshot")
    assert created.status_code == 201
    assert client.post("/_fakedaemon/reset").status_code == 204
    restored = client.post("/_fakedaemon/restore", json=created.json())
    assert restored.status_code == 204, restored.text


WAYS: dict[str, Callable[[Daemon, httpx.Client], None]] = {
    "python-load": python_load,
    "python-snapshot": python_snapshot,
    "http-state": http_state,
    "http-snapshot": http_snapshot,
}

KINDS = {
    "images": ("image-summary:", "image:", "history:", "save:"),
    "volumes": ("volume:",),
    "networks": ("network:",),
    "containers": ("container-summary:", "container:", "logs:", "changes:"),
    "swarm": (
        "swarm",
        "unlockkey",
        "nodes:",
        "services:",
        "tasks:",
        "secrets:",
        "configs:",
    ),
    "daemon": ("info",),
}


@dataclass
class RoundTrip:
    """What the daemon showed before and after one way of saving the state."""

    before: dict[str, Any]
    after: dict[str, Any]
    files_before: bytes
    files_after: bytes

    def of(self, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
        prefixes = KINDS[kind]

        def pick(shown: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in shown.items() if k.startswith(prefixes)}

        return pick(self.before), pick(self.after)


@pytest.fixture(scope="module", params=sorted(WAYS))
def round_trip(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RoundTrip]:
    directory: Path = tmp_path_factory.mktemp("state")
    socket_path = directory / "d.sock"
    with Daemon(DaemonConfig(), hosts=[f"unix://{socket_path}"]) as daemon:
        transport = httpx.HTTPTransport(uds=str(socket_path))
        with httpx.Client(
            transport=transport, base_url="http://docker", timeout=30
        ) as client:
            build_state(client)
            daemon.control.clock.freeze()
            files_before = volume_files(client, "data")
            before = observe(client)
            WAYS[request.param](daemon, client)
            after = observe(client)
            yield RoundTrip(before, after, files_before, volume_files(client, "data"))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_kind_survives(round_trip: RoundTrip, kind: str) -> None:
    before, after = round_trip.of(kind)
    assert before, f"the scenario made no {kind}"
    assert differences(before, after) == []


def test_volume_files_survive(round_trip: RoundTrip) -> None:
    assert b"kept\n" in round_trip.files_before
    assert round_trip.files_after == round_trip.files_before


def test_scenario_covers_kinds(round_trip: RoundTrip) -> None:
    shown = round_trip.before
    images = [v for k, v in shown.items() if k.startswith("image:")]
    dangling = [image for image in images if not image["RepoTags"]]
    running = [
        v
        for k, v in shown.items()
        if k.startswith("container:") and v["State"]["Running"]
    ]
    assert len(images) >= 8
    assert dangling
    assert any(image["Architecture"] == "arm64" for image in images)
    assert running
    assert shown["network:backend"]["Containers"]
    assert any(k.startswith("secrets:") for k in shown)
