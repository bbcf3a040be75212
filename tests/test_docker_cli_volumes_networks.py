"""The docker CLI's volume and network commands against the fake daemon."""

from __future__ import annotations

import ipaddress
import json

import pytest

from .conftest import DockerCLI

pytestmark = pytest.mark.docker_cli


def check(docker: DockerCLI, *arguments: str) -> str:
    result = docker.run(*arguments)
    assert result.returncode == 0, result.stderr.decode()
    output: str = result.stdout.decode()
    return output


def test_volume_lifecycle(docker: DockerCLI) -> None:
    assert check(docker, "volume", "create", "--label", "a=b", "data").strip() == "data"
    listed = check(docker, "volume", "ls", "--format", "{{.Name}}")
    assert listed.split() == ["data"]
    inspected = json.loads(check(docker, "volume", "inspect", "data"))
    assert inspected[0]["Labels"] == {"a": "b"}
    assert inspected[0]["Mountpoint"] == "/var/lib/docker/volumes/data/_data"
    assert check(docker, "volume", "rm", "data").strip() == "data"
    assert check(docker, "volume", "ls", "-q") == ""


def test_volume_prune_all(docker: DockerCLI) -> None:
    check(docker, "volume", "create", "data")
    output = check(docker, "volume", "prune", "--all", "--force")
    assert "data" in output
    assert check(docker, "volume", "ls", "-q") == ""


def test_volume_rm_missing(docker: DockerCLI) -> None:
    result = docker.run("volume", "rm", "nope")
    assert result.returncode == 1
    assert b"no such volume" in result.stderr


def test_volume_keeps_data(docker: DockerCLI) -> None:
    check(
        docker,
        "run",
        "--rm",
        "-v",
        "data:/data",
        "busybox",
        "sh",
        "-c",
        "echo kept > /data/file",
    )
    output = check(
        docker, "run", "--rm", "-v", "data:/data", "busybox", "cat", "/data/file"
    )
    assert output == "kept\n"


def test_volume_in_use(docker: DockerCLI) -> None:
    check(docker, "create", "--name", "c1", "-v", "data:/data", "busybox", "true")
    result = docker.run("volume", "rm", "data")
    assert result.returncode == 1
    assert b"volume is in use" in result.stderr


def test_network_run_and_inspect(docker: DockerCLI) -> None:
    check(docker, "network", "create", "--subnet", "10.10.0.0/24", "net1")
    check(
        docker,
        "run",
        "-d",
        "--network",
        "net1",
        "--name",
        "c1",
        "busybox",
        "sleep",
        "300",
    )
    document = json.loads(check(docker, "network", "inspect", "net1"))[0]
    (entry,) = document["Containers"].values()
    assert entry["Name"] == "c1"
    address = ipaddress.ip_interface(entry["IPv4Address"])
    assert address.ip in ipaddress.ip_network("10.10.0.0/24")


def test_network_disconnect_and_rm(docker: DockerCLI) -> None:
    check(docker, "network", "create", "net1")
    check(docker, "run", "-d", "--name", "c1", "busybox", "sleep", "300")
    check(docker, "network", "connect", "net1", "c1")
    result = docker.run("network", "rm", "net1")
    assert result.returncode == 1
    assert b"has active endpoints" in result.stderr
    check(docker, "network", "disconnect", "net1", "c1")
    assert check(docker, "network", "rm", "net1").strip() == "net1"


def test_network_duplicate(docker: DockerCLI) -> None:
    check(docker, "network", "create", "net1")
    result = docker.run("network", "create", "net1")
    assert result.returncode == 1
    assert b"network with name net1 already exists" in result.stderr


def test_network_ls_defaults(docker: DockerCLI) -> None:
    listed = check(docker, "network", "ls", "--format", "{{.Name}}")
    assert sorted(listed.split()) == ["bridge", "host", "none"]
