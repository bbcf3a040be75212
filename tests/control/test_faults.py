"""Faults: matching, counting and their effect over a socket and in-process."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from fakedaemon import Daemon
from fakedaemon.control import Fault


def create_finished(daemon: Daemon, http: httpx.Client, command: str) -> str:
    daemon.control.behaviours.add(command=command, stdout="hello world\n")
    created = http.post(
        "/containers/create", json={"Image": "busybox", "Cmd": [command]}
    )
    container_id: str = created.json()["Id"]
    http.post(f"/containers/{container_id}/start")
    http.post(f"/containers/{container_id}/wait")
    return container_id


def test_fault_status_once(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(operation="ContainerList", status=500, times=1)
    first = http.get("/containers/json")
    second = http.get("/v1.45/containers/json")
    assert first.status_code == 500
    assert first.json() == {"message": "injected fault"}
    assert second.status_code == 200


def test_fault_status_headers(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(path="/info", status=503, body="busy")
    response = http.get("/info")
    assert response.status_code == 503
    assert response.text == "busy"
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["api-version"] == "1.55"


def test_fault_skips_operation(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(operation="ContainerCreate", status=500)
    http.post("/containers/create", json={"Image": "busybox", "Cmd": ["true"]})
    assert served.engine.containers.all() == []


def test_fault_run_operation(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(
        operation="ContainerCreate", status=500, run_operation=True
    )
    response = http.post(
        "/containers/create", json={"Image": "busybox", "Cmd": ["true"]}
    )
    assert response.status_code == 500
    assert len(served.engine.containers.all()) == 1


def test_fault_nth(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(method="GET", path="/_ping", nth=3, times=1, status=500)
    statuses = [http.get("/_ping").status_code for _ in range(4)]
    assert statuses == [200, 200, 500, 200]


def test_fault_path_glob(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(path="/containers/*/json", status=418)
    assert http.get("/v1.44/containers/abc/json").status_code == 418
    assert http.get("/containers/json").status_code == 200


def test_fault_probability_seeded() -> None:
    def pattern() -> list[bool]:
        fault = Fault(path="/x", probability=0.5, seed=7)
        return [fault.take() for _ in range(20)]

    first = pattern()
    assert first == pattern()
    assert any(first)
    assert not all(first)


def test_fault_invalid_settings() -> None:
    with pytest.raises(ValueError, match="exclude each other"):
        Fault(status=500, drop_connection=True)
    with pytest.raises(ValueError, match="probability"):
        Fault(probability=2.0)
    with pytest.raises(ValueError, match="nth"):
        Fault(nth=0)


def test_fault_from_json_unknown() -> None:
    with pytest.raises(ValueError, match="unknown fault settings: colour"):
        Fault.from_json({"colour": "red"})


def test_fault_delay(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(path="/_ping", delay=0.3)
    started = time.monotonic()
    response = http.get("/_ping")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3


def test_fault_drop_connection(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(path="/info", drop_connection=True, times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        http.get("/info")
    assert http.get("/info").status_code == 200


def test_fault_garbage(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(path="/version", garbage=True)
    with pytest.raises(httpx.RemoteProtocolError):
        http.get("/version")


def test_fault_truncate_body(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(path="/version", truncate_body=10)
    with pytest.raises(httpx.RemoteProtocolError):
        http.get("/version")


def test_fault_truncate_stream(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(operation="ImageCreate", truncate_body=20)
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/images/create?fromImage=alpine&tag=3")


def test_fault_stream_error(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(
        operation="ImageCreate", stream_error_after=1, message="disk full"
    )
    response = http.post("/images/create?fromImage=alpine&tag=3")
    lines = response.content.split(b"\r\n")
    assert response.status_code == 200
    assert lines[1] == b'{"errorDetail":{"message":"disk full"},"error":"disk full"}'
    assert len(lines) == 3


def test_fault_api_version_missing(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(path="/_ping", api_version_header=None)
    response = http.get("/_ping")
    assert response.status_code == 200
    assert "api-version" not in response.headers


def test_fault_api_version_garbage(served: Daemon, http: httpx.Client) -> None:
    served.control.faults.add(path="/_ping", api_version_header="garbage")
    assert http.get("/_ping").headers["api-version"] == "garbage"


def test_fault_bad_frame_header(served: Daemon, http: httpx.Client) -> None:
    container_id = create_finished(served, http, "greet")
    served.control.faults.add(operation="ContainerLogs", bad_frame_header=True)
    body = http.get(f"/containers/{container_id}/logs?stdout=1").content
    assert body[0] == 7
    assert body[1:4] != b"\x00\x00\x00"
    assert body[8:] == b"hello world\n"


def test_fault_truncated_frame(served: Daemon, http: httpx.Client) -> None:
    container_id = create_finished(served, http, "greet")
    served.control.faults.add(operation="ContainerLogs", truncated_frame=True)
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(f"/containers/{container_id}/logs?stdout=1")


def test_fault_listed_and_removed(served: Daemon) -> None:
    fault = served.control.faults.add(path="/x", status=500)
    assert [f.id for f in served.control.faults] == [fault.id]
    served.control.faults.remove(fault.id)
    assert len(served.control.faults) == 0


def attach_raw(daemon: Daemon, container_id: str) -> bytes:
    """Attach over a raw socket with an upgrade and return every byte read."""
    path = daemon.docker_host.removeprefix("unix://")
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(path)
        sock.sendall(
            f"POST /containers/{container_id}/attach?stream=1&stdout=1&stderr=1 "
            "HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
            "Content-Length: 0\r\n\r\n".encode()
        )
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk
        http = httpx.Client(transport=httpx.HTTPTransport(uds=path))
        http.post(f"http://docker/containers/{container_id}/start")
        http.close()
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk


def created(daemon: Daemon, command: str) -> str:
    daemon.control.behaviours.add(command=command, stdout="hi\n")
    container = daemon.engine.containers.create(
        {"Image": "busybox", "Cmd": [command]}, None
    )
    return container.id


def test_attach_plain(served: Daemon) -> None:
    received = attach_raw(served, created(served, "hello"))
    assert received.startswith(b"HTTP/1.1 101 UPGRADED\r\n")
    assert received.endswith(b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n")


def test_fault_hijack_close_early(served: Daemon) -> None:
    served.control.faults.add(operation="ContainerAttach", hijack_close_early=True)
    received = attach_raw(served, created(served, "hello"))
    head, _, rest = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101 UPGRADED")
    assert rest == b""


def test_fault_upgrade_without_headers(served: Daemon) -> None:
    served.control.faults.add(operation="ContainerAttach", upgrade_without_headers=True)
    received = attach_raw(served, created(served, "hello"))
    head, _, rest = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101 UPGRADED")
    assert b"Upgrade:" not in head
    assert b"Connection:" not in head
    assert rest.endswith(b"hi\n")


def test_fault_attach_frame_header(served: Daemon) -> None:
    served.control.faults.add(operation="ContainerAttach", bad_frame_header=True)
    received = attach_raw(served, created(served, "hello"))
    rest = received.partition(b"\r\n\r\n")[2]
    assert rest[0] == 7
    assert rest[8:] == b"hi\n"


def test_fault_api_version_on_hijack(served: Daemon) -> None:
    served.control.faults.add(operation="ContainerAttach", api_version_header=None)
    received = attach_raw(served, created(served, "hello"))
    head = received.partition(b"\r\n\r\n")[0]
    assert b"Api-Version" not in head
