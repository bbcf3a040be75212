"""The docker 20.10 CLI of Debian's docker.io package, beside the newer CLI.

Docker 20.10 speaks API 1.41 and negotiates down from it, so the daemon
answers every request here in the shapes of 1.41.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from fakedaemon import Daemon

if TYPE_CHECKING:
    from conftest import Command


pytestmark = pytest.mark.docker_cli


def test_version_negotiates_1_41(debian_docker: Command) -> None:
    finished = debian_docker.run("version", "--format", "{{json .}}")
    assert finished.returncode == 0, finished.stderr
    version = json.loads(finished.stdout)
    assert version["Client"]["Version"].startswith("20.10.")
    assert version["Client"]["ApiVersion"] == "1.41"
    assert version["Server"]["Platform"]["Name"] == "fakedaemon"


def test_requests_use_1_41(debian_docker: Command, daemon: Daemon) -> None:
    finished = debian_docker.run("ps")
    assert finished.returncode == 0, finished.stderr
    listed = daemon.control.journal.calls("ContainerList")
    assert [entry.api_version for entry in listed] == ["1.41"]


def test_info_counts(debian_docker: Command) -> None:
    finished = debian_docker.run(
        "info", "--format", "{{.Containers}} {{.Images}} {{.OSType}}"
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == b"0 1 linux\n"


def test_pull_then_images(debian_docker: Command) -> None:
    pulled = debian_docker.run("pull", "alpine:3.19")
    assert pulled.returncode == 0, pulled.stderr
    assert b"Status: Downloaded newer image for alpine:3.19" in pulled.stdout
    listed = debian_docker.run("images", "--format", "{{.Repository}}:{{.Tag}}")
    assert sorted(listed.stdout.decode().split()) == ["alpine:3.19", "busybox:latest"]


def test_run_rm_echo(debian_docker: Command, daemon: Daemon) -> None:
    finished = debian_docker.run("run", "--rm", "busybox", "echo", "hello")
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == b"hello\n"
    assert daemon.engine.containers.all() == []


def test_run_exit_code_and_streams(debian_docker: Command) -> None:
    finished = debian_docker.run(
        "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 3"
    )
    assert finished.returncode == 3
    assert finished.stdout == b"out\n"
    assert finished.stderr == b"err\n"


def test_run_interactive_stdin(debian_docker: Command) -> None:
    finished = debian_docker.run(
        "run", "-i", "--rm", "busybox", "cat", input=b"line one\nline two\n"
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout == b"line one\nline two\n"


def test_detached_lifecycle(debian_docker: Command) -> None:
    started = debian_docker.run(
        "run", "-d", "--name", "web", "--label", "app=web",
        "busybox", "sh", "-c", "echo started; sleep 600",
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    container_id = started.stdout.decode().strip()
    assert len(container_id) == 64

    listed = debian_docker.run(
        "ps", "--filter", "label=app=web", "--format", "{{.Names}} {{.Status}}"
    )
    assert listed.stdout.decode().startswith("web Up ")

    logs = debian_docker.run("logs", "web")
    assert logs.stdout == b"started\n"

    stopped = debian_docker.run("stop", "web")
    assert stopped.stdout == b"web\n"
    exited = debian_docker.run(
        "ps", "-a", "--filter", "status=exited", "--format", "{{.Names}}"
    )
    assert exited.stdout == b"web\n"

    removed = debian_docker.run("rm", "web")
    assert removed.stdout == b"web\n"
    remaining = debian_docker.run("ps", "-aq")
    assert remaining.stdout == b""


def test_rmi_untags_and_deletes(debian_docker: Command) -> None:
    debian_docker.run("pull", "alpine:3.19")
    finished = debian_docker.run("rmi", "alpine:3.19")
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith(b"Untagged: alpine:3.19\n")
    assert b"Deleted: sha256:" in finished.stdout


def test_rm_missing_container(debian_docker: Command) -> None:
    finished = debian_docker.run("rm", "nosuch")
    assert finished.returncode == 1
    assert finished.stderr == b"Error: No such container: nosuch\n"


def test_rm_running_conflicts(debian_docker: Command) -> None:
    debian_docker.run("run", "-d", "--name", "busy", "busybox", "sleep", "600")
    finished = debian_docker.run("rm", "busy")
    assert finished.returncode == 1
    assert b"container is running" in finished.stderr


def test_missing_executable_exits_127(debian_docker: Command) -> None:
    finished = debian_docker.run("run", "--rm", "busybox", "nosuchcommand")
    assert finished.returncode == 127
    assert b'exec: "nosuchcommand": executable file not found' in finished.stderr


def test_denied_pull_fails(debian_docker: Command, daemon: Daemon) -> None:
    daemon.engine.registry.deny("private/app")
    finished = debian_docker.run("pull", "private/app:1")
    assert finished.returncode == 1
    assert b"pull access denied for private/app" in finished.stderr
