"""The control API under /_fakedaemon/ on the daemon's own socket."""

from __future__ import annotations

import httpx

from fakedaemon import Daemon


def test_reset_route(served: Daemon, socket_http: httpx.Client) -> None:
    socket_http.post("/containers/create", json={"Image": "busybox", "Cmd": ["true"]})
    response = socket_http.post("/_fakedaemon/reset")
    assert response.status_code == 204
    assert served.engine.containers.all() == []


def test_control_has_no_engine_headers(socket_http: httpx.Client) -> None:
    response = socket_http.get("/_fakedaemon/clock")
    assert response.status_code == 200
    assert "api-version" not in response.headers


def test_fault_routes(served: Daemon, socket_http: httpx.Client) -> None:
    added = socket_http.post(
        "/_fakedaemon/faults", json={"operation": "SystemInfo", "status": 500}
    )
    listed = socket_http.get("/_fakedaemon/faults").json()
    failed = socket_http.get("/info")
    removed = socket_http.delete(f"/_fakedaemon/faults/{added.json()['id']}")
    assert added.status_code == 201
    assert [fault["id"] for fault in listed] == [added.json()["id"]]
    assert failed.status_code == 500
    assert removed.status_code == 204
    assert socket_http.get("/info").status_code == 200


def test_fault_route_missing_header(socket_http: httpx.Client) -> None:
    socket_http.post(
        "/_fakedaemon/faults", json={"path": "/_ping", "api_version_header": None}
    )
    assert "api-version" not in socket_http.get("/_ping").headers


def test_fault_route_invalid(socket_http: httpx.Client) -> None:
    response = socket_http.post("/_fakedaemon/faults", json={"nth": 0})
    assert response.status_code == 400
    assert "nth" in response.json()["message"]


def test_clear_faults_route(served: Daemon, socket_http: httpx.Client) -> None:
    served.control.faults.add(path="/x", status=500)
    assert socket_http.delete("/_fakedaemon/faults").status_code == 204
    assert len(served.control.faults) == 0


def test_journal_route(socket_http: httpx.Client) -> None:
    socket_http.get("/_ping")
    socket_http.get("/version")
    entries = socket_http.get("/_fakedaemon/journal?operation=SystemVersion").json()
    assert [entry["path"] for entry in entries] == ["/version"]
    assert socket_http.delete("/_fakedaemon/journal").status_code == 204
    assert socket_http.get("/_fakedaemon/journal").json() == []


def test_clock_routes(socket_http: httpx.Client) -> None:
    frozen = socket_http.post("/_fakedaemon/clock/freeze", json={"at": 1000.0}).json()
    advanced = socket_http.post(
        "/_fakedaemon/clock/advance", json={"seconds": 5}
    ).json()
    running = socket_http.post("/_fakedaemon/clock/unfreeze").json()
    assert frozen == {"time": 1000.0, "frozen": True}
    assert advanced == {"time": 1005.0, "frozen": True}
    assert running["frozen"] is False


def test_clock_advance_invalid(socket_http: httpx.Client) -> None:
    response = socket_http.post("/_fakedaemon/clock/advance", json={"seconds": -1})
    assert response.status_code == 400


def test_behaviour_routes(served: Daemon, socket_http: httpx.Client) -> None:
    added = socket_http.post(
        "/_fakedaemon/behaviours",
        json={"command": ["report"], "stdout": "42\n", "exit_code": 1},
    )
    created = socket_http.post(
        "/containers/create", json={"Image": "busybox", "Cmd": ["report"]}
    ).json()
    socket_http.post(f"/containers/{created['Id']}/start")
    waited = socket_http.post(f"/containers/{created['Id']}/wait").json()
    assert added.status_code == 201
    assert waited["StatusCode"] == 1
    assert socket_http.delete("/_fakedaemon/behaviours").status_code == 204
    assert served.control.behaviours.rules == []


def test_snapshot_routes(socket_http: httpx.Client) -> None:
    socket_http.post("/containers/create", json={"Image": "busybox", "Cmd": ["true"]})
    snapshot = socket_http.post("/_fakedaemon/snapshot").json()
    socket_http.post("/_fakedaemon/reset")
    restored = socket_http.post("/_fakedaemon/restore", json=snapshot)
    assert restored.status_code == 204
    assert len(socket_http.get("/containers/json?all=1").json()) == 1


def test_restore_unknown(socket_http: httpx.Client) -> None:
    response = socket_http.post("/_fakedaemon/restore", json={"id": "nope"})
    assert response.status_code == 404


def test_state_routes(socket_http: httpx.Client) -> None:
    socket_http.post("/containers/create", json={"Image": "busybox", "Cmd": ["true"]})
    state = socket_http.get("/_fakedaemon/state").json()
    socket_http.post("/_fakedaemon/reset")
    loaded = socket_http.put("/_fakedaemon/state", json=state)
    assert loaded.status_code == 204
    assert len(socket_http.get("/containers/json?all=1").json()) == 1


def test_image_route(socket_http: httpx.Client) -> None:
    added = socket_http.post(
        "/_fakedaemon/images",
        json={"reference": "app:1", "files": {"/etc/app": {"text": "x", "mode": 420}}},
    )
    assert added.status_code == 201
    assert socket_http.get("/images/app:1/json").status_code == 200


def test_unknown_control_route(socket_http: httpx.Client) -> None:
    response = socket_http.get("/_fakedaemon/nothing")
    assert response.status_code == 404
    assert response.json() == {"message": "no control route /_fakedaemon/nothing"}


def test_wrong_method(socket_http: httpx.Client) -> None:
    assert socket_http.get("/_fakedaemon/reset").status_code == 405


def test_health_behaviour_routes(served: Daemon, socket_http: httpx.Client) -> None:
    added = socket_http.post(
        "/_fakedaemon/behaviours/health",
        json={"image": "busybox", "results": [{"exit_code": 1, "output": "no\n"}]},
    )
    assert added.status_code == 201
    rule = added.json()
    assert rule["kind"] == "health"
    assert rule["results"] == [{"exit_code": 1, "output": "no\n", "duration": 0.0}]
    listed = socket_http.get("/_fakedaemon/behaviours/health").json()
    assert listed == [rule]
    assert socket_http.get("/_fakedaemon/behaviours").json() == []
    invalid = socket_http.post("/_fakedaemon/behaviours/health", json={"x": 1})
    assert invalid.status_code == 400
    assert invalid.json() == {"message": "unknown health behaviour settings: x"}
    removed = socket_http.delete(f"/_fakedaemon/behaviours/{rule['id']}")
    assert removed.status_code == 204
    assert served.control.behaviours.health_rules == []
