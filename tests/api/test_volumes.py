"""Volume routes in-process: create, list filters, remove, prune, update."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine


@pytest.fixture
def engine() -> Iterator[Engine]:
    running = Engine(DaemonConfig(engine="26.1"))
    yield running
    running.close()


@pytest.fixture
def client(engine: Engine) -> Client:
    return Client(APIApp(engine))


def list_names(client: Client, filters: dict[str, list[str]]) -> list[str]:
    response = client.get("/volumes", query_string={"filters": json.dumps(filters)})
    assert response.status_code == 200, response.data
    return [volume["Name"] for volume in response.json["Volumes"]]


def test_create_returns_201(client: Client) -> None:
    response = client.post("/volumes/create", json={"Name": "data"})
    assert response.status_code == 201
    assert response.json["Name"] == "data"
    assert response.json["Options"] is None


def test_list_empty(client: Client) -> None:
    response = client.get("/volumes")
    assert response.json == {"Volumes": [], "Warnings": None}


def test_list_filters(client: Client, engine: Engine) -> None:
    engine.volumes.create("data", labels={"tier": "db"})
    engine.volumes.create("other")
    engine.containers.create(
        {"Image": "busybox", "Cmd": ["true"]}, {"Binds": ["other:/o"]}
    )
    assert list_names(client, {"name": ["dat"]}) == ["data"]
    assert list_names(client, {"label": ["tier=db"]}) == ["data"]
    assert list_names(client, {"dangling": ["true"]}) == ["data"]
    assert list_names(client, {"dangling": ["false"]}) == ["other"]
    assert list_names(client, {"driver": ["loc"]}) == []


def test_list_bad_filter(client: Client) -> None:
    response = client.get(
        "/volumes", query_string={"filters": json.dumps({"bogus": ["x"]})}
    )
    assert response.status_code == 400
    assert response.json["message"] == "invalid filter 'bogus'"


def test_list_bad_dangling(client: Client) -> None:
    response = client.get(
        "/volumes", query_string={"filters": json.dumps({"dangling": ["maybe"]})}
    )
    assert response.status_code == 400
    assert response.json["message"] == "invalid filter 'dangling=[maybe]'"


def test_create_array_body(client: Client) -> None:
    response = client.post("/volumes/create", json=[])
    assert response.status_code == 400
    assert response.json["message"] == (
        "invalid JSON: json: cannot unmarshal array into Go value of type "
        "volume.CreateOptions"
    )


def test_inspect_missing(client: Client) -> None:
    response = client.get("/volumes/nope")
    assert response.status_code == 404
    assert response.json["message"] == "get nope: no such volume"


def test_delete_in_use(client: Client, engine: Engine) -> None:
    container = engine.containers.create(
        {"Image": "busybox", "Cmd": ["true"]}, {"Binds": ["data:/d"]}
    )
    response = client.delete("/volumes/data")
    assert response.status_code == 409
    assert response.json["message"] == (
        f"remove data: volume is in use - [{container.id}]"
    )


def test_delete_missing_force(client: Client) -> None:
    response = client.delete("/volumes/nope?force=1")
    assert response.status_code == 204


def test_prune_versions(client: Client, engine: Engine) -> None:
    engine.volumes.create("named")
    anonymous = engine.volumes.create()
    response = client.post("/v1.45/volumes/prune")
    assert response.json == {"VolumesDeleted": [anonymous.name], "SpaceReclaimed": 0}
    response = client.post("/v1.41/volumes/prune")
    assert response.json["VolumesDeleted"] == ["named"]


def test_prune_all_filter(client: Client, engine: Engine) -> None:
    engine.volumes.create("named")
    filters = json.dumps({"all": ["true"]})
    response = client.post("/volumes/prune", query_string={"filters": filters})
    assert response.json["VolumesDeleted"] == ["named"]


def test_prune_bad_all(client: Client) -> None:
    filters = json.dumps({"all": ["maybe"]})
    response = client.post("/volumes/prune", query_string={"filters": filters})
    assert response.status_code == 400
    assert response.json["message"] == (
        "invalid filter 'all': strconv.ParseBool: parsing \"maybe\": invalid syntax"
    )


def test_update_without_swarm(client: Client) -> None:
    response = client.put("/volumes/data", json={})
    assert response.status_code == 503
    assert response.json["message"] == (
        "volume update only valid for cluster volumes, but swarm is unavailable"
    )


def test_update_missing_on_legacy_engine() -> None:
    engine = Engine(DaemonConfig(engine="20.10"))
    response = Client(APIApp(engine)).put("/volumes/data", json={})
    assert response.status_code == 404
    assert response.json["message"] == "page not found"
    engine.close()


def test_legacy_filter_wording() -> None:
    engine = Engine(DaemonConfig(engine="20.10"))
    response = Client(APIApp(engine)).get(
        "/volumes", query_string={"filters": json.dumps({"bogus": ["x"]})}
    )
    assert response.json["message"] == "Invalid filter 'bogus'"
    engine.close()
