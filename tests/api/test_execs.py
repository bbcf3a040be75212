"""Exec routes: create, inspect, detached and hijacked start, resize, events."""

from __future__ import annotations

import json
import socket
import struct
import time
from typing import Any

import pytest
from werkzeug.test import Client

from fakedaemon import Daemon
from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine


@pytest.fixture
def engine() -> Engine:
    return Engine(DaemonConfig(engine="26.1"))


@pytest.fixture
def client(engine: Engine) -> Client:
    return Client(APIApp(engine))


def running(client: Client, *command: str) -> str:
    body = {"Image": "busybox", "Cmd": list(command or ("sleep", "300"))}
    created = client.post("/v1.45/containers/create", json=body)
    assert created.status_code == 201, created.data
    container_id: str = created.json["Id"]
    started = client.post(f"/v1.45/containers/{container_id}/start")
    assert started.status_code == 204, started.data
    return container_id


def create_exec(client: Client, container_id: str, **config: Any) -> str:
    response = client.post(f"/v1.45/containers/{container_id}/exec", json=config)
    assert response.status_code == 201, response.data
    exec_id: str = response.json["Id"]
    return exec_id


def wait_done(client: Client, exec_id: str) -> dict[str, Any]:
    for _ in range(200):
        document: dict[str, Any] = client.get(f"/v1.45/exec/{exec_id}/json").json
        if document["ExitCode"] is not None:
            return document
        time.sleep(0.01)
    raise AssertionError(f"exec {exec_id} did not finish")


def test_create_requires_command(client: Client) -> None:
    container_id = running(client)
    response = client.post(f"/v1.45/containers/{container_id}/exec", json={})
    assert response.status_code == 400
    assert response.json["message"] == "No exec command specified"


def test_create_stopped_container(client: Client) -> None:
    created = client.post("/v1.45/containers/create", json={"Image": "busybox"})
    container_id = created.json["Id"]
    response = client.post(
        f"/v1.45/containers/{container_id}/exec", json={"Cmd": ["true"]}
    )
    assert response.status_code == 409
    assert response.json["message"] == f"container {container_id} is not running"


def test_create_stopped_legacy_wording() -> None:
    client = Client(APIApp(Engine(DaemonConfig(engine="20.10"))))
    created = client.post("/v1.41/containers/create", json={"Image": "busybox"})
    container_id = created.json["Id"]
    response = client.post(
        f"/v1.41/containers/{container_id}/exec", json={"Cmd": ["true"]}
    )
    assert response.json["message"] == f"Container {container_id} is not running"


def test_create_paused_container(client: Client) -> None:
    container_id = running(client)
    client.post(f"/v1.45/containers/{container_id}/pause")
    response = client.post(
        f"/v1.45/containers/{container_id[:12]}/exec", json={"Cmd": ["true"]}
    )
    assert response.status_code == 409
    assert response.json["message"] == (
        f"Container {container_id[:12]} is paused, unpause the container before exec"
    )


def test_inspect_before_start(client: Client) -> None:
    container_id = running(client)
    exec_id = create_exec(
        client,
        container_id,
        Cmd=["sh", "-c", "exit 3"],
        AttachStdout=True,
        User="root",
        DetachKeys="ctrl-a,a",
    )
    document = client.get(f"/v1.45/exec/{exec_id}/json").json
    assert document["ExitCode"] is None
    assert document["Running"] is False
    assert document["ProcessConfig"] == {
        "tty": False,
        "entrypoint": "sh",
        "arguments": ["-c", "exit 3"],
        "privileged": False,
        "user": "root",
    }
    assert document["DetachKeys"] == "AWE="
    assert document["OpenStdout"] is True
    assert document["ContainerID"] == container_id


def test_inspect_unknown(client: Client) -> None:
    response = client.get("/v1.45/exec/nonexistent/json")
    assert response.status_code == 404
    assert response.json["message"] == "No such exec instance: nonexistent"


