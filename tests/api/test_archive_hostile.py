"""PUT and GET /containers/{id}/archive with hostile archives.

Expected statuses and texts are the answers of Docker Engine 26.1.5 and
20.10.24 to the same requests on a created busybox container.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile

import pytest
from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine

LEGACY = "Error processing tar file(exit status 1): "


def _client(engine: str) -> tuple[Client, str]:
    client = Client(APIApp(Engine(DaemonConfig(engine=engine))))
    created = client.post("/v1.41/containers/create", json={"Image": "busybox"})
    assert created.status_code == 201, created.data
    document = json.loads(created.data)
    identifier: str = document["Id"]
    return client, identifier


@pytest.fixture(params=["26.1", "20.10"])
def profile(request: pytest.FixtureRequest) -> str:
    engine: str = request.param
    return engine


def _file(name: str, data: bytes = b"x") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info


def _tar(*infos: tarfile.TarInfo) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info in infos:
            data = io.BytesIO(b"x" * info.size) if info.isfile() else None
            tar.addfile(info, data)
    return buffer.getvalue()


def _link(name: str, target: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def _put(
    client: Client, container: str, body: bytes, path: str = "/"
) -> tuple[int, str | None]:
    response = client.put(
        f"/v1.41/containers/{container}/archive?path={path}",
        data=body,
        headers={"Content-Type": "application/x-tar"},
    )
    if response.status_code == 200:
        return 200, None
    message: str = json.loads(response.data)["message"]
    return response.status_code, message


def _tar_error(profile: str, message: str) -> str:
    return LEGACY + message if profile == "20.10" else message


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            _tar(_file("a/" * 3000 + "f")),
            "open /" + "a/" * 3000 + "f: file name too long",
        ),
        (_tar(_file("b" * 256)), "open /" + "b" * 256 + ": file name too long"),
        (b"not a tar archive at all" * 40, "archive/tar: invalid tar header"),
        (b"hello", "unexpected EOF"),
        (gzip.compress(b"not a tar" * 100, mtime=0), "archive/tar: invalid tar header"),
        (
            _tar(_link("hl", "/bin", tarfile.LNKTYPE)),
            "link /bin /hl: operation not permitted",
        ),
        (
            _tar(_link("s4", "../etc", tarfile.SYMTYPE)),
            'invalid symlink "/tmp/s4" -> "../etc"',
        ),
    ],
)
def test_put_tar_errors(profile: str, body: bytes, expected: str) -> None:
    client, container = _client(profile)
    path = "/tmp" if b"s4" in body[:100] else "/"
    status, message = _put(client, container, body, path)
    assert status == 500
    assert message == _tar_error(profile, expected)


def test_put_nul_in_pax_path(profile: str) -> None:
    client, container = _client(profile)
    info = _file("x")
    info.pax_headers = {"path": "a\x00b"}
    status, message = _put(client, container, _tar(info))
    assert status == 500
    assert message == _tar_error(profile, "archive/tar: invalid tar header")


def test_put_gzip_garbage(profile: str) -> None:
    client, container = _client(profile)
    body = b"\x1f\x8b\x08\x00" + b"garbage!" * 20
    status, message = _put(client, container, body)
    assert status == 500
    if profile == "20.10":
        assert message == (
            "Error processing tar file(flate: corrupt input before offset 7): "
        )
    else:
        assert message == "flate: corrupt input before offset 7"


def test_put_hard_link_missing_current() -> None:
    client, container = _client("26.1")
    body = _tar(_link("hl4", "/nope", tarfile.LNKTYPE))
    status, message = _put(client, container, body)
    assert status == 404
    assert message == f"Could not find the file / in container {container}"


def test_put_hard_link_missing_legacy() -> None:
    client, container = _client("20.10")
    body = _tar(_link("hl4", "/nope", tarfile.LNKTYPE))
    status, message = _put(client, container, body)
    assert status == 500
    assert message == LEGACY + "link /nope /hl4: no such file or directory"


def test_put_zstd_legacy_is_tar() -> None:
    client, container = _client("20.10")
    body = b"\x28\xb5\x2f\xfd" + b"garbage!" * 20
    status, message = _put(client, container, body)
    assert status == 500
    assert message == LEGACY + "unexpected EOF"


@pytest.mark.parametrize(
    "body",
    [
        _tar(_file("../../../../tmp/x1")),
        _tar(_link("s1", "../../../../../tmp", tarfile.SYMTYPE)),
        _tar(_link("hl2", "/bin/sh", tarfile.LNKTYPE)),
        b"",
        b"\x00" * 1024,
    ],
)
def test_put_accepted(profile: str, body: bytes) -> None:
    client, container = _client(profile)
    status, message = _put(client, container, body)
    assert status == 200, message


def test_put_dotdot_lands_inside(profile: str) -> None:
    client, container = _client(profile)
    _put(client, container, _tar(_file("../../../../tmp/x1")))
    response = client.head(f"/v1.41/containers/{container}/archive?path=/tmp/x1")
    assert response.status_code == 200


def test_get_deep_path(profile: str) -> None:
    client, container = _client(profile)
    status, message = _put(client, container, _tar(_file("d/" * 2000 + "f")))
    assert status == 200, message
    response = client.get(
        f"/v1.41/containers/{container}/archive?path=/" + "d/" * 1999 + "d"
    )
    assert response.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(response.data)) as tar:
        assert tar.getnames() == ["d", "d/f"]


def test_lock_free_after_deep_put(profile: str) -> None:
    client, container = _client(profile)
    status, _ = _put(client, container, _tar(_file("a/" * 3000 + "f")))
    assert status == 500
    response = client.head(f"/v1.41/containers/{container}/archive?path=/etc")
    assert response.status_code == 200
