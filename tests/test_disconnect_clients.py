"""Clients that go away release their streams: the docker CLI and docker-py.

Each test opens a long response the way the client does, makes the client
leave (a killed CLI, a closed docker-py stream, a timed-out wait), and
checks that the daemon's subscriptions and serving threads are back where
they were, while the container itself keeps running.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import docker
import pytest
import requests

from fakedaemon import Daemon
from fakedaemon.engine.containers import Container

from . import polling

if TYPE_CHECKING:
    from conftest import DockerCLI


eventually = functools.partial(polling.eventually, timeout=5)


def session_threads() -> int:
    """Count the threads that serve connections or copy a client's stdin."""
    names = ("(process_request_thread)", "(_pump_stdin)")
    return sum(thread.name.endswith(names) for thread in threading.enumerate())


def idle(daemon: Daemon, name: str, **config: object) -> Container:
    containers = daemon.engine.containers
    container = containers.create(
        {"Image": "busybox", "Cmd": ["sleep", "1000"], **config}, None, name
    )
    containers.start(container.id)
    return container


# The docker CLI -------------------------------------------------------------


def start_cli(docker: DockerCLI, *arguments: str) -> subprocess.Popen[bytes]:
    """Start ``docker ARGUMENTS`` in the background, as ``DockerCLI.run`` would."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(docker.config_dir),
        "DOCKER_HOST": docker.host,
        "DOCKER_CONFIG": str(docker.config_dir),
        "DOCKER_CLI_HINTS": "false",
    }
    return subprocess.Popen(
        [docker.executable, *arguments],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=environment,
    )


@pytest.fixture
def killed() -> Iterator[Callable[[subprocess.Popen[bytes]], None]]:
    """Kill a CLI process with SIGKILL; any left at the end are killed too."""
    processes: list[subprocess.Popen[bytes]] = []

    def kill(process: subprocess.Popen[bytes]) -> None:
        processes.append(process)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    yield kill
    for process in processes:
        if process.poll() is None:
            process.kill()
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=10)


@pytest.mark.docker_cli
def test_cli_killed_attach_released(
    docker: DockerCLI, daemon: Daemon, killed: Callable[[subprocess.Popen[bytes]], None]
) -> None:
    container = idle(daemon, "attached", OpenStdin=True)
    before = session_threads()
    process = start_cli(docker, "attach", "attached")
    attached = eventually(lambda: container.log.followers == 1)
    killed(process)

    assert attached
    assert eventually(lambda: container.log.followers == 0, timeout=1)
    assert eventually(lambda: session_threads() == before)
    assert container.state.running


@pytest.mark.docker_cli
def test_cli_attach_without_stdin_stays(
    docker: DockerCLI, daemon: Daemon, killed: Callable[[subprocess.Popen[bytes]], None]
) -> None:
    # The CLI half-closes an attach without stdin at once; that is no
    # departure, and the session must last until the CLI is gone.
    container = idle(daemon, "attached", OpenStdin=True)
    process = start_cli(docker, "attach", "--no-stdin", "attached")
    attached = eventually(lambda: container.log.followers == 1)
    time.sleep(0.3)
    still_attached = container.log.followers == 1
    killed(process)

    assert attached
    assert still_attached
    assert eventually(lambda: container.log.followers == 0, timeout=1)


@pytest.mark.docker_cli
def test_cli_killed_logs_follow_released(
    docker: DockerCLI, daemon: Daemon, killed: Callable[[subprocess.Popen[bytes]], None]
) -> None:
    container = idle(daemon, "followed")
    before = session_threads()
    process = start_cli(docker, "logs", "-f", "followed")
    following = eventually(lambda: container.log.followers == 1)
    killed(process)

    assert following
    assert eventually(lambda: container.log.followers == 0, timeout=1)
    assert eventually(lambda: session_threads() == before)


@pytest.mark.docker_cli
def test_cli_killed_events_released(
    docker: DockerCLI, daemon: Daemon, killed: Callable[[subprocess.Popen[bytes]], None]
) -> None:
    events = daemon.engine.events
    process = start_cli(docker, "events")
    listening = eventually(lambda: events.listeners == 1)
    killed(process)

    assert listening
    assert eventually(lambda: events.listeners == 0, timeout=1)


@pytest.mark.docker_cli
def test_cli_killed_wait_released(
    docker: DockerCLI, daemon: Daemon, killed: Callable[[subprocess.Popen[bytes]], None]
) -> None:
    idle(daemon, "waited")
    before = session_threads()
    process = start_cli(docker, "wait", "waited")
    waiting = eventually(lambda: session_threads() == before + 1)
    killed(process)

    assert waiting
    assert eventually(lambda: session_threads() == before)


@pytest.mark.docker_cli
def test_cli_run_detached_keeps_running(docker: DockerCLI, daemon: Daemon) -> None:
    # `run -d` waits for the next exit while it starts the container, then
    # closes that wait; the container must go on running.
    before = session_threads()
    result = docker.run("run", "-d", "--name", "detached", "busybox", "sleep", "1000")
    container = daemon.engine.containers.get("detached")

    assert result.returncode == 0, result.stderr.decode()
    assert eventually(lambda: session_threads() == before)
    assert container.state.running


# docker-py ------------------------------------------------------------------


@pytest.fixture
def client(daemon: Daemon) -> Iterator[docker.DockerClient]:
    opened = docker.DockerClient(base_url=daemon.docker_host, version="auto")
    try:
        yield opened
    finally:
        opened.close()


def test_docker_py_wait_timeout_released(
    client: docker.DockerClient, daemon: Daemon
) -> None:
    container = idle(daemon, "waited")
    client.ping()
    before = session_threads()

    with pytest.raises(requests.exceptions.ConnectionError):
        client.api.wait(container.id, timeout=0.3)
    assert eventually(lambda: session_threads() == before)
    assert container.state.running


def test_docker_py_events_close_released(
    client: docker.DockerClient, daemon: Daemon
) -> None:
    events = daemon.engine.events
    stream = client.events(decode=True)
    listening = eventually(lambda: events.listeners == 1)
    stream.close()

    assert listening
    assert eventually(lambda: events.listeners == 0, timeout=1)


def test_docker_py_logs_close_released(
    client: docker.DockerClient, daemon: Daemon
) -> None:
    container = idle(daemon, "followed")
    stream = client.containers.get("followed").logs(stream=True, follow=True)
    following = eventually(lambda: container.log.followers == 1)
    stream.close()

    assert following
    assert eventually(lambda: container.log.followers == 0, timeout=1)


def test_docker_py_attach_socket_close_released(
    client: docker.DockerClient, daemon: Daemon
) -> None:
    container = idle(daemon, "attached", OpenStdin=True)
    sock = client.api.attach_socket(
        container.id, params={"stdin": 1, "stdout": 1, "stream": 1}
    )
    attached = eventually(lambda: container.log.followers == 1)
    # The returned SocketIO leaves its socket open when closed.
    raw = sock._sock
    sock.close()
    raw.close()

    assert attached
    assert eventually(lambda: container.log.followers == 0, timeout=1)
    assert container.state.running
