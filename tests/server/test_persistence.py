"""State under --data-root: saved on change and at stop, restored as dockerd does."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakedaemon import Daemon, DaemonConfig
from fakedaemon.persistence import STATE_FILE, DataRootError, StateFile


def start(root: Path, tmp_path: Path, **settings: Any) -> Daemon:
    config = DaemonConfig(data_root=str(root), save_delay=0.05, **settings)
    return Daemon(config, hosts=[f"unix://{tmp_path}/d.sock"]).start()


def api(daemon: Daemon) -> httpx.Client:
    transport = httpx.HTTPTransport(uds=daemon.addresses[0].path)
    return httpx.Client(transport=transport, base_url="http://docker", timeout=10)


def create(client: httpx.Client, name: str, policy: str = "no") -> str:
    body = {
        "Image": "busybox",
        "Cmd": ["sleep", "1000"],
        "HostConfig": {"RestartPolicy": {"Name": policy}},
    }
    response = client.post(f"/containers/create?name={name}", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["Id"])


def states(client: httpx.Client) -> dict[str, tuple[str, int]]:
    listed = client.get("/containers/json?all=1").json()
    result = {}
    for item in listed:
        inspected = client.get(f"/containers/{item['Id']}/json").json()
        state = inspected["State"]
        result[item["Names"][0]] = (state["Status"], state["ExitCode"])
    return result


def test_state_survives_restart(tmp_path: Path) -> None:
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    with api(daemon) as client:
        first = create(client, "kept")
        client.post("/images/busybox/tag?repo=mine&tag=v1")
    daemon.stop()
    again = start(root, tmp_path)
    try:
        with api(again) as client:
            assert client.get("/containers/kept/json").json()["Id"] == first
            assert client.get("/images/mine:v1/json").status_code == 200
    finally:
        again.stop()


def test_restart_policies_after_stop(tmp_path: Path) -> None:
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    with api(daemon) as client:
        for name, policy in [
            ("plain", "no"),
            ("always", "always"),
            ("unless", "unless-stopped"),
            ("stopped", "unless-stopped"),
        ]:
            create(client, name, policy)
            client.post(f"/containers/{name}/start")
        assert client.post("/containers/stopped/stop?t=0").status_code == 204
    daemon.stop()
    again = start(root, tmp_path)
    try:
        with api(again) as client:
            found = states(client)
    finally:
        again.stop()
    assert found["/always"][0] == "running"
    assert found["/unless"][0] == "running"
    assert found["/stopped"][0] == "exited"
    assert found["/plain"][0] == "exited"


def test_crash_leaves_exit_code_255(tmp_path: Path) -> None:
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    with api(daemon) as client:
        create(client, "worker")
        create(client, "service", "always")
        client.post("/containers/worker/start")
        client.post("/containers/service/start")
    # A crash: the last save while containers ran is all that is left.
    assert daemon.persistence is not None
    crashed = daemon.persistence._document()
    daemon.stop()
    StateFile(root).write(crashed)
    again = start(root, tmp_path)
    try:
        with api(again) as client:
            found = states(client)
    finally:
        again.stop()
    assert found["/worker"] == ("exited", 255)
    assert found["/service"][0] == "running"


def test_saved_on_change(tmp_path: Path) -> None:
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    try:
        with api(daemon) as client:
            create(client, "early")
        deadline = time.monotonic() + 5
        names: list[str] = []
        while time.monotonic() < deadline and "/early" not in names:
            time.sleep(0.05)
            if not (root / STATE_FILE).exists():
                continue
            document = json.loads((root / STATE_FILE).read_text())
            names = [c["name"] for c in document["state"]["containers"]]
        assert "/early" in names
    finally:
        daemon.stop()


def test_events_not_restored(tmp_path: Path) -> None:
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    with api(daemon) as client:
        create(client, "quiet")
    daemon.stop()
    again = start(root, tmp_path)
    try:
        assert again.engine.events.snapshot() == []
    finally:
        again.stop()


def test_second_daemon_rejected(tmp_path: Path) -> None:
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    try:
        other = Daemon(DaemonConfig(data_root=str(root)), [f"unix://{tmp_path}/e.sock"])
        with pytest.raises(DataRootError, match="is in use by another daemon"):
            other.start()
    finally:
        daemon.stop()


def test_corrupt_state_rejected(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / STATE_FILE).write_text('{"format": 1, "state": {')
    with pytest.raises(DataRootError, match="is not valid JSON"):
        start(root, tmp_path)


def test_partial_write_ignored(tmp_path: Path) -> None:
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    with api(daemon) as client:
        create(client, "whole")
    daemon.stop()
    leftover = root / f".{STATE_FILE}.999.1"
    leftover.write_text('{"format": 1, "state": {"contai')
    again = start(root, tmp_path)
    try:
        with api(again) as client:
            assert client.get("/containers/whole/json").status_code == 200
    finally:
        again.stop()
    assert not leftover.exists()


def test_files_stay_in_data_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    with api(daemon) as client:
        create(client, "one")
    daemon.stop()
    assert sorted(p.name for p in root.iterdir()) == [STATE_FILE, "fakedaemon.lock"]


def test_health_survives_restart(tmp_path: Path) -> None:
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    body = {
        "Image": "busybox",
        "Cmd": ["sleep", "1000"],
        "Healthcheck": {"Test": ["CMD", "true"], "Interval": 1_000_000_000},
    }
    with api(daemon) as client:
        daemon.control.clock.freeze()
        created = client.post("/containers/create?name=web", json=body).json()
        client.post(f"/containers/{created['Id']}/start")
        daemon.control.clock.advance(1)
        client.post(f"/containers/{created['Id']}/stop")
        before = client.get("/containers/web/json").json()["State"]["Health"]
    daemon.stop()
    again = start(root, tmp_path)
    try:
        with api(again) as client:
            after = client.get("/containers/web/json").json()["State"]["Health"]
    finally:
        again.stop()
    assert before["Status"] == "unhealthy"
    assert len(before["Log"]) == 1
    assert after == before
