"""One docker CLI scenario against the fake and against a real Engine.

The scenario covers build, run, exec, cp, volumes, networks, events, save
and load, disk usage, stats and prune. Both daemons must give the same exit
codes and the same observable output, which the expectations below spell
out; the real Engine runs when ``FAKEDAEMON_REAL_ENGINE`` names one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from fakedaemon import Daemon

pytestmark = pytest.mark.docker_cli

EXPECTED = [
    ("build", 0, ""),
    ("run built image", 0, "hello from context\n"),
    ("run detached", 0, ""),
    ("exec", 0, "hi\n"),
    ("exec with stdin", 0, "piped\n"),
    ("cp in and out", 0, "data\n"),
    ("volume create", 0, "fdscen-vol\n"),
    ("write to volume", 0, ""),
    ("read from volume", 0, "v\n"),
    ("network create", 0, ""),
    ("network connect", 0, ""),
    ("network members", 0, "1\n"),
    ("network disconnect", 0, ""),
    ("network rm", 0, "fdscen-net\n"),
    (
        "events",
        0,
        "create\nstart\nexec_create: echo hi\nexec_start: echo hi\nexec_die\n"
        "exec_create: cat \nexec_start: cat \nexec_die\nextract-to-dir\n"
        "archive-path\n",
    ),
    ("save and load", 0, "Loaded image: busybox:latest\n"),
    ("system df", 0, "Images\nContainers\nLocal Volumes\nBuild Cache\n"),
    ("stats", 0, "fdscen-web\n"),
    ("rm -f", 0, "fdscen-web\n"),
    ("container prune", 0, ""),
    ("rmi", 0, ""),
    ("volume rm", 0, "fdscen-vol\n"),
]


def run_scenario(host: str, workdir: Path) -> list[tuple[str, int, str]]:
    """Run the scenario with the docker CLI against ``host``."""
    executable = shutil.which("docker")
    assert executable is not None
    config = workdir / "config"
    config.mkdir(exist_ok=True)
    context = workdir / "ctx"
    context.mkdir(exist_ok=True)
    (context / "hello.txt").write_text("hello from context\n")
    (context / "Dockerfile").write_text(
        "FROM busybox\nCOPY hello.txt /hello.txt\nRUN echo built > /built.txt\n"
        'CMD ["cat", "/hello.txt"]\n'
    )
    (workdir / "x.txt").write_text("data\n")
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(config),
        "DOCKER_CONFIG": str(config),
        "DOCKER_HOST": host,
    }

    def docker(*arguments: str, stdin: bytes | None = None) -> tuple[int, str]:
        result = subprocess.run(
            [executable, *arguments],
            input=stdin,
            capture_output=True,
            env=environment,
            cwd=workdir,
            timeout=120,
            check=False,
        )
        return result.returncode, result.stdout.decode()

    results: list[tuple[str, int, str]] = []

    def step(name: str, outcome: tuple[int, str]) -> None:
        results.append((name, *outcome))

    started = int(time.time())
    code, _ = docker("build", "-q", "-t", "fdscen-app", str(context))
    step("build", (code, ""))
    step("run built image", docker("run", "--rm", "fdscen-app"))
    code, _ = docker("run", "-d", "--name", "fdscen-web", "busybox", "sleep", "300")
    step("run detached", (code, ""))
    step("exec", docker("exec", "fdscen-web", "echo", "hi"))
    step("exec with stdin", docker("exec", "-i", "fdscen-web", "cat", stdin=b"piped\n"))
    copied_in, _ = docker("cp", "x.txt", "fdscen-web:/tmp/x.txt")
    copied_out, _ = docker("cp", "fdscen-web:/tmp/x.txt", "y.txt")
    content = (workdir / "y.txt").read_text() if copied_out == 0 else ""
    step("cp in and out", (copied_in or copied_out, content))
    step("volume create", docker("volume", "create", "fdscen-vol"))
    mount = "fdscen-vol:/data"
    step(
        "write to volume",
        docker("run", "--rm", "-v", mount, "busybox", "sh", "-c", "echo v > /data/f"),
    )
    step(
        "read from volume",
        docker("run", "--rm", "-v", mount, "busybox", "cat", "/data/f"),
    )
    code, _ = docker("network", "create", "fdscen-net")
    step("network create", (code, ""))
    step("network connect", docker("network", "connect", "fdscen-net", "fdscen-web"))
    step(
        "network members",
        docker("network", "inspect", "-f", "{{len .Containers}}", "fdscen-net"),
    )
    step(
        "network disconnect",
        docker("network", "disconnect", "fdscen-net", "fdscen-web"),
    )
    step("network rm", docker("network", "rm", "fdscen-net"))
    # The CLI sends whole seconds, so wait for the last event's second to pass.
    time.sleep(1.1)
    step(
        "events",
        docker(
            "events",
            "--since", str(started),
            "--until", str(int(time.time())),
            "--filter", "container=fdscen-web",
            "--filter", "type=container",
            "--format", "{{.Action}}",
        ),
    )  # fmt: skip
    saved = subprocess.run(
        [executable, "save", "busybox"],
        capture_output=True,
        env=environment,
        timeout=120,
        check=False,
    )
    step("save and load", docker("load", stdin=saved.stdout))
    step("system df", docker("system", "df", "--format", "{{.Type}}"))
    step(
        "stats",
        docker("stats", "--no-stream", "--format", "{{.Name}}", "fdscen-web"),
    )
    step("rm -f", docker("rm", "-f", "fdscen-web"))
    code, _ = docker("container", "prune", "-f")
    step("container prune", (code, ""))
    code, _ = docker("rmi", "fdscen-app")
    step("rmi", (code, ""))
    step("volume rm", docker("volume", "rm", "fdscen-vol"))
    # Remove what the build left behind on a real Engine.
    docker("image", "prune", "-f")
    return results


def test_scenario_on_fake(
    docker_executable: str, daemon: Daemon, tmp_path: Path
) -> None:
    results = run_scenario(daemon.docker_host, tmp_path)
    for (name, code, output), expected in zip(results, EXPECTED, strict=True):
        assert (name, code, output) == expected


@pytest.mark.real_engine
def test_scenario_on_real_engine(
    docker_executable: str, real_engine: str, tmp_path: Path
) -> None:
    results = run_scenario(real_engine, tmp_path)
    for (name, code, output), expected in zip(results, EXPECTED, strict=True):
        assert (name, code, output) == expected
