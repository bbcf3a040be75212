"""Container lifecycle rate, log throughput and events latency."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable

import httpx

from .context import Context
from .figures import Figure, Sample, at_least_real
from .hosts import (
    BENCH_LABEL,
    cleaning_up,
    create_container,
    http_client,
    remove_bench_containers,
    run_removed,
)
from .server import ServerProcess
from .timing import now

SECTION = "Containers, logs and events"

LINE = b"0123456789" * 7 + b"abcdefgh\n"
"""One 79-character line of log output and its newline."""


def log_command(size: int) -> list[str]:
    """Return a busybox command that writes ``size`` bytes of ``LINE`` lines."""
    text = LINE.decode().rstrip("\n")
    return ["sh", "-c", f"/bin/busybox yes {text} | head -c {size}"]


def log_output(size: int) -> str:
    """Return what ``log_command(size)`` writes."""
    repeated = LINE * (size // len(LINE) + 1)
    return repeated[:size].decode()


def lifecycle_rates(host: str, count: int, runs: int) -> list[float]:
    """Return containers per second of create, start, wait and remove of ``true``."""
    result = []
    with http_client(host) as client:
        run_removed(client, ["true"])
        for _ in range(runs):
            started = now()
            for _ in range(count):
                run_removed(client, ["true"])
            result.append(count / (now() - started))
    return result


def log_rates(host: str, size: int, runs: int, fake: bool) -> list[float]:
    """Return MB/s of reading ``size`` bytes of framed stdout through ``/logs``."""
    command = log_command(size)
    with http_client(host) as client:
        if fake:
            # The fake runs no host process, so a behaviour writes the bytes.
            client.post(
                "/_fakedaemon/behaviours",
                json={"command": command, "stdout": log_output(size)},
            ).raise_for_status()
        container_id = create_container(client, command)

        def remove() -> None:
            client.delete(f"/containers/{container_id}", params={"force": "1"})

        with cleaning_up(remove, f"removing container {container_id}"):
            client.post(f"/containers/{container_id}/start").raise_for_status()
            client.post(f"/containers/{container_id}/wait").raise_for_status()
            result = []
            for _ in range(runs):
                received = 0
                started = now()
                with client.stream(
                    "GET", f"/containers/{container_id}/logs", params={"stdout": "1"}
                ) as response:
                    response.raise_for_status()
                    for chunk in response.iter_raw():
                        received += len(chunk)
                elapsed = now() - started
                if received < size:
                    raise RuntimeError(
                        f"logs returned {received} bytes, expected at least {size}"
                    )
                result.append(received / elapsed / 1e6)
    return result


def events_latencies(host: str, count: int) -> list[float]:
    """Return seconds from sending a create to its event on an open ``/events``."""
    arrivals: queue.Queue[float] = queue.Queue()
    filters = json.dumps(
        {"type": ["container"], "event": ["create"], "label": [BENCH_LABEL]}
    )
    opened = threading.Event()
    # The stream's status code, or the error that came instead of a head.
    heads: list[str] = []
    listener = http_client(host, timeout=300)

    def listen() -> None:
        try:
            with listener.stream(
                "GET", "/events", params={"filters": filters}
            ) as response:
                heads.append(str(response.status_code))
                opened.set()
                for line in response.iter_lines():
                    if line.strip():
                        arrivals.put(now())
        except (httpx.HTTPError, RuntimeError) as error:
            # Closing the client from the main thread ends the stream.
            if not opened.is_set():
                heads.append(f"{type(error).__name__}: {error}")
                opened.set()

    thread = threading.Thread(target=listen, name="bench-events", daemon=True)
    thread.start()
    result = []
    try:
        if not opened.wait(10):
            raise RuntimeError(f"GET /events on {host} timed out after 10 s")
        if heads[0] != "200":
            raise RuntimeError(f"GET /events on {host} failed: {heads[0]}")
        with http_client(host) as client:
            for _ in range(count):
                started = now()
                create_container(client, ["true"])
                try:
                    result.append(arrivals.get(timeout=10) - started)
                except queue.Empty:
                    raise RuntimeError(
                        f"no create event arrived on /events of {host} in 10 s"
                    ) from None
            remove_bench_containers(client)
    finally:
        listener.close()
        thread.join(timeout=5)
    return result


def _median_over_runs(measure_run: Callable[[], list[float]], runs: int) -> list[float]:
    """Return the median of each run's values."""
    from statistics import median

    return [median(measure_run()) for _ in range(runs)]


def measure(context: Context) -> list[Figure]:
    """Measure the lifecycle rate, log throughput and events latency."""
    scale = context.scale
    real = context.working_real_engine
    with ServerProcess(context.workdir / "life.sock", engine=context.engine) as server:
        fake_life = lifecycle_rates(server.host, scale.lifecycle, scale.runs)
        fake_logs = log_rates(server.host, scale.log_bytes, scale.runs, fake=True)
        fake_events = _median_over_runs(
            lambda: events_latencies(server.host, scale.events), scale.runs
        )
    real_life = real_logs = real_events = None
    if real:

        def remove() -> None:
            with http_client(real) as client:
                remove_bench_containers(client)

        action = f"removing the {BENCH_LABEL} containers on {real}"
        with context.cleaning_real(remove, action):
            real_life = context.measure_real(
                lambda: lifecycle_rates(real, scale.real_lifecycle, scale.runs)
            )
            real_logs = context.measure_real(
                lambda: log_rates(real, scale.log_bytes, scale.runs, fake=False)
            )
            real_events = context.measure_real(
                lambda: _median_over_runs(
                    lambda: events_latencies(real, scale.events), scale.runs
                )
            )

    def optional(values: list[float] | None) -> Sample | None:
        return Sample.of(values) if values else None

    return [
        Figure(
            SECTION,
            "create, start, wait, remove `busybox true`",
            "containers/s",
            "higher",
            Sample.of(fake_life),
            optional(real_life),
            target=at_least_real(20),
        ),
        Figure(
            SECTION,
            f"GET /containers/{{id}}/logs, {scale.log_bytes // 2**20} MiB "
            "in 80-byte lines, framed",
            "MB/s",
            "higher",
            Sample.of(fake_logs),
            optional(real_logs),
        ),
        Figure(
            SECTION,
            "events: create request sent to its event read on /events",
            "ms",
            "lower",
            Sample.of([value * 1000 for value in fake_events]),
            optional([value * 1000 for value in real_events or []]),
        ),
    ]
