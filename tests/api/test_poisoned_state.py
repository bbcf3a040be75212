"""Requests that once stored values the daemon could not send back, and races."""

from __future__ import annotations

import threading
import time

import pytest
from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.engine.engine import Engine

LONE_SURROGATE = b'{"Image":"busybox","Labels":{"a":"\\ud800b"}}'


def post_json(client: Client, target: str, body: bytes) -> tuple[int, object]:
    response = client.post(
        target, data=body, headers={"Content-Type": "application/json"}
    )
    return response.status_code, response.get_json(silent=True)


def test_lone_surrogate_label_becomes_replacement(client: Client) -> None:
    status, _ = post_json(client, "/v1.45/containers/create?name=sur1", LONE_SURROGATE)
    assert status == 201
    listed = client.get("/v1.45/containers/json?all=1")
    assert listed.status_code == 200
    assert listed.json[0]["Labels"] == {"a": "\ufffdb"}


def test_lone_surrogate_keeps_events_streaming(client: Client) -> None:
    status, _ = post_json(client, "/v1.45/containers/create?name=sur2", LONE_SURROGATE)
    assert status == 201
    volume = b'{"Name":"vol1","Labels":{"b":"\\udc00"}}'
    assert post_json(client, "/v1.45/volumes/create", volume)[0] == 201
    assert client.get("/v1.45/volumes").status_code == 200
    until = int(time.time()) + 1
    events = client.get(f"/v1.45/events?since=0&until={until}")
    assert events.status_code == 200
    assert "\ufffdb" in events.get_data(as_text=True)


@pytest.mark.parametrize("labels", [b'"s"', b"1", b"true", b'["a"]'])
def test_commit_labels_of_wrong_type(client: Client, labels: bytes) -> None:
    post_json(client, "/v1.45/containers/create?name=c", b'{"Image":"busybox"}')
    status, document = post_json(
        client, "/v1.45/commit?container=c&repo=poison", b'{"Labels":' + labels + b"}"
    )
    assert status == 400
    assert isinstance(document, dict)
    assert "cannot unmarshal" in document["message"]
    assert client.get("/v1.45/images/poison/json").status_code == 404
    assert client.get("/v1.45/images/json").status_code == 200


def test_run_rm_with_missing_command_is_removed(client: Client) -> None:
    body = b'{"Image":"busybox","Cmd":["nosuch"],"HostConfig":{"AutoRemove":true}}'
    status, document = post_json(client, "/v1.45/containers/create?name=gone", body)
    assert status == 201
    assert isinstance(document, dict)
    started = client.post("/v1.45/containers/gone/start")
    assert started.status_code == 400
    assert client.get("/v1.45/containers/gone/json").status_code == 404


def test_parallel_force_remove_succeeds_once(client: Client, engine: Engine) -> None:
    post_json(
        client,
        "/v1.45/containers/create?name=busy",
        b'{"Image":"busybox","Cmd":["sleep","3600"]}',
    )
    assert client.post("/v1.45/containers/busy/start").status_code == 204
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def remove() -> None:
        barrier.wait()
        own = Client(APIApp(engine))
        statuses.append(own.delete("/v1.45/containers/busy?force=1").status_code)

    threads = [threading.Thread(target=remove) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert statuses.count(204) == 1
    assert set(statuses) <= {204, 404, 409}


def test_network_ipam_config_null_entry(client: Client) -> None:
    body = b'{"Name":"n1","IPAM":{"Config":[null]}}'
    status, document = post_json(client, "/v1.45/networks/create", body)
    assert status == 400
    assert isinstance(document, dict)
    assert "invalid subnet" in document["message"]


@pytest.mark.parametrize(
    ("target", "body", "field"),
    [
        ("/v1.45/swarm/init", b'{"ListenAddr":1}', "InitRequest.ListenAddr"),
        ("/v1.45/services/create", b'{"Name":1}', "ServiceSpec.Name"),
        ("/v1.45/services/create", b'{"TaskTemplate":"s"}', "ServiceSpec.TaskTemplate"),
        (
            "/v1.45/services/create",
            b'{"TaskTemplate":[null]}',
            "ServiceSpec.TaskTemplate",
        ),
    ],
)
def test_swarm_body_of_wrong_type(
    client: Client, target: str, body: bytes, field: str
) -> None:
    if target.endswith("/services/create"):
        init = b'{"ListenAddr":"127.0.0.1:2377","AdvertiseAddr":"127.0.0.1"}'
        assert post_json(client, "/v1.45/swarm/init", init)[0] == 200
    status, document = post_json(client, target, body)
    assert status == 400
    assert isinstance(document, dict)
    assert f"Go struct field {field}" in document["message"]
