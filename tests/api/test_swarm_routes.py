"""Swarm routes in-process: statuses, messages and document shapes."""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine

NOT_A_MANAGER = (
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm '
    'join" to connect this node to swarm and try again.'
)
INIT = {"ListenAddr": "127.0.0.1:2377", "AdvertiseAddr": "127.0.0.1"}
SERVICE = {
    "Name": "web",
    "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Args": ["sleep", "300"]}},
    "Mode": {"Replicated": {"Replicas": 2}},
}


@pytest.fixture
def engine() -> Iterator[Engine]:
    running = Engine(DaemonConfig(engine="26.1"))
    yield running
    running.close()


@pytest.fixture
def client(engine: Engine) -> Client:
    return Client(APIApp(engine))


@pytest.fixture
def manager(client: Client) -> Client:
    response = client.post("/v1.45/swarm/init", json=INIT)
    assert response.status_code == 200, response.data
    return client


def wait_running(client: Client, name: str, count: int) -> list[dict[str, Any]]:
    filters = json.dumps({"service": [name], "desired-state": ["running"]})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        tasks = client.get(f"/v1.45/tasks?filters={filters}").json
        running = [t for t in tasks if t["Status"]["State"] == "running"]
        if len(running) == count:
            return running
        time.sleep(0.05)
    raise AssertionError(f"{name} never had {count} running tasks")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/swarm"),
        ("POST", "/swarm/update?version=1"),
        ("GET", "/swarm/unlockkey"),
        ("POST", "/swarm/unlock"),
        ("GET", "/nodes"),
        ("GET", "/nodes/x"),
        ("DELETE", "/nodes/x"),
        ("GET", "/services"),
        ("POST", "/services/create"),
        ("GET", "/tasks"),
        ("GET", "/tasks/x"),
        ("GET", "/secrets"),
        ("POST", "/secrets/create"),
        ("DELETE", "/configs/x"),
        ("GET", "/services/x/logs?stdout=1"),
    ],
)
def test_inactive_returns_503(client: Client, method: str, path: str) -> None:
    response = client.open("/v1.45" + path, method=method, json={})
    assert response.status_code == 503
    assert response.json == {"message": NOT_A_MANAGER}


def test_inactive_leave(client: Client) -> None:
    response = client.post("/v1.45/swarm/leave?force=1")
    assert response.status_code == 503
    assert response.json == {"message": "This node is not part of a swarm"}


def test_inactive_logs_check_streams(client: Client) -> None:
    response = client.get("/v1.45/tasks/x/logs")
    assert response.status_code == 500
    assert response.json == {
        "message": "Bad parameters: you must choose at least one stream"
    }


def test_init_returns_node_id(client: Client, engine: Engine) -> None:
    response = client.post("/v1.45/swarm/init", json=INIT)
    assert response.status_code == 200
    assert response.json == engine.swarm.node_id
    again = client.post("/v1.45/swarm/init", json=INIT)
    assert again.status_code == 503


def test_swarm_document(manager: Client) -> None:
    document = manager.get("/v1.45/swarm").json
    assert document["Version"]["Index"] >= 1
    assert document["Spec"]["Name"] == "default"
    assert document["Spec"]["EncryptionConfig"] == {"AutoLockManagers": False}
    assert document["Spec"]["TaskDefaults"] == {}
    assert document["RootRotationInProgress"] is False
    assert document["DefaultAddrPool"] == ["10.0.0.0/8"]
    assert document["SubnetSize"] == 24
    assert document["DataPathPort"] == 4789
    assert document["TLSInfo"]["CertIssuerSubject"] == "MBMxETAPBgNVBAMTCHN3YXJtLWNh"
    assert document["TLSInfo"]["TrustRoot"].startswith("-----BEGIN CERTIFICATE-----")
    worker = document["JoinTokens"]["Worker"]
    assert worker.startswith("SWMTKN-1-")
    assert [len(part) for part in worker.split("-")[2:]] == [50, 25]


def test_swarm_document_old_version(manager: Client) -> None:
    # Engines 20.10 and 26.1 send the fields of API 1.39 and 1.40 at 1.24
    # too (contracts/recorded/*/v1.24/swarm.jsonl).
    document = manager.get("/v1.24/swarm").json
    assert document["DefaultAddrPool"] == ["10.0.0.0/8"]
    assert document["SubnetSize"] == 24
    assert document["DataPathPort"] == 4789


