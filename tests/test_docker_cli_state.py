"""State made with the docker CLI survives a restart and a snapshot's restore.

Over the daemon's unix socket, the CLI creates a volume with files, a user
network with a connected container, a built image and a swarm service with
a secret. ``docker inspect`` must show the same before and after.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakedaemon import Daemon, DaemonConfig

from .conftest import DockerCLI

pytestmark = pytest.mark.docker_cli

DOCKERFILE = """\
FROM busybox
COPY greeting.txt /greeting.txt
RUN echo built > /built.txt
CMD ["cat", "/greeting.txt"]
"""


def check(docker: DockerCLI, *arguments: str, input: bytes | None = None) -> str:
    result = docker.run(*arguments, input=input)
    assert result.returncode == 0, result.stderr.decode()
    output: str = result.stdout.decode()
    return output


def inspect(docker: DockerCLI, *arguments: str) -> Any:
    return json.loads(check(docker, *arguments))


def make_state(docker: DockerCLI, context: Path) -> None:
    check(docker, "volume", "create", "--label", "kind=state", "data")
    check(
        docker,
        "run",
        "--rm",
        "-v",
        "data:/data",
        "busybox",
        "sh",
        "-c",
        "echo kept > /data/file; mkdir /data/dir; echo deep > /data/dir/deep",
    )

    check(
        docker, "network", "create", "--subnet", "10.9.0.0/16", "--label", "a=b", "net"
    )
    check(docker, "create", "--name", "member", "busybox", "sleep", "1000")
    check(docker, "network", "connect", "--alias", "db", "net", "member")

    context.mkdir()
    (context / "Dockerfile").write_text(DOCKERFILE)
    (context / "greeting.txt").write_text("hello\n")
    check(docker, "build", "-q", "-t", "app:1", str(context))

    check(docker, "swarm", "init", "--advertise-addr", "127.0.0.1")
    check(docker, "secret", "create", "token", "-", input=b"secret value")
    check(
        docker,
        "service",
        "create",
        "--detach",
        "--name",
        "svc",
        "--secret",
        "token",
        "--restart-delay",
        "200ms",
        "busybox",
        "sleep",
        "1000",
    )
    wait_for_task(docker)


def wait_for_task(docker: DockerCLI) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        states = check(
            docker,
            "service",
            "ps",
            "svc",
            "--filter",
            "desired-state=running",
            "--format",
            "{{.CurrentState}}",
        )
        if states.startswith("Running"):
            return
        time.sleep(0.1)
    raise AssertionError("the service's task did not run")


def shown(docker: DockerCLI) -> dict[str, Any]:
    """Return what the CLI shows of the objects ``make_state`` created."""
    saved = docker.run("save", "app:1")
    assert saved.returncode == 0, saved.stderr.decode()
    files = check(
        docker,
        "run",
        "--rm",
        "-v",
        "data:/data:ro",
        "busybox",
        "sh",
        "-c",
        "cat /data/file /data/dir/deep",
    )
    return {
        "volume": inspect(docker, "volume", "inspect", "data"),
        "files": files,
        "network": inspect(docker, "network", "inspect", "net"),
        "member": inspect(docker, "container", "inspect", "member"),
        "image": inspect(docker, "image", "inspect", "app:1"),
        "history": check(
            docker,
            "image",
            "history",
            "--no-trunc",
            "--format",
            "{{.ID}} {{.CreatedAt}} {{.CreatedBy}} {{.Size}}",
            "app:1",
        ),
        "save": hashlib.sha256(saved.stdout).hexdigest(),
        "service": inspect(docker, "service", "inspect", "svc"),
        "secret": inspect(docker, "secret", "inspect", "token"),
        "swarm": inspect(docker, "info", "--format", "{{json .Swarm}}"),
        "run": check(docker, "run", "--rm", "app:1"),
    }


def start(root: Path, socket_path: Path) -> Daemon:
    config = DaemonConfig(data_root=str(root), save_delay=0.05)
    return Daemon(config, hosts=[f"unix://{socket_path}"]).start()


def test_state_survives_restart(docker_executable: str, tmp_path: Path) -> None:
    root = tmp_path / "root"
    socket_path = tmp_path / "docker.sock"
    config_dir = tmp_path / "docker-config"
    config_dir.mkdir()
    docker = DockerCLI(docker_executable, f"unix://{socket_path}", config_dir)
    daemon = start(root, socket_path)
    try:
        make_state(docker, tmp_path / "context")
        before = shown(docker)
    finally:
        daemon.stop()
    again = start(root, socket_path)
    try:
        wait_for_task(docker)
        after = shown(docker)
        tasks = check(docker, "service", "ps", "svc", "--format", "{{.Error}}")
    finally:
        again.stop()

    assert before["files"] == "kept\ndeep\n"
    assert before["run"] == "hello\n"
    for key in ("volume", "files", "member", "image", "history", "save", "run"):
        assert after[key] == before[key], key
    for key in ("service", "secret", "swarm"):
        assert after[key] == before[key], key
    network_before, network_after = before["network"][0], after["network"][0]
    assert network_after["Id"] == network_before["Id"]
    assert network_after["Labels"] == {"a": "b"}
    # dockerd shows the gateway of a network made without one after a restart.
    assert network_after["IPAM"]["Config"] == [
        {"Subnet": "10.9.0.0/16", "Gateway": "10.9.0.1"}
    ]
    assert "No such container: svc.1." in tasks


def test_state_survives_snapshot(
    docker: DockerCLI, daemon: Daemon, tmp_path: Path
) -> None:
    make_state(docker, tmp_path / "context")
    before = shown(docker)
    socket_path = daemon.docker_host.removeprefix("unix://")
    transport = httpx.HTTPTransport(uds=socket_path)
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        snapshot = client.post("/_fakedaemon/snapshot").json()
        check(docker, "service", "rm", "svc")
        check(docker, "swarm", "leave", "--force")
        check(docker, "rm", "-f", "member")
        check(docker, "network", "rm", "net")
        check(docker, "volume", "rm", "data")
        check(docker, "rmi", "app:1")
        restored = client.post("/_fakedaemon/restore", json=snapshot)
        assert restored.status_code == 204, restored.text
    after = shown(docker)
    assert before["files"] == "kept\ndeep\n"
    for key, value in before.items():
        assert after[key] == value, key
