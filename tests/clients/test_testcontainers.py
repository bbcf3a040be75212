"""testcontainers-python against the fake daemon, with its reaper disabled.

testcontainers finds the daemon through ``DOCKER_HOST``. Its reaper (Ryuk)
is a container that must accept a TCP connection on a published port, which
a simulated container cannot do, so these tests disable it.
"""

from __future__ import annotations

import re

import pytest

from fakedaemon import Daemon

testcontainers = pytest.importorskip(
    "testcontainers", reason="testcontainers is not installed"
)

from testcontainers.core.config import testcontainers_config  # noqa: E402
from testcontainers.core.container import DockerContainer  # noqa: E402
from testcontainers.core.wait_strategies import LogMessageWaitStrategy  # noqa: E402


@pytest.fixture(autouse=True)
def environment(daemon: Daemon, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", daemon.docker_host)
    monkeypatch.setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
    # testcontainers reads its environment once, when it is imported.
    monkeypatch.setattr(testcontainers_config, "ryuk_disabled", True)


def test_waits_for_log_line(daemon: Daemon) -> None:
    daemon.control.behaviours.add(
        image="nginx:1.27", stdout="start worker processes\n", duration=None
    )
    container = DockerContainer("nginx:1.27").waiting_for(
        LogMessageWaitStrategy("start worker processes")
    )
    with container:
        wrapped = container.get_wrapped_container()
        wrapped.reload()
        assert wrapped.status == "running"
        assert container.get_logs() == (b"start worker processes\n", b"")

    # stop() removes the running container with force, without a stop first.
    daemon.control.journal.assert_called(
        "ContainerDelete", query={"force": "True"}, times=1
    )
    assert daemon.engine.containers.all() == []


def test_waits_for_regex(daemon: Daemon) -> None:
    daemon.control.behaviours.add(
        image="postgres:16",
        stderr="database system is ready to accept connections\n",
        duration=None,
    )
    container = DockerContainer("postgres:16").waiting_for(
        LogMessageWaitStrategy(re.compile(r"ready to accept connections"))
    )
    with container:
        assert container.get_wrapped_container().image.tags == ["postgres:16"]


def test_no_reaper_container(daemon: Daemon) -> None:
    with DockerContainer("busybox").with_command(["sleep", "600"]):
        pass
    created = daemon.control.journal.calls("ContainerCreate")
    assert [entry.json["Image"] for entry in created] == ["busybox"]


def test_exited_before_log_line(daemon: Daemon) -> None:
    container = (
        DockerContainer("busybox")
        .with_command(["sh", "-c", "echo failing; exit 1"])
        .waiting_for(LogMessageWaitStrategy("ready").with_startup_timeout(5))
    )
    with pytest.raises(RuntimeError, match="exit code: 1"):
        container.start()
    container.stop()


def test_published_port_unavailable(daemon: Daemon) -> None:
    # Like an Engine started with --bridge=none, the fake publishes no port.
    container = DockerContainer("busybox").with_command(["sleep", "600"])
    container.with_exposed_ports(8080)
    with container:
        with pytest.raises(ConnectionError, match="Port mapping"):
            container.get_exposed_port(8080)
