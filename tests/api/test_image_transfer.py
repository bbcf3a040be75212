"""Tests of commit, save, load, search, push, distribution and attestations."""

from __future__ import annotations

import io
import json
import tarfile
from typing import Any

import pytest
from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine

AUTH = {"X-Registry-Auth": "e30="}


def lines(body: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in body.split(b"\r\n") if line]


# Commit -----------------------------------------------------------------------


def test_commit_created(client: Client, engine: Engine) -> None:
    container = engine.containers.create({"Image": "busybox", "Cmd": ["sh"]}, None)
    container.filesystem.write_file("/f", b"x")
    response = client.post(
        f"/v1.45/commit?container={container.id}&repo=snap&tag=v1&changes=ENV%20A%3D1",
        json={"Cmd": ["cat", "/f"]},
    )
    assert response.status_code == 201
    image_id = response.json["Id"]
    image = engine.images.get("snap:v1")
    assert image.id == image_id
    assert image.config["Cmd"] == ["cat", "/f"]
    assert "A=1" in image.config["Env"]
    assert image.filesystem.read_file("/f") == b"x"


def test_commit_missing_container(client: Client) -> None:
    response = client.post("/v1.45/commit?container=nope")
    assert response.status_code == 404
    assert response.json == {"message": "No such container: nope"}


# Save and load ------------------------------------------------------------------


def test_save_one(client: Client) -> None:
    response = client.get("/v1.45/images/busybox/get")
    assert response.status_code == 200
    assert response.content_type == "application/x-tar"
    with tarfile.open(fileobj=io.BytesIO(response.get_data())) as tar:
        names = tar.getnames()
    assert "index.json" in names
    assert "manifest.json" in names


def test_save_legacy_profile() -> None:
    client = Client(APIApp(Engine(DaemonConfig(engine="20.10"))))
    response = client.get("/v1.41/images/get?names=busybox")
    with tarfile.open(fileobj=io.BytesIO(response.get_data())) as tar:
        names = tar.getnames()
    assert "index.json" not in names
    assert "manifest.json" in names


def test_save_missing(client: Client) -> None:
    response = client.get("/v1.45/images/get?names=busybox&names=nonexist")
    assert response.status_code == 404
    assert response.json == {"message": "No such image: nonexist"}


def test_load_roundtrip(client: Client) -> None:
    saved = client.get("/v1.45/images/busybox/get").get_data()
    response = client.post("/v1.45/images/load?quiet=1", data=saved)
    assert response.status_code == 200
    assert response.get_data() == b'{"stream":"Loaded image: busybox:latest\\n"}\r\n'


def test_load_garbage(client: Client) -> None:
    response = client.post("/v1.45/images/load", data=b"garbage")
    assert response.status_code == 200
    assert lines(response.get_data()) == [
        {"errorDetail": {"message": "unexpected EOF"}, "error": "unexpected EOF"}
    ]


# Search -----------------------------------------------------------------------


def test_search_results(client: Client) -> None:
    response = client.get("/v1.45/images/search?term=busybox")
    assert response.status_code == 200
    first = response.json[0]
    assert first["name"] == "busybox"
    assert first["is_official"] is True
    assert set(first) == {
        "star_count",
        "is_official",
        "name",
        "is_automated",
        "description",
    }


def test_search_filters(client: Client) -> None:
    filters = json.dumps({"is-official": ["false"]})
    response = client.get(f"/v1.45/images/search?term=busybox&filters={filters}")
    assert response.json == []


def test_search_stars(client: Client) -> None:
    filters = json.dumps({"stars": ["100000"]})
    response = client.get(f"/v1.45/images/search?term=nginx&filters={filters}")
    assert response.json == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=101", "limit 101 is outside the range of [1, 100]"),
        (
            "limit=x",
            'invalid limit specified: strconv.Atoi: parsing "x": invalid syntax',
        ),
        ('filters={"bogus":["x"]}', "invalid filter 'bogus'"),
        ('filters={"is-official":["x"]}', "invalid filter 'is-official=[x]'"),
        (
            'filters={"stars":["x"]}',
            "invalid filter 'stars=x': strconv.Atoi: parsing \"x\": invalid syntax",
        ),
    ],
)
def test_search_errors(client: Client, query: str, message: str) -> None:
    response = client.get(f"/v1.45/images/search?term=busybox&{query}")
    assert response.status_code == 400
    assert response.json == {"message": message}


def test_search_offline() -> None:
    client = Client(APIApp(Engine(DaemonConfig(offline=True))))
    response = client.get("/v1.45/images/search?term=busybox")
    assert response.status_code == 500
    assert response.json["message"].startswith(
        'Get "https://index.docker.io/v1/search?q=busybox&n=25": '
    )