def test_detached_start_records_exit(client: Client) -> None:
    container_id = running(client)
    exec_id = create_exec(client, container_id, Cmd=["sh", "-c", "exit 3"])
    started = client.post(f"/v1.45/exec/{exec_id}/start", json={"Detach": True})
    assert started.status_code == 200
    assert started.data == b""
    document = wait_done(client, exec_id)
    assert document["ExitCode"] == 3
    assert document["Pid"] > 0


def test_exec_ids_in_inspect(client: Client) -> None:
    container_id = running(client)
    exec_id = create_exec(client, container_id, Cmd=["true"])
    listed = client.get(f"/v1.45/containers/{container_id}/json").json["ExecIDs"]
    assert listed == [exec_id]
    client.post(f"/v1.45/exec/{exec_id}/start", json={"Detach": True})
    wait_done(client, exec_id)
    after = client.get(f"/v1.45/containers/{container_id}/json").json["ExecIDs"]
    assert after is None


def test_start_twice(client: Client) -> None:
    container_id = running(client)
    exec_id = create_exec(client, container_id, Cmd=["true"])
    client.post(f"/v1.45/exec/{exec_id}/start", json={"Detach": True})
    wait_done(client, exec_id)
    again = client.post(f"/v1.45/exec/{exec_id}/start", json={"Detach": True})
    assert again.status_code == 409
    assert again.json["message"] == f"Error: Exec command {exec_id} has already run"


def test_detached_missing_command(client: Client) -> None:
    container_id = running(client)
    exec_id = create_exec(client, container_id, Cmd=["nosuch"])
    response = client.post(f"/v1.45/exec/{exec_id}/start", json={"Detach": True})
    assert response.status_code == 400
    assert response.json["message"] == (
        "OCI runtime exec failed: exec failed: unable to start container process: "
        'exec: "nosuch": executable file not found in $PATH: unknown'
    )
    assert wait_done(client, exec_id)["ExitCode"] == 126


def test_exec_sees_env_and_workdir(client: Client, engine: Engine) -> None:
    container_id = running(client)
    exec_id = create_exec(
        client,
        container_id,
        Cmd=["sh", "-c", "echo $GREETING > out.txt"],
        Env=["GREETING=hey"],
        WorkingDir="/tmp",
    )
    client.post(f"/v1.45/exec/{exec_id}/start", json={"Detach": True})
    assert wait_done(client, exec_id)["ExitCode"] == 0
    filesystem = engine.containers.get(container_id).filesystem
    assert filesystem.read_file("/tmp/out.txt") == b"hey\n"


def test_exec_events(client: Client, engine: Engine) -> None:
    container_id = running(client)
    exec_id = create_exec(client, container_id, Cmd=["sh", "-c", "exit 4"])
    client.post(f"/v1.45/exec/{exec_id}/start", json={"Detach": True})
    wait_done(client, exec_id)
    time.sleep(0.05)
    events = [e for e in engine.events.snapshot() if e.action.startswith("exec")]
    assert [e.action for e in events] == [
        "exec_create: sh -c exit 4",
        "exec_start: sh -c exit 4",
        "exec_die",
    ]
    assert events[2].attributes["exitCode"] == "4"
    assert events[2].attributes["execID"] == exec_id


def test_exec_ends_with_container(client: Client) -> None:
    container_id = running(client)
    exec_id = create_exec(client, container_id, Cmd=["sleep", "300"])
    client.post(f"/v1.45/exec/{exec_id}/start", json={"Detach": True})
    client.post(f"/v1.45/containers/{container_id}/kill")
    assert wait_done(client, exec_id)["ExitCode"] == 137


def test_resize_finished(client: Client) -> None:
    container_id = running(client)
    exec_id = create_exec(client, container_id, Cmd=["true"])
    client.post(f"/v1.45/exec/{exec_id}/start", json={"Detach": True})
    wait_done(client, exec_id)
    response = client.post(f"/v1.45/exec/{exec_id}/resize?h=10&w=20")
    assert response.status_code == 500
    assert response.json["message"] == "cannot resize a stopped container: unknown"


