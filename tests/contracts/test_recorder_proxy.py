"""The recording proxy in front of the fake daemon and a real Engine."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contracts.exchange import Scenario, read_scenario
from contracts.exchange.wire import split_head
from contracts.recorder import REDACTED, ScenarioRecorder
from fakedaemon import Daemon

PASSWORD = "hunter2-secret"
REGISTRY_AUTH = "eyJ1c2VybmFtZSI6ImJvYiIsInBhc3N3b3JkIjoiaHVudGVyMiJ9"


@pytest.fixture
def recorder(daemon: Daemon, tmp_path: Path) -> Iterator[ScenarioRecorder]:
    """A recorder in front of the fake daemon, writing tmp_path/out/test.jsonl."""
    listen = f"unix://{tmp_path / 'recorder.sock'}"
    path = tmp_path / "out" / "test.jsonl"
    with ScenarioRecorder(daemon.docker_host, listen, path, "test") as running:
        yield running


def client_for(recorder: ScenarioRecorder) -> httpx.Client:
    socket_path = recorder.address.removeprefix("unix://")
    return httpx.Client(
        transport=httpx.HTTPTransport(uds=socket_path), base_url="http://docker"
    )


def finish(recorder: ScenarioRecorder) -> Scenario:
    recorder.__exit__(None, None, None)
    return read_scenario(recorder.path)


def test_keep_alive_requests(recorder: ScenarioRecorder) -> None:
    with client_for(recorder) as client:
        assert client.get("/_ping").text == "OK"
        assert client.get("/v1.41/version").status_code == 200
    scenario = finish(recorder)
    targets = [exchange.request.target for exchange in scenario.exchanges]
    assert targets == ["/_ping", "/v1.41/version"]
    connections = {exchange.connection for exchange in scenario.exchanges}
    assert len(connections) == 1
    version = scenario.exchanges[1].response
    assert version is not None
    assert "ApiVersion" in json.loads(version.payload)


def test_credentials_redacted(recorder: ScenarioRecorder) -> None:
    with client_for(recorder) as client:
        client.post(
            "/v1.41/auth",
            json={"username": "bob", "password": PASSWORD, "serveraddress": "r.io"},
        )
        client.post(
            "/v1.41/images/create",
            params={"fromImage": "absent", "tag": "latest"},
            headers={"X-Registry-Auth": REGISTRY_AUTH, "Authorization": "Bearer x"},
        )
    scenario = finish(recorder)
    on_disk = recorder.path.read_text()
    assert PASSWORD not in on_disk
    assert REGISTRY_AUTH not in on_disk
    assert "Bearer x" not in on_disk
    auth = scenario.exchanges[0].request
    assert auth.body is not None
    assert json.loads(auth.body.data)["password"] == REDACTED
    assert json.loads(auth.body.data)["username"] == "bob"
    assert scenario.exchanges[1].request.header("X-Registry-Auth") == REDACTED


def hijacked_attach(socket_path: str, target: str, stdin: bytes) -> tuple[bytes, bytes]:
    """Attach with ``Upgrade: tcp``; return the response head and the output."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(20)
        sock.connect(socket_path)
        sock.sendall(
            f"POST {target} HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n"
            "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n".encode()
        )
        received = b""
        while split_head(received) is None:
            chunk = sock.recv(65536)
            assert chunk, "the connection closed before the response head"
            received += chunk
        sock.sendall(stdin)
        sock.shutdown(socket.SHUT_WR)
        while chunk := sock.recv(65536):
            received += chunk
    end = received.index(b"\r\n\r\n") + 4
    return received[:end], received[end:]


def test_hijack_byte_for_byte(recorder: ScenarioRecorder) -> None:
    stdin = b"first line\n\x00\xffbinary\n"
    with client_for(recorder) as client:
        created = client.post(
            "/v1.41/containers/create",
            json={
                "Image": "busybox",
                "Cmd": ["cat"],
                "OpenStdin": True,
                "StdinOnce": True,
            },
        )
        ident = created.json()["Id"]
        assert client.post(f"/v1.41/containers/{ident}/start").status_code == 204
    head, output = hijacked_attach(
        recorder.address.removeprefix("unix://"),
        f"/v1.41/containers/{ident}/attach?stream=1&stdin=1&stdout=1&stderr=1",
        stdin,
    )
    assert head.startswith(b"HTTP/1.1 101 UPGRADED\r\n")
    scenario = finish(recorder)
    attach = scenario.exchanges[-1]
    assert attach.response is not None
    assert attach.response.status == 101
    assert attach.hijacked_bytes("client") == stdin
    assert attach.hijacked_bytes("daemon") == output
    assert attach.hijack_records == [{"stream": "stdout", "base64": _b64(stdin)}]


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def test_chunked_logs_recorded(recorder: ScenarioRecorder, daemon: Daemon) -> None:
    with client_for(recorder) as client:
        ident = client.post(
            "/v1.41/containers/create",
            json={"Image": "busybox", "Cmd": ["sh", "-c", "echo out; echo err >&2"]},
        ).json()["Id"]
        client.post(f"/v1.41/containers/{ident}/start")
        client.post(f"/v1.41/containers/{ident}/wait")
        logs = client.get(f"/v1.41/containers/{ident}/logs?stdout=1&stderr=1")
    scenario = finish(recorder)
    response = scenario.exchanges[-1].response
    assert response is not None
    assert response.payload == logs.content
    assert response.records is not None
    streams = {record["stream"]: record["text"] for record in response.records}
    assert streams == {"stdout": "out\n", "stderr": "err\n"}


@pytest.mark.real_engine
def test_real_engine_recorded(tmp_path: Path) -> None:
    engine = os.environ.get("FAKEDAEMON_REAL_ENGINE", "")
    if not engine.startswith("unix://"):
        pytest.skip("FAKEDAEMON_REAL_ENGINE is not set to a unix:// address")
    listen = f"unix://{tmp_path / 'recorder.sock'}"
    path = tmp_path / "real.jsonl"
    with ScenarioRecorder(engine, listen, path, "real") as recorder:
        with client_for(recorder) as client:
            version = client.get("/version").json()
            client.get("/containers/fdrec-absent/json")
    scenario = read_scenario(path)
    statuses = [
        exchange.response.status
        for exchange in scenario.exchanges
        if exchange.response is not None
    ]
    assert statuses == [200, 404]
    first = scenario.exchanges[0].response
    assert first is not None
    assert json.loads(first.payload)["Version"] == version["Version"]
