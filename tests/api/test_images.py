"""Image routes over the in-process WSGI app."""

from __future__ import annotations

import json

import pytest
from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine
from fakedaemon.engine.images import Image, ImageRules


def make_client(**settings: object) -> tuple[Client, Engine]:
    engine = Engine(DaemonConfig(**settings))  # type: ignore[arg-type]
    return Client(APIApp(engine)), engine


@pytest.fixture
def client() -> Client:
    return make_client()[0]


def test_list_shape_1_41(client: Client) -> None:
    response = client.get("/v1.41/images/json")
    assert response.status_code == 200
    summary = response.get_json()[0]
    assert summary["RepoTags"] == ["busybox:latest"]
    assert summary["Containers"] == -1
    assert summary["SharedSize"] == -1
    assert summary["VirtualSize"] == summary["Size"]


def test_list_shape_1_44(client: Client) -> None:
    summary = client.get("/v1.44/images/json").get_json()[0]
    assert "VirtualSize" not in summary


def test_list_unnamed_placeholders() -> None:
    client, engine = make_client()
    engine.images.add(Image(id="sha256:" + "e" * 64, config={}, created_ns=1))
    old = client.get("/v1.42/images/json").get_json()[-1]
    new = client.get("/v1.43/images/json").get_json()[-1]
    assert old["RepoTags"] == ["<none>:<none>"]
    assert old["RepoDigests"] == ["<none>@<none>"]
    assert new["RepoTags"] == []
    assert new["RepoDigests"] == []


def test_list_containers_count_1_51(client: Client) -> None:
    summary = client.get("/v1.51/images/json").get_json()[0]
    assert summary["Containers"] == 0


def test_list_containers_count_follows_removal() -> None:
    client, engine = make_client()
    first = engine.containers.create({"Image": "busybox", "Cmd": ["true"]}, None)
    engine.containers.create({"Image": "busybox", "Cmd": ["true"]}, None)
    assert client.get("/v1.51/images/json").get_json()[0]["Containers"] == 2
    engine.containers.remove(first.id)
    assert client.get("/v1.51/images/json").get_json()[0]["Containers"] == 1


def test_list_shared_size_1_42(client: Client) -> None:
    summary = client.get("/v1.42/images/json?shared-size=1").get_json()[0]
    assert summary["SharedSize"] == 0


def test_list_invalid_filter(client: Client) -> None:
    response = client.get('/v1.45/images/json?filters={"x":{"a":true}}')
    assert response.status_code == 400
    assert response.get_json() == {"message": "invalid filter 'x'"}


def test_inspect_shape_1_41(client: Client) -> None:
    document = client.get("/v1.41/images/busybox/json").get_json()
    assert document["Config"]["Cmd"] == ["sh"]
    assert document["Config"]["Hostname"] == ""
    assert "ContainerConfig" in document
    assert document["VirtualSize"] == document["Size"]


def test_inspect_shape_1_45(client: Client) -> None:
    document = client.get("/v1.45/images/busybox/json").get_json()
    assert "ContainerConfig" not in document
    assert "Container" not in document
    assert "VirtualSize" not in document


def test_inspect_shape_1_52(client: Client) -> None:
    document = client.get("/v1.52/images/busybox/json").get_json()
    assert document["Config"] == {
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        "Cmd": ["sh"],
    }
    assert "Comment" not in document


def test_inspect_missing(client: Client) -> None:
    response = client.get("/v1.45/images/nope/json")
    assert response.status_code == 404
    assert response.get_json() == {"message": "No such image: nope:latest"}


def test_inspect_missing_engine_20() -> None:
    client, engine = make_client(engine="20.10")
    engine.images.rules = ImageRules.for_profile("20.10")
    response = client.get("/v1.41/images/nope/json")
    assert response.get_json() == {
        "message": "no such image: nope: No such image: nope:latest"
    }


