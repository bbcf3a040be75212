"""Smoke tests of the benchmark suite: tiny counts, the table's shape, no timing."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakedaemon import Daemon, DaemonConfig
from fakedaemon.cli import main
from fakedaemon.commands.bench import (
    BEGIN_MARK,
    END_MARK,
    check_output,
    check_script,
    write_results,
)
from fakedaemon.profiles import DEFAULT_PROFILE, PROFILES, profile_for_version
from harness.bench import Context, Figure, Sample, Scale, render, run_suite
from harness.bench.ceiling import RESPONSE
from harness.bench.figures import at_least_real, below
from harness.bench.fixtures import phase_seconds, write_project
from harness.bench.growth import (
    IMAGE_LABEL,
    fill_real,
    note_ceiling,
    queries,
    query_target,
)
from harness.bench.hosts import (
    BENCH_LABEL,
    check_engine,
    cleaning_up,
    http_client,
    remove_bench_containers,
    remove_bench_images,
)
from harness.bench.hotspots import layer_of
from harness.bench.lifecycle import events_latencies
from harness.bench.machine import cpu_idle, describe, engine_profile
from harness.bench.report import format_number, format_sample, table
from harness.bench.server import (
    CeilingServer,
    ServerProcess,
    child_environ,
    cpu_seconds,
    engine_pid,
)
from harness.bench.startup import (
    import_seconds,
    real_start_seconds,
    top_level_imports,
)
from harness.bench.throughput import client_ceiling

TINY = Scale(
    runs=2,
    requests=4,
    clients=2,
    lifecycle=2,
    real_lifecycle=1,
    log_bytes=4096,
    events=2,
    sizes=(3,),
    real_containers=3,
    memory_objects=5,
    fixture_tests=5,
    starts=1,
)


@pytest.fixture
def workdir() -> Iterator[Path]:
    # Socket paths must stay short, and pytest's tmp_path can be long.
    with tempfile.TemporaryDirectory(prefix="fdb-", dir="/tmp") as folder:
        yield Path(folder)


def test_ratio_higher_is_better() -> None:
    figure = Figure("s", "rate", "req/s", "higher", Sample.of([4]), Sample.of([2]))
    assert figure.ratio == 2


def test_ratio_lower_is_better() -> None:
    figure = Figure("s", "time", "ms", "lower", Sample.of([2]), Sample.of([4]))
    assert figure.ratio == 2


def test_target_without_real_engine() -> None:
    figure = Figure(
        "s", "rate", "req/s", "higher", Sample.of([4]), target=at_least_real()
    )
    assert figure.met is None


def test_target_below_limit() -> None:
    figure = Figure(
        "s", "t", "ms", "lower", Sample.of([3, 9, 4]), target=below(5, "ms")
    )
    assert figure.met is True


def test_sample_format_shows_range() -> None:
    assert format_sample(Sample.of([1.5, 2.5, 2.0])) == "2.00 (1.50–2.50)"


def test_table_row_without_real() -> None:
    figure = Figure("s", "rate", "req/s", "higher", Sample.of([1200, 1000, 1100]))
    row = table([figure])[2]
    assert row == "| rate | req/s | 1,100 (1,000–1,200) | n/a | n/a |  |"


def test_write_results_keeps_prose(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(f"intro\n\n{BEGIN_MARK}\nold\n{END_MARK}\n\nafter\n")
    write_results(page, "new")
    assert page.read_text() == f"intro\n\n{BEGIN_MARK}\nnew\n{END_MARK}\n\nafter\n"


def test_write_results_keeps_line_ends(tmp_path: Path) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_bytes(
        f"intro\r\n{BEGIN_MARK}\r\nold\r\n{END_MARK}\r\n\r\nend\r\n".encode()
    )
    write_results(page, "new")
    assert page.read_bytes() == (
        f"intro\r\n{BEGIN_MARK}\nnew\n{END_MARK}\r\n\r\nend\r\n".encode()
    )


def test_write_results_new_file(tmp_path: Path) -> None:
    page = tmp_path / "results.md"
    write_results(page, "table ✓")
    assert page.read_text(encoding="utf-8") == f"{BEGIN_MARK}\ntable ✓\n{END_MARK}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"a\n{BEGIN_MARK}\nb\n", "found 1 .* and 0"),
        (f"{END_MARK}\n{BEGIN_MARK}\n", "comes before"),
        (f"{BEGIN_MARK}\n{END_MARK}\n{BEGIN_MARK}\n{END_MARK}\n", "found 2"),
    ],
)
def test_write_results_bad_marks(tmp_path: Path, text: str, message: str) -> None:
    page = tmp_path / "benchmarks.md"
    page.write_text(text)

    with pytest.raises(ValueError, match=message):
        write_results(page, "new")
    with pytest.raises(ValueError, match=message):
        check_output(page)
    assert page.read_text() == text


def test_check_output_cases(tmp_path: Path) -> None:
    prose = tmp_path / "notes.md"
    prose.write_text("keep this\n")
    empty = tmp_path / "empty.md"
    empty.write_text("\n")

    with pytest.raises(ValueError, match="is a folder"):
        check_output(tmp_path)
    with pytest.raises(ValueError, match="not found"):
        check_output(tmp_path / "missing" / "out.md")
    with pytest.raises(ValueError, match="no result marks"):
        check_output(prose)
    check_output(empty)
    check_output(tmp_path / "new.md")
    assert prose.read_text() == "keep this\n"


def test_check_script_cases(tmp_path: Path) -> None:
    script = tmp_path / "start"
    script.write_text("#!/bin/sh\n")

    with pytest.raises(ValueError, match="no such file"):
        check_script(tmp_path / "missing")
    with pytest.raises(ValueError, match="is a folder"):
        check_script(tmp_path)
    script.chmod(0o644)
    if not os.access(script, os.X_OK):
        with pytest.raises(ValueError, match="not executable"):
            check_script(script)
    script.chmod(0o755)
    check_script(script)


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("foo", "invalid daemon address"),
        ("unix://", "invalid daemon address"),
        ("tcp://", "invalid daemon address"),
        ("tcp://127.0.0.1:abc", "invalid daemon address"),
        ("tcp://127.0.0.1:70000", "invalid daemon address"),
        pytest.param(
            "unix:///nonexistent/docker.sock",
            "cannot reach the daemon",
            # httpcore leaves the socket of a failed unix connect to the
            # garbage collector.
            marks=pytest.mark.filterwarnings(
                "ignore::pytest.PytestUnraisableExceptionWarning"
            ),
        ),
    ],
)
def test_check_engine_rejects(host: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_engine(host)


def test_check_engine_without_busybox(workdir: Path) -> None:
    path = workdir / "d.sock"
    with Daemon(DaemonConfig(images=[]), hosts=[f"unix://{path}"]):
        with pytest.raises(ValueError, match="no busybox:latest image"):
            check_engine(f"unix://{path}")


def test_check_engine_accepts_fake(workdir: Path) -> None:
    path = workdir / "d.sock"
    with Daemon(DaemonConfig(), hosts=[f"unix://{path}"]):
        check_engine(f"unix://{path}")


def test_bench_rejects_arguments_first(
    workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    started = time.monotonic()
    status = main(["bench", "--only", "fixtures", "--out", str(workdir)])

    assert status == 2
    # The fixtures section alone takes seconds, so it did not run.
    assert time.monotonic() - started < 2
    assert "is a folder" in caplog.text


_WITH_DEFAULT_SIGINT = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.executable, [sys.executable, *sys.argv[1:]])
"""
"""Code that resets SIGINT to its default action, then runs Python with the
arguments after ``-c CODE``."""


