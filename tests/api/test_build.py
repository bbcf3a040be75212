"""Tests of POST /build, /build/prune and /build/cancel over the WSGI app."""

from __future__ import annotations

import io
import json
import tarfile

from werkzeug.test import Client

from fakedaemon.engine.engine import Engine

TAR = {"Content-Type": "application/x-tar"}


def context(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_build_stream_lines(client: Client, engine: Engine) -> None:
    data = context({"Dockerfile": b"FROM busybox\nRUN echo a > /a\n"})
    response = client.post("/v1.45/build?t=app", data=data, headers=TAR)
    assert response.status_code == 200
    assert response.content_type == "application/json"
    body = response.get_data()

    lines = body.split(b"\r\n")
    assert lines[0] == b'{"stream":"Step 1/2 : FROM busybox"}'
    assert lines[-1] == b""
    assert b'"stream":"Step 2/2 : RUN echo a \\u003e /a"' in body
    assert lines[-2] == b'{"stream":"Successfully tagged app:latest\\n"}'
    assert engine.images.find("app") is not None


def test_build_aux_since_1_30(client: Client) -> None:
    data = context({"Dockerfile": b"FROM busybox\nENV A=1\n"})
    newer = client.post("/v1.30/build", data=data, headers=TAR).get_data()
    older = client.post("/v1.29/build", data=data, headers=TAR).get_data()
    assert b'{"aux":{"ID":"sha256:' in newer
    assert b'"aux"' not in older


def test_build_error_in_band(client: Client) -> None:
    data = context({"Dockerfile": b"FROM busybox\nRUN exit 3\n"})
    response = client.post("/v1.45/build", data=data, headers=TAR)
    assert response.status_code == 200
    last = response.get_data().split(b"\r\n")[-2]
    assert json.loads(last)["errorDetail"] == {
        "code": 3,
        "message": "The command '/bin/sh -c exit 3' returned a non-zero code: 3",
    }


def test_build_missing_dockerfile(client: Client) -> None:
    data = context({"Dockerfile": b"FROM busybox\n"})
    response = client.post("/v1.45/build?dockerfile=nope", data=data, headers=TAR)
    assert response.status_code == 500
    assert response.json == {"message": "Cannot locate specified Dockerfile: nope"}


def test_build_parse_error(client: Client) -> None:
    data = context({"Dockerfile": b"FOO bar\n"})
    response = client.post("/v1.45/build", data=data, headers=TAR)
    assert response.status_code == 400


def test_build_invalid_version(client: Client) -> None:
    response = client.post("/v1.45/build?version=3", data=b"", headers=TAR)
    assert response.status_code == 400
    assert response.json == {"message": 'invalid version "3"'}


def test_build_buildkit_unsupported(client: Client) -> None:
    response = client.post("/v1.45/build?version=2", data=b"", headers=TAR)
    assert response.status_code == 501


def test_build_bad_buildargs(client: Client) -> None:
    response = client.post("/v1.45/build?buildargs=xx", data=b"", headers=TAR)
    assert response.status_code == 400
    assert response.json == {
        "message": "error reading build args: invalid character 'x' looking for "
        "beginning of value"
    }


def test_build_uppercase_tag(client: Client) -> None:
    data = context({"Dockerfile": b"FROM busybox\n"})
    response = client.post("/v1.45/build?t=UPPER", data=data, headers=TAR)
    assert response.status_code == 500
    assert response.json == {
        "message": "invalid reference format: repository name (library/UPPER) "
        "must be lowercase"
    }


def test_build_buildargs(client: Client, engine: Engine) -> None:
    data = context({"Dockerfile": b"FROM busybox\nARG V\nRUN echo $V > /v\n"})
    query = "buildargs=" + json.dumps({"V": "seven"})
    response = client.post(f"/v1.45/build?t=v&{query}", data=data, headers=TAR)
    response.get_data()  # the build runs as its stream is read
    assert engine.images.get("v").filesystem.read_file("/v") == b"seven\n"


def test_build_gzip_context(client: Client, engine: Engine) -> None:
    import gzip

    data = gzip.compress(context({"Dockerfile": b"FROM busybox\nENV Z=1\n"}))
    response = client.post("/v1.45/build?t=z", data=data, headers=TAR)
    assert response.status_code == 200
    response.get_data()
    assert "Z=1" in engine.images.get("z").config["Env"]


def test_prune(client: Client) -> None:
    response = client.post("/v1.45/build/prune")
    assert response.status_code == 200
    assert response.json == {"CachesDeleted": None, "SpaceReclaimed": 0}


def test_prune_bad_filter(client: Client) -> None:
    filters = json.dumps({"bogus": ["x"]})
    response = client.post(f"/v1.45/build/prune?filters={filters}")
    assert response.status_code == 400
    assert response.json == {
        "message": "failed to prune build cache: invalid filter 'bogus'"
    }


def test_cancel(client: Client) -> None:
    response = client.post("/v1.45/build/cancel?id=abc")
    assert response.status_code == 200
    assert response.get_data() == b""
