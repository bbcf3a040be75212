"""System routes beyond ping: events, disk usage, auth, swarm and plugin answers."""

from __future__ import annotations

import json
import threading
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


def run_container(client: Client, engine: Engine, **config: Any) -> str:
    created = client.post(
        "/v1.45/containers/create", json={"Image": "busybox", "Cmd": ["true"], **config}
    )
    container_id: str = created.json["Id"]
    client.post(f"/v1.45/containers/{container_id}/start")
    engine.containers.wait(engine.containers.get(container_id), "not-running")
    return container_id


def read_events(client: Client, engine: Engine, query: str, **headers: str) -> Any:
    """Read the events up to the next second, once the clock has passed it."""
    until = engine.clock.time_ns() // 1_000_000_000 + 1
    engine.clock.advance(2)
    return client.get(f"{query}&until={until}", headers=headers)


def test_events_replay_between_since_and_until(client: Client, engine: Engine) -> None:
    container_id = run_container(client, engine, Labels={"l": "v"})
    response = read_events(client, engine, "/v1.45/events?since=0")
    assert response.headers["Content-Type"] == "application/json"
    documents = [json.loads(line) for line in response.data.splitlines()]
    container_events = [d for d in documents if d["Type"] == "container"]
    assert [d["Action"] for d in container_events] == ["create", "start", "die"]
    die = container_events[-1]
    assert die["status"] == "die"
    assert die["id"] == container_id
    assert die["from"] == "busybox"
    assert list(die["Actor"]["Attributes"]) == sorted(die["Actor"]["Attributes"])
    assert die["Actor"]["Attributes"]["exitCode"] == "0"
    assert die["timeNano"] // 1_000_000_000 == die["time"]


def test_events_new_shape_from_152(client: Client, engine: Engine) -> None:
    run_container(client, engine)
    response = read_events(client, engine, "/v1.52/events?since=0")
    assert response.headers["Content-Type"] == "application/jsonl"
    first = json.loads(response.data.splitlines()[0])
    assert "status" not in first
    assert "id" not in first


def test_events_json_seq_by_accept(client: Client, engine: Engine) -> None:
    run_container(client, engine)
    response = read_events(
        client, engine, "/v1.53/events?since=0", Accept="application/json-seq"
    )
    assert response.headers["Content-Type"] == "application/json-seq"
    assert response.data.startswith(b"\x1e{")


def test_events_filter_by_action(client: Client, engine: Engine) -> None:
    run_container(client, engine)
    response = read_events(
        client, engine, '/v1.45/events?since=0&filters={"event":["die"]}'
    )
    actions = [json.loads(line)["Action"] for line in response.data.splitlines()]
    assert actions == ["die"]


def test_events_since_after_until(client: Client) -> None:
    response = client.get("/v1.45/events?since=200&until=100")
    assert response.status_code == 400
    assert response.json == {
        "message": "`since` time (200) cannot be after `until` time (100)"
    }


def test_events_bad_since(client: Client) -> None:
    response = client.get("/v1.45/events?since=abc")
    assert response.status_code == 500
    assert response.json == {
        "message": 'strconv.ParseInt: parsing "abc": invalid syntax'
    }


def test_events_follow_new_event(engine: Engine, client: Client) -> None:
    until = engine.clock.time_ns() // 1_000_000_000 + 3
    received: list[bytes] = []

    def follow() -> None:
        response = client.get(
            f'/v1.45/events?until={until}&filters={{"type":["container"]}}'
        )
        received.append(response.data)

    reader = threading.Thread(target=follow)
    reader.start()
    threading.Event().wait(0.3)
    engine.containers.create({"Image": "busybox"}, None, "followed")
    reader.join(10)
    assert b'"Action":"create"' in received[0]


def test_data_usage_reports_objects(client: Client, engine: Engine) -> None:
    run_container(client, engine)
    document = client.get("/v1.45/system/df").json
    assert document["LayersSize"] > 0
    assert document["Images"][0]["Containers"] == 1
    assert len(document["Containers"]) == 1
    assert document["BuildCache"] == []
    only_images = client.get("/v1.45/system/df?type=image").json
    assert set(only_images) == {"LayersSize", "Images"}


def test_auth_succeeds_online(client: Client) -> None:
    response = client.post(
        "/v1.45/auth", json={"username": "u", "password": "p", "serveraddress": ""}
    )
    assert response.status_code == 200
    assert response.json == {"IdentityToken": "", "Status": "Login Succeeded"}


def test_auth_fails_offline() -> None:
    client = Client(APIApp(Engine(DaemonConfig(offline=True))))
    response = client.post("/v1.45/auth", json={"username": "u", "password": "p"})
    assert response.status_code == 500
    assert "registry-1.docker.io" in response.json["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1.45/swarm"),
        ("GET", "/v1.45/nodes"),
        ("POST", "/v1.45/services/create"),
        ("GET", "/v1.45/tasks"),
        ("GET", "/v1.45/secrets"),
        ("GET", "/v1.45/configs/abc"),
        ("GET", "/v1.45/services/x/logs?stdout=1"),
    ],
)
def test_swarm_routes_not_a_manager(client: Client, method: str, path: str) -> None:
    response = client.open(path, method=method)
    assert response.status_code == 503
    assert response.json == {"message": NOT_A_MANAGER}


def test_swarm_leave_outside_swarm(client: Client) -> None:
    response = client.post("/v1.45/swarm/leave")
    assert response.status_code == 503
    assert response.json == {"message": "This node is not part of a swarm"}


def test_service_logs_need_a_stream(client: Client) -> None:
    response = client.get("/v1.45/services/x/logs")
    assert response.status_code == 500
    assert response.json == {
        "message": "Bad parameters: you must choose at least one stream"
    }


def test_plugins_empty(client: Client) -> None:
    assert client.get("/v1.45/plugins").json == []
    missing = client.get("/v1.45/plugins/x/json")
    assert missing.status_code == 404
    assert missing.json == {"message": 'plugin "x" not found'}


def test_checkpoints_need_experimental(client: Client) -> None:
    response = client.get("/v1.45/containers/x/checkpoints")
    assert response.status_code == 501
    assert response.json["message"].startswith(
        "This experimental feature is disabled by default."
    )


def test_checkpoints_with_experimental() -> None:
    client = Client(APIApp(Engine(DaemonConfig(experimental=True))))
    created = client.post("/v1.45/containers/create", json={"Image": "busybox"})
    listed = client.get(f"/v1.45/containers/{created.json['Id']}/checkpoints")
    assert listed.status_code == 200
    assert listed.json == []
    assert listed.headers["Docker-Experimental"] == "true"


def test_session_without_upgrade(client: Client) -> None:
    response = client.post("/v1.45/session")
    assert response.status_code == 400
    assert response.json == {"message": "no upgrade proto in request"}


def test_follow_yields_events_published_before_close(engine: Engine) -> None:
    stop = threading.Event()
    reader = engine.events.follow(stop)
    engine.events.publish("container", "die", "abc")
    engine.events.close()
    received = [event for event in reader if event is not None]
    assert [event.action for event in received] == ["die"]