@pytest.mark.parametrize(
    ("number", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)]
)
def test_bench_interrupted_quietly(number: int, status: int) -> None:
    # A session of its own, so that SIGINT reaches the command and its
    # children as Ctrl-C does. A shell's background job inherits SIGINT
    # ignored, and Python keeps that, so the command resets it first.
    command = ["-m", "fakedaemon", "bench", "--quick", "--only", "fixtures"]
    with subprocess.Popen(
        [sys.executable, "-c", _WITH_DEFAULT_SIGINT, *command],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=child_environ(),
        start_new_session=True,
    ) as bench:
        assert bench.stderr is not None
        line = bench.stderr.readline()
        while line and "fixtures: started" not in line:
            line = bench.stderr.readline()
        assert line, "the bench ended before its fixtures section started"
        time.sleep(0.5)
        os.killpg(bench.pid, number)
        errors = bench.stderr.read()
        bench.wait(timeout=60)

    assert bench.returncode == status
    assert "interrupted, so no results were written" in errors
    assert "Traceback" not in errors


def test_real_start_failure_named(workdir: Path) -> None:
    calls = workdir / "calls"
    script = workdir / "engine"
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$1" >> {calls}\n'
        'if [ "$1" = start ]; then echo "cannot mount the data root" >&2; exit 1; fi\n'
    )
    script.chmod(0o755)
    context = Context(TINY, workdir, real_dockerd=script)

    with pytest.raises(RuntimeError) as raised:
        real_start_seconds(context, 1)

    assert "exited with status 1" in str(raised.value)
    assert "cannot mount the data root" in str(raised.value)
    assert calls.read_text().split() == ["start", "stop"]


