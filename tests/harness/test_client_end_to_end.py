"""End-to-end tests: a client from the environment drives a fake daemon's socket.

Each test builds the client with :meth:`Client.from_env` from a
``DOCKER_HOST`` that names the fake's unix socket, so host parsing, version
negotiation, streams and hijacked connections all run over a real socket.
The last test runs the image-list flow against a real Docker Engine.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest

from fakedaemon import Daemon, DaemonConfig
from harness.client import (
    Client,
    HijackedConnection,
    ProgressError,
    StreamType,
    UpgradeError,
)

_READ_TIMEOUT = 10.0
"""Seconds a test waits for bytes on a hijacked connection before failing."""


@pytest.fixture
def fake() -> Iterator[Daemon]:
    """A fake daemon with busybox, on a short socket path."""
    with tempfile.TemporaryDirectory(prefix="fakedaemon-e2e-") as directory:
        hosts = [f"unix://{directory}/docker.sock"]
        with Daemon(DaemonConfig(), hosts=hosts) as daemon:
            yield daemon


@pytest.fixture
def client(fake: Daemon, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """A client built from ``DOCKER_HOST`` in the process environment."""
    monkeypatch.setenv("DOCKER_HOST", fake.docker_host)
    monkeypatch.delenv("DOCKER_API_VERSION", raising=False)
    monkeypatch.delenv("DOCKER_CERT_PATH", raising=False)
    with Client.from_env() as built:
        yield built


def _read_frames(connection: HijackedConnection) -> list[tuple[StreamType, bytes]]:
    connection.settimeout(_READ_TIMEOUT)
    return list(connection.frames())


def _joined(frames: list[tuple[StreamType, bytes]], stream: StreamType) -> bytes:
    return b"".join(payload for kind, payload in frames if kind == stream)


def _create(client: Client, config: dict[str, Any]) -> str:
    created = client.container_create({"Image": "busybox", **config})
    container_id: str = created["Id"]
    return container_id


def test_from_env_host(fake: Daemon, client: Client) -> None:
    assert client.host.text == fake.docker_host


def test_from_env_negotiates(client: Client) -> None:
    client.system_version()
    assert client.negotiated is True
    assert client.api_version == "1.55"


def test_image_list(client: Client) -> None:
    images = client.image_list()
    tags = [tag for image in images for tag in image.get("RepoTags") or []]
    assert "busybox:latest" in tags


def test_run_wait_logs(client: Client) -> None:
    container = _create(client, {"Cmd": ["sh", "-c", "echo out; echo err >&2"]})
    client.container_start(container)
    status = client.container_wait(container)
    frames = list(client.container_logs(container, stdout=True, stderr=True))

    assert status["StatusCode"] == 0
    assert _joined(frames, StreamType.STDOUT) == b"out\n"
    assert _joined(frames, StreamType.STDERR) == b"err\n"


def test_wait_exit_code(client: Client) -> None:
    container = _create(client, {"Cmd": ["sh", "-c", "exit 3"]})
    client.container_start(container)
    assert client.container_wait(container)["StatusCode"] == 3


def test_logs_without_tty_hint(client: Client) -> None:
    # With tty=None the client picks the framing from the Content-Type.
    container = _create(client, {"Cmd": ["echo", "hello"]})
    client.container_start(container)
    client.container_wait(container)
    frames = list(client.container_logs(container, stdout=True, tty=None))
    assert frames == [(StreamType.STDOUT, b"hello\n")]


def test_attach_stdin_echo(client: Client) -> None:
    container = _create(
        client,
        {
            "Cmd": ["cat"],
            "OpenStdin": True,
            "StdinOnce": True,
            "AttachStdin": True,
            "AttachStdout": True,
            "AttachStderr": True,
        },
    )
    connection = client.container_attach(container, stdin=True)
    with connection:
        client.container_start(container)
        connection.send_stdin(b"hello through cat\n")
        connection.close_stdin()
        frames = _read_frames(connection)

    assert connection.media_type == "application/vnd.docker.multiplexed-stream"
    assert _joined(frames, StreamType.STDOUT) == b"hello through cat\n"
    assert client.container_wait(container)["StatusCode"] == 0


def test_attach_tty_raw(client: Client) -> None:
    container = _create(
        client,
        {"Cmd": ["cat"], "Tty": True, "OpenStdin": True, "StdinOnce": True},
    )
    connection = client.container_attach(container, stdin=True, tty=True)
    output = b""
    with connection:
        client.container_start(container)
        connection.send_stdin(b"raw\n")
        connection.settimeout(_READ_TIMEOUT)
        # With a TTY the end of stdin ends the session at once, as in
        # dockerd, so the input must come back before stdin closes.
        for _, payload in connection.frames():
            output += payload
            if b"raw" in output:
                break
        connection.close_stdin()

    assert connection.media_type == "application/vnd.docker.raw-stream"
    assert b"raw" in output


def test_exec_output(client: Client) -> None:
    container = _create(client, {"Cmd": ["sleep", "3600"]})
    client.container_start(container)
    exec_id = client.container_exec(
        container,
        {
            "Cmd": ["sh", "-c", "echo exec-out; echo exec-err >&2"],
            "AttachStdout": True,
            "AttachStderr": True,
        },
    )["Id"]

    with client.exec_start(exec_id) as connection:
        frames = _read_frames(connection)

    assert _joined(frames, StreamType.STDOUT) == b"exec-out\n"
    assert _joined(frames, StreamType.STDERR) == b"exec-err\n"
    assert client.exec_inspect(exec_id)["ExitCode"] == 0
    client.container_delete(container, force=True)


def test_exec_stdin_echo(client: Client) -> None:
    container = _create(client, {"Cmd": ["sleep", "3600"]})
    client.container_start(container)
    exec_id = client.container_exec(
        container,
        {
            "Cmd": ["cat"],
            "AttachStdin": True,
            "AttachStdout": True,
            "AttachStderr": True,
        },
    )["Id"]

    with client.exec_start(exec_id) as connection:
        connection.send_stdin(b"exec stdin\n")
        connection.close_stdin()
        frames = _read_frames(connection)

    assert _joined(frames, StreamType.STDOUT) == b"exec stdin\n"
    client.container_delete(container, force=True)


def test_events_since_until(fake: Daemon, client: Client) -> None:
    before = fake.engine.clock.time_ns() / 1e9
    container = _create(client, {"Cmd": ["true"]})
    client.container_start(container)
    client.container_wait(container)
    # A past "until" makes the daemon send the stored events and close.
    until = fake.engine.clock.time_ns() / 1e9 + 0.001
    time.sleep(0.01)

    with client.system_events(since=f"{before:.9f}", until=f"{until:.9f}") as stream:
        events = list(stream)

    actions = [
        event["Action"]
        for event in events
        if event["Type"] == "container" and event["Actor"]["ID"] == container
    ]
    assert actions[:3] == ["create", "start", "die"]


def test_events_since_excludes_older(fake: Daemon, client: Client) -> None:
    first = _create(client, {"Cmd": ["true"]})
    time.sleep(0.01)
    since = fake.engine.clock.time_ns() / 1e9
    second = _create(client, {"Cmd": ["true"]})
    until = fake.engine.clock.time_ns() / 1e9 + 0.001
    time.sleep(0.01)

    with client.system_events(since=f"{since:.9f}", until=f"{until:.9f}") as stream:
        actors = {event["Actor"]["ID"] for event in stream}

    assert second in actors
    assert first not in actors


def test_image_create_progress(client: Client) -> None:
    with client.image_create(from_image="alpine", tag="3.19") as stream:
        messages = list(stream)

    statuses = [message.get("status", "") for message in messages]
    assert any("alpine:3.19" in status for status in statuses)
    assert client.image_inspect("alpine:3.19")["RepoTags"] == ["alpine:3.19"]


def test_image_create_stream_error(fake: Daemon, client: Client) -> None:
    fault = fake.control.faults.add(
        operation="ImageCreate", stream_error_after=2, message="registry went away"
    )
    received: list[dict[str, Any]] = []

    with pytest.raises(ProgressError) as caught:
        with client.image_create(from_image="alpine", tag="3.19") as stream:
            for message in stream:
                received.append(message)

    assert str(caught.value) == "registry went away"
    assert len(received) == 2
    assert fault.fired == 1


@pytest.mark.real_engine
def test_real_engine_image_list(real_engine_host: str) -> None:
    with Client.from_env({"DOCKER_HOST": real_engine_host}) as real:
        images = real.image_list()
        version = real.system_version()

    tags = [tag for image in images for tag in image.get("RepoTags") or []]
    assert "busybox:latest" in tags
    assert real.api_version == version["ApiVersion"]


def test_attach_websocket_round_trip(client: Client) -> None:
    created = client.container_create(
        {"Image": "busybox", "Cmd": ["cat"], "OpenStdin": True, "StdinOnce": True}
    )
    with client.container_attach_websocket(created["Id"], stdin=True) as socket:
        socket.settimeout(10)
        client.container_start(created["Id"])
        socket.send_stdin(b"over websocket\n")
        messages = socket.messages()
        assert next(messages) == b"over websocket\n"


def test_attach_websocket_missing_container(client: Client) -> None:
    with pytest.raises(UpgradeError) as raised:
        client.container_attach_websocket("nosuch")
    assert raised.value.status == 404
