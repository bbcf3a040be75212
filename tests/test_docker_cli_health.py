"""Health checks through the docker CLI, on the fake and on a real Engine.

Most tests advance the fake's clock, so each check runs at a known time.
The scenario at the end runs with real time and one-second
intervals against the fake and, when ``FAKEDAEMON_REAL_ENGINE`` names one,
a real Engine, and both must show the same observable sequence.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from fakedaemon import Daemon

if TYPE_CHECKING:
    from conftest import DockerCLI

pytestmark = pytest.mark.docker_cli


def ok(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode().strip()


def test_run_health_cmd_becomes_healthy(docker: DockerCLI, daemon: Daemon) -> None:
    daemon.control.clock.freeze()
    ok(
        docker.run(
            "run", "-d", "--name", "web", "--health-cmd", "echo ready",
            "--health-interval", "1s", "busybox", "sleep", "300",
        )
    )  # fmt: skip
    status = "{{.State.Health.Status}}"
    assert ok(docker.run("inspect", "--format", status, "web")) == "starting"
    assert ok(docker.run("ps", "--format", "{{.Status}}")).endswith(
        "(health: starting)"
    )
    daemon.control.clock.advance(1)
    assert ok(docker.run("inspect", "--format", status, "web")) == "healthy"
    assert ok(docker.run("ps", "--format", "{{.Status}}")).endswith("(healthy)")
    health = json.loads(
        ok(docker.run("inspect", "--format", "{{json .State.Health}}", "web"))
    )
    assert health["FailingStreak"] == 0
    assert [entry["Output"] for entry in health["Log"]] == ["ready\n"]
    assert [entry["ExitCode"] for entry in health["Log"]] == [0]


def test_run_health_flags(docker: DockerCLI) -> None:
    container_id = ok(
        docker.run(
            "create", "--health-cmd", "exit 0", "--health-interval", "2s",
            "--health-timeout", "3s", "--health-retries", "5",
            "--health-start-period", "4s", "--health-start-interval", "500ms",
            "busybox", "sleep", "300",
        )
    )  # fmt: skip
    shown = ok(
        docker.run("inspect", "--format", "{{json .Config.Healthcheck}}", container_id)
    )
    # Key order and values as Engine 26.1 shows the same flags.
    assert shown == (
        '{"Test":["CMD-SHELL","exit 0"],"Interval":2000000000,"Timeout":3000000000,'
        '"StartPeriod":4000000000,"StartInterval":500000000,"Retries":5}'
    )


def test_ps_filter_health(docker: DockerCLI, daemon: Daemon) -> None:
    daemon.control.clock.freeze()
    for name, command in (("good", "true"), ("bad", "false")):
        ok(
            docker.run(
                "run", "-d", "--name", name, "--health-cmd", command,
                "--health-interval", "1s", "--health-retries", "1",
                "busybox", "sleep", "300",
            )
        )  # fmt: skip
    ok(docker.run("run", "-d", "--name", "plain", "busybox", "sleep", "300"))
    daemon.control.clock.advance(1)

    def names(value: str) -> str:
        return ok(
            docker.run("ps", "--filter", f"health={value}", "--format", "{{.Names}}")
        )

    assert names("healthy") == "good"
    assert names("unhealthy") == "bad"
    assert names("none") == "plain"
    assert names("starting") == ""
    rejected = docker.run("ps", "--filter", "health=sick")
    assert rejected.returncode == 1
    assert b"unrecognized filter value for health: sick" in rejected.stderr


def test_no_healthcheck_overrides_image(
    docker: DockerCLI, daemon: Daemon, tmp_path: Path
) -> None:
    context = tmp_path / "ctx"
    context.mkdir()
    (context / "Dockerfile").write_text(
        "FROM busybox\nHEALTHCHECK --interval=1s --retries=2 CMD false\n"
    )
    ok(docker.run("build", "-q", "-t", "checked", str(context)))
    ok(
        docker.run(
            "run", "-d", "--name", "off", "--no-healthcheck", "checked", "sleep", "300"
        )
    )
    ok(docker.run("run", "-d", "--name", "on", "checked", "sleep", "300"))
    daemon.control.clock.freeze()
    daemon.control.clock.advance(2)
    off = json.loads(ok(docker.run("inspect", "off")))[0]
    on = json.loads(ok(docker.run("inspect", "on")))[0]
    assert "Health" not in off["State"]
    assert off["Config"]["Healthcheck"]["Test"] == ["NONE"]
    assert on["Config"]["Healthcheck"] == {
        "Test": ["CMD-SHELL", "false"],
        "Interval": 1_000_000_000,
        "Retries": 2,
    }
    assert on["State"]["Health"]["Status"] == "unhealthy"


def test_events_health_status(docker: DockerCLI, daemon: Daemon) -> None:
    started = time.time()
    ok(
        docker.run(
            "run", "-d", "--name", "web", "--health-cmd", "true",
            "--health-interval", "1s", "busybox", "sleep", "300",
        )
    )  # fmt: skip
    daemon.control.clock.advance(1)
    events = docker.run(
        "events",
        "--since", f"{started:.3f}",
        "--until", f"{daemon.control.clock.time():.3f}",
        "--filter", "event=health_status",
        "--format", "{{.Action}} {{.Actor.Attributes.name}}",
    )  # fmt: skip
    assert ok(events) == "health_status: healthy web"


def test_wait_until_healthy_loop(docker: DockerCLI, daemon: Daemon) -> None:
    # A script's usual wait: poll inspect until the status turns healthy.
    daemon.control.behaviours.add_health(
        command="pg_isready", results=[{"exit_code": 1}, {"exit_code": 0}]
    )
    ok(
        docker.run(
            "run", "-d", "--name", "db", "--health-cmd", "pg_isready",
            "--health-interval", "100ms", "busybox", "sleep", "300",
        )
    )  # fmt: skip
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        status = ok(docker.run("inspect", "--format", "{{.State.Health.Status}}", "db"))
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "healthy":
            break
        time.sleep(0.05)
    assert seen == ["starting", "healthy"]


# The same scenario on the fake and on a real Engine ---------------------------


EXPECTED_SCENARIO: list[tuple[str, Any]] = [
    ("healthy: first status", "starting"),
    (
        "healthy: events to the first status",
        [
            "exec_create: /bin/sh -c echo ok",
            "exec_start: /bin/sh -c echo ok",
            "exec_die",
            "health_status: healthy",
        ],
    ),
    ("healthy: first result", {"ExitCode": 0, "Output": "ok\n"}),
    ("healthy: ps status suffix", "(healthy)"),
    ("healthy: ps filter", "fdhc-good"),
    ("healthy: after stop", ("unhealthy", 0)),
    ("healthy: after start", ("starting", 0, True)),
    (
        "failing: events to the first status",
        ["exec_create: /bin/sh -c exit 1", "exec_start: /bin/sh -c exit 1", "exec_die"]
        * 2
        + ["health_status: unhealthy"],
    ),
    ("failing: streak when unhealthy", True),
    (
        "timeout: first result",
        {"ExitCode": -1, "Output": "Health check exceeded timeout (500ms)"},
    ),
    ("none: health", None),
]


def run_health_scenario(host: str, workdir: Path) -> list[tuple[str, Any]]:
    """Drive health checks with the docker CLI on ``host``; return each step's view."""
    executable = shutil.which("docker")
    assert executable is not None
    config = workdir / "config"
    config.mkdir(exist_ok=True)
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(config),
        "DOCKER_CONFIG": str(config),
        "DOCKER_HOST": host,
    }

    def docker(*arguments: str) -> str:
        result = subprocess.run(
            [executable, *arguments],
            capture_output=True,
            env=environment,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, (arguments, result.stderr.decode())
        return result.stdout.decode().strip()

    def health(name: str) -> Any:
        return json.loads(docker("inspect", "--format", "{{json .State.Health}}", name))

    def wait_for(name: str, status: str) -> Any:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            current = health(name)
            if current is not None and current["Status"] == status:
                return current
            time.sleep(0.1)
        raise AssertionError(f"{name} did not become {status}: {health(name)}")

    def events(name: str, since: float) -> list[str]:
        listed = docker(
            "events",
            "--since", f"{since:.3f}",
            "--until", f"{time.time():.3f}",
            "--filter", f"container={name}",
            "--format", "{{.Action}}",
        ).splitlines()  # fmt: skip
        checks = [
            action for action in listed if action.startswith(("exec_", "health_"))
        ]
        first = next(i for i, a in enumerate(checks) if a.startswith("health_"))
        return checks[: first + 1]

    results: list[tuple[str, Any]] = []
    names = ["fdhc-good", "fdhc-bad", "fdhc-slow", "fdhc-none"]
    try:
        since = time.time()
        docker(
            "run", "-d", "--name", "fdhc-good", "--health-cmd", "echo ok",
            "--health-interval", "1s", "busybox", "sleep", "300",
        )  # fmt: skip
        results.append(("healthy: first status", health("fdhc-good")["Status"]))
        good = wait_for("fdhc-good", "healthy")
        results.append(
            ("healthy: events to the first status", events("fdhc-good", since))
        )
        first = good["Log"][0]
        results.append(
            (
                "healthy: first result",
                {"ExitCode": first["ExitCode"], "Output": first["Output"]},
            )
        )
        status = docker("ps", "--filter", "name=fdhc-good", "--format", "{{.Status}}")
        results.append(("healthy: ps status suffix", status.rsplit(" ", 1)[-1]))
        filtered = docker(
            "ps", "--filter", "health=healthy", "--filter", "name=fdhc-",
            "--format", "{{.Names}}",
        )  # fmt: skip
        results.append(("healthy: ps filter", filtered))
        docker("stop", "-t", "1", "fdhc-good")
        stopped = health("fdhc-good")
        results.append(
            ("healthy: after stop", (stopped["Status"], stopped["FailingStreak"]))
        )
        docker("start", "fdhc-good")
        again = health("fdhc-good")
        results.append(
            (
                "healthy: after start",
                (again["Status"], again["FailingStreak"], len(again["Log"]) >= 1),
            )
        )

        since = time.time()
        docker(
            "run", "-d", "--name", "fdhc-bad", "--health-cmd", "exit 1",
            "--health-interval", "1s", "--health-retries", "2",
            "busybox", "sleep", "300",
        )  # fmt: skip
        bad = wait_for("fdhc-bad", "unhealthy")
        results.append(
            ("failing: events to the first status", events("fdhc-bad", since))
        )
        results.append(("failing: streak when unhealthy", bad["FailingStreak"] >= 2))

        docker(
            "run", "-d", "--name", "fdhc-slow", "--health-cmd", "sleep 5",
            "--health-interval", "1s", "--health-timeout", "500ms",
            "--health-retries", "1", "busybox", "sleep", "300",
        )  # fmt: skip
        slow = wait_for("fdhc-slow", "unhealthy")["Log"][0]
        results.append(
            (
                "timeout: first result",
                {"ExitCode": slow["ExitCode"], "Output": slow["Output"]},
            )
        )

        docker(
            "run", "-d", "--name", "fdhc-none", "--no-healthcheck",
            "busybox", "sleep", "300",
        )  # fmt: skip
        results.append(("none: health", health("fdhc-none")))
    finally:
        subprocess.run(
            [executable, "rm", "-f", *names],
            capture_output=True,
            env=environment,
            timeout=60,
            check=False,
        )
    return results


def test_health_scenario_on_fake(
    docker_executable: str, daemon: Daemon, tmp_path: Path
) -> None:
    results = run_health_scenario(daemon.docker_host, tmp_path)
    for result, expected in zip(results, EXPECTED_SCENARIO, strict=True):
        assert result == expected


@pytest.mark.real_engine
def test_health_scenario_on_real_engine(
    docker_executable: str, real_engine: str, tmp_path: Path
) -> None:
    results = run_health_scenario(real_engine, tmp_path)
    for result, expected in zip(results, EXPECTED_SCENARIO, strict=True):
        assert result == expected
