"""State under --data-root: saved on change and at stop, restored as dockerd does."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakedaemon import Daemon, DaemonConfig
from fakedaemon.persistence import STATE_FILE, DataRootError, StateFile

from ..state_scenario import build_state, differences, observe, volume_files


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
    saved = json.loads((root / STATE_FILE).read_text())
    assert saved["state"]["events"] == []
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


@dataclass
class Restart:
    """What a daemon showed before a stop and after its next start."""

    before: dict[str, Any]
    after: dict[str, Any]
    files_before: bytes
    files_after: bytes

    def pair(self, key: str) -> tuple[Any, Any]:
        return self.before[key], self.after[key]

    def keys(self, prefix: str) -> list[str]:
        return sorted(key for key in self.before if key.startswith(prefix))


def replaced_tasks(client: httpx.Client, old: set[str]) -> list[dict[str, Any]]:
    """Wait until tasks other than ``old`` run, and return every task."""
    deadline = time.monotonic() + 30
    tasks: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        tasks = client.get("/tasks").json()
        fresh = [t for t in tasks if t["ID"] not in old]
        if len(fresh) == 2 and all(t["Status"]["State"] == "running" for t in fresh):
            return tasks
        time.sleep(0.05)
    raise AssertionError(f"no new tasks ran: {tasks}")


@pytest.fixture(scope="module")
def restart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Restart]:
    tmp_path = tmp_path_factory.mktemp("restart")
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    with api(daemon) as client:
        build_state(client)
        files_before = volume_files(client, "data")
        before = observe(client)
    daemon.stop()
    again = start(root, tmp_path)
    try:
        with api(again) as client:
            old = {key.split(":", 1)[1] for key in before if key.startswith("tasks:")}
            replaced_tasks(client, old)
            yield Restart(
                before, observe(client), files_before, volume_files(client, "data")
            )
    finally:
        again.stop()


def test_restart_keeps_images(restart: Restart) -> None:
    keys = [
        key for key in restart.before if key.startswith(("image", "history", "save"))
    ]
    assert len(restart.keys("image:")) >= 8
    assert (
        differences(
            {key: restart.before[key] for key in keys},
            {key: restart.after.get(key) for key in keys},
        )
        == []
    )


def test_restart_keeps_volumes(restart: Restart) -> None:
    for key in restart.keys("volume:"):
        before, after = restart.pair(key)
        assert after == before
    assert b"kept\n" in restart.files_after
    assert restart.files_after == restart.files_before


def test_restart_keeps_networks(restart: Restart) -> None:
    # Endpoints change with the containers that start again, and the old
    # tasks keep their swarm addresses (Status) until they are deleted.
    changing = {"Containers": None, "Status": None}
    for key in ("network:host", "network:none", "network:front", "network:mesh"):
        before, after = restart.pair(key)
        assert {**after, **changing} == {**before, **changing}, key
    bridge_before, bridge_after = restart.pair("network:bridge")
    assert bridge_after["Id"] != bridge_before["Id"]
    assert bridge_after["Created"] != bridge_before["Created"]
    made_again = {"Id": "", "Created": ""}
    assert {**bridge_after, **made_again} == {**bridge_before, **made_again}


def test_restart_shows_network_gateway(restart: Restart) -> None:
    before, after = restart.pair("network:backend")
    assert before["IPAM"]["Config"] == [{"Subnet": "10.7.0.0/16"}]
    assert after["IPAM"]["Config"] == [{"Subnet": "10.7.0.0/16", "Gateway": "10.7.0.1"}]
    assert after["Labels"] == before["Labels"] == {"tier": "db"}
    assert after["Options"] == before["Options"]
    assert after["Id"] == before["Id"]


def test_restart_keeps_stopped_containers(restart: Restart) -> None:
    for name in ("/writer", "/maker", "/idle"):
        for kind in ("container:", "logs:", "changes:"):
            before, after = restart.pair(kind + name)
            assert after == before, kind + name


def test_restart_starts_always_container(restart: Restart) -> None:
    before, after = restart.pair("container:/web")
    assert after["State"]["Running"] is True
    assert after["State"]["StartedAt"] != before["State"]["StartedAt"]
    backend = after["NetworkSettings"]["Networks"]["backend"]
    assert backend["IPAddress"] == "10.7.0.9"
    assert backend["Aliases"] == ["api"]
    assert backend["EndpointID"]
    assert after["NetworkSettings"]["Networks"]["front"]["Aliases"] == ["www"]
    assert after["Mounts"] == before["Mounts"]


def test_restart_keeps_swarm(restart: Restart) -> None:
    for key in ("swarm", "unlockkey", "info"):
        before, after = restart.pair(key)
        assert after == before, key
    for prefix in ("services:", "secrets:", "configs:", "nodes:"):
        keys = restart.keys(prefix)
        assert keys, prefix
        for key in keys:
            before, after = restart.pair(key)
            assert after == before, key


def test_restart_replaces_tasks(restart: Restart) -> None:
    for key in restart.keys("tasks:"):
        before, after = restart.pair(key)
        container = before["Status"]["ContainerStatus"]["ContainerID"]
        name = restart.before[f"container-summary:/{after_name(before)}"]["Names"][0]
        assert after["Status"]["State"] == "failed"
        assert after["Status"]["Err"] == f"No such container: {name.lstrip('/')}"
        assert after["Status"]["ContainerStatus"]["ContainerID"] == container
        assert after["DesiredState"] == "shutdown"
        assert f"container:{name}" not in restart.after
    fresh = [
        value
        for key, value in restart.after.items()
        if key.startswith("tasks:") and key not in restart.before
    ]
    assert sorted(task["Slot"] for task in fresh) == [1, 2]


def after_name(task: dict[str, Any]) -> str:
    """Return the name of a task's container: service.slot.task."""
    return f"svc.{task['Slot']}.{task['ID']}"