def test_ping_and_info_follow_state(manager: Client) -> None:
    assert manager.get("/_ping").headers["Swarm"] == "active/manager"
    swarm = manager.get("/v1.45/info").json["Swarm"]
    assert swarm["LocalNodeState"] == "active"
    assert swarm["ControlAvailable"] is True
    assert swarm["Nodes"] == 1
    assert swarm["Managers"] == 1
    assert swarm["RemoteManagers"] == [
        {"NodeID": swarm["NodeID"], "Addr": "127.0.0.1:2377"}
    ]
    assert "JoinTokens" not in swarm["Cluster"]
    assert manager.post("/v1.45/swarm/leave?force=1").status_code == 200
    assert manager.get("/_ping").headers["Swarm"] == "inactive"
    assert manager.get("/v1.45/info").json["Swarm"]["LocalNodeState"] == "inactive"


def test_locked_state(manager: Client, engine: Engine) -> None:
    spec = manager.get("/v1.45/swarm").json
    body = dict(spec["Spec"], EncryptionConfig={"AutoLockManagers": True})
    version = spec["Version"]["Index"]
    assert (
        manager.post(f"/v1.45/swarm/update?version={version}", json=body).status_code
        == 200
    )
    key = manager.get("/v1.45/swarm/unlockkey").json["UnlockKey"]
    engine.swarm.simulate_restart()
    assert manager.get("/_ping").headers["Swarm"] == "locked"
    info = manager.get("/v1.45/info").json["Swarm"]
    assert info["LocalNodeState"] == "locked"
    assert info["ControlAvailable"] is False
    response = manager.get("/v1.45/services")
    assert response.status_code == 503
    assert "needs to be unlocked" in response.json["message"]
    wrong = manager.post("/v1.45/swarm/unlock", json={"UnlockKey": "SWMKEY-1-AAAA"})
    assert wrong.status_code == 401
    assert wrong.json["message"] == "swarm could not be unlocked: invalid key provided"
    assert (
        manager.post("/v1.45/swarm/unlock", json={"UnlockKey": key}).status_code == 200
    )
    assert manager.get("/_ping").headers["Swarm"] == "active/manager"


def test_update_version_errors(manager: Client) -> None:
    spec = manager.get("/v1.45/swarm").json["Spec"]
    missing = manager.post("/v1.45/swarm/update", json=spec)
    assert missing.status_code == 400
    assert missing.json["message"] == (
        "invalid swarm version '': strconv.ParseUint: parsing \"\": invalid syntax"
    )
    stale = manager.post("/v1.45/swarm/update?version=999", json=spec)
    assert stale.status_code == 500
    assert stale.json["message"] == (
        "rpc error: code = Unknown desc = update out of sequence"
    )


def test_update_returns_empty_200(manager: Client) -> None:
    document = manager.get("/v1.45/swarm").json
    version = document["Version"]["Index"]
    response = manager.post(
        f"/v1.45/swarm/update?version={version}&rotateManagerToken=true",
        json=document["Spec"],
    )
    assert response.status_code == 200
    assert response.data == b""
    tokens = manager.get("/v1.45/swarm").json["JoinTokens"]
    assert tokens["Manager"] != document["JoinTokens"]["Manager"]


def test_unlock_not_locked(manager: Client) -> None:
    response = manager.post("/v1.45/swarm/unlock", json={"UnlockKey": "x"})
    assert response.status_code == 409
    assert response.json == {"message": "swarm is not locked"}
    assert manager.get("/v1.45/swarm/unlockkey").json == {"UnlockKey": ""}


def test_join_unreachable(client: Client) -> None:
    token = "SWMTKN-1-" + "a" * 50 + "-" + "b" * 25
    body = {
        "ListenAddr": "0.0.0.0:2377",
        "RemoteAddrs": ["127.0.0.1:1"],
        "JoinToken": token,
    }
    response = client.post("/v1.45/swarm/join", json=body)
    assert response.status_code == 503
    assert response.json["message"] == (
        "rpc error: code = Unavailable desc = connection error: desc = "
        '"transport: Error while dialing: dial tcp 127.0.0.1:1: connect: '
        'connection refused"'
    )


def test_leave_without_force(manager: Client) -> None:
    response = manager.post("/v1.45/swarm/leave")
    assert response.status_code == 503
    assert response.json["message"].startswith(
        "You are attempting to leave the swarm on a node that is participating "
        "as a manager."
    )