def test_inspect_uppercase(client: Client) -> None:
    response = client.get("/v1.45/images/Busybox/json")
    assert response.status_code == 400
    assert response.get_json() == {
        "message": "invalid reference format: repository name (library/Busybox) "
        "must be lowercase"
    }


def test_pull_stream(client: Client) -> None:
    response = client.post("/v1.45/images/create?fromImage=alpine&tag=3.20")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    lines = response.get_data().split(b"\r\n")
    assert lines[-1] == b""
    first = json.loads(lines[0])
    assert first == {"status": "Pulling from library/alpine", "id": "3.20"}
    last = json.loads(lines[-2])
    assert last == {"status": "Status: Downloaded newer image for alpine:3.20"}


def test_pull_progress_escaped() -> None:
    client, _ = make_client(engine="26.1")
    data = client.post("/v1.45/images/create?fromImage=alpine").get_data()
    assert b"\\u003e" in data
    assert b">" not in data


def test_pull_without_progress_text() -> None:
    client, _ = make_client(engine="29.x")
    data = client.post("/v1.52/images/create?fromImage=alpine").get_data()
    assert b'"progress"' not in data


def test_pull_offline() -> None:
    client, _ = make_client(offline=True)
    response = client.post("/v1.45/images/create?fromImage=alpine")
    assert response.status_code == 500
    assert response.get_json()["message"].startswith(
        'Get "https://registry-1.docker.io/v2/": '
    )


def test_pull_denied() -> None:
    client, _ = make_client(deny=["secret/app"])
    response = client.post("/v1.45/images/create?fromImage=secret/app")
    assert response.status_code == 404
    assert response.get_json()["message"].startswith(
        "pull access denied for secret/app"
    )


def test_pull_invalid_reference(client: Client) -> None:
    response = client.post("/v1.45/images/create?fromImage=busybox:1:2")
    assert response.status_code == 400
    assert response.get_json() == {"message": "invalid reference format"}


def test_history(client: Client) -> None:
    entries = client.get("/v1.45/images/busybox/history").get_json()
    assert entries[0]["Tags"] == ["busybox:latest"]
    assert entries[-1]["Id"] == "<missing>"


def test_tag_then_inspect(client: Client) -> None:
    response = client.post("/v1.45/images/busybox/tag?repo=user/app&tag=1")
    assert response.status_code == 201
    document = client.get("/v1.45/images/user/app:1/json").get_json()
    assert document["RepoTags"] == ["busybox:latest", "user/app:1"]


def test_tag_empty_repo(client: Client) -> None:
    assert client.post("/v1.45/images/busybox/tag?repo=").status_code == 200


def test_tag_invalid(client: Client) -> None:
    response = client.post("/v1.45/images/busybox/tag?repo=good&tag=Bad!")
    assert response.status_code == 400
    assert response.get_json() == {"message": "invalid tag format"}


def test_delete_records(client: Client) -> None:
    client.post("/v1.45/images/busybox/tag?repo=other")
    response = client.delete("/v1.45/images/other")
    assert response.status_code == 200
    assert response.get_json() == [{"Untagged": "other:latest"}]


def test_delete_conflict_with_container() -> None:
    client, engine = make_client()
    created = client.post("/v1.45/containers/create", json={"Image": "busybox"})
    container_id = created.get_json()["Id"]
    image_id = engine.images.get("busybox").id
    response = client.delete("/v1.45/images/busybox")
    assert response.status_code == 409
    assert response.get_json() == {
        "message": 'conflict: unable to remove repository reference "busybox" '
        f"(must force) - container {container_id[:12]} is using its referenced "
        f"image {image_id[7:19]}"
    }


def test_prune_empty(client: Client) -> None:
    response = client.post("/v1.45/images/prune")
    assert response.get_json() == {"ImagesDeleted": None, "SpaceReclaimed": 0}


def test_prune_invalid_filter(client: Client) -> None:
    response = client.post('/v1.45/images/prune?filters={"reference":{"x":true}}')
    assert response.status_code == 400
    assert response.get_json() == {"message": "invalid filter 'reference'"}
