"""Container file routes: archive GET, HEAD and PUT, export and changes."""

from __future__ import annotations

import base64
import io
import json
import tarfile
from typing import Any

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


@pytest.fixture
def container_id(client: Client, engine: Engine) -> str:
    created = client.post("/v1.45/containers/create", json={"Image": "busybox"})
    assert created.status_code == 201, created.data
    identifier: str = created.json["Id"]
    filesystem = engine.containers.get(identifier).filesystem
    filesystem.mkdir("/data/sub", parents=True)
    filesystem.write_file("/data/f.txt", b"hello\n")
    filesystem.symlink("f.txt", "/data/link")
    return identifier


def path_stat(headers: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        base64.b64decode(headers["X-Docker-Container-Path-Stat"])
    )
    return document


def tar_of(**files: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_head_file_stat(client: Client, container_id: str) -> None:
    response = client.head(f"/v1.45/containers/{container_id}/archive?path=/data/f.txt")
    assert response.status_code == 200
    assert response.data == b""
    stat = path_stat(response.headers)
    assert list(stat) == ["name", "size", "mode", "mtime", "linkTarget"]
    assert stat["name"] == "f.txt"
    assert stat["size"] == 6
    assert stat["mode"] == 0o644


def test_head_directory_mode(client: Client, container_id: str) -> None:
    response = client.head(f"/v1.45/containers/{container_id}/archive?path=/data")
    stat = path_stat(response.headers)
    assert stat["mode"] == (1 << 31) | 0o755
    assert stat["size"] == 4096


def test_head_symlink_target(client: Client, container_id: str) -> None:
    response = client.head(f"/v1.45/containers/{container_id}/archive?path=/data/link")
    stat = path_stat(response.headers)
    assert stat["mode"] == (1 << 27) | 0o777
    assert stat["linkTarget"] == "/data/f.txt"


def test_archive_missing_path(client: Client, container_id: str) -> None:
    response = client.get(f"/v1.45/containers/{container_id}/archive?path=/nope")
    assert response.status_code == 404
    assert response.json["message"] == (
        f"Could not find the file /nope in container {container_id}"
    )


def test_archive_through_file(client: Client, container_id: str) -> None:
    response = client.get(
        f"/v1.45/containers/{container_id}/archive?path=/data/f.txt/x"
    )
    assert response.status_code == 500
    assert response.json["message"] == "lstat /data/f.txt/x: not a directory"


def test_archive_requires_path(client: Client, container_id: str) -> None:
    response = client.get(f"/v1.45/containers/{container_id}/archive")
    assert response.status_code == 400
    assert response.json["message"] == "bad parameter: pathcannot be empty"


def test_archive_directory(client: Client, container_id: str) -> None:
    response = client.get(f"/v1.45/containers/{container_id}/archive?path=/data")
    assert response.status_code == 200
    assert response.content_type == "application/x-tar"
    with tarfile.open(fileobj=io.BytesIO(response.data)) as archive:
        names = archive.getnames()
    assert names == ["data", "data/f.txt", "data/link", "data/sub"]


def test_put_extracts(client: Client, engine: Engine, container_id: str) -> None:
    response = client.put(
        f"/v1.45/containers/{container_id}/archive?path=/data",
        data=tar_of(**{"new.txt": b"abc"}),
        content_type="application/x-tar",
    )
    assert response.status_code == 200
    assert response.data == b""
    filesystem = engine.containers.get(container_id).filesystem
    assert filesystem.read_file("/data/new.txt") == b"abc"


def test_put_into_file(client: Client, container_id: str) -> None:
    response = client.put(
        f"/v1.45/containers/{container_id}/archive?path=/data/f.txt",
        data=tar_of(**{"new.txt": b"abc"}),
    )
    assert response.status_code == 500
    assert response.json["message"] == "extraction point is not a directory"


def test_put_missing_directory(client: Client, container_id: str) -> None:
    response = client.put(
        f"/v1.45/containers/{container_id}/archive?path=/nonexist",
        data=tar_of(**{"new.txt": b"abc"}),
    )
    assert response.status_code == 404
    assert response.json["message"] == (
        f"Could not find the file /nonexist in container {container_id}"
    )


def test_put_garbage(client: Client, container_id: str) -> None:
    response = client.put(
        f"/v1.45/containers/{container_id}/archive?path=/data", data=b"garbage"
    )
    assert response.status_code == 500
    assert response.json["message"] == "unexpected EOF"


def test_put_no_overwrite_dir(client: Client, container_id: str) -> None:
    response = client.put(
        f"/v1.45/containers/{container_id}/archive?path=/data&noOverwriteDirNonDir=1",
        data=tar_of(sub=b"abc"),
    )
    assert response.status_code == 500
    assert response.json["message"] == (
        'cannot overwrite directory "/data/sub" with non-directory "/data"'
    )


def test_put_garbage_legacy_wording() -> None:
    client = Client(APIApp(Engine(DaemonConfig(engine="20.10"))))
    created = client.post("/v1.41/containers/create", json={"Image": "busybox"})
    response = client.put(
        f"/v1.41/containers/{created.json['Id']}/archive?path=/tmp", data=b"garbage"
    )
    assert response.json["message"] == (
        "Error processing tar file(exit status 1): unexpected EOF"
    )


def test_export_names_from_root(client: Client, container_id: str) -> None:
    response = client.get(f"/v1.45/containers/{container_id}/export")
    assert response.status_code == 200
    assert response.content_type == "application/octet-stream"
    with tarfile.open(fileobj=io.BytesIO(response.data)) as archive:
        names = archive.getnames()
    assert "data/f.txt" in names
    assert "." not in names


def test_changes_lists_added(client: Client, container_id: str) -> None:
    response = client.get(f"/v1.45/containers/{container_id}/changes")
    assert response.json == [
        {"Path": "/data", "Kind": 1},
        {"Path": "/data/f.txt", "Kind": 1},
        {"Path": "/data/link", "Kind": 1},
        {"Path": "/data/sub", "Kind": 1},
    ]


def test_changes_none_is_null(client: Client) -> None:
    created = client.post("/v1.45/containers/create", json={"Image": "busybox"})
    response = client.get(f"/v1.45/containers/{created.json['Id']}/changes")
    assert response.status_code == 200
    assert response.data == b"null\n"