@pytest.mark.timeout(300)
def test_real_start_failure_keeps_start_figures(workdir: Path) -> None:
    script = workdir / "engine"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = start ]; then echo "cannot mount the data root" >&2; exit 1; fi\n'
    )
    script.chmod(0o755)
    context = Context(TINY, workdir, real_dockerd=script)

    results = run_suite(context, only=["start"])
    serve = [figure for figure in results.figures if "spawn to first" in figure.name]

    assert list(results.failures) == ["start, real Engine start"]
    assert "cannot mount the data root" in results.failures["start, real Engine start"]
    assert len(results.figures) == 6
    assert all(figure.fake is not None for figure in results.figures)
    assert len(serve) == 1
    assert serve[0].real is None
    assert serve[0].target is not None
    assert serve[0].met is None


def test_cleaning_up_keeps_first_error(caplog: pytest.LogCaptureFixture) -> None:
    def clean() -> None:
        raise OSError("list failed")

    with pytest.raises(RuntimeError, match="wait failed"):
        with cleaning_up(clean, "removing the containers"):
            raise RuntimeError("wait failed")
    assert "removing the containers failed: list failed" in caplog.text

    with pytest.raises(OSError, match="list failed"):
        with cleaning_up(clean, "removing the containers"):
            pass


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (12345.6, "12,346"),
        (99.96, "100"),
        (99.94, "99.9"),
        (9.996, "10.0"),
        (0.99996, "1.00"),
        (0.12345, "0.123"),
    ],
)
def test_format_number_digits(value: float, text: str) -> None:
    assert format_number(value) == text


def test_unknown_section(workdir: Path) -> None:
    with pytest.raises(ValueError, match="unknown benchmark sections 'nope'"):
        run_suite(Context(TINY, workdir), only=["nope"])


@pytest.mark.timeout(300)
def test_suite_table_shape(workdir: Path) -> None:
    results = run_suite(
        Context(TINY, workdir), only=["start", "requests", "containers", "growth"]
    )
    page = render(results.figures, {"CPU": "test"}, "fakedaemon bench", {})
    rows = [line for line in page.splitlines() if line.startswith("| ")]
    sections = {figure.section for figure in results.figures}

    assert results.failures == {}
    assert sections == {
        "Import and start",
        "Requests",
        "Containers, logs and events",
        "Growth",
    }
    assert len(rows) == len(results.figures) + len(sections)
    assert all(row.count(" | ") == 5 for row in rows)
    assert all(figure.real is None for figure in results.figures)
    assert all(figure.fake is not None for figure in results.figures)
    cpu_rows = [figure for figure in results.figures if "daemon CPU" in figure.name]
    assert [figure.name.split(",")[0] for figure in cpu_rows] == [
        "GET /_ping",
        "GET /version",
        "GET /containers/json",
        "GET /images/json",
    ]
    # Four requests may take less than one clock tick of CPU.
    assert all(figure.fake and figure.fake.median >= 0 for figure in cpu_rows)


@pytest.mark.timeout(300)
def test_real_failure_keeps_fake_figures(workdir: Path) -> None:
    # A fake serves as the real Engine and drops every container listing.
    with Daemon(hosts=[f"unix://{workdir}/real.sock"]) as real:
        real.control.faults.add(path="/containers/json", drop_connection=True)
        context = Context(TINY, workdir, real_engine=real.docker_host)
        results = run_suite(context, only=["requests", "growth"])

    rates = {
        figure.name: figure for figure in results.figures if figure.unit == "req/s"
    }
    compared = [name for name, figure in rates.items() if figure.real is not None]
    growth = [figure for figure in results.figures if figure.section == "Growth"]
    references = [
        figure
        for figure in growth
        if figure.target is not None and figure.target.text.startswith("≥")
    ]

    assert list(results.failures) == ["requests, real Engine"]
    assert "RemoteProtocolError" in results.failures["requests, real Engine"]
    assert context.working_real_engine is None
    assert all(figure.fake is not None for figure in results.figures)
    assert compared == [
        "GET /_ping, 1 client: rate",
        "GET /_ping, 2 client processes: rate",
        "GET /version, 1 client: rate",
        "GET /version, 2 client processes: rate",
    ]
    assert references
    assert all(figure.real is None for figure in growth)
    assert all(figure.met is None for figure in references)