def test_autolock_swarm_locked_after_restart(tmp_path: Path) -> None:
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    with api(daemon) as client:
        body = {"ListenAddr": "127.0.0.1:2377", "AutoLockManagers": True}
        assert client.post("/swarm/init", json=body).status_code == 200
        key = client.get("/swarm/unlockkey").json()["UnlockKey"]
    daemon.stop()
    again = start(root, tmp_path)
    try:
        with api(again) as client:
            locked = client.get("/swarm")
            unlocked = client.post("/swarm/unlock", json={"UnlockKey": key})
            assert locked.status_code == 503
            assert "Swarm is encrypted and needs to be unlocked" in locked.text
            assert unlocked.status_code == 200, unlocked.text
            assert client.get("/swarm").status_code == 200
    finally:
        again.stop()


def test_format_1_file_rejected(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / STATE_FILE).write_text('{"format": 1, "state": {"format": 1}}')
    with pytest.raises(DataRootError, match="has format 1, written by an earlier"):
        start(root, tmp_path)
    assert (root / STATE_FILE).read_text().startswith('{"format": 1')


def small_state_file(tmp_path: Path) -> bytes:
    """Return the bytes of a state file with a container, a volume and a network."""
    root = tmp_path / "source"
    daemon = start(root, tmp_path)
    with api(daemon) as client:
        client.post("/volumes/create", json={"Name": "vol"})
        client.post("/networks/create", json={"Name": "net"})
        body = {
            "Image": "busybox",
            "Cmd": ["true"],
            "HostConfig": {"Binds": ["vol:/v"]},
        }
        client.post("/containers/create?name=one", json=body)
    daemon.stop()
    return (root / STATE_FILE).read_bytes()


def test_cut_state_file_never_loads(tmp_path: Path) -> None:
    data = small_state_file(tmp_path)
    assert json.loads(data)["state"]["volumes"]
    root = tmp_path / "cut"
    root.mkdir()
    state_file = StateFile(root)
    for size in range(len(data)):
        state_file.path.write_bytes(data[:size])
        with pytest.raises(DataRootError, match="move it away"):
            state_file.read()
    state_file.path.write_bytes(data)
    assert state_file.read() == json.loads(data)


@pytest.mark.parametrize("fraction", [0.0, 0.3, 0.999])
def test_cut_state_file_stops_start(tmp_path: Path, fraction: float) -> None:
    data = small_state_file(tmp_path)
    root = tmp_path / "root"
    root.mkdir()
    cut = data[: int(len(data) * fraction)]
    (root / STATE_FILE).write_bytes(cut)
    with pytest.raises(DataRootError, match="is not valid JSON"):
        start(root, tmp_path)
    assert (root / STATE_FILE).read_bytes() == cut
    (root / STATE_FILE).write_bytes(data)
    daemon = start(root, tmp_path)
    try:
        with api(daemon) as client:
            assert client.get("/containers/one/json").status_code == 200
            assert client.get("/volumes/vol").status_code == 200
    finally:
        daemon.stop()


@pytest.mark.parametrize("fraction", [0.0, 0.5, 1.0])
def test_leftover_temporary_file_ignored(tmp_path: Path, fraction: float) -> None:
    data = small_state_file(tmp_path)
    root = tmp_path / "root"
    daemon = start(root, tmp_path)
    with api(daemon) as client:
        create(client, "current")
    daemon.stop()
    # A crash before the rename leaves the next state beside the current one.
    leftover = root / f".{STATE_FILE}.4242.7"
    leftover.write_bytes(data[: int(len(data) * fraction)])
    again = start(root, tmp_path)
    try:
        with api(again) as client:
            assert client.get("/containers/current/json").status_code == 200
            assert client.get("/containers/one/json").status_code == 404
    finally:
        again.stop()
    assert not leftover.exists()


def test_failed_write_keeps_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "root"
    root.mkdir()
    state_file = StateFile(root)
    state_file.write({"format": 2, "state": {"old": True}})

    def crash(*arguments: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("fakedaemon.persistence.os.fsync", crash)
    with pytest.raises(OSError, match="No space left"):
        state_file.write({"format": 2, "state": {"new": True}})
    monkeypatch.undo()
    assert state_file.read() == {"format": 2, "state": {"old": True}}
    assert state_file.remove_leftovers() == 1


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
