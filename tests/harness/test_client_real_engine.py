"""Client tests against a real Docker Engine named by FAKEDAEMON_REAL_ENGINE."""

from __future__ import annotations

import pytest

from harness.client import Client, NotFoundError, StreamType

pytestmark = pytest.mark.real_engine


def test_image_list(real_engine_host: str) -> None:
    with Client(real_engine_host) as client:
        images = client.image_list()
    assert isinstance(images, list)


def test_negotiates_down(real_engine_host: str) -> None:
    with Client(real_engine_host) as client:
        version = client.system_version()
        assert client.negotiated is True
        assert client.api_version == version["ApiVersion"]


def test_missing_container_message(real_engine_host: str) -> None:
    with Client(real_engine_host) as client:
        with pytest.raises(NotFoundError) as caught:
            client.container_inspect("fakedaemon-no-such-container")
    assert str(caught.value) == (
        "Error response from daemon: No such container: fakedaemon-no-such-container"
    )


def test_unknown_route_message(real_engine_host: str) -> None:
    with Client(real_engine_host) as client:
        with pytest.raises(NotFoundError) as caught:
            client.request("GET", "/fakedaemon-no-such-route")
    assert str(caught.value) == "Error response from daemon: page not found"


def test_run_and_logs(real_engine_host: str) -> None:
    with Client(real_engine_host) as client:
        created = client.container_create(
            {"Image": "busybox", "Cmd": ["sh", "-c", "echo out; echo err >&2"]}
        )
        container = created["Id"]
        try:
            client.container_start(container)
            status = client.container_wait(container)
            client.container_start(container)
            frames = list(client.container_logs(container, stdout=True, stderr=True))
            client.container_stop(container)
        finally:
            client.container_delete(container, force=True)
    assert status["StatusCode"] == 0
    assert (StreamType.STDOUT, b"out\n") in frames
    assert (StreamType.STDERR, b"err\n") in frames


def test_exec_hijack(real_engine_host: str) -> None:
    with Client(real_engine_host) as client:
        created = client.container_create({"Image": "busybox", "Cmd": ["sleep", "30"]})
        container = created["Id"]
        try:
            client.container_start(container)
            exec_id = client.container_exec(
                container,
                {"Cmd": ["cat"], "AttachStdin": True, "AttachStdout": True},
            )["Id"]
            with client.exec_start(exec_id) as conn:
                conn.send_stdin(b"echoed\n")
                conn.close_stdin()
                output = b"".join(data for _, data in conn.frames())
            exit_code = client.exec_inspect(exec_id)["ExitCode"]
        finally:
            client.container_delete(container, force=True)
    assert output == b"echoed\n"
    assert exit_code == 0