def test_measure_real_stops_after_failure(workdir: Path) -> None:
    context = Context(TINY, workdir, real_engine="unix:///nowhere.sock")
    calls: list[str] = []

    def fail() -> None:
        calls.append("fail")
        raise OSError("connection refused")

    def succeed() -> int:
        calls.append("succeed")
        return 1

    assert context.measure_real(succeed) == 1
    assert context.measure_real(fail) is None
    assert context.measure_real(succeed) is None
    assert calls == ["succeed", "fail"]
    assert context.real_failure == "OSError: connection refused"
    assert context.failures == {"real Engine": "OSError: connection refused"}
    assert context.working_real_engine is None
    assert context.real_engine == "unix:///nowhere.sock"


def test_measure_real_keeps_unusable_reply(
    workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    context = Context(TINY, workdir, real_engine="unix:///nowhere.sock")

    def read_id() -> str:
        reply: dict[str, str] = {"message": "proxy error"}
        return reply["Id"]

    assert context.measure_real(read_id) is None
    assert context.real_failure == "KeyError: 'Id'"
    # A failure outside the network may be the suite's own, so it is logged
    # with its traceback.
    assert "Traceback" in caplog.text


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"status": 500}, "failed: 500"),
        ({"drop_connection": True}, "failed: RemoteProtocolError"),
    ],
    ids=["error status", "dropped"],
)
def test_events_latency_failure_named(
    workdir: Path, fault: dict[str, object], expected: str
) -> None:
    with Daemon(hosts=[f"unix://{workdir}/d.sock"]) as daemon:
        daemon.control.faults.add(path="/events", **fault)
        with pytest.raises(RuntimeError, match=expected):
            events_latencies(daemon.docker_host, 1)


def test_events_latency_missing_event(workdir: Path) -> None:
    with Daemon(hosts=[f"unix://{workdir}/d.sock"]) as daemon:
        daemon.control.faults.add(
            path="/containers/create", status=201, body={"Id": "x"}
        )
        with pytest.raises(RuntimeError, match="no create event arrived"):
            events_latencies(daemon.docker_host, 1)


