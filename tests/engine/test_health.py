"""Health checks in the engine, driven by a frozen clock that the tests advance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fakedaemon.config import DaemonConfig
from fakedaemon.engine.containers import Container
from fakedaemon.engine.engine import Engine
from fakedaemon.engine.health import (
    DEFAULT_INTERVAL_NS,
    DEFAULT_RETRIES,
    DEFAULT_START_INTERVAL_NS,
    DEFAULT_TIMEOUT_NS,
    MAX_OUTPUT_BYTES,
    merge_healthcheck,
    probe_settings,
)
from fakedaemon.errors import NoSuchContainer

SECOND = 1_000_000_000
START = 1_700_000_000.0


@pytest.fixture
def engine() -> Iterator[Engine]:
    created = Engine(DaemonConfig(engine="26.1"))
    created.clock.freeze(START)
    try:
        yield created
    finally:
        created.close()


def run_checked(
    engine: Engine, test: list[str], command: list[str] | None = None, **health: int
) -> Container:
    """Create and start a busybox container with the health check ``test``."""
    container = engine.containers.create(
        {
            "Image": "busybox",
            "Cmd": command or ["sleep", "1000"],
            "Healthcheck": {"Test": test, **health},
        },
        None,
    )
    engine.containers.start(container.id)
    return container


def actions(engine: Engine, container: Container) -> list[str]:
    return [
        event.action
        for event in engine.events.snapshot()
        if event.actor_id == container.id
    ]


def health_actions(engine: Engine, container: Container) -> list[str]:
    return [a for a in actions(engine, container) if a.startswith("health_status")]


# Settings ---------------------------------------------------------------------


def test_settings_defaults() -> None:
    settings = probe_settings(
        {"Healthcheck": {"Test": ["CMD-SHELL", "true"]}}, start_interval_inherits=False
    )
    assert settings is not None
    assert settings.argv == ["/bin/sh", "-c", "true"]
    assert settings.test == ["true"]
    assert settings.interval_ns == DEFAULT_INTERVAL_NS == 30 * SECOND
    assert settings.timeout_ns == DEFAULT_TIMEOUT_NS == 30 * SECOND
    assert settings.start_period_ns == 0
    assert settings.start_interval_ns == DEFAULT_START_INTERVAL_NS == 5 * SECOND
    assert settings.retries == DEFAULT_RETRIES == 3


def test_settings_start_interval_inherits() -> None:
    config = {"Healthcheck": {"Test": ["CMD", "true"], "Interval": 7 * SECOND}}
    settings = probe_settings(config, start_interval_inherits=True)
    assert settings is not None
    assert settings.argv == ["true"]
    assert settings.start_interval_ns == 7 * SECOND


def test_settings_shell_from_config() -> None:
    config = {
        "Shell": ["/bin/ash", "-e", "-c"],
        "Healthcheck": {"Test": ["CMD-SHELL", "x"]},
    }
    settings = probe_settings(config, start_interval_inherits=False)
    assert settings is not None
    assert settings.argv == ["/bin/ash", "-e", "-c", "x"]


@pytest.mark.parametrize(
    "health",
    [None, {}, {"Test": []}, {"Test": ["NONE"]}, {"Test": ["BOGUS", "x"]}],
)
def test_settings_without_check(health: dict[str, Any] | None) -> None:
    config = {} if health is None else {"Healthcheck": health}
    assert probe_settings(config, start_interval_inherits=False) is None


IMAGE_CHECK = {
    "Test": ["CMD-SHELL", "false"],
    "Interval": 1 * SECOND,
    "Timeout": 2 * SECOND,
    "StartPeriod": 3 * SECOND,
    "Retries": 4,
}


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        (None, IMAGE_CHECK),
        ({}, IMAGE_CHECK),
        ({"Test": []}, IMAGE_CHECK),
        ({"Test": ["CMD", "true"]}, {**IMAGE_CHECK, "Test": ["CMD", "true"]}),
        ({"Interval": 5 * SECOND}, {**IMAGE_CHECK, "Interval": 5 * SECOND}),
        ({"Test": ["NONE"]}, {**IMAGE_CHECK, "Test": ["NONE"]}),
        ({"Retries": 7, "Timeout": 0}, {**IMAGE_CHECK, "Retries": 7}),
    ],
)
def test_merge_field_by_field(
    container: dict[str, Any] | None, expected: dict[str, Any]
) -> None:
    assert merge_healthcheck(container, IMAGE_CHECK) == expected


def test_merge_drops_zero_fields() -> None:
    merged = merge_healthcheck({"Test": ["CMD", "true"], "Interval": 0}, None)
    assert merged == {"Test": ["CMD", "true"]}
    assert merge_healthcheck(None, None) is None


# Running checks ---------------------------------------------------------------


def test_container_without_check_has_no_health(engine: Engine) -> None:
    container = engine.containers.create({"Image": "busybox", "Cmd": ["true"]}, None)
    engine.containers.start(container.id)
    engine.containers.wait(container, "not-running")
    assert container.health is None


def test_health_created_at_start(engine: Engine) -> None:
    container = engine.containers.create(
        {
            "Image": "busybox",
            "Cmd": ["sleep", "100"],
            "Healthcheck": {"Test": ["CMD", "true"]},
        },
        None,
    )
    assert container.health is None
    engine.containers.start(container.id)
    assert container.health is not None
    assert container.health.status == "starting"
    assert list(container.health.log) == []


def test_first_check_after_interval(engine: Engine) -> None:
    container = run_checked(engine, ["CMD", "true"])
    assert container.health is not None
    engine.clock.advance(29)
    assert container.health.status == "starting"
    assert list(container.health.log) == []
    engine.clock.advance(1)
    assert container.health.status == "healthy"
    assert len(container.health.log) == 1
    result = container.health.log[0]
    assert result.exit_code == 0
    assert result.output == ""
    assert result.start_ns == int((START + 30) * SECOND)
    assert result.end_ns == result.start_ns
    assert health_actions(engine, container) == ["health_status: healthy"]


def test_advance_runs_each_due_check(engine: Engine) -> None:
    container = run_checked(engine, ["CMD-SHELL", "echo no; exit 1"])
    assert container.health is not None
    engine.clock.advance(90)
    starts = [result.start_ns for result in container.health.log]
    assert starts == [int((START + t) * SECOND) for t in (30, 60, 90)]
    assert container.health.failing_streak == 3
    assert container.health.status == "unhealthy"
    assert [result.output for result in container.health.log] == ["no\n"] * 3
    assert health_actions(engine, container) == ["health_status: unhealthy"]


def test_retries_count_failures(engine: Engine) -> None:
    container = run_checked(engine, ["CMD", "false"], Interval=SECOND, Retries=2)
    assert container.health is not None
    engine.clock.advance(1)
    assert container.health.status == "starting"
    assert container.health.failing_streak == 1
    engine.clock.advance(1)
    assert container.health.status == "unhealthy"
    assert container.health.failing_streak == 2


def test_success_resets_streak(engine: Engine) -> None:
    engine.behaviours.add_health(results=[{"exit_code": 1}, {"exit_code": 0}])
    container = run_checked(engine, ["CMD", "probe"], Interval=SECOND)
    assert container.health is not None
    engine.clock.advance(1)
    assert container.health.failing_streak == 1
    engine.clock.advance(1)
    assert container.health.failing_streak == 0
    assert container.health.status == "healthy"


def test_log_keeps_five(engine: Engine) -> None:
    container = run_checked(engine, ["CMD", "true"], Interval=SECOND)
    assert container.health is not None
    engine.clock.advance(7)
    assert len(container.health.log) == 5
    assert container.health.log[0].start_ns == int((START + 3) * SECOND)
    assert container.health.log[-1].start_ns == int((START + 7) * SECOND)


def test_start_period_failures_do_not_count(engine: Engine) -> None:
    container = run_checked(
        engine, ["CMD", "false"], Interval=SECOND, Retries=1, StartPeriod=2500 * 10**6
    )
    assert container.health is not None
    engine.clock.advance(2)
    assert container.health.status == "starting"
    assert container.health.failing_streak == 0
    assert len(container.health.log) == 2
    engine.clock.advance(1)
    assert container.health.status == "unhealthy"
    assert container.health.failing_streak == 1


def test_start_interval_during_start_period(engine: Engine) -> None:
    container = run_checked(
        engine,
        ["CMD", "false"],
        Interval=10 * SECOND,
        StartPeriod=3 * SECOND,
        StartInterval=SECOND,
        Retries=1,
    )
    assert container.health is not None
    engine.clock.advance(13)
    starts = [r.start_ns - int(START * SECOND) for r in container.health.log]
    # Every second while starting; after the failure past the start
    # period the container is unhealthy and the interval applies.
    assert starts == [1 * SECOND, 2 * SECOND, 3 * SECOND, 13 * SECOND]


def test_start_interval_ends_when_healthy(engine: Engine) -> None:
    container = run_checked(
        engine,
        ["CMD", "true"],
        Interval=2 * SECOND,
        StartPeriod=10 * SECOND,
        StartInterval=SECOND // 2,
    )
    assert container.health is not None
    engine.clock.advance(3)
    starts = [r.start_ns - int(START * SECOND) for r in container.health.log]
    assert starts == [SECOND // 2, SECOND // 2 + 2 * SECOND]


@pytest.mark.parametrize(("profile", "first"), [("26.1", 3), ("29.x", 5)])
def test_unset_start_interval(profile: str, first: int) -> None:
    engine = Engine(DaemonConfig(engine=profile))
    engine.clock.freeze(START)
    try:
        container = run_checked(
            engine, ["CMD", "true"], Interval=3 * SECOND, StartPeriod=20 * SECOND
        )
        assert container.health is not None
        engine.clock.advance(first)
        starts = [r.start_ns - int(START * SECOND) for r in container.health.log]
        assert starts == [first * SECOND]
    finally:
        engine.close()


def test_check_runs_in_container_filesystem(engine: Engine) -> None:
    container = run_checked(
        engine, ["CMD-SHELL", "cat /ready"], Interval=SECOND, Retries=1
    )
    assert container.health is not None
    engine.clock.advance(1)
    assert container.health.status == "unhealthy"
    assert "No such file" in container.health.log[0].output
    container.filesystem.write_file("/ready", b"up\n")
    engine.clock.advance(1)
    assert container.health.status == "healthy"
    assert container.health.log[-1].output == "up\n"


def test_check_sleeps_on_clock(engine: Engine) -> None:
    container = run_checked(engine, ["CMD", "sleep", "2"], Interval=SECOND)
    assert container.health is not None
    engine.clock.advance(2)
    assert list(container.health.log) == []
    engine.clock.advance(1)
    result = container.health.log[0]
    assert result.start_ns == int((START + 1) * SECOND)
    assert result.end_ns == int((START + 3) * SECOND)
    assert result.exit_code == 0


def test_timeout_fails_check(engine: Engine) -> None:
    container = run_checked(
        engine,
        ["CMD-SHELL", "echo partial; sleep 60"],
        Interval=SECOND,
        Timeout=500 * 10**6,
        Retries=1,
    )
    assert container.health is not None
    engine.clock.advance(1.5)
    result = container.health.log[0]
    assert result.exit_code == -1
    assert result.output == "Health check exceeded timeout (500ms): partial\n"
    assert result.end_ns - result.start_ns == 500 * 10**6
    assert container.health.status == "unhealthy"
    events = actions(engine, container)
    assert events.index("health_status: unhealthy") < events.index("exec_die")
    die = [e for e in engine.events.snapshot() if e.action == "exec_die"][0]
    assert die.attributes["exitCode"] == "127"


def test_timeout_message_legacy() -> None:
    engine = Engine(DaemonConfig(engine="20.10"))
    engine.clock.freeze(START)
    try:
        container = run_checked(
            engine,
            ["CMD-SHELL", "echo partial; sleep 60"],
            Interval=SECOND,
            Timeout=SECOND,
        )
        assert container.health is not None
        engine.clock.advance(2)
        assert container.health.log[0].output == "Health check exceeded timeout (1s)"
    finally:
        engine.close()


def test_missing_executable(engine: Engine) -> None:
    container = run_checked(engine, ["CMD", "nope", "x"], Interval=SECOND)
    assert container.health is not None
    engine.clock.advance(1)
    result = container.health.log[0]
    assert result.exit_code == -1
    assert result.output == (
        "OCI runtime exec failed: exec failed: unable to start container "
        'process: exec: "nope": executable file not found in $PATH: unknown'
    )
    assert actions(engine, container)[-2:] == [
        "exec_create: nope x",
        "exec_start: nope x",
    ]


def test_output_limited(engine: Engine) -> None:
    container = run_checked(
        engine,
        [
            "CMD-SHELL",
            "i=0; while [ $i -lt 500 ]; do echo 0123456789; i=$((i+1)); done",
        ],
        Interval=SECOND,
    )
    assert container.health is not None
    engine.clock.advance(1)
    output = container.health.log[0].output
    assert len(output) == MAX_OUTPUT_BYTES + 3
    assert output.endswith("0123...")


def test_exec_events_and_inspect(engine: Engine) -> None:
    container = run_checked(engine, ["CMD", "true"], Interval=SECOND)
    engine.clock.advance(1)
    events = [e for e in engine.events.snapshot() if e.actor_id == container.id]
    assert [e.action for e in events][-4:] == [
        "exec_create: true ",
        "exec_start: true ",
        "exec_die",
        "health_status: healthy",
    ]
    exec_id = events[-2].attributes["execID"]
    assert events[-4].attributes["execID"] == exec_id
    assert events[-2].attributes["exitCode"] == "0"
    instance = engine.execs.get(exec_id)
    assert instance.exit_code == 0
    assert instance.attach_stdout and instance.attach_stderr
    assert not instance.attach_stdin
    assert container.exec_ids == []


def test_old_check_execs_forgotten(engine: Engine) -> None:
    container = run_checked(engine, ["CMD", "true"], Interval=SECOND)
    engine.clock.advance(6)
    ids = [
        e.attributes["execID"]
        for e in engine.events.snapshot()
        if e.action == "exec_die" and e.actor_id == container.id
    ]
    assert len(ids) == 6
    with pytest.raises(Exception, match="No such exec instance"):
        engine.execs.get(ids[0])
    assert engine.execs.get(ids[1]).exit_code == 0


# Stop, restart, pause ---------------------------------------------------------


def test_stop_marks_unhealthy(engine: Engine) -> None:
    container = run_checked(engine, ["CMD", "true"], Interval=SECOND)
    assert container.health is not None
    engine.clock.advance(1)
    assert container.health.status == "healthy"
    engine.containers.stop(container.id)
    assert container.health.status == "unhealthy"
    assert container.health.failing_streak == 0
    assert health_actions(engine, container) == ["health_status: healthy"]
    engine.clock.advance(5)
    assert len(container.health.log) == 1


def test_restart_resets_status_keeps_log(engine: Engine) -> None:
    container = run_checked(engine, ["CMD", "false"], Interval=SECOND, Retries=1)
    assert container.health is not None
    engine.clock.advance(2)
    assert container.health.failing_streak == 2
    engine.containers.restart(container.id)
    assert container.health.status == "starting"
    assert container.health.failing_streak == 0
    assert len(container.health.log) == 2
    engine.clock.advance(1)
    assert container.health.status == "unhealthy"
    assert len(container.health.log) == 3


def test_pause_stops_checks(engine: Engine) -> None:
    container = run_checked(engine, ["CMD", "true"], Interval=SECOND)
    assert container.health is not None
    engine.clock.advance(1)
    engine.containers.pause(container.id)
    assert container.health.status == "unhealthy"
    engine.clock.advance(5)
    assert len(container.health.log) == 1
    engine.containers.unpause(container.id)
    engine.clock.advance(1)
    assert container.health.status == "healthy"
    assert len(container.health.log) == 2
    assert health_actions(engine, container) == ["health_status: healthy"] * 2


def test_exit_during_check_drops_result(engine: Engine) -> None:
    container = run_checked(
        engine, ["CMD", "sleep", "10"], command=["sleep", "2"], Interval=SECOND
    )
    assert container.health is not None
    engine.clock.advance(3)
    engine.containers.wait(container, "not-running")
    assert list(container.health.log) == []
    assert container.health.status == "unhealthy"


def test_removed_container_ends_monitor(engine: Engine) -> None:
    container = run_checked(engine, ["CMD", "true"], Interval=SECOND)
    engine.containers.remove(container.id, force=True)
    engine.clock.advance(3)
    with pytest.raises(NoSuchContainer):
        engine.containers.get(container.id)
    assert engine.health.next_deadline() is None


# Behaviours -------------------------------------------------------------------


def test_behaviour_sequence(engine: Engine) -> None:
    rule = engine.behaviours.add_health(
        image="busybox",
        results=[
            {"exit_code": 1, "output": "warming up\n"},
            {"exit_code": 0, "output": "ok\n"},
        ],
    )
    container = run_checked(
        engine, ["CMD-SHELL", "curl -f http://localhost/"], Interval=SECOND
    )
    assert container.health is not None
    engine.clock.advance(3)
    outputs = [(r.exit_code, r.output) for r in container.health.log]
    assert outputs == [(1, "warming up\n"), (0, "ok\n"), (0, "ok\n")]
    assert rule.uses == 3


def test_behaviour_matches_command(engine: Engine) -> None:
    engine.behaviours.add_health(command="curl *", exit_code=0)
    engine.behaviours.add_health(command=["pg_isready", "-q"], exit_code=2)
    web = run_checked(engine, ["CMD-SHELL", "curl -f localhost"], Interval=SECOND)
    database = run_checked(engine, ["CMD", "pg_isready", "-q"], Interval=SECOND)
    other = run_checked(engine, ["CMD", "false"], Interval=SECOND)
    engine.clock.advance(1)
    assert web.health is not None and database.health is not None
    assert other.health is not None
    assert web.health.log[0].exit_code == 0
    assert database.health.log[0].exit_code == 2
    assert other.health.log[0].exit_code == 1


def test_behaviour_sequence_per_container(engine: Engine) -> None:
    engine.behaviours.add_health(results=[{"exit_code": 1}, {"exit_code": 0}])
    first = run_checked(engine, ["CMD", "probe"], Interval=SECOND)
    engine.clock.advance(1)
    second = run_checked(engine, ["CMD", "probe"], Interval=SECOND)
    engine.clock.advance(1)
    assert first.health is not None and second.health is not None
    assert [r.exit_code for r in first.health.log] == [1, 0]
    assert [r.exit_code for r in second.health.log] == [1]


def test_behaviour_duration_times_out(engine: Engine) -> None:
    engine.behaviours.add_health(duration=5, output="slow\n")
    container = run_checked(
        engine, ["CMD", "probe"], Interval=SECOND, Timeout=2 * SECOND
    )
    assert container.health is not None
    engine.clock.advance(3)
    result = container.health.log[0]
    assert result.exit_code == -1
    assert result.output == "Health check exceeded timeout (2s): slow\n"


def test_behaviour_duration_within_timeout(engine: Engine) -> None:
    engine.behaviours.add_health(duration=1.5, exit_code=0)
    container = run_checked(engine, ["CMD", "probe"], Interval=SECOND)
    assert container.health is not None
    engine.clock.advance(2.5)
    result = container.health.log[0]
    assert result.end_ns - result.start_ns == 1_500_000_000
    assert container.health.status == "healthy"


def test_behaviour_rejects_bad_values(engine: Engine) -> None:
    with pytest.raises(ValueError, match="results is empty"):
        engine.behaviours.add_health(results=[])
    with pytest.raises(ValueError, match="invalid exit code 300"):
        engine.behaviours.add_health(exit_code=300)
    with pytest.raises(ValueError, match="invalid duration -1"):
        engine.behaviours.add_health(duration=-1)
    with pytest.raises(ValueError, match="unknown check result settings: code"):
        engine.behaviours.add_health(results=[{"code": 1}])
