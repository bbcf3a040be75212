"""Container runtime routes: top, stats, resize, update and prune."""

from __future__ import annotations

import json
import threading
import time

import pytest
from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine


@pytest.fixture
def engine() -> Engine:
    return Engine(DaemonConfig(engine="26.1"))


@pytest.fixture
def client(engine: Engine) -> Client:
    return Client(APIApp(engine))


def create(client: Client, **config: object) -> str:
    body = {"Image": "busybox", "Cmd": ["sleep", "300"], **config}
    created = client.post("/v1.45/containers/create", json=body)
    assert created.status_code == 201, created.data
    container_id: str = created.json["Id"]
    return container_id


def running(client: Client) -> str:
    container_id = create(client)
    started = client.post(f"/v1.45/containers/{container_id}/start")
    assert started.status_code == 204, started.data
    return container_id


def test_top_default_columns(client: Client) -> None:
    container_id = running(client)
    document = client.get(f"/v1.45/containers/{container_id}/top").json
    assert document["Titles"] == [
        "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD",
    ]  # fmt: skip
    assert len(document["Processes"]) == 1
    assert document["Processes"][0][7] == "sleep 300"


def test_top_ps_fields(client: Client) -> None:
    container_id = running(client)
    document = client.get(
        f"/v1.45/containers/{container_id}/top?ps_args=-o%20pid,comm"
    ).json
    assert document["Titles"] == ["PID", "COMMAND"]
    assert document["Processes"][0][1] == "sleep"


def test_top_long_option(client: Client) -> None:
    container_id = running(client)
    response = client.get(f"/v1.45/containers/{container_id}/top?ps_args=--bogus")
    assert response.status_code == 500
    assert response.json["message"] == "ps: error: unknown gnu long option"


def test_top_stopped(client: Client) -> None:
    container_id = create(client)
    response = client.get(f"/v1.45/containers/{container_id}/top")
    assert response.status_code == 409
    assert response.json["message"] == f"container {container_id} is not running"


def test_stats_stopped_is_empty(client: Client) -> None:
    container_id = create(client)
    response = client.get(f"/v1.45/containers/{container_id}/stats?stream=false")
    document = response.json
    assert document["read"] == "0001-01-01T00:00:00Z"
    assert document["memory_stats"] == {}
    assert document["blkio_stats"]["io_serviced_recursive"] is None
    assert document["id"] == container_id


def test_stats_one_shot(client: Client) -> None:
    container_id = running(client)
    response = client.get(
        f"/v1.45/containers/{container_id}/stats?stream=false&one-shot=true"
    )
    document = response.json
    assert document["preread"] == "0001-01-01T00:00:00Z"
    assert document["pids_stats"] == {"current": 1}
    assert document["precpu_stats"]["cpu_usage"]["total_usage"] == 0
    # Engine 26.1 sends a one-shot sample without the name and id.
    assert "id" not in document


def test_stats_two_samples(client: Client, engine: Engine) -> None:
    engine.clock.freeze()
    container_id = running(client)

    def advance() -> None:
        time.sleep(0.2)
        engine.clock.advance(1.0)

    threading.Thread(target=advance).start()
    document = client.get(f"/v1.45/containers/{container_id}/stats?stream=false").json
    assert document["preread"] != "0001-01-01T00:00:00Z"
    assert document["precpu_stats"]["online_cpus"] >= 1
    assert document["id"] == container_id


def test_stats_os_type_in_1_52() -> None:
    client = Client(APIApp(Engine(DaemonConfig())))
    container_id = create(client)
    client.post(f"/v1.52/containers/{container_id}/start")
    document = client.get(
        f"/v1.52/containers/{container_id}/stats?stream=false&one-shot=true"
    ).json
    assert document["os_type"] == "linux"


def test_stats_stream_has_no_content_type(client: Client, engine: Engine) -> None:
    container_id = running(client)
    response = client.get(f"/v1.45/containers/{container_id}/stats", buffered=False)
    first = next(iter(response.response))
    response.close()
    assert "Content-Type" not in response.headers
    assert json.loads(first)["preread"] == "0001-01-01T00:00:00Z"


