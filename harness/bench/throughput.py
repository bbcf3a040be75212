"""Request rates and latencies over a unix socket and in-process."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import httpx

from .context import Context
from .figures import Figure, Sample, at_least_real
from .hosts import http_client
from .server import (
    CeilingServer,
    ServerProcess,
    child_environ,
    cpu_seconds,
    engine_pid,
)
from .timing import now, percentile

SECTION = "Requests"

PATHS = ("/_ping", "/version", "/containers/json", "/images/json")


@dataclass(frozen=True)
class RunResult:
    """One run of requests: the aggregate rate and the latencies, in seconds."""

    rate: float
    latencies: list[float]
    daemon_cpu: float | None = None
    """The daemon process's CPU time per request in seconds, when measured."""

    @property
    def median(self) -> float:
        """The median latency of the run."""
        return percentile(self.latencies, 0.5)

    @property
    def p99(self) -> float:
        """The 99th percentile latency of the run."""
        return percentile(self.latencies, 0.99)


def run_requests(
    client: httpx.Client, path: str, count: int, daemon_pid: int | None = None
) -> RunResult:
    """Send ``count`` requests for ``path`` on one keep-alive client.

    With ``daemon_pid``, the result also gives that process's CPU time per
    request over the run.
    """
    client.get(path).raise_for_status()
    latencies = []
    cpu_before = None if daemon_pid is None else cpu_seconds(daemon_pid)
    started = now()
    for _ in range(count):
        before = now()
        client.get(path).raise_for_status()
        latencies.append(now() - before)
    rate = count / (now() - started)
    if daemon_pid is None or cpu_before is None:
        return RunResult(rate, latencies)
    return RunResult(rate, latencies, (cpu_seconds(daemon_pid) - cpu_before) / count)


def run_workers(context: Context, host: str, path: str) -> RunResult:
    """Send ``scale.requests`` requests, shared by ``scale.clients`` processes."""
    each = max(1, context.scale.requests // context.scale.clients)
    command = [context.python, "-m", "harness.bench.worker", host, path, str(each)]
    workers = [
        subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=child_environ(),
        )
        for _ in range(context.scale.clients)
    ]
    finished = False
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = worker.stdout.readline()
            if line.strip() != "ready":
                raise RuntimeError(
                    f"a client worker failed to start: {_last_error(worker)}"
                )
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write("go\n")
            worker.stdin.flush()
        reports = []
        for worker in workers:
            assert worker.stdout is not None
            output = worker.stdout.read()
            if not output:
                raise RuntimeError(f"a client worker failed: {_last_error(worker)}")
            reports.append(json.loads(output))
        finished = True
    finally:
        for worker in workers:
            if not finished:
                worker.kill()
            for pipe in (worker.stdin, worker.stdout, worker.stderr):
                if pipe is not None:
                    pipe.close()
            worker.wait(timeout=300)
    started = min(report["start"] for report in reports)
    ended = max(report["end"] for report in reports)
    latencies = [value for report in reports for value in report["latencies"]]
    return RunResult(len(latencies) / (ended - started), latencies)


def _last_error(worker: subprocess.Popen[str]) -> str:
    """End ``worker`` and return the last line it wrote to its error stream."""
    assert worker.stderr is not None
    worker.kill()
    worker.wait(timeout=30)
    lines = worker.stderr.read().strip().splitlines()
    return lines[-1] if lines else f"it exited with status {worker.returncode}"


