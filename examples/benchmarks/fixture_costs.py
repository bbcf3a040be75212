"""Measure what the pytest fixtures and an in-process request cost.

Run with ``python examples/benchmarks/fixture_costs.py``. It times, in this
process: a per-test daemon (start on a unix socket, one ping, stop), the
session daemon's reset between tests, and one in-process ``GET /_ping``.
The numbers depend on the machine; the script prints the median and the
90th percentile of each.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from fakedaemon import Daemon, DaemonConfig
from harness.inprocess import InProcessTransport


def timed(action: Callable[[], None], runs: int) -> list[float]:
    """Return the duration of each of ``runs`` calls, in milliseconds."""
    durations = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        durations.append((time.perf_counter() - started) * 1000)
    return durations


def report(name: str, durations: list[float]) -> None:
    """Print the median and 90th percentile of ``durations``."""
    ordered = sorted(durations)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    median = statistics.median(ordered)
    print(f"{name:<44} median {median:8.2f} ms   p90 {p90:8.2f} ms")


def per_test_daemon(directory: Path) -> None:
    """Start a daemon on a socket, ping it once, stop it (the fake_daemon cost)."""
    socket_path = directory / "d.sock"
    with Daemon(DaemonConfig(), hosts=[f"unix://{socket_path}"]) as daemon:
        transport = httpx.HTTPTransport(uds=str(socket_path))
        with httpx.Client(transport=transport, base_url="http://docker") as http:
            http.get("/_ping")
        assert daemon.addresses


def main() -> None:
    """Run every measurement and print the results."""
    with tempfile.TemporaryDirectory(prefix="fdbench-") as folder:
        directory = Path(folder)
        report(
            "fake_daemon (start, ping, stop)",
            timed(lambda: per_test_daemon(directory), 20),
        )

        socket_path = directory / "s.sock"
        with Daemon(DaemonConfig(), hosts=[f"unix://{socket_path}"]) as daemon:
            control = daemon.control

            for _ in range(3):
                daemon.engine.containers.create(
                    {"Image": "busybox", "Cmd": ["true"]}, None
                )
            report("fake_daemon_reset (reset, empty)", timed(control.reset, 50))

            def reset_after_work() -> None:
                for _ in range(3):
                    container = daemon.engine.containers.create(
                        {"Image": "busybox", "Cmd": ["sleep", "100"]}, None
                    )
                    daemon.engine.containers.start(container.id)
                started = time.perf_counter()
                control.reset()
                durations.append((time.perf_counter() - started) * 1000)

            durations: list[float] = []
            for _ in range(30):
                reset_after_work()
            report("fake_daemon_reset (3 running containers)", durations)

            snapshot = control.snapshot()
            report(
                "restore a snapshot (no containers)",
                timed(lambda: control.restore(snapshot), 30),
            )

        inprocess = Daemon()
        transport = InProcessTransport(inprocess.app)
        with httpx.Client(transport=transport, base_url="http://docker") as http:
            http.get("/_ping")
            report(
                "in-process GET /_ping",
                timed(lambda: http.get("/_ping").raise_for_status(), 500),
            )
            report(
                "in-process GET /containers/json",
                timed(lambda: http.get("/containers/json").raise_for_status(), 500),
            )
        inprocess.engine.close()


if __name__ == "__main__":
    main()
