"""docker build, save, load, commit and push with the docker CLI, over a socket.

Without the buildx plugin the CLI falls back to the classic builder by
itself and prints a deprecation notice. ``DOCKER_BUILDKIT=0`` is needed only
where buildx is installed, and the fixture's environment has no plugins.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import DockerCLI

pytestmark = pytest.mark.docker_cli


def write_context(directory: Path, dockerfile: str, **files: str) -> Path:
    directory.mkdir()
    (directory / "Dockerfile").write_text(dockerfile)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


def test_build_then_run(docker: DockerCLI, tmp_path: Path) -> None:
    app = write_context(
        tmp_path / "app",
        "FROM busybox\nCOPY hello.txt /hello.txt\nRUN echo built > /built.txt\n"
        'CMD ["cat","/hello.txt"]\n',
        **{"hello.txt": "hello from the build\n"},
    )
    built = docker.run("build", "-t", "app", str(app))
    assert built.returncode == 0, built.stderr.decode()
    output = built.stdout.decode()
    assert "Step 1/4 : FROM busybox" in output
    assert " ---> Running in " in output
    assert "Successfully tagged app:latest" in output
    ran = docker.run("run", "--rm", "app")
    assert ran.returncode == 0, ran.stderr.decode()
    assert ran.stdout == b"hello from the build\n"
    cat = docker.run("run", "--rm", "app", "cat", "/built.txt")
    assert cat.stdout == b"built\n"


def test_build_uses_cache(docker: DockerCLI, tmp_path: Path) -> None:
    app = write_context(tmp_path / "app", "FROM busybox\nRUN echo x > /x\n")
    first = docker.run("build", "-t", "cached", str(app))
    assert first.returncode == 0, first.stderr.decode()
    second = docker.run("build", "-t", "cached", str(app))
    assert b" ---> Using cache" in second.stdout


def test_build_multi_stage(docker: DockerCLI, tmp_path: Path) -> None:
    app = write_context(
        tmp_path / "app",
        "FROM busybox AS build\nRUN echo artifact > /out\n"
        'FROM busybox\nCOPY --from=build /out /out\nCMD ["cat","/out"]\n',
    )
    built = docker.run("build", "-t", "multi", str(app))
    assert built.returncode == 0, built.stderr.decode()
    ran = docker.run("run", "--rm", "multi")
    assert ran.stdout == b"artifact\n"


def test_build_failing_run(docker: DockerCLI, tmp_path: Path) -> None:
    app = write_context(tmp_path / "app", "FROM busybox\nRUN exit 3\n")
    built = docker.run("build", str(app))
    assert built.returncode == 3
    assert (
        b"The command '/bin/sh -c exit 3' returned a non-zero code: 3" in built.stderr
    )


def test_save_pipe_load(docker: DockerCLI) -> None:
    saved = docker.run("save", "busybox")
    assert saved.returncode == 0, saved.stderr.decode()
    loaded = docker.run("load", input=saved.stdout)
    assert loaded.returncode == 0, loaded.stderr.decode()
    assert loaded.stdout == b"Loaded image: busybox:latest\n"


def test_commit_then_run(docker: DockerCLI) -> None:
    created = docker.run(
        "run", "--name", "source", "busybox", "sh", "-c", "echo hi > /x"
    )
    assert created.returncode == 0, created.stderr.decode()
    committed = docker.run("commit", "-c", 'CMD ["cat","/x"]', "source", "snap:v1")
    assert committed.returncode == 0, committed.stderr.decode()
    assert committed.stdout.startswith(b"sha256:")
    ran = docker.run("run", "--rm", "snap:v1")
    assert ran.stdout == b"hi\n"


def test_push_progress(docker: DockerCLI) -> None:
    tagged = docker.run("tag", "busybox", "localhost:5000/mybox")
    assert tagged.returncode == 0, tagged.stderr.decode()
    pushed = docker.run("push", "localhost:5000/mybox")
    assert pushed.returncode == 0, pushed.stderr.decode()
    output = pushed.stdout.decode()
    assert "The push refers to repository [localhost:5000/mybox]" in output
    assert ": Pushed" in output
    assert "latest: digest: sha256:" in output


def test_search(docker: DockerCLI) -> None:
    searched = docker.run("search", "--format", "{{.Name}} {{.IsOfficial}}", "redis")
    assert searched.returncode == 0, searched.stderr.decode()
    assert searched.stdout.decode().splitlines()[0] == "redis [OK]"