# Push -------------------------------------------------------------------------


def test_push_missing_auth(client: Client) -> None:
    response = client.post("/v1.45/images/busybox/push")
    assert response.status_code == 400
    assert response.json == {
        "message": "bad parameters and missing X-Registry-Auth: invalid "
        "X-Registry-Auth header: EOF"
    }


def test_push_legacy_missing_auth() -> None:
    client = Client(APIApp(Engine(DaemonConfig(engine="20.10"))))
    response = client.post("/v1.41/images/busybox/push")
    assert response.json == {
        "message": "Bad parameters and missing X-Registry-Auth: EOF"
    }


def test_push_progress(client: Client, engine: Engine) -> None:
    engine.images.tag("busybox", "me/app")
    messages = lines(client.post("/v1.45/images/me/app/push", headers=AUTH).get_data())
    assert messages[0] == {"status": "The push refers to repository [docker.io/me/app]"}
    statuses = [message.get("status") for message in messages]
    assert "Preparing" in statuses
    assert "Pushed" in statuses
    assert statuses[-2].startswith("latest: digest: sha256:")
    aux = messages[-1]["aux"]
    assert aux["Tag"] == "latest"
    assert statuses[-2] == f"latest: digest: {aux['Digest']} size: {aux['Size']}"
    assert f"me/app@{aux['Digest']}" in engine.images.get("me/app").repo_digests


def test_push_twice_layer_exists(client: Client, engine: Engine) -> None:
    engine.images.tag("busybox", "me/app")
    client.post("/v1.45/images/me/app/push", headers=AUTH).get_data()
    body = client.post("/v1.45/images/me/app/push", headers=AUTH).get_data()
    statuses = [message.get("status") for message in lines(body)]
    assert "Layer already exists" in statuses
    assert "Pushed" not in statuses


def test_push_unknown_image(client: Client) -> None:
    messages = lines(
        client.post("/v1.45/images/nonexist/push", headers=AUTH).get_data()
    )
    assert messages[-1]["error"] == (
        "An image does not exist locally with the tag: nonexist"
    )


def test_push_offline() -> None:
    client = Client(APIApp(Engine(DaemonConfig(offline=True))))
    body = client.post("/v1.45/images/busybox/push", headers=AUTH).get_data()
    assert lines(body)[-1]["error"].startswith('Get "https://registry-1.docker.io/v2/"')


# Distribution and attestations ----------------------------------------------------


def test_distribution(client: Client) -> None:
    response = client.get("/v1.45/distribution/busybox/json")
    assert response.status_code == 200
    assert response.json["Descriptor"]["digest"].startswith("sha256:")
    assert response.json["Platforms"] == [{"architecture": "amd64", "os": "linux"}]


def test_distribution_offline() -> None:
    client = Client(APIApp(Engine(DaemonConfig(offline=True))))
    response = client.get("/v1.45/distribution/busybox/json")
    assert response.status_code == 500


def test_distribution_bad_name(client: Client) -> None:
    response = client.get("/v1.45/distribution/UPPER/json")
    assert response.status_code == 400


def test_attestations_empty(client: Client) -> None:
    response = client.get("/v1.55/images/busybox/attestations")
    assert response.status_code == 200
    assert response.json == []


def test_attestations_before_1_55(client: Client) -> None:
    response = client.get("/v1.54/images/busybox/attestations")
    assert response.status_code == 404


def test_attestations_missing_image(client: Client) -> None:
    response = client.get("/v1.55/images/nonexist/attestations")
    assert response.status_code == 404


# Import -----------------------------------------------------------------------


def test_import_from_body(client: Client, engine: Engine) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = 6
        tar.addfile(info, io.BytesIO(b"hello\n"))
    response = client.post(
        "/v1.45/images/create?fromSrc=-&repo=imported&tag=v1"
        "&changes=CMD%20%5B%22sh%22%5D",
        data=buffer.getvalue(),
    )
    assert response.status_code == 200
    status = lines(response.get_data())[0]["status"]
    image = engine.images.get("imported:v1")
    assert status == image.id
    assert image.filesystem.read_file("/hello.txt") == b"hello\n"
    assert image.config["Cmd"] == ["sh"]
    assert image.comment == "Imported from -"


def test_import_not_a_tar(client: Client, engine: Engine) -> None:
    response = client.post("/v1.45/images/create?fromSrc=-", data=b"garbage")
    status = lines(response.get_data())[0]["status"]
    assert engine.images.get(status).filesystem.listdir("/") == []


def test_import_from_url(client: Client) -> None:
    response = client.post("/v1.45/images/create?fromSrc=http://example.invalid/x")
    assert response.status_code == 501
