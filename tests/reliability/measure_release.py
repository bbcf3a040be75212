"""Measure how fast a daemon lets go of long responses whose clients left.

Run ``.venv/bin/python tests/reliability/measure_release.py`` to print the
release figures of docs/reliability.md for the fake, on a unix socket and
on loopback TCP. ``--target unix:///PATH`` measures any other daemon, a
real Engine included, on what it reports over HTTP: ``NEventsListener``
from ``/info`` and the goroutine (or thread) count from
``/debug/pprof/goroutine?debug=1``. ``test_release.py`` runs the same
workload with smaller counts.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import socket
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fakedaemon import Daemon, DaemonConfig
from fakedaemon.server.listeners import Address, parse_address

TARGET_NAME = "release-target"
"""The container every attach, log follower, wait and stats stream is for."""

KINDS: dict[str, tuple[str, str]] = {
    "events": ("GET", "/v1.41/events"),
    "logs follow": ("GET", f"/v1.41/containers/{TARGET_NAME}/logs?follow=1&stdout=1"),
    "stats": ("GET", f"/v1.41/containers/{TARGET_NAME}/stats"),
    "wait": ("POST", f"/v1.41/containers/{TARGET_NAME}/wait?condition=removed"),
    "attach": ("POST", f"/v1.41/containers/{TARGET_NAME}/attach?stream=1&stdout=1"),
    "attach with stdin": (
        "POST",
        f"/v1.41/containers/{TARGET_NAME}/attach?stream=1&stdout=1&stdin=1",
    ),
}
"""Each long response measured: its method and target."""

_UPGRADE = "Connection: Upgrade\r\nUpgrade: tcp\r\n"
_TOTAL = re.compile(rb"^(?:goroutine profile: total|threads:) (\d+)")


@dataclass(frozen=True)
class Release:
    """The counts around dropping ``clients`` connections of one kind at once."""

    kind: str
    clients: int
    workers_before: int
    workers_open: int
    workers_after: int
    listeners_open: int
    listeners_after: int
    seconds: float | None
    """Time from the drop until both counts were back, or None if they were not."""


def connect(address: Address) -> socket.socket:
    """Open a connection to ``address`` (unix or TCP) with a 10 s timeout."""
    if address.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(10)
        sock.connect(address.path)
        return sock
    return socket.create_connection((address.host, address.port), timeout=10)


def request(address: Address, method: str, target: str, body: bytes = b"") -> bytes:
    """Send one request with ``Connection: close`` and return the body."""
    head = (
        f"{method} {target} HTTP/1.1\r\nHost: d\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock = connect(address)
    try:
        sock.sendall(head.encode() + body)
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    finally:
        sock.close()
    head, _, content = response.partition(b"\r\n\r\n")
    if b"transfer-encoding: chunked" in head.lower():
        content = _unchunk(content)
    return content


def _unchunk(data: bytes) -> bytes:
    body = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        body += data[:size]
        data = data[size + 2 :]
    return body


class Poller:
    """One keep-alive connection for reading a daemon's counts.

    With a new connection per read, the thread or goroutine that served the
    last read may still be ending when the next read counts, which adds
    one at random. The counts are read through one connection instead, so
    the worker that serves them is the same one in every count.
    """

    def __init__(self, address: Address) -> None:
        self._connection = _Connection(address)

    def get(self, target: str) -> bytes:
        """Return the body of ``GET target``."""
        self._connection.request("GET", target, headers={"Host": "d"})
        response = self._connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise ValueError(f"GET {target} returned {response.status}: {body[:80]!r}")
        return body

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()


class _Connection(http.client.HTTPConnection):
    def __init__(self, address: Address) -> None:
        super().__init__("d", timeout=10)
        self.address = address

    def connect(self) -> None:
        self.sock = connect(self.address)


def workers(poller: Poller) -> int:
    """Return the daemon's goroutine count (dockerd) or thread count (fake)."""
    profile = poller.get("/debug/pprof/goroutine?debug=1")
    match = _TOTAL.match(profile)
    if match is None:
        raise ValueError(f"no goroutine or thread count in {profile[:80]!r}")
    return int(match.group(1))


def listeners(poller: Poller) -> int:
    """Return ``NEventsListener`` from ``/info``."""
    return int(json.loads(poller.get("/v1.41/info"))["NEventsListener"])


