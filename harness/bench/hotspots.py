"""Profile the daemon's serving of one request path and group the costs.

``python -m harness.bench.hotspots [--containers 200] [--requests 3000]
PATH...`` serves a daemon in this process and profiles each connection's
thread with cProfile. The requests come from a client process
(``harness.bench.worker``), so the client's work stays out of the profile.
It prints the share of time per layer and the most expensive functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .server import child_environ

LAYERS = (
    ("fakedaemon/server/", "HTTP server"),
    ("fakedaemon/api/routing", "routing"),
    ("werkzeug/routing", "routing"),
    ("fakedaemon/api/serializers", "serialization"),
    ("fakedaemon/api/jsonenc", "serialization"),
    ("json/", "serialization"),
    ("fakedaemon/api/routers", "handlers"),
    ("fakedaemon/api/", "API app and middleware"),
    ("fakedaemon/control/", "control middleware (faults, journal)"),
    ("fakedaemon/engine/", "engine state"),
    ("werkzeug/", "werkzeug request and response"),
    ("threading.py", "locking and threads"),
    ("lock", "locking and threads"),
    ("socket", "socket I/O"),
    ("recv", "socket I/O"),
    ("send", "socket I/O"),
)
"""Substrings of a function's file or name, and the layer they belong to."""


def layer_of(filename: str, name: str) -> str:
    """Return the layer of a profiled function, by its file and name."""
    for fragment, layer in LAYERS:
        if fragment in filename or fragment in name:
            return layer
    return "other"


@contextmanager
def profiled_connections() -> Iterator[list[cProfile.Profile]]:
    """Profile every connection the daemon serves while the block runs."""
    from fakedaemon.server.http import ConnectionHandler

    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()
    original = ConnectionHandler.handle

    def handle(self: ConnectionHandler) -> None:
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            original(self)
        finally:
            profiler.disable()
            with lock:
                profiles.append(profiler)

    # Patched on the class for this block only; the daemon's code is unchanged.
    ConnectionHandler.handle = handle  # type: ignore[method-assign]
    try:
        yield profiles
    finally:
        ConnectionHandler.handle = original  # type: ignore[method-assign]


def profile_path(path: str, containers: int, requests: int) -> pstats.Stats:
    """Serve ``requests`` GETs of ``path`` under cProfile; return the stats."""
    from fakedaemon import Daemon, DaemonConfig

    from .filled import fill

    with tempfile.TemporaryDirectory(prefix="fdb-", dir="/tmp") as folder:
        socket_path = Path(folder) / "p.sock"
        daemon = Daemon(DaemonConfig(), hosts=[f"unix://{socket_path}"])
        fill(daemon, containers, 0)
        with daemon, profiled_connections() as profiles:
            host = f"unix://{socket_path}"
            command = [sys.executable, "-m", "harness.bench.worker", host, path]
            subprocess.run(
                [*command, str(requests)],
                input="go\n",
                capture_output=True,
                text=True,
                check=True,
                env=child_environ(),
            )
            # The connection's thread ends once the worker has closed it.
            deadline = time.monotonic() + 10
            while not profiles and time.monotonic() < deadline:
                time.sleep(0.01)
            daemon.stop()
    if not profiles:
        raise RuntimeError(f"no connection was profiled for {path}")
    stats = pstats.Stats(profiles[0], stream=io.StringIO())
    for profile in profiles[1:]:
        stats.add(profile)
    return stats


def layer_shares(stats: pstats.Stats) -> dict[str, float]:
    """Return each layer's share of the total own time (tottime), 0 to 1."""
    totals: dict[str, float] = defaultdict(float)
    entries = stats.stats  # type: ignore[attr-defined]
    for (filename, _, name), (_, _, own, _, _) in entries.items():
        totals[layer_of(filename, name)] += own
    grand = sum(totals.values()) or 1.0
    return {layer: value / grand for layer, value in totals.items()}


def report(path: str, stats: pstats.Stats, requests: int, top: int) -> str:
    """Return the layer shares and the top functions by own and total time."""
    lines = [f"== GET {path}: {requests} requests"]
    for layer, share in sorted(layer_shares(stats).items(), key=lambda x: -x[1]):
        lines.append(f"  {share:6.1%}  {layer}")
    for order in ("tottime", "cumulative"):
        output = io.StringIO()
        stats.stream = output  # type: ignore[attr-defined]
        stats.sort_stats(order).print_stats(top)
        lines.append(output.getvalue())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Profile each path given on the command line and print the report."""
    parser = argparse.ArgumentParser(prog="python -m harness.bench.hotspots")
    parser.add_argument("paths", nargs="+", metavar="PATH", help="paths to GET")
    parser.add_argument(
        "--containers", type=int, default=200, help="containers to create first"
    )
    parser.add_argument("--requests", type=int, default=3000, help="requests per path")
    parser.add_argument("--top", type=int, default=25, help="functions to list")
    arguments = parser.parse_args(argv)
    for path in arguments.paths:
        stats = profile_path(path, arguments.containers, arguments.requests)
        sys.stdout.write(report(path, stats, arguments.requests, arguments.top))
        sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