def test_cleaning_real_keeps_block_error(
    workdir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    context = Context(TINY, workdir, real_engine="unix:///nowhere.sock")

    def clean() -> None:
        raise OSError("list failed")

    with pytest.raises(KeyError):
        with context.cleaning_real(clean, "removing the containers"):
            raise KeyError("Id")
    assert context.real_failure == "removing the containers failed: list failed"

    with context.cleaning_real(clean, "removing the images"):
        pass
    assert context.real_failure == "removing the containers failed: list failed"
    assert "removing the images failed: list failed" in caplog.text


_PARENT_SCRIPT = """
import sys
from pathlib import Path
from harness.bench.server import CeilingServer, ServerProcess

kind = CeilingServer if sys.argv[1] == "ceiling" else ServerProcess
server = kind(Path(sys.argv[2])).__enter__()
print(server.pid, flush=True)
sys.stdin.readline()
"""


@pytest.mark.parametrize("kind", ["ceiling", "filled"])
def test_child_server_ends_with_parent(workdir: Path, kind: str) -> None:
    socket_path = workdir / "child.sock"
    with subprocess.Popen(
        [sys.executable, "-c", _PARENT_SCRIPT, kind, str(socket_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=child_environ(),
    ) as parent:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert socket_path.exists()
        parent.kill()
    deadline = time.monotonic() + 20
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)

    assert not Path(f"/proc/{child}").exists()
    assert not socket_path.exists()


def test_ceiling_responds_to_each_head(workdir: Path) -> None:
    with CeilingServer(workdir / "c.sock") as server:
        with socket.socket(socket.AF_UNIX) as raw:
            raw.connect(str(server.socket_path))
            head = b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n"
            raw.sendall(head * 2)
            received = b""
            while len(received) < 2 * len(RESPONSE):
                chunk = raw.recv(65536)
                assert chunk, "the ceiling loop closed the connection"
                received += chunk
        with http_client(server.host) as client:
            response = client.get("/_ping")

    assert received == RESPONSE * 2
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["Api-Version"] == "1.41"


@pytest.mark.parametrize(
    ("version", "profile"),
    [
        ("20.10.24+dfsg1", "20.10"),
        ("26.1.5+dfsg1", "26.1"),
        ("28.5.2", "28.5"),
        ("29.1.0", "29.x"),
        ("27.0.3", None),
        ("dev", None),
    ],
)
def test_profile_for_engine_version(version: str, profile: str | None) -> None:
    assert profile_for_version(version) == profile


def test_server_process_engine_profile(workdir: Path) -> None:
    with ServerProcess(workdir / "old.sock", engine="20.10") as server:
        with http_client(server.host) as client:
            old = client.get("/version").json()
    with ServerProcess(workdir / "new.sock") as server:
        with http_client(server.host) as client:
            new = client.get("/version").json()

    assert old["Version"] == "20.10.24"
    assert old["ApiVersion"] == "1.41"
    assert new["Version"] == PROFILES[DEFAULT_PROFILE].engine_version


def test_engine_profile_of_daemon(workdir: Path) -> None:
    config = DaemonConfig(engine="26.1")
    with Daemon(config, hosts=[f"unix://{workdir / 'd.sock'}"]) as daemon:
        profile = engine_profile(daemon.docker_host)
    # The ceiling loop sends "OK" to every request, so /version has no JSON.
    with CeilingServer(workdir / "c.sock") as server:
        unknown = engine_profile(server.host)

    assert profile == "26.1"
    assert unknown is None
    details = describe(None, "26.1")
    assert details["fakedaemon"].endswith("engine profile 26.1 beside the real Engine")


def test_cpu_idle_reports_halt_polling(tmp_path: Path) -> None:
    guest = tmp_path / "guest"
    guest.mkdir()
    (guest / "current_driver").write_text("haltpoll\n")
    (guest / "current_governor_ro").write_text("haltpoll\n")
    window = tmp_path / "guest_halt_poll_ns"
    window.write_text("200000\n")
    host = tmp_path / "host"
    host.mkdir()
    (host / "current_driver").write_text("intel_idle\n")
    (host / "current_governor").write_text("menu\n")

    assert cpu_idle(guest, window) == (
        "haltpoll driver, haltpoll governor, guest halt polling 200000 ns"
    )
    # The halt polling window belongs to the haltpoll driver alone.
    assert cpu_idle(host, window) == "intel_idle driver, menu governor"
    assert cpu_idle(tmp_path / "absent", window) is None


def test_top_level_imports_skip_nested() -> None:
    report = (
        "import time: self [us] | cumulative | imported package\n"
        "import time:       120 |        120 |   _json\n"
        "import time:       300 |        420 | json\n"
        "import time:        50 |         50 | harness\n"
        "import time:        80 |         80 |     deeper\n"
        "unrelated line\n"
    )

    assert top_level_imports(report) == {"json": 420, "harness": 50}


def test_import_seconds_exclude_interpreter_start(workdir: Path) -> None:
    context = Context(TINY, workdir)
    daemon = import_seconds(context, "fakedaemon.daemon")
    startup_only = import_seconds(context, "sys")

    assert len(daemon) == TINY.starts
    # Importing the daemon loads werkzeug and the routers: tens of ms.
    assert all(0.01 < seconds < 5 for seconds in daemon)
    # sys is loaded before any code runs, so importing it costs nothing.
    assert startup_only == [0.0] * TINY.starts


def test_client_ceiling_measured_once(workdir: Path) -> None:
    context = Context(TINY, workdir)
    first = client_ceiling(context)
    second = client_ceiling(context)

    assert second is first
    assert len(first.values) == TINY.runs
    assert all(rate > 0 for rate in first.values)


def test_ceiling_noted_when_target_exceeds_it(workdir: Path) -> None:
    context = Context(TINY, workdir, client_ceiling=Sample.of([3000.0]))
    above = Figure("Growth", "list", "req/s", "higher", Sample.of([900.0]))
    above.real = Sample.of([500.0])
    above.note = "the real Engine listed 3"
    within = Figure("Growth", "inspect", "req/s", "higher", Sample.of([900.0]))
    within.real = Sample.of([500.0])

    note_ceiling(context, above, 10)
    note_ceiling(context, within, 1)

    assert above.note == (
        "the real Engine listed 3; the target needs 5,000 req/s, "
        "above the client's ceiling of 3,000 req/s"
    )
    assert within.note == ""


def test_growth_targets_by_query() -> None:
    targets = {query.label: query_target(query).text for query in queries()}

    assert targets.pop("GET /containers/json?all=1") == "≥ 10× real"
    assert len(targets) == 5
    assert set(targets.values()) == {"≥ real"}


def test_cpu_seconds_grow_with_work() -> None:
    before = cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.05
    while time.process_time() < deadline:
        pass
    assert cpu_seconds(os.getpid()) >= before + 0.03


def test_engine_pid_from_pidfile(workdir: Path) -> None:
    (workdir / "docker.pid").write_text("4242\n")
    assert engine_pid(f"unix://{workdir}/docker.sock") == 4242
    assert engine_pid(f"unix://{workdir}/other/docker.sock") is None
    assert engine_pid("tcp://127.0.0.1:2375") is None


def test_real_fill_images_removed(workdir: Path) -> None:
    # The fake serves the endpoints that fill_real uses on the real Engine.
    bench = {"filters": json.dumps({"label": [BENCH_LABEL]})}
    with (
        Daemon(hosts=[f"unix://{workdir}/d.sock"]) as daemon,
        http_client(daemon.docker_host) as client,
    ):
        fill_real(client, 3)
        containers = client.get("/containers/json", params={"all": "1", **bench})
        images = client.get("/images/json", params=bench).json()
        removed_containers = remove_bench_containers(client)
        removed_images = remove_bench_images(client)
        left = client.get("/images/json").json()

    assert len(containers.json()) == 3
    assert sorted(image["Labels"][IMAGE_LABEL] for image in images) == ["0", "1", "2"]
    assert len({image["Id"] for image in images}) == 3
    assert sorted(tag for image in images for tag in image["RepoTags"]) == [
        f"fdbench/image-{index}:latest" for index in range(3)
    ]
    assert removed_containers == 3
    assert removed_images == 3
    assert [image["RepoTags"] for image in left] == [["busybox:latest"]]


def test_fixture_phases_per_test(workdir: Path) -> None:
    context = Context(TINY, workdir)
    module = write_project(workdir / "fixtures", 3)

    baseline = phase_seconds(context, module, "test_baseline")
    inprocess = phase_seconds(context, module, "test_inprocess")

    assert len(baseline) == 3
    assert len(inprocess) == 3
    assert all(seconds > 0 for seconds in baseline + inprocess)
    # A daemon per test costs more than pytest's own work per test.
    assert sum(inprocess[1:]) > sum(baseline[1:])


def test_fixture_phases_failed_run(workdir: Path) -> None:
    module = write_project(workdir / "fixtures", 2)
    module.write_text(module.read_text() + "\n\ndef test_broken():\n    assert False\n")

    with pytest.raises(RuntimeError, match="pytest failed on test_broken"):
        phase_seconds(Context(TINY, workdir), module, "test_broken")


@pytest.mark.timeout(300)
def test_suite_fixture_section(workdir: Path) -> None:
    results = run_suite(Context(TINY, workdir), only=["fixtures"])
    names = [figure.name.split(" ")[0] for figure in results.figures]

    assert results.failures == {}
    assert names == [
        "`fake_daemon`",
        "`fake_daemon_reset`",
        "`fake_daemon_inprocess`",
        "control.snapshot()",
        "control.restore()",
    ]


@pytest.mark.parametrize(
    ("filename", "name", "layer"),
    [
        ("/repo/fakedaemon/server/http.py", "_serve_one", "HTTP server"),
        ("/venv/werkzeug/routing/map.py", "match", "routing"),
        ("/repo/fakedaemon/engine/containers.py", "all", "engine state"),
        ("~", "<method 'acquire' of '_thread.lock' objects>", "locking and threads"),
        ("/lib/json/encoder.py", "iterencode", "serialization"),
    ],
)
def test_layer_of_function(filename: str, name: str, layer: str) -> None:
    assert layer_of(filename, name) == layer


def test_rawload_reads_every_response() -> None:
    from fakedaemon import Daemon, DaemonConfig
    from harness.bench.rawload import send_requests

    with tempfile.TemporaryDirectory(prefix="fdb-", dir="/tmp") as folder:
        socket_path = str(Path(folder) / "raw.sock")
        with Daemon(DaemonConfig(), hosts=[f"unix://{socket_path}"]) as daemon:
            send_requests(socket_path, "/containers/json", 3)
            paths = [
                entry.path for entry in daemon.control.journal.calls("ContainerList")
            ]
    assert paths == ["/containers/json"] * 3