def test_node_document(manager: Client, engine: Engine) -> None:
    nodes = manager.get("/v1.45/nodes").json
    assert len(nodes) == 1
    node = nodes[0]
    assert node["ID"] == engine.swarm.node_id
    assert node["Spec"] == {"Labels": {}, "Role": "manager", "Availability": "active"}
    assert node["Status"] == {"State": "ready", "Addr": "127.0.0.1"}
    assert node["ManagerStatus"] == {
        "Leader": True,
        "Reachability": "reachable",
        "Addr": "127.0.0.1:2377",
    }
    assert node["Description"]["Engine"]["EngineVersion"] == "26.1.5"
    assert manager.get("/v1.45/nodes/nope").json == {"message": "node nope not found"}


def test_node_update_and_filters(manager: Client, engine: Engine) -> None:
    node = manager.get(f"/v1.45/nodes/{engine.swarm.node_id}").json
    version = node["Version"]["Index"]
    spec = dict(node["Spec"], Labels={"zone": "a"})
    path = f"/v1.45/nodes/{node['ID']}/update"
    assert manager.post(path, json=spec).status_code == 400
    assert manager.post(f"{path}?version={version}", json=spec).status_code == 200
    labelled = json.dumps({"node.label": ["zone=a"]})
    assert len(manager.get(f"/v1.45/nodes?filters={labelled}").json) == 1
    bogus = manager.get('/v1.45/nodes?filters={"bogus":["x"]}')
    assert bogus.status_code == 400
    assert bogus.json == {"message": "invalid filter 'bogus'"}


def test_node_delete_rejected(manager: Client, engine: Engine) -> None:
    response = manager.delete(f"/v1.45/nodes/{engine.swarm.node_id}?force=1")
    assert response.status_code == 400
    assert "It must be demoted to worker before removal" in response.json["message"]


def test_service_lifecycle(manager: Client) -> None:
    created = manager.post("/v1.45/services/create", json=SERVICE)
    assert created.status_code == 201
    assert created.json["Warnings"] is None
    service_id = created.json["ID"]
    document = manager.get("/v1.45/services/web").json
    assert document["ID"] == service_id
    assert document["Spec"]["TaskTemplate"]["ContainerSpec"]["Isolation"] == "default"
    assert document["Spec"]["TaskTemplate"]["Runtime"] == "container"
    assert document["Spec"]["TaskTemplate"]["ForceUpdate"] == 0
    assert document["Endpoint"] == {"Spec": {}}
    tasks = wait_running(manager, "web", 2)
    assert {t["Slot"] for t in tasks} == {1, 2}
    assert tasks[0]["Status"]["Message"] == "started"
    assert "Runtime" not in tasks[0]["Spec"]
    assert tasks[0]["Volumes"] is None
    listed = manager.get("/v1.45/services?status=true").json
    assert listed[0]["ServiceStatus"] == {
        "RunningTasks": 2,
        "DesiredTasks": 2,
        "CompletedTasks": 0,
    }
    removed = manager.delete("/v1.45/services/web")
    assert removed.status_code == 200
    assert removed.data == b""
    again = manager.delete("/v1.45/services/web")
    assert again.status_code == 404
    assert again.json == {"message": "service web not found"}


def test_service_status_needs_141(manager: Client) -> None:
    manager.post("/v1.45/services/create", json=SERVICE)
    listed = manager.get("/v1.40/services?status=true").json
    assert "ServiceStatus" not in listed[0]


def test_insert_defaults(manager: Client) -> None:
    manager.post("/v1.45/services/create", json=SERVICE)
    spec = manager.get("/v1.45/services/web?insertDefaults=true").json["Spec"]
    template = spec["TaskTemplate"]
    assert template["ContainerSpec"]["StopGracePeriod"] == 10_000_000_000
    assert template["ContainerSpec"]["DNSConfig"] == {}
    assert template["RestartPolicy"] == {
        "Condition": "any",
        "Delay": 5_000_000_000,
        "MaxAttempts": 0,
    }
    assert spec["UpdateConfig"] == {
        "Parallelism": 1,
        "FailureAction": "pause",
        "Monitor": 5_000_000_000,
        "MaxFailureRatio": 0,
        "Order": "stop-first",
    }
    assert spec["EndpointSpec"] == {"Mode": "vip"}


