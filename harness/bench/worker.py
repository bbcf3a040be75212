"""A client process for the concurrent request figures.

``python -m harness.bench.worker HOST PATH COUNT`` connects, sends one
warm-up request, prints ``ready``, waits for a line on stdin, sends COUNT
requests on one keep-alive connection and prints a JSON object with its
start and end times (CLOCK_MONOTONIC seconds) and each request's latency.
Separate processes keep one client's GIL from capping the daemon's rate.
"""

from __future__ import annotations

import json
import signal
import sys

from .hosts import http_client
from .timing import now


def main(argv: list[str] | None = None) -> int:
    """Run one worker; see the module docstring for the protocol."""
    # Ctrl-C reaches the workers with the suite, which reports it, so a
    # worker ends without a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    host, path, count_text = argv if argv is not None else sys.argv[1:]
    count = int(count_text)
    with http_client(host) as client:
        client.get(path).raise_for_status()
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        sys.stdin.readline()
        latencies = []
        started = now()
        for _ in range(count):
            before = now()
            client.get(path).raise_for_status()
            latencies.append(now() - before)
        ended = now()
    json.dump({"start": started, "end": ended, "latencies": latencies}, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