def prepare(address: Address) -> None:
    """Create and start the target container, idle and with stdin open."""
    request(address, "DELETE", f"/containers/{TARGET_NAME}?force=1")
    config = {"Image": "busybox", "Cmd": ["sleep", "1000"], "OpenStdin": True}
    request(
        address,
        "POST",
        f"/v1.41/containers/create?name={TARGET_NAME}",
        json.dumps(config).encode(),
    )
    request(address, "POST", f"/v1.41/containers/{TARGET_NAME}/start")


def clean_up(address: Address) -> None:
    """Remove the target container."""
    request(address, "DELETE", f"/containers/{TARGET_NAME}?force=1")


def _settled(read: Callable[[], int], seconds: float = 0.5) -> int:
    """Return ``read()`` once it has not changed for ``seconds``."""
    value = read()
    stable_since = time.monotonic()
    deadline = stable_since + 5
    while time.monotonic() - stable_since < seconds and time.monotonic() < deadline:
        time.sleep(0.05)
        now = read()
        if now != value:
            value, stable_since = now, time.monotonic()
    return value


def open_responses(address: Address, kind: str, clients: int) -> list[socket.socket]:
    """Open ``clients`` responses of ``kind`` and read each one's head."""
    method, target = KINDS[kind]
    extra = _UPGRADE if "attach" in kind else ""
    request_bytes = (
        f"{method} {target} HTTP/1.1\r\nHost: d\r\n{extra}Content-Length: 0\r\n\r\n"
    ).encode()
    opened = []
    for _ in range(clients):
        sock = connect(address)
        sock.sendall(request_bytes)
        opened.append(sock)
    for sock in opened:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = sock.recv(1)
            if not chunk:
                break
            head += chunk
    return opened


def measure(address: Address, kind: str, clients: int, timeout: float = 10) -> Release:
    """Open ``clients`` responses of ``kind``, drop them all, time the release."""
    poller = Poller(address)
    try:
        return _measure(poller, address, kind, clients, timeout)
    finally:
        poller.close()


def _measure(
    poller: Poller, address: Address, kind: str, clients: int, timeout: float
) -> Release:
    before = _settled(lambda: workers(poller))
    opened = open_responses(address, kind, clients)
    open_workers = _settled(lambda: workers(poller))
    open_listeners = listeners(poller)

    dropped = time.monotonic()
    for sock in opened:
        sock.close()
    seconds: float | None = None
    while time.monotonic() - dropped < timeout:
        if workers(poller) <= before and listeners(poller) == 0:
            seconds = time.monotonic() - dropped
            break
        time.sleep(0.01)

    return Release(
        kind,
        clients,
        before,
        open_workers,
        _settled(lambda: workers(poller)),
        open_listeners,
        listeners(poller),
        seconds,
    )


def run(address: Address, clients: int, kinds: list[str]) -> list[Release]:
    """Measure each of ``kinds`` in turn against one daemon."""
    prepare(address)
    try:
        return [measure(address, kind, clients) for kind in kinds]
    finally:
        clean_up(address)


def print_table(title: str, releases: list[Release]) -> None:
    """Print one Markdown table of ``releases``."""
    print(f"\n{title}\n")
    print("| kind | clients | workers before, open, after | listeners open, after |")
    print("|---|---|---|---|")
    for item in releases:
        back = "not back in 10 s" if item.seconds is None else f"{item.seconds:.2f} s"
        print(
            f"| {item.kind} | {item.clients} | {item.workers_before}, "
            f"{item.workers_open}, {item.workers_after} ({back}) | "
            f"{item.listeners_open}, {item.listeners_after} |"
        )


def main() -> int:
    """Measure the fake on unix and TCP, or the daemon at ``--target``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--clients", type=int, default=100, help="connections per kind (100)"
    )
    parser.add_argument(
        "--target",
        help="the daemon to measure instead of the fake: unix:///PATH or "
        "tcp://HOST:PORT",
    )
    options = parser.parse_args()
    kinds = list(KINDS)
    if options.target:
        address = parse_address(options.target)
        print_table(options.target, run(address, options.clients, kinds))
        return 0
    with tempfile.TemporaryDirectory(prefix="fakedaemon-release-") as name:
        hosts = {"unix socket": f"unix://{Path(name) / 'd.sock'}"}
        hosts["loopback TCP"] = "tcp://127.0.0.1:0"
        for title, host in hosts.items():
            with Daemon(DaemonConfig(), hosts=[host]) as daemon:
                releases = run(daemon.addresses[0], options.clients, kinds)
            print_table(f"fakedaemon, {title}", releases)
    return 0


if __name__ == "__main__":
    sys.exit(main())