def test_service_update_version(manager: Client) -> None:
    manager.post("/v1.45/services/create", json=SERVICE)
    document = manager.get("/v1.45/services/web").json
    missing = manager.post("/v1.45/services/web/update", json=document["Spec"])
    assert missing.status_code == 400
    assert missing.json["message"].startswith("invalid service version ''")
    stale = manager.post("/v1.45/services/web/update?version=1", json=document["Spec"])
    assert stale.status_code == 500
    assert stale.json["message"].endswith("update out of sequence")
    version = document["Version"]["Index"]
    spec = dict(document["Spec"], Mode={"Replicated": {"Replicas": 3}})
    done = manager.post(f"/v1.45/services/web/update?version={version}", json=spec)
    assert done.status_code == 200
    assert done.json == {"Warnings": None}
    updated = manager.get("/v1.45/services/web").json
    assert updated["PreviousSpec"]["Mode"] == {"Replicated": {"Replicas": 2}}
    wait_running(manager, "web", 3)


def test_service_filters(manager: Client) -> None:
    manager.post("/v1.45/services/create", json=SERVICE)
    bogus = manager.get('/v1.45/services?filters={"bogus":["x"]}')
    assert bogus.status_code == 400
    assert bogus.json == {"message": "invalid filter 'bogus'"}
    named = manager.get('/v1.45/services?filters={"name":["we"]}').json
    assert [s["Spec"]["Name"] for s in named] == ["web"]
    moded = manager.get('/v1.45/services?filters={"mode":["global"]}').json
    assert moded == []


def test_task_routes(manager: Client) -> None:
    manager.post("/v1.45/services/create", json=SERVICE)
    task = wait_running(manager, "web", 2)[0]
    inspected = manager.get(f"/v1.45/tasks/{task['ID']}").json
    assert inspected["ID"] == task["ID"]
    assert inspected["DesiredState"] == "running"
    status = inspected["Status"]["ContainerStatus"]
    assert len(status["ContainerID"]) == 64
    assert status["PID"] > 0
    missing = manager.get("/v1.45/tasks/nope")
    assert missing.json == {"message": "task nope not found"}
    bad = manager.get('/v1.45/tasks?filters={"desired-state":["bogus"]}')
    assert bad.status_code == 500
    assert bad.json == {"message": "Invalid desired-state filter: 'bogus'"}


