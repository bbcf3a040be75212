"""The everyday docker CLI workflow against the fake daemon, over a unix socket."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from fakedaemon import Daemon

if TYPE_CHECKING:
    from conftest import DockerCLI

pytestmark = pytest.mark.docker_cli


def test_version_reports_engine(docker: DockerCLI, daemon: Daemon) -> None:
    result = docker.run("version", "--format", "{{json .}}")
    assert result.returncode == 0, result.stderr.decode()
    document = json.loads(result.stdout)
    assert document["Server"]["Version"] == daemon.engine.profile.engine_version
    assert document["Server"]["ApiVersion"] == str(daemon.engine.profile.max_api)


def test_info_reports_counts(docker: DockerCLI) -> None:
    result = docker.run("info", "--format", "{{.Containers}} {{.Images}}")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == "0 1"


def test_pull_then_images(docker: DockerCLI) -> None:
    pulled = docker.run("pull", "alpine:3.19")
    assert pulled.returncode == 0, pulled.stderr.decode()
    assert b"Status: Downloaded newer image for alpine:3.19" in pulled.stdout
    listed = docker.run("images", "--format", "{{.Repository}}:{{.Tag}}")
    assert listed.returncode == 0, listed.stderr.decode()
    assert sorted(listed.stdout.decode().split()) == ["alpine:3.19", "busybox:latest"]


def test_pull_present_image_is_up_to_date(docker: DockerCLI) -> None:
    result = docker.run("pull", "busybox")
    assert result.returncode == 0, result.stderr.decode()
    assert b"Status: Image is up to date for busybox:latest" in result.stdout


def test_run_rm_prints_output(docker: DockerCLI, daemon: Daemon) -> None:
    result = docker.run("run", "--rm", "busybox", "echo", "hello")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"hello\n"
    assert daemon.engine.containers.all() == []


def test_run_separates_streams_and_exit_code(docker: DockerCLI) -> None:
    result = docker.run("run", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3")
    assert result.returncode == 3
    assert result.stdout == b"out\n"
    assert result.stderr == b"err\n"


def test_run_interactive_reads_stdin(docker: DockerCLI) -> None:
    result = docker.run("run", "-i", "--rm", "busybox", "cat", input=b"hi\n")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"hi\n"


def test_run_tty_translates_newlines(docker: DockerCLI) -> None:
    created = docker.run("create", "-t", "busybox", "echo", "hello")
    assert created.returncode == 0, created.stderr.decode()
    container_id = created.stdout.decode().strip()
    started = docker.run("start", "-a", container_id)
    assert started.returncode == 0, started.stderr.decode()
    assert started.stdout == b"hello\r\n"


def test_detached_lifecycle(docker: DockerCLI) -> None:
    started = docker.run("run", "-d", "--name", "web", "busybox", "sleep", "300")
    assert started.returncode == 0, started.stderr.decode()
    container_id = started.stdout.decode().strip()
    assert len(container_id) == 64

    listed = docker.run(
        "ps", "--filter", "name=web", "--format", "{{.Names}} {{.Status}}"
    )
    assert listed.returncode == 0, listed.stderr.decode()
    assert listed.stdout.decode().startswith("web Up ")

    logs = docker.run("logs", "web")
    assert logs.returncode == 0, logs.stderr.decode()
    assert logs.stdout == b""

    stopped = docker.run("stop", "web")
    assert stopped.returncode == 0, stopped.stderr.decode()
    assert stopped.stdout.decode().strip() == "web"

    exited = docker.run("ps", "-a", "--filter", "name=web", "--format", "{{.Status}}")
    assert exited.stdout.decode().startswith("Exited (143)")

    removed = docker.run("rm", "web")
    assert removed.returncode == 0, removed.stderr.decode()
    untagged = docker.run("rmi", "busybox")
    assert untagged.returncode == 0, untagged.stderr.decode()
    assert b"Untagged: busybox:latest" in untagged.stdout
    images = docker.run("images", "-q")
    assert images.stdout == b""


def test_logs_of_finished_container(docker: DockerCLI) -> None:
    created = docker.run(
        "run", "--name", "talker", "busybox", "sh", "-c", "echo one; echo two >&2"
    )
    assert created.returncode == 0, created.stderr.decode()
    logs = docker.run("logs", "talker")
    assert logs.stdout == b"one\n"
    assert logs.stderr == b"two\n"
    tail = docker.run("logs", "--tail", "1", "talker")
    assert tail.stdout + tail.stderr == b"two\n"


def test_rm_missing_container_fails(docker: DockerCLI) -> None:
    result = docker.run("rm", "nosuch")
    assert result.returncode == 1
    assert result.stderr.decode().strip() == (
        "Error response from daemon: No such container: nosuch"
    )


def test_rm_running_container_conflicts(docker: DockerCLI) -> None:
    docker.run("run", "-d", "--name", "busy", "busybox", "sleep", "300")
    result = docker.run("rm", "busy")
    assert result.returncode == 1
    assert result.stderr.decode().strip() == (
        'Error response from daemon: cannot remove container "/busy": container is '
        "running: stop the container before removing or force remove"
    )
    forced = docker.run("rm", "-f", "busy")
    assert forced.returncode == 0, forced.stderr.decode()


def test_missing_executable_exits_127(docker: DockerCLI) -> None:
    result = docker.run("run", "busybox", "nosuchbin")
    assert result.returncode == 127
    assert (
        'exec: "nosuchbin": executable file not found in $PATH: unknown'
        in result.stderr.decode()
    )


def test_rmi_of_used_image_conflicts(docker: DockerCLI) -> None:
    docker.run("create", "--name", "holder", "busybox", "true")
    result = docker.run("rmi", "busybox")
    assert result.returncode == 1
    assert "container" in result.stderr.decode()
    assert "is using its referenced image" in result.stderr.decode()