def test_resize_stopped(client: Client) -> None:
    container_id = create(client)
    response = client.post(f"/v1.45/containers/{container_id}/resize?h=10&w=20")
    assert response.status_code == 409
    assert response.json["message"] == f"container {container_id} is not running"


def test_resize_running(client: Client) -> None:
    container_id = running(client)
    response = client.post(f"/v1.45/containers/{container_id}/resize?h=10&w=20")
    assert response.status_code == 200


def test_update_keeps_resources(client: Client) -> None:
    container_id = create(client)
    body = {
        "Memory": 67108864,
        "MemorySwap": 134217728,
        "CpuShares": 512,
        "RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3},
    }
    response = client.post(f"/v1.45/containers/{container_id}/update", json=body)
    assert response.json == {"Warnings": None}
    host = client.get(f"/v1.45/containers/{container_id}/json").json["HostConfig"]
    assert host["Memory"] == 67108864
    assert host["CpuShares"] == 512
    assert host["RestartPolicy"] == {"Name": "on-failure", "MaximumRetryCount": 3}


def test_update_memory_without_swap(client: Client) -> None:
    container_id = create(client)
    response = client.post(
        f"/v1.45/containers/{container_id}/update", json={"Memory": 67108864}
    )
    assert response.status_code == 409
    assert "update the memoryswap at the same time" in response.json["message"]


def test_update_bad_policy(client: Client) -> None:
    container_id = create(client)
    response = client.post(
        f"/v1.45/containers/{container_id}/update",
        json={"RestartPolicy": {"Name": "bogus"}},
    )
    assert response.status_code == 400
    assert response.json["message"].startswith(
        "invalid restart policy: unknown policy 'bogus'"
    )


def test_update_small_memory(client: Client) -> None:
    container_id = create(client)
    response = client.post(
        f"/v1.45/containers/{container_id}/update", json={"Memory": 1}
    )
    assert response.json["message"] == "Minimum memory limit allowed is 6MB"


def test_prune_removes_stopped(client: Client, engine: Engine) -> None:
    keep = running(client)
    stopped = create(client, Labels={"a": "b"})
    response = client.post("/v1.45/containers/prune")
    assert response.json == {"ContainersDeleted": [stopped], "SpaceReclaimed": 0}
    assert [c.id for c in engine.containers.all()] == [keep]
    prunes = [e for e in engine.events.snapshot() if e.action == "prune"]
    assert prunes[0].attributes == {"reclaimed": "0"}


def test_prune_none_is_null(client: Client) -> None:
    response = client.post("/v1.45/containers/prune")
    assert response.json == {"ContainersDeleted": None, "SpaceReclaimed": 0}


def test_prune_label_filters(client: Client) -> None:
    labelled = create(client, Labels={"a": "b"})
    other = create(client)
    skip = client.post('/v1.45/containers/prune?filters={"label!":["a=b"]}')
    assert skip.json["ContainersDeleted"] == [other]
    only = client.post('/v1.45/containers/prune?filters={"label":["a=b"]}')
    assert only.json["ContainersDeleted"] == [labelled]


def test_prune_until_duration(client: Client) -> None:
    create(client)
    response = client.post('/v1.45/containers/prune?filters={"until":["1h"]}')
    assert response.json["ContainersDeleted"] is None


def test_prune_bad_filter(client: Client) -> None:
    response = client.post('/v1.45/containers/prune?filters={"bogus":["x"]}')
    assert response.status_code == 400
    assert response.json["message"] == "invalid filter 'bogus'"


def test_prune_bad_until(client: Client) -> None:
    response = client.post('/v1.45/containers/prune?filters={"until":["garbage"]}')
    assert response.status_code == 400
    assert response.json["message"] == (
        'failed to parse value as time or duration: "garbage"'
    )
