"""What the pytest fixtures cost per test, and snapshot and restore."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

from .context import Context
from .figures import Figure, Sample, below
from .server import child_environ
from .timing import durations, now

SECTION = "pytest fixtures"

_TEST_MODULE = """\
import pytest


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


def write_project(folder: Path, count: int) -> Path:
    """Write a test module with ``count`` tests per fixture and an empty ini file."""
    folder.mkdir(parents=True, exist_ok=True)
    # An ini file of its own keeps the repository's pytest settings out.
    (folder / "pytest.ini").write_text("[pytest]\n")
    module = folder / f"test_fixture_costs_{count}.py"
    module.write_text(textwrap.dedent(_TEST_MODULE.format(count=count)))
    return module


def pytest_seconds(context: Context, module: Path, selection: str) -> float:
    """Run the tests of ``module`` named ``selection`` in pytest; return seconds."""
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
    started = now()
    completed = subprocess.run(
        command,
        cwd=module.parent,
        env=child_environ(),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = now() - started
    if completed.returncode != 0:
        raise RuntimeError(
            f"pytest failed on {selection}: {completed.stdout[-2000:]}"
            f"{completed.stderr[-2000:]}"
        )
    return elapsed


def fixture_costs(context: Context) -> dict[str, list[float]]:
    """Return the seconds each fixture adds to one test, per run.

    Each run times pytest on a module of ``fixture_tests`` tests per fixture
    and on one of a fifth as many, and divides the difference by the
    difference in tests. One-time costs (pytest's start, the first import of
    the daemon, a session daemon's start) cancel out. The fixture's setup,
    teardown and the ``tmp_path`` it requests stay in.
    """
    large = context.scale.fixture_tests
    small = max(1, large // 5)
    folder = context.workdir / "fixtures"
    modules = (write_project(folder, large), write_project(folder, small))
    costs: dict[str, list[float]] = {name: [] for name in FIXTURES}
    for _ in range(context.scale.runs):
        for name, (test, _) in FIXTURES.items():
            seconds = [pytest_seconds(context, module, test) for module in modules]
            costs[name].append((seconds[0] - seconds[1]) / (large - small))
    return costs


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
