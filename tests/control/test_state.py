"""Reset, snapshot and restore, dump and load, registered images."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from fakedaemon import Daemon


def make_container(http: httpx.Client, name: str, command: list[str]) -> str:
    created = http.post(
        f"/containers/create?name={name}", json={"Image": "busybox", "Cmd": command}
    )
    assert created.status_code == 201, created.text
    container_id: str = created.json()["Id"]
    return container_id


def finish(http: httpx.Client, container_id: str) -> None:
    http.post(f"/containers/{container_id}/start")
    http.post(f"/containers/{container_id}/wait")


def test_reset_removes_containers(served: Daemon, http: httpx.Client) -> None:
    container_id = make_container(http, "svc", ["sleep", "100"])
    http.post(f"/containers/{container_id}/start")
    http.post("/images/create?fromImage=alpine&tag=3")
    served.control.faults.add(path="/x", status=500)
    served.control.reset()
    assert http.get("/containers/json?all=1").json() == []
    tags = [
        tag for image in http.get("/images/json").json() for tag in image["RepoTags"]
    ]
    assert tags == ["busybox:latest"]
    assert served.engine.events.snapshot() == []
    assert len(served.control.faults) == 0


def test_reset_unfreezes_clock(served: Daemon) -> None:
    served.control.clock.freeze()
    served.control.reset()
    assert served.control.clock.frozen is False


def test_snapshot_restore(served: Daemon, http: httpx.Client) -> None:
    container_id = make_container(
        http, "job", ["sh", "-c", "echo hi > /out; echo done"]
    )
    finish(http, container_id)
    snapshot = served.control.snapshot()
    http.delete(f"/containers/{container_id}")
    served.control.restore(snapshot)
    inspected = http.get("/containers/job/json").json()
    logs = http.get("/containers/job/logs?stdout=1").content
    archive = http.get("/containers/job/archive?path=/out")
    assert inspected["Id"] == container_id
    assert inspected["State"]["Status"] == "exited"
    assert logs.endswith(b"done\n")
    assert archive.status_code == 200


def test_restore_by_id(served: Daemon, http: httpx.Client) -> None:
    make_container(http, "one", ["true"])
    snapshot = served.control.snapshot()
    served.control.reset()
    served.control.restore(snapshot.id)
    assert len(http.get("/containers/json?all=1").json()) == 1


def test_restore_running_starts_again(served: Daemon, http: httpx.Client) -> None:
    container_id = make_container(http, "svc", ["sleep", "1000"])
    http.post(f"/containers/{container_id}/start")
    state = served.control.dump()
    served.control.load(state)
    inspected = http.get(f"/containers/{container_id}/json").json()
    assert inspected["State"]["Running"] is True


def test_dump_is_json(served: Daemon, http: httpx.Client) -> None:
    finish(http, make_container(http, "app", ["echo", "x"]))
    text = json.dumps(served.control.dump())
    document = json.loads(text)
    assert document["format"] == 2
    assert [c["name"] for c in document["containers"]] == ["/app"]
    assert document["events"]


def test_load_keeps_event_times(served: Daemon, http: httpx.Client) -> None:
    make_container(http, "app", ["true"])
    before = [event.time_ns for event in served.engine.events.snapshot()]
    served.control.load(served.control.dump())
    after = [event.time_ns for event in served.engine.events.snapshot()]
    assert after == before


def test_load_rejects_format(served: Daemon) -> None:
    with pytest.raises(ValueError, match="format"):
        served.control.load({"format": 99})


def test_image_registered(served: Daemon, http: httpx.Client) -> None:
    served.control.images.add(
        "myapp:1.0",
        config={"Cmd": ["cat", "/app/config.txt"], "Labels": {"team": "a"}},
        files={"/app/config.txt": "configured\n"},
    )
    inspected = http.get("/images/myapp:1.0/json").json()
    created = http.post("/containers/create", json={"Image": "myapp:1.0"}).json()
    finish(http, created["Id"])
    logs = http.get(f"/containers/{created['Id']}/logs?stdout=1").content
    assert inspected["Config"]["Labels"] == {"team": "a"}
    assert logs.endswith(b"configured\n")


def test_image_registered_survives_load(served: Daemon, http: httpx.Client) -> None:
    image = served.control.images.add("tool:2", files={"/bin/tool": ("#!", 0o755)})
    served.control.load(served.control.dump())
    assert http.get("/images/tool:2/json").json()["Id"] == image.id


def test_load_rejects_format_1(served: Daemon) -> None:
    with pytest.raises(ValueError, match="format 1, written by an earlier"):
        served.control.load({"format": 1, "containers": []})


def test_load_rejects_non_object(served: Daemon) -> None:
    with pytest.raises(ValueError, match="not a JSON object"):
        served.control.load([])  # type: ignore[arg-type]


def test_failed_load_keeps_state(served: Daemon, http: httpx.Client) -> None:
    finish(http, make_container(http, "kept", ["echo", "x"]))
    before = http.get("/containers/kept/json").json()
    broken = served.control.dump()
    del broken["containers"][0]["path"]
    broken["volumes"] = [{"name": "new", "created_ns": 0}]
    with pytest.raises(ValueError, match="invalid state: missing field 'path'"):
        served.control.load(broken)
    assert http.get("/containers/kept/json").json() == before
    assert http.get("/volumes/new").status_code == 404


def test_put_invalid_state(served: Daemon, http: httpx.Client) -> None:
    make_container(http, "kept", ["true"])
    broken = served.control.dump()
    broken["images"][0]["files"] = {"base": "sha256:" + "0" * 64}
    response = http.put("/_fakedaemon/state", json=broken)
    assert response.status_code == 400
    assert "which the dump lacks" in response.json()["message"]
    assert http.get("/containers/kept/json").status_code == 200


def test_load_rejects_swarm_state(served: Daemon, http: httpx.Client) -> None:
    assert http.post("/swarm/init", json={"ListenAddr": "0.0.0.0:2377"}).is_success
    broken = served.control.dump()
    broken["swarm"]["state"] = "active\r\nX-Injected: yes"

    response = http.put("/_fakedaemon/state", json=broken)
    ping = http.get("/_ping")

    assert response.status_code == 400
    assert "invalid swarm state" in response.json()["message"]
    assert ping.headers["Swarm"] == "active/manager"
    assert "X-Injected" not in ping.headers


def test_snapshot_unchanged_by_later_updates(
    served: Daemon, http: httpx.Client
) -> None:
    make_container(http, "job", ["true"])
    snapshot = served.control.snapshot()
    updated = http.post(
        "/containers/job/update", json={"RestartPolicy": {"Name": "always"}}
    )
    assert updated.status_code == 200, updated.text
    served.control.restore(snapshot)
    policy = http.get("/containers/job/json").json()["HostConfig"]["RestartPolicy"]
    assert policy["Name"] == "no"


def test_restore_keeps_paused(served: Daemon, http: httpx.Client) -> None:
    container_id = make_container(http, "held", ["sleep", "1000"])
    http.post(f"/containers/{container_id}/start")
    http.post(f"/containers/{container_id}/pause")
    before = http.get("/containers/held/json").json()["State"]
    served.control.restore(served.control.snapshot())
    after = http.get("/containers/held/json").json()["State"]
    assert after == before
    assert after["Status"] == "paused"


def test_restore_drops_exec_instances(served: Daemon, http: httpx.Client) -> None:
    container_id = make_container(http, "svc", ["sleep", "1000"])
    http.post(f"/containers/{container_id}/start")
    created = http.post(f"/containers/{container_id}/exec", json={"Cmd": ["true"]})
    assert created.status_code == 201
    served.control.restore(served.control.snapshot())
    assert http.get(f"/containers/{container_id}/json").json()["ExecIDs"] is None
    assert http.get(f"/exec/{created.json()['Id']}/json").status_code == 404


def test_restore_reuses_images(served: Daemon, http: httpx.Client) -> None:
    image = served.engine.images.get("busybox")
    snapshot = served.control.snapshot()
    served.control.restore(snapshot)
    assert served.engine.images.get("busybox") is image
    served.control.reset()
    served.control.restore(snapshot)
    assert served.engine.images.get("busybox").id == image.id


def test_restore_keeps_daemon_id(served: Daemon, http: httpx.Client) -> None:
    before = http.get("/info").json()["ID"]
    state = served.control.dump()
    served.engine.daemon_id = "other"
    served.control.load(state)
    assert http.get("/info").json()["ID"] == before


def test_load_keeps_pushed_layers(served: Daemon, http: httpx.Client) -> None:
    auth = {"X-Registry-Auth": base64.b64encode(b'{"username": "u"}').decode()}
    http.post("/images/busybox/tag?repo=localhost:5000/box&tag=1")
    first = http.post("/images/localhost:5000/box/push?tag=1", headers=auth)
    assert b"Pushed" in first.content
    state = served.control.dump()
    served.control.reset()
    served.control.load(state)
    again = http.post("/images/localhost:5000/box/push?tag=1", headers=auth)
    assert b"Layer already exists" in again.content
    assert b"Pushed" not in again.content


def make_checked(http: httpx.Client, name: str) -> str:
    body = {
        "Image": "busybox",
        "Cmd": ["sleep", "1000"],
        "Healthcheck": {"Test": ["CMD-SHELL", "echo up"], "Interval": 1_000_000_000},
    }
    created = http.post(f"/containers/create?name={name}", json=body)
    assert created.status_code == 201, created.text
    container_id: str = created.json()["Id"]
    http.post(f"/containers/{container_id}/start")
    return container_id


def test_restore_keeps_stopped_health(served: Daemon, http: httpx.Client) -> None:
    served.control.clock.freeze()
    container_id = make_checked(http, "web")
    served.control.clock.advance(2)
    http.post(f"/containers/{container_id}/stop")
    before = http.get(f"/containers/{container_id}/json").json()["State"]["Health"]
    snapshot = served.control.snapshot()
    served.control.reset()
    served.control.restore(snapshot)
    after = http.get(f"/containers/{container_id}/json").json()["State"]["Health"]
    assert before["Status"] == "unhealthy"
    assert len(before["Log"]) == 2
    assert after == before


def test_dump_contains_health(served: Daemon, http: httpx.Client) -> None:
    served.control.clock.freeze()
    make_checked(http, "web")
    served.control.clock.advance(1)
    document = json.loads(json.dumps(served.control.dump()))
    health = document["containers"][0]["health"]
    assert health["status"] == "healthy"
    assert health["failing_streak"] == 0
    assert [entry["output"] for entry in health["log"]] == ["up\n"]
    assert health["log"][0]["exit_code"] == 0


def test_load_running_health_starts_over(served: Daemon, http: httpx.Client) -> None:
    served.control.clock.freeze()
    container_id = make_checked(http, "web")
    served.control.clock.advance(1)
    served.control.load(served.control.dump())
    health = http.get(f"/containers/{container_id}/json").json()["State"]["Health"]
    assert health["Status"] == "starting"
    assert len(health["Log"]) == 1