def test_resize_invalid_height(client: Client) -> None:
    response = client.post("/v1.45/exec/anything/resize?h=x&w=20")
    assert response.status_code == 400
    assert response.json["message"] == 'strconv.Atoi: parsing "x": invalid syntax'


# Hijacked start over a unix socket ------------------------------------------


def hijack(daemon: Daemon, path: str, body: dict[str, Any], send: bytes = b"") -> bytes:
    """Send a hijacking POST, then ``send`` and a half-close; return all output."""
    socket_path = daemon.docker_host.removeprefix("unix://")
    data = json.dumps(body).encode()
    with socket.socket(socket.AF_UNIX) as connection:
        connection.settimeout(10)
        connection.connect(socket_path)
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: docker\r\n"
            "Content-Type: application/json\r\nConnection: Upgrade\r\n"
            f"Upgrade: tcp\r\nContent-Length: {len(data)}\r\n\r\n".encode()
            + data
            + send
        )
        connection.shutdown(socket.SHUT_WR)
        output = b""
        while chunk := connection.recv(65536):
            output += chunk
    return output


def frames(data: bytes) -> list[tuple[int, bytes]]:
    result = []
    while data:
        kind, size = struct.unpack(">BxxxL", data[:8])
        result.append((kind, data[8 : 8 + size]))
        data = data[8 + size :]
    return result


@pytest.fixture
def socket_exec(daemon: Daemon) -> Client:
    return Client(APIApp(daemon.engine))


def test_hijack_frames_streams(daemon: Daemon, socket_exec: Client) -> None:
    container_id = running(socket_exec)
    exec_id = create_exec(
        socket_exec,
        container_id,
        Cmd=["sh", "-c", "echo out; echo err >&2"],
        AttachStdout=True,
        AttachStderr=True,
    )
    output = hijack(daemon, f"/v1.45/exec/{exec_id}/start", {"Detach": False})
    head, _, body = output.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101 UPGRADED\r\n")
    assert b"Content-Type: application/vnd.docker.multiplexed-stream" in head
    assert sorted(frames(body)) == [(1, b"out\n"), (2, b"err\n")]


def test_hijack_stdin(daemon: Daemon, socket_exec: Client) -> None:
    container_id = running(socket_exec)
    exec_id = create_exec(
        socket_exec, container_id, Cmd=["cat"], AttachStdin=True, AttachStdout=True
    )
    output = hijack(
        daemon, f"/v1.45/exec/{exec_id}/start", {"Detach": False}, send=b"hello\n"
    )
    body = output.partition(b"\r\n\r\n")[2]
    assert frames(body) == [(1, b"hello\n")]


def test_hijack_tty_is_raw(daemon: Daemon, socket_exec: Client) -> None:
    container_id = running(socket_exec)
    exec_id = create_exec(
        socket_exec, container_id, Cmd=["echo", "hi"], AttachStdout=True, Tty=True
    )
    output = hijack(
        daemon, f"/v1.45/exec/{exec_id}/start", {"Detach": False, "Tty": True}
    )
    head, _, body = output.partition(b"\r\n\r\n")
    assert b"Content-Type: application/vnd.docker.raw-stream" in head
    assert body == b"hi\r\n"


def test_hijack_start_error_in_stream(daemon: Daemon, socket_exec: Client) -> None:
    container_id = running(socket_exec)
    exec_id = create_exec(socket_exec, container_id, Cmd=["nosuch"], AttachStdout=True)
    output = hijack(daemon, f"/v1.45/exec/{exec_id}/start", {"Detach": False})
    body = output.partition(b"\r\n\r\n")[2]
    assert frames(body) == [
        (
            1,
            b"OCI runtime exec failed: exec failed: unable to start container "
            b'process: exec: "nosuch": executable file not found in $PATH: '
            b"unknown\r\n",
        )
    ]
