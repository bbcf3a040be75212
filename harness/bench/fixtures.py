"""What the pytest fixtures cost per test, and snapshot and restore."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

from .context import Context
from .figures import Figure, Sample, below
from .server import child_environ
from .timing import durations

SECTION = "pytest fixtures"

_TEST_MODULE = """\
import pytest


@pytest.mark.parametrize("index", range({count}))
def test_baseline(index):
    assert index >= 0


@pytest.mark.parametrize("index", range({count}))
def test_function_scope(index, fake_daemon):
    assert fake_daemon.docker_host


@pytest.mark.parametrize("index", range({count}))
def test_session_reset(index, fake_daemon_reset):
    assert fake_daemon_reset.docker_host


@pytest.mark.parametrize("index", range({count}))
def test_inprocess(index, fake_daemon_inprocess):
    assert fake_daemon_inprocess.engine
"""

FIXTURES = {
    "fake_daemon": ("test_function_scope", "function scope, own unix socket"),
    "fake_daemon_reset": ("test_session_reset", "session daemon, reset per test"),
    "fake_daemon_inprocess": ("test_inprocess", "function scope, no socket"),
}


_CONFTEST = """\
import json
import os

_seconds = {}


def pytest_runtest_logreport(report):
    if report.when in ("setup", "teardown"):
        _seconds[report.nodeid] = _seconds.get(report.nodeid, 0.0) + report.duration


def pytest_sessionfinish(session):
    with open(os.environ["FAKEDAEMON_BENCH_PHASES"], "w") as stream:
        json.dump(_seconds, stream)
"""
"""A conftest that writes each test's setup and teardown seconds as JSON."""


def write_project(folder: Path, count: int) -> Path:
    """Write ``count`` tests per fixture and as many without one, a conftest and an ini.

    The conftest records the seconds of each test's setup and teardown, the
    phases in which pytest runs fixtures, into the JSON file that the
    ``FAKEDAEMON_BENCH_PHASES`` environment variable names.
    """
    folder.mkdir(parents=True, exist_ok=True)
    # An ini file of its own keeps the repository's pytest settings out.
    (folder / "pytest.ini").write_text("[pytest]\n")
    (folder / "conftest.py").write_text(_CONFTEST)
    module = folder / f"test_fixture_costs_{count}.py"
    module.write_text(textwrap.dedent(_TEST_MODULE.format(count=count)))
    return module


def phase_seconds(context: Context, module: Path, selection: str) -> list[float]:
    """Run the tests of ``module`` named ``selection`` and return their fixture times.

    A test's fixture time is the seconds of its setup and teardown, in the
    order pytest ran the tests.
    """
    output = module.parent / "phases.json"
    output.unlink(missing_ok=True)
    command = [
        context.python,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-k",
        selection,
        str(module),
    ]
    environ = child_environ()
    environ["FAKEDAEMON_BENCH_PHASES"] = str(output)
    completed = subprocess.run(
        command,
        cwd=module.parent,
        env=environ,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0 or not output.exists():
        raise RuntimeError(
            f"pytest failed on {selection}: {completed.stdout[-2000:]}"
            f"{completed.stderr[-2000:]}"
        )
    seconds: dict[str, float] = json.loads(output.read_text())
    return list(seconds.values())


def fixture_costs(context: Context) -> dict[str, list[float]]:
    """Return the seconds each fixture adds to one test, per run.

    A run is one pytest process per fixture, with ``fixture_tests`` tests
    that use it. Its figure is the mean setup and teardown time of those
    tests less that of as many tests without a fixture, which is pytest's
    own work per test. The first test of each process is left out, because
    it pays the one-time costs: the first import of the daemon and a
    session daemon's start. The ``tmp_path`` that a fixture requests stays in.
    """
    module = write_project(context.workdir / "fixtures", context.scale.fixture_tests)
    costs: dict[str, list[float]] = {name: [] for name in FIXTURES}
    for _ in range(context.scale.runs):
        baseline = _mean_after_first(phase_seconds(context, module, "test_baseline"))
        for name, (test, _) in FIXTURES.items():
            seconds = phase_seconds(context, module, test)
            costs[name].append(_mean_after_first(seconds) - baseline)
    return costs


def _mean_after_first(seconds: list[float]) -> float:
    """Return the mean of ``seconds`` without the first, or of all when one is given."""
    later = seconds[1:] or seconds
    return sum(later) / len(later)


def snapshot_costs(
    context: Context, containers: int = 10
) -> tuple[list[float], list[float]]:
    """Return seconds of ``control.snapshot()`` and ``control.restore()``.

    The daemon has ``containers`` stopped containers, so the figures include
    copying some state.
    """
    from fakedaemon import Daemon

    daemon = Daemon()
    try:
        engine = daemon.engine
        for _ in range(containers):
            container = engine.containers.create(
                {"Image": "busybox:latest", "Cmd": ["true"]}, None
            )
            engine.containers.start(container.id)
            engine.containers.wait(container, "not-running")
        count = max(10, context.scale.fixture_tests)
        snapshots = durations(daemon.control.snapshot, count)
        snapshot = daemon.control.snapshot()
        restores = durations(lambda: daemon.control.restore(snapshot), count)
    finally:
        daemon.engine.close()
    return snapshots, restores


def measure(context: Context) -> list[Figure]:
    """Measure the fixtures' cost per test and snapshot and restore."""
    figures = []
    for name, values in fixture_costs(context).items():
        _, description = FIXTURES[name]
        figures.append(
            Figure(
                SECTION,
                f"`{name}` ({description}) per test",
                "ms",
                "lower",
                Sample.of([value * 1000 for value in values]),
                target=below(5, "ms") if name == "fake_daemon" else None,
            )
        )
    snapshots, restores = snapshot_costs(context)
    for label, values in (("snapshot", snapshots), ("restore", restores)):
        figures.append(
            Figure(
                SECTION,
                f"control.{label}() with 10 stopped containers",
                "ms",
                "lower",
                _median_sample(values, context.scale.runs),
            )
        )
    return figures


def _median_sample(seconds: list[float], runs: int) -> Sample:
    """Split ``seconds`` into ``runs`` runs; return each run's median, in ms."""
    import statistics

    size = max(1, len(seconds) // runs)
    chunks = [seconds[index : index + size] for index in range(0, len(seconds), size)]
    return Sample.of([statistics.median(chunk) * 1000 for chunk in chunks[:runs]])