def test_service_logs_details(manager: Client, engine: Engine) -> None:
    body = {
        "Name": "echo",
        "TaskTemplate": {
            "ContainerSpec": {"Image": "busybox", "Command": ["echo", "hi"]},
            "RestartPolicy": {"Condition": "none"},
        },
    }
    service_id = manager.post("/v1.45/services/create", json=body).json["ID"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        tasks = manager.get('/v1.45/tasks?filters={"service":["echo"]}').json
        if tasks and tasks[0]["Status"]["State"] == "complete":
            break
        time.sleep(0.05)
    task = tasks[0]
    assert task["Status"]["Message"] == "finished"
    assert task["DesiredState"] == "shutdown"
    plain = manager.get("/v1.45/services/echo/logs?stdout=1&stderr=1")
    assert plain.headers["Content-Type"] == "application/vnd.docker.multiplexed-stream"
    assert plain.data == struct.pack(">BxxxL", 1, 3) + b"hi\n"
    detailed = manager.get("/v1.45/services/echo/logs?stdout=1&details=1").data
    line = (
        f"com.docker.swarm.node.id={engine.swarm.node_id},"
        f"com.docker.swarm.service.id={service_id},"
        f"com.docker.swarm.task.id={task['ID']} hi\n"
    ).encode()
    assert detailed == struct.pack(">BxxxL", 1, len(line)) + line
    task_logs = manager.get(f"/v1.45/tasks/{task['ID']}/logs?stdout=1").data
    assert task_logs == struct.pack(">BxxxL", 1, 3) + b"hi\n"


def test_secret_routes(manager: Client) -> None:
    created = manager.post(
        "/v1.45/secrets/create", json={"Name": "s1", "Data": "aGVsbG8="}
    )
    assert created.status_code == 201
    secret_id = created.json["ID"]
    document = manager.get("/v1.45/secrets/s1").json
    assert document["ID"] == secret_id
    assert document["Spec"] == {"Name": "s1", "Labels": {}}
    bad = manager.post("/v1.45/secrets/create", json={"Name": "s2", "Data": "!!"})
    assert bad.status_code == 400
    assert bad.json == {"message": "invalid JSON: illegal base64 data at input byte 0"}
    version = document["Version"]["Index"]
    no_version = manager.post(f"/v1.45/secrets/{secret_id}/update", json={})
    assert no_version.json == {"message": "invalid secret version"}
    relabel = {"Name": "s1", "Labels": {"a": "b"}}
    path = f"/v1.45/secrets/{secret_id}/update?version={version}"
    assert manager.post(path, json=relabel).status_code == 200
    assert manager.delete(f"/v1.45/secrets/{secret_id}").status_code == 204
    assert manager.get("/v1.45/secrets").json == []


def test_config_routes(manager: Client) -> None:
    created = manager.post("/v1.45/configs/create", json={"Name": "c1", "Data": "eA=="})
    assert created.status_code == 201
    document = manager.get(f"/v1.45/configs/{created.json['ID']}").json
    assert document["Spec"] == {"Name": "c1", "Labels": {}, "Data": "eA=="}
    listed = manager.get('/v1.45/configs?filters={"names":["c1"]}').json
    assert [c["ID"] for c in listed] == [created.json["ID"]]
    assert manager.get("/v1.45/configs/nope").json == {
        "message": "config nope not found"
    }


def test_legacy_filter_wording() -> None:
    legacy = Engine(DaemonConfig(engine="20.10"))
    try:
        client = Client(APIApp(legacy))
        client.post("/v1.41/swarm/init", json=INIT)
        response = client.get('/v1.41/secrets?filters={"bogus":["x"]}')
        assert response.status_code == 400
        assert response.json == {"message": "Invalid filter 'bogus'"}
        bad = client.post("/v1.41/secrets/create", json={"Name": "s", "Data": "!"})
        assert bad.json == {"message": "illegal base64 data at input byte 0"}
        client.post("/v1.41/swarm/leave?force=1")
    finally:
        legacy.close()


def test_overlay_network_route(manager: Client) -> None:
    response = manager.post(
        "/v1.45/networks/create", json={"Name": "ov", "Driver": "overlay"}
    )
    assert response.status_code == 201
    network = manager.get("/v1.45/networks/ov").json
    assert network["Scope"] == "swarm"
    assert network["Driver"] == "overlay"
    assert network["IPAM"]["Config"] == [
        {"Subnet": "10.0.1.0/24", "Gateway": "10.0.1.1"}
    ]
    ingress = manager.get("/v1.45/networks/ingress").json
    assert ingress["Ingress"] is True


def test_overlay_outside_swarm(client: Client) -> None:
    response = client.post(
        "/v1.45/networks/create", json={"Name": "ov", "Driver": "overlay"}
    )
    assert response.status_code == 403
    assert response.json == {"message": NOT_A_MANAGER}


def test_swarm_events_route(manager: Client) -> None:
    manager.post("/v1.45/secrets/create", json={"Name": "s1", "Data": "eA=="})
    now = int(time.time()) + 1
    events = manager.get(
        f'/v1.45/events?since=0&until={now}&filters={{"type":["secret"]}}'
    ).data.splitlines()
    documents = [json.loads(line) for line in events]
    assert [(d["Type"], d["Action"], d["scope"]) for d in documents] == [
        ("secret", "create", "swarm")
    ]


def test_network_in_use_by_service(manager: Client) -> None:
    network_id = manager.post(
        "/v1.45/networks/create", json={"Name": "ov", "Driver": "overlay"}
    ).json["Id"]
    body = dict(SERVICE, Networks=[{"Target": "ov"}])
    service_id = manager.post("/v1.45/services/create", json=body).json["ID"]
    response = manager.delete("/v1.45/networks/ov")
    assert response.status_code == 400
    assert response.json == {
        "message": "rpc error: code = FailedPrecondition desc = network "
        f"{network_id} is in use by service {service_id}"
    }


def test_update_config_defaults(manager: Client) -> None:
    body = dict(SERVICE, UpdateConfig={"Parallelism": 2})
    manager.post("/v1.45/services/create", json=body)
    spec = manager.get("/v1.45/services/web").json["Spec"]
    assert spec["UpdateConfig"] == {
        "Parallelism": 2,
        "FailureAction": "pause",
        "MaxFailureRatio": 0,
        "Order": "stop-first",
    }


def test_legacy_create_response() -> None:
    legacy = Engine(DaemonConfig(engine="20.10"))
    try:
        client = Client(APIApp(legacy))
        client.post("/v1.41/swarm/init", json=INIT)
        created = client.post("/v1.41/services/create", json=SERVICE)
        assert created.status_code == 201
        assert list(created.json) == ["ID"]
        node = client.get("/v1.41/nodes").json[0]
        plugins = node["Description"]["Engine"]["Plugins"]
        assert {"Type": "Log", "Name": "logentries"} in plugins
        client.post("/v1.41/swarm/leave?force=1")
    finally:
        legacy.close()
