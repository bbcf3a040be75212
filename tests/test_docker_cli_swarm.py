"""The docker CLI's swarm commands against the fake daemon and a real Engine."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from .conftest import DockerCLI, missing

pytestmark = pytest.mark.docker_cli

INIT = ("swarm", "init", "--advertise-addr", "127.0.0.1")
INIT_REAL = (*INIT, "--listen-addr", "127.0.0.1:2377")


def check(docker: DockerCLI, *arguments: str, input: bytes | None = None) -> str:
    result = docker.run(*arguments, input=input)
    assert result.returncode == 0, result.stderr.decode()
    output: str = result.stdout.decode()
    return output


def wait_replicas(docker: DockerCLI, name: str, expected: str) -> str:
    """Poll ``docker service ls`` until the service shows ``expected`` replicas."""
    shown = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        shown = check(
            docker,
            "service",
            "ls",
            "--filter",
            f"name={name}",
            "--format",
            "{{.Replicas}}",
        ).strip()
        if shown == expected:
            return shown
        time.sleep(0.2)
    return shown


def running_tasks(docker: DockerCLI, name: str) -> list[str]:
    output = check(
        docker,
        "service",
        "ps",
        name,
        "--filter",
        "desired-state=running",
        "--format",
        "{{.Name}} {{.CurrentState}}",
    )
    return sorted(line.split()[0] for line in output.splitlines() if "Running" in line)


def test_swarm_init_and_info(docker: DockerCLI) -> None:
    output = check(docker, *INIT)
    assert "Swarm initialized: current node (" in output
    assert "docker swarm join --token SWMTKN-1-" in output
    info = json.loads(check(docker, "info", "--format", "{{json .Swarm}}"))
    assert info["LocalNodeState"] == "active"
    assert info["ControlAvailable"] is True
    again = docker.run(*INIT)
    assert again.returncode == 1
    assert b"This node is already part of a swarm." in again.stderr
    nodes = check(docker, "node", "ls", "--format", "{{.Status}} {{.ManagerStatus}}")
    assert nodes.strip() == "Ready Leader"


def test_service_create_converges(docker: DockerCLI) -> None:
    check(docker, *INIT)
    result = docker.run(
        "service",
        "create",
        "--replicas",
        "2",
        "--name",
        "web",
        "busybox",
        "sleep",
        "300",
    )
    assert result.returncode == 0, result.stderr.decode()
    service_id = result.stdout.split(b"\n", 1)[0].decode()
    assert f"verify: Service {service_id} converged".encode() in result.stdout
    assert running_tasks(docker, "web") == ["web.1", "web.2"]


def test_service_workflow(docker: DockerCLI, tmp_path: Path) -> None:
    check(docker, *INIT)
    check(
        docker,
        "service",
        "create",
        "--detach",
        "--replicas",
        "3",
        "--name",
        "web",
        "busybox",
        "sleep",
        "300",
    )
    assert wait_replicas(docker, "web", "3/3") == "3/3"
    listed = check(docker, "service", "ls", "--format", "{{.Name}} {{.Mode}}")
    assert listed.strip() == "web replicated"
    assert running_tasks(docker, "web") == ["web.1", "web.2", "web.3"]
    check(docker, "service", "scale", "--detach", "web=5")
    assert wait_replicas(docker, "web", "5/5") == "5/5"
    check(docker, "service", "update", "--detach", "--env-add", "A=1", "web")
    deadline = time.monotonic() + 30
    state = ""
    while time.monotonic() < deadline and state != "completed":
        state = check(
            docker, "service", "inspect", "web", "--format", "{{.UpdateStatus.State}}"
        ).strip()
        time.sleep(0.2)
    assert state == "completed"
    check(docker, "service", "update", "--detach", "--image", "busybox:latest", "web")
    containers = check(docker, "ps", "--format", "{{.Names}}").split()
    assert len(containers) == 5
    assert all(name.startswith("web.") for name in containers)
    check(docker, "service", "rm", "web")
    assert check(docker, "service", "ls", "-q") == ""


def test_service_logs(docker: DockerCLI) -> None:
    check(docker, *INIT)
    check(
        docker,
        "service",
        "create",
        "--detach",
        "--restart-condition",
        "none",
        "--name",
        "hello",
        "busybox",
        "echo",
        "hi",
    )
    deadline = time.monotonic() + 20
    output = ""
    while time.monotonic() < deadline and "hi" not in output:
        output = check(docker, "service", "logs", "--raw", "hello")
        time.sleep(0.2)
    assert output == "hi\n"
    detailed = check(docker, "service", "logs", "hello")
    assert detailed.startswith("hello.1.")
    assert detailed.rstrip().endswith("| hi")


def test_secret_and_config(docker: DockerCLI, tmp_path: Path) -> None:
    check(docker, *INIT)
    secret_id = check(docker, "secret", "create", "s", "-", input=b"s\n").strip()
    config_file = tmp_path / "c.txt"
    config_file.write_text("config body\n")
    check(docker, "config", "create", "c", str(config_file))
    assert check(docker, "secret", "ls", "--format", "{{.Name}}").split() == ["s"]
    assert check(docker, "config", "ls", "--format", "{{.Name}}").split() == ["c"]
    shown = json.loads(check(docker, "config", "inspect", "c"))
    assert shown[0]["Spec"]["Data"] == "Y29uZmlnIGJvZHkK"
    secret = json.loads(check(docker, "secret", "inspect", "s"))
    assert secret[0]["ID"] == secret_id
    assert "Data" not in secret[0]["Spec"]
    check(
        docker,
        "service",
        "create",
        "--detach",
        "--name",
        "user",
        "--secret",
        "s",
        "busybox",
        "sleep",
        "300",
    )
    refused = docker.run("secret", "rm", "s")
    assert refused.returncode == 1
    assert b"secret 's' is in use by the following service: user" in refused.stderr


def test_overlay_network(docker: DockerCLI) -> None:
    refused = docker.run("network", "create", "-d", "overlay", "ov")
    assert refused.returncode == 1
    assert b"This node is not a swarm manager." in refused.stderr
    check(docker, *INIT)
    check(docker, "network", "create", "-d", "overlay", "ov")
    scopes = check(docker, "network", "ls", "--format", "{{.Name}} {{.Scope}}")
    assert "ingress swarm" in scopes.splitlines()
    assert "ov swarm" in scopes.splitlines()


def test_swarm_leave(docker: DockerCLI) -> None:
    check(docker, *INIT)
    refused = docker.run("swarm", "leave")
    assert refused.returncode == 1
    assert b"Removing the last manager erases all current state" in refused.stderr
    assert check(docker, "swarm", "leave", "--force").strip() == "Node left the swarm."
    not_member = docker.run("swarm", "leave", "--force")
    assert b"This node is not part of a swarm" in not_member.stderr


# The scenario against a real Engine ----------------------------------------------


def scenario(docker: DockerCLI, workdir: Path, init: tuple[str, ...]) -> dict[str, Any]:
    """Run the everyday swarm workflow and return what a user can observe."""
    seen: dict[str, Any] = {}
    seen["init"] = docker.run(*init).returncode
    try:
        seen["init again"] = docker.run(*init).returncode
        seen["create"] = docker.run(
            "service",
            "create",
            "--detach",
            "--replicas",
            "3",
            "--name",
            "web",
            "busybox",
            "sleep",
            "300",
        ).returncode
        seen["replicas"] = wait_replicas(docker, "web", "3/3")
        seen["tasks"] = running_tasks(docker, "web")
        seen["scale"] = docker.run("service", "scale", "--detach", "web=5").returncode
        seen["scaled"] = wait_replicas(docker, "web", "5/5")
        seen["update"] = docker.run(
            "service", "update", "--detach", "--image", "busybox:latest", "web"
        ).returncode
        seen["secret"] = docker.run(
            "secret", "create", "s", "-", input=b"s\n"
        ).returncode
        config_file = workdir / "c.txt"
        config_file.write_text("c\n")
        seen["config"] = docker.run(
            "config", "create", "c", str(config_file)
        ).returncode
        seen["secret dup"] = (
            docker.run("secret", "create", "s", "-", input=b"s\n")
            .stderr.decode()
            .strip()
        )
        seen["service dup"] = (
            docker.run("service", "create", "--detach", "--name", "web", "busybox")
            .stderr.decode()
            .strip()
        )
        seen["rm"] = docker.run("service", "rm", "web").stdout.decode().strip()
        seen["leave"] = docker.run("swarm", "leave").stderr.decode().strip()
    finally:
        seen["leave force"] = docker.run("swarm", "leave", "--force").returncode
    seen["after"] = docker.run("service", "ls").stderr.decode().strip()
    return seen


@pytest.mark.real_engine
def test_scenario_matches_real_engine(docker: DockerCLI, tmp_path: Path) -> None:
    host = os.environ.get("FAKEDAEMON_REAL_ENGINE", "")
    if not host:
        if os.environ.get("CI") == "true":
            pytest.fail("FAKEDAEMON_REAL_ENGINE must name a real Docker Engine in CI")
        pytest.skip(
            "FAKEDAEMON_REAL_ENGINE is not set (e.g. unix:///tmp/e26/docker.sock)"
        )
    executable = shutil.which("docker")
    if executable is None:
        missing("the docker CLI is not installed on this machine")
    assert executable is not None
    config_dir = tmp_path / "real-config"
    config_dir.mkdir()
    real = DockerCLI(executable, host, config_dir)
    state = real.run("info", "--format", "{{.Swarm.LocalNodeState}}")
    if state.stdout.decode().strip() != "inactive":
        pytest.skip(f"the Engine at {host} is already in a swarm; leaving it alone")
    (tmp_path / "real").mkdir()
    (tmp_path / "fake").mkdir()
    expected = scenario(real, tmp_path / "real", INIT_REAL)
    observed = scenario(docker, tmp_path / "fake", INIT_REAL)
    assert observed == expected
