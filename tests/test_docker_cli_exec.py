"""docker exec, cp, top, stats, prune, diff and export against the fake daemon."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from fakedaemon import Daemon

from .conftest import DockerCLI

pytestmark = pytest.mark.docker_cli


@pytest.fixture
def web(docker: DockerCLI) -> str:
    """A running container named ``web``; returns its id."""
    started = docker.run("run", "-d", "--name", "web", "busybox", "sleep", "300")
    assert started.returncode == 0, started.stderr.decode()
    return started.stdout.decode().strip()


def test_exec_prints_output(docker: DockerCLI, web: str) -> None:
    result = docker.run("exec", "web", "echo", "hi")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"hi\n"


def test_exec_interactive_reads_stdin(docker: DockerCLI, web: str) -> None:
    result = docker.run("exec", "-i", "web", "cat", input=b"one\ntwo\n")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"one\ntwo\n"


def test_exec_exit_code(docker: DockerCLI, web: str) -> None:
    result = docker.run("exec", "web", "sh", "-c", "exit 5")
    assert result.returncode == 5


def test_exec_missing_command(docker: DockerCLI, web: str) -> None:
    result = docker.run("exec", "web", "nosuch")
    assert result.returncode == 126
    # dockerd writes the runtime error into the exec's stdout stream.
    assert b'exec: "nosuch": executable file not found in $PATH' in result.stdout


def test_exec_env_and_workdir(docker: DockerCLI, web: str) -> None:
    result = docker.run(
        "exec", "-e", "GREETING=hey", "-w", "/tmp", "web", "sh", "-c",
        "echo $GREETING; pwd",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b"hey\n/tmp\n"


def test_exec_stopped_container(docker: DockerCLI, web: str) -> None:
    stopped = docker.run("stop", "web")
    assert stopped.returncode == 0, stopped.stderr.decode()
    result = docker.run("exec", "web", "true")
    assert result.returncode != 0
    assert f"container {web} is not running".encode() in result.stderr


def test_cp_round_trip(docker: DockerCLI, web: str, tmp_path: Path) -> None:
    source = tmp_path / "note.txt"
    source.write_bytes(b"copied contents\n")
    copied_in = docker.run("cp", str(source), "web:/tmp/note.txt")
    assert copied_in.returncode == 0, copied_in.stderr.decode()

    inside = docker.run("exec", "web", "cat", "/tmp/note.txt")
    assert inside.stdout == b"copied contents\n"

    target = tmp_path / "back.txt"
    copied_out = docker.run("cp", "web:/tmp/note.txt", str(target))
    assert copied_out.returncode == 0, copied_out.stderr.decode()
    assert target.read_bytes() == b"copied contents\n"


def test_cp_missing_path(docker: DockerCLI, web: str, tmp_path: Path) -> None:
    result = docker.run("cp", "web:/nonexistent", str(tmp_path / "x"))
    assert result.returncode != 0
    assert b"Could not find the file /nonexistent in container web" in result.stderr


def test_top_lists_processes(docker: DockerCLI, web: str) -> None:
    started = docker.run("exec", "-d", "web", "sleep", "100")
    assert started.returncode == 0, started.stderr.decode()
    result = docker.run("top", "web")
    assert result.returncode == 0, result.stderr.decode()
    lines = result.stdout.decode().splitlines()
    assert lines[0].split() == [
        "UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD",
    ]  # fmt: skip
    commands = [" ".join(line.split()[7:]) for line in lines[1:]]
    assert commands == ["sleep 300", "sleep 100"]


def test_stats_no_stream(docker: DockerCLI, web: str) -> None:
    result = docker.run(
        "stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "web"
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().strip() == "web 1"


def test_container_prune(docker: DockerCLI, daemon: Daemon, web: str) -> None:
    finished = docker.run("run", "--name", "done", "busybox", "true")
    assert finished.returncode == 0, finished.stderr.decode()
    done_id = docker.run("inspect", "-f", "{{.Id}}", "done").stdout.decode().strip()
    result = docker.run("container", "prune", "-f")
    assert result.returncode == 0, result.stderr.decode()
    assert done_id in result.stdout.decode()
    remaining = [container.id for container in daemon.engine.containers.all()]
    assert remaining == [web]


def test_diff_lists_changes(docker: DockerCLI, web: str) -> None:
    changed = docker.run("exec", "web", "sh", "-c", "echo x > /tmp/new.txt")
    assert changed.returncode == 0, changed.stderr.decode()
    result = docker.run("diff", "web")
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout.decode().splitlines() == ["C /tmp", "A /tmp/new.txt"]


def test_export_writes_tar(docker: DockerCLI, web: str, tmp_path: Path) -> None:
    target = tmp_path / "web.tar"
    result = docker.run("export", "-o", str(target), "web")
    assert result.returncode == 0, result.stderr.decode()
    with tarfile.open(target) as archive:
        names = archive.getnames()
    assert "bin/sh" in names
    assert "etc/passwd" in names
