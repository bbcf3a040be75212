"""Network routes in-process: list, inspect, create, connect, prune."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

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


def names(client: Client, filters: dict[str, list[str]] | None = None) -> list[str]:
    query = {"filters": json.dumps(filters)} if filters else {}
    response = client.get("/networks", query_string=query)
    assert response.status_code == 200, response.data
    return [network["Name"] for network in response.json]


def create_network(client: Client, **body: Any) -> str:
    response = client.post("/networks/create", json=body)
    assert response.status_code == 201, response.data
    network_id: str = response.json["Id"]
    return network_id


def start(client: Client, name: str, network: str = "bridge", **body: Any) -> str:
    request = {
        "Image": "busybox",
        "Cmd": ["sleep", "300"],
        "HostConfig": {"NetworkMode": network},
        **body,
    }
    response = client.post(f"/containers/create?name={name}", json=request)
    assert response.status_code == 201, response.data
    container_id: str = response.json["Id"]
    assert client.post(f"/containers/{name}/start").status_code == 204
    return container_id


def test_list_predefined(client: Client) -> None:
    assert names(client) == ["bridge", "host", "none"]


def test_list_trailing_slash(client: Client) -> None:
    response = client.get("/networks/")
    assert response.status_code == 200
    assert len(response.json) == 3


def test_list_filters(client: Client) -> None:
    create_network(client, Name="web", Labels={"tier": "front"})
    assert names(client, {"type": ["custom"]}) == ["web"]
    assert names(client, {"type": ["builtin"]}) == ["bridge", "host", "none"]
    assert names(client, {"driver": ["null"]}) == ["none"]
    assert names(client, {"label": ["tier=front"]}) == ["web"]
    assert names(client, {"name": ["we"]}) == ["web"]
    assert names(client, {"dangling": ["true"]}) == ["web"]
    assert names(client, {"scope": ["swarm"]}) == []


def test_list_bad_type(client: Client) -> None:
    query = {"filters": json.dumps({"type": ["bogus"]})}
    response = client.get("/networks", query_string=query)
    assert response.status_code == 500
    assert response.json["message"] == "invalid filter: 'type'='bogus'"


def test_list_bad_dangling(client: Client) -> None:
    query = {"filters": json.dumps({"dangling": ["maybe"]})}
    response = client.get("/networks", query_string=query)
    assert response.status_code == 400
    assert response.json["message"].startswith("invalid value for filter 'dangling'")


def test_inspect_bridge(client: Client) -> None:
    document = client.get("/networks/bridge").json
    assert document["IPAM"]["Config"] == [
        {"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}
    ]
    assert document["Options"]["com.docker.network.bridge.name"] == "docker0"


def test_inspect_host_config_null(client: Client) -> None:
    assert client.get("/networks/host").json["IPAM"]["Config"] is None


def test_inspect_scope_mismatch(client: Client) -> None:
    response = client.get("/networks/bridge?scope=swarm")
    assert response.status_code == 404
    assert response.json["message"] == "network bridge not found"


def test_inspect_version_fields(client: Client) -> None:
    older = client.get("/v1.45/networks/bridge").json
    assert "EnableIPv4" not in older
    assert "Status" not in older


def test_containers_map(client: Client) -> None:
    create_network(client, Name="net1", IPAM={"Config": [{"Subnet": "10.10.0.0/24"}]})
    container_id = start(client, "c1", "net1")
    document = client.get("/networks/net1").json
    entry = document["Containers"][container_id]
    assert entry["Name"] == "c1"
    assert entry["IPv4Address"] == "10.10.0.2/24"
    assert entry["MacAddress"] == "02:42:0a:0a:00:02"


def test_container_inspect_follows_networks(client: Client) -> None:
    create_network(client, Name="net1")
    container_id = start(
        client,
        "c1",
        "net1",
        NetworkingConfig={"EndpointsConfig": {"net1": {"Aliases": ["web"]}}},
    )
    settings = client.get("/v1.45/containers/c1/json").json["NetworkSettings"]
    entry = settings["Networks"]["net1"]
    assert entry["IPAddress"] == "172.18.0.2"
    assert entry["Gateway"] == "172.18.0.1"
    assert entry["Aliases"] == ["web"]
    assert entry["DNSNames"] == ["c1", "web", container_id[:12]]
    assert settings["IPAddress"] == ""


def test_old_version_aliases_hold_short_id(client: Client) -> None:
    create_network(client, Name="net1")
    container_id = start(client, "c1", "net1")
    entry = client.get("/v1.41/containers/c1/json").json["NetworkSettings"]
    assert entry["Networks"]["net1"]["Aliases"] == [container_id[:12]]


def test_default_bridge_top_level(client: Client) -> None:
    start(client, "c1")
    settings = client.get("/v1.45/containers/c1/json").json["NetworkSettings"]
    assert settings["IPAddress"] == "172.17.0.2"
    assert settings["Gateway"] == "172.17.0.1"
    assert settings["Networks"]["bridge"]["DNSNames"] is None


def test_connect_and_disconnect(client: Client) -> None:
    create_network(client, Name="net1")
    container_id = start(client, "c1")
    body = {"Container": "c1"}
    response = client.post("/networks/net1/connect", json=body)
    assert response.status_code == 200
    assert response.data == b""
    containers = client.get("/networks/net1").json["Containers"]
    assert list(containers) == [container_id]
    response = client.post("/networks/net1/disconnect", json=body)
    assert response.status_code == 200
    response = client.post("/networks/net1/disconnect", json=body)
    assert response.status_code == 500
    assert response.json["message"] == (
        f"container {container_id} is not connected to network net1"
    )


def test_connect_missing_container(client: Client) -> None:
    response = client.post("/networks/bridge/connect", json={"Container": "nope"})
    assert response.status_code == 404
    assert response.json["message"] == "No such container: nope"


def test_disconnect_force_missing(client: Client) -> None:
    body = {"Container": "nope", "Force": True}
    response = client.post("/networks/bridge/disconnect", json=body)
    assert response.status_code == 404
    assert response.json["message"] == "endpoint nope not found"


def test_delete_predefined(client: Client) -> None:
    response = client.delete("/networks/none")
    assert response.status_code == 403
    assert response.json["message"] == (
        "none is a pre-defined network and cannot be removed"
    )


def test_delete_missing(client: Client) -> None:
    response = client.delete("/networks/nope")
    assert response.status_code == 404
    assert response.json["message"] == "network nope not found"


def test_prune(client: Client) -> None:
    create_network(client, Name="idle")
    response = client.post("/networks/prune")
    assert response.json == {"NetworksDeleted": ["idle"]}
    response = client.post("/networks/prune")
    assert response.json == {"NetworksDeleted": None}


def test_prune_bad_until(client: Client) -> None:
    query = {"filters": json.dumps({"until": ["x"]})}
    response = client.post("/networks/prune", query_string=query)
    assert response.status_code == 400
    assert response.json["message"] == (
        'failed to parse value as time or duration: "x"'
    )


def test_prune_until_duration(client: Client) -> None:
    create_network(client, Name="fresh")
    query = {"filters": json.dumps({"until": ["1h"]})}
    response = client.post("/networks/prune", query_string=query)
    assert response.json == {"NetworksDeleted": None}


def test_create_bad_json(client: Client) -> None:
    response = client.post("/networks/create", json={"Name": "net1", "Driver": "x"})
    assert response.status_code == 404
    assert response.json["message"] == 'plugin "x" not found'