def _figures(
    label: str,
    fake: list[RunResult],
    real: list[RunResult] | None,
) -> list[Figure]:
    def sample(
        runs: list[RunResult] | None, value: Callable[[RunResult], float]
    ) -> Sample | None:
        return Sample.of([value(run) for run in runs]) if runs else None

    def rate(run: RunResult) -> float:
        return run.rate

    def median_ms(run: RunResult) -> float:
        return run.median * 1000

    def p99_ms(run: RunResult) -> float:
        return run.p99 * 1000

    def cpu_us(run: RunResult) -> float:
        return (run.daemon_cpu or 0.0) * 1e6

    def cpu_runs(runs: list[RunResult] | None) -> list[RunResult] | None:
        measured = [run for run in runs or [] if run.daemon_cpu is not None]
        return measured or None

    cpu = []
    if cpu_runs(fake):
        cpu.append(
            Figure(
                SECTION,
                f"{label}: daemon CPU per request",
                "µs",
                "lower",
                sample(cpu_runs(fake), cpu_us),
                sample(cpu_runs(real), cpu_us),
            )
        )
    return [
        Figure(
            SECTION,
            f"{label}: rate",
            "req/s",
            "higher",
            sample(fake, rate),
            sample(real, rate),
            target=at_least_real(),
        ),
        Figure(
            SECTION,
            f"{label}: latency median",
            "ms",
            "lower",
            sample(fake, median_ms),
            sample(real, median_ms),
        ),
        Figure(
            SECTION,
            f"{label}: latency p99",
            "ms",
            "lower",
            sample(fake, p99_ms),
            sample(real, p99_ms),
        ),
        *cpu,
    ]


def measure(context: Context) -> list[Figure]:
    """Measure each path with one client, with several, and in-process."""
    figures = [
        Figure(
            SECTION,
            "GET /_ping, 1 client, from a socket loop that sends fixed bytes",
            "req/s",
            "higher",
            client_ceiling(context),
            note="the client's ceiling: no daemon",
        )
    ]
    with ServerProcess(context.workdir / "rates.sock", engine=context.engine) as server:
        for path in PATHS:
            figures += _over_socket(context, server.host, server.pid, path)
    return figures + _inprocess(context)


def client_ceiling(context: Context) -> Sample:
    """Return the client's rates of ``/_ping`` from the ceiling loop.

    The loop is measured once per run of the suite; later calls return the
    same sample.
    """
    if context.client_ceiling is None:
        rates = []
        with CeilingServer(context.workdir / "ceiling.sock") as server:
            with http_client(server.host) as client:
                for _ in range(context.scale.runs):
                    run = run_requests(client, "/_ping", context.scale.requests)
                    rates.append(run.rate)
        context.client_ceiling = Sample.of(rates)
    return context.client_ceiling


def _over_socket(context: Context, fake: str, fake_pid: int, path: str) -> list[Figure]:
    scale = context.scale
    real = context.working_real_engine
    # The real Engine's CPU is dockerd's alone. Of these paths only /version
    # also queries containerd, whose CPU is not counted.
    real_pid = engine_pid(real) if real else None

    fake_client = http_client(fake)
    real_client = http_client(real) if real else None
    fake_run = partial(run_requests, fake_client, path, scale.requests, fake_pid)
    real_run = None
    if real_client is not None:
        real_run = partial(run_requests, real_client, path, scale.requests, real_pid)
    try:
        single, real_single = context.alternate(fake_run, real_run)
    finally:
        fake_client.close()
        if real_client is not None:
            real_client.close()

    real_workers = None
    if real:
        real_workers = partial(run_workers, context, real, path)
    many, real_many = context.alternate(
        partial(run_workers, context, fake, path), real_workers
    )

    label = f"GET {path}, {scale.clients} client processes"
    return _figures(f"GET {path}, 1 client", single, real_single) + _figures(
        label, many, real_many
    )


def _inprocess(context: Context) -> list[Figure]:
    from fakedaemon import Daemon
    from harness.inprocess import http_client as inprocess_client

    daemon = Daemon()
    figures = []
    try:
        with inprocess_client(daemon) as client:
            for path in PATHS:
                runs = [
                    run_requests(client, path, context.scale.requests)
                    for _ in range(context.scale.runs)
                ]
                rate, median, _ = _figures(f"GET {path}, in-process", runs, None)
                rate.target = None
                figures += [rate, median]
    finally:
        daemon.engine.close()
    return figures
