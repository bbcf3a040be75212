"""Measure the daemon's reliability: concurrent clients, faults and hostile input.

Run ``.venv/bin/python tests/reliability/measure.py`` to print the figures
of docs/reliability.md; the tests in this folder run the same workloads with
smaller counts. Every daemon runs on a unix socket in a temporary folder,
in this process or as a ``fakedaemon serve`` child process.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import resource
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from fakedaemon import Daemon, DaemonConfig

API = "/v1.45"


@dataclass
class Tally:
    """Statuses of every request a workload sent, and the failures seen."""

    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    transport_errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, path: str, response: httpx.Response) -> None:
        """Count one response; keep the request of every 5xx."""
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors.append(
                    f"{method} {path}: {response.status_code} {response.text[:200]}"
                )

    @property
    def requests(self) -> int:
        """How many requests got a response."""
        with self.lock:
            return sum(self.statuses.values())


class Client:
    """An httpx client over a unix socket that records every response."""

    def __init__(self, socket_path: str, tally: Tally) -> None:
        transport = httpx.HTTPTransport(uds=socket_path)
        self.http = httpx.Client(
            transport=transport, base_url="http://docker" + API, timeout=60
        )
        self.tally = tally

    def request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """Send one request and record its status."""
        try:
            response = self.http.request(method, path, **options)
        except httpx.HTTPError as error:
            with self.tally.lock:
                self.tally.transport_errors.append(f"{method} {path}: {error!r}")
            raise
        self.tally.record(method, path, response)
        return response

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()


class StreamReader(threading.Thread):
    """Follows a streamed response (events or logs) until the daemon ends it."""

    def __init__(self, socket_path: str, path: str) -> None:
        super().__init__(daemon=True, name=f"stream {path}")
        self.socket_path = socket_path
        self.path = path
        self.lines: list[bytes] = []
        self.ready = threading.Event()
        self.error = ""
        self._lock = threading.Lock()

    def run(self) -> None:
        transport = httpx.HTTPTransport(uds=self.socket_path)
        try:
            with httpx.Client(transport=transport, base_url="http://docker") as client:
                with client.stream("GET", self.path, timeout=None) as response:
                    self.ready.set()
                    for line in response.iter_lines():
                        with self._lock:
                            self.lines.append(line.encode())
        except httpx.HTTPError as error:
            self.error = repr(error)
        finally:
            self.ready.set()

    def events(self) -> list[dict[str, Any]]:
        """Return the JSON documents read so far."""
        with self._lock:
            return [json.loads(line) for line in self.lines if line.strip()]


@dataclass
class ConcurrencyReport:
    """What a concurrency run did and what it found."""

    clients: int
    rounds: int
    seconds: float
    tally: Tally
    created: list[str]
    leftover: list[str]
    missing_destroy: list[str]
    duplicate_names: list[str]
    name_race_winners: int
    streams: int
    stream_errors: list[str]
    peak_rss_growth_mib: float


@contextlib.contextmanager
def served(folder: Path, **settings: Any) -> Iterator[Daemon]:
    """Run a daemon of this process on a unix socket in ``folder``."""
    socket_path = folder / "d.sock"
    with Daemon(DaemonConfig(**settings), hosts=[f"unix://{socket_path}"]) as daemon:
        yield daemon


def _peak_rss_mib() -> float:
    # ru_maxrss is in kibibytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _worker(socket_path: str, tally: Tally, index: int, rounds: int) -> list[str]:
    client = Client(socket_path, tally)
    created = []
    try:
        for number in range(rounds):
            name = f"w{index}-{number}"
            body = {"Image": "busybox", "Cmd": ["sh", "-c", f"echo {name}; sleep 60"]}
            response = client.request(
                "POST", f"/containers/create?name={name}", json=body
            )
            if response.status_code != 201:
                continue
            container_id = response.json()["Id"]
            created.append(container_id)
            client.request("POST", f"/containers/{container_id}/start")
            client.request("GET", f"/containers/{container_id}/json")
            client.request("GET", f"/containers/{container_id}/logs?stdout=1")
            client.request("GET", "/containers/json")
            if number % 2 == 0:
                client.request("POST", "/images/create?fromImage=busybox&tag=latest")
                tag = f"rel{index}:{number}"
                client.request(
                    "POST", f"/images/busybox:latest/tag?repo=rel{index}&tag={number}"
                )
                client.request("DELETE", f"/images/{tag}")
            client.request("POST", f"/containers/{container_id}/stop?t=0")
            client.request("DELETE", f"/containers/{container_id}")
    finally:
        client.close()
    return created


def _race_for_name(socket_path: str, tally: Tally, contenders: int) -> int:
    barrier = threading.Barrier(contenders)
    statuses: list[int] = []
    lock = threading.Lock()

    def contend() -> None:
        client = Client(socket_path, tally)
        try:
            barrier.wait()
            response = client.request(
                "POST", "/containers/create?name=contested", json={"Image": "busybox"}
            )
            with lock:
                statuses.append(response.status_code)
        finally:
            client.close()

    threads = [threading.Thread(target=contend) for _ in range(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cleanup = Client(socket_path, tally)
    cleanup.request("DELETE", "/containers/contested?force=1")
    cleanup.close()
    return statuses.count(201)


def run_concurrency(socket_path: str, clients: int, rounds: int) -> ConcurrencyReport:
    """Run ``clients`` threads of container and image work while streams follow.

    Each client creates, starts, inspects, reads logs of, stops and removes
    ``rounds`` containers, and pulls, tags and untags images every other
    round. Two event streams and two log streams follow the whole run, and
    ``clients`` threads race to create one container name.
    """
    tally = Tally()
    rss_before = _peak_rss_mib()
    setup = Client(socket_path, tally)
    body = {"Image": "busybox", "Cmd": ["sh", "-c", "echo tail; sleep 1000"]}
    setup.request("POST", "/containers/create?name=tail", json=body)
    setup.request("POST", "/containers/tail/start")
    streams = [
        StreamReader(socket_path, "/events"),
        StreamReader(
            socket_path, "/events?filters=%7B%22type%22%3A%5B%22image%22%5D%7D"
        ),
        StreamReader(socket_path, "/containers/tail/logs?follow=1&stdout=1"),
        StreamReader(socket_path, "/containers/tail/logs?follow=1&stdout=1&tail=1"),
    ]
    for stream in streams:
        stream.start()
        stream.ready.wait(10)
    started = time.monotonic()
    results: list[list[str]] = [[] for _ in range(clients)]

    def work(index: int) -> None:
        results[index] = _worker(socket_path, tally, index, rounds)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    winners = _race_for_name(socket_path, tally, clients)
    for thread in threads:
        thread.join()
    seconds = time.monotonic() - started
    created = [container_id for batch in results for container_id in batch]
    missing = _await_destroys(streams[0], created)
    listed = setup.request("GET", "/containers/json?all=1").json()
    names = [item["Names"][0] for item in listed]
    leftover = [name for name in names if name.startswith(("/w", "/contested"))]
    duplicates = [name for name, count in Counter(names).items() if count > 1]
    setup.request("DELETE", "/containers/tail?force=1")
    setup.close()
    for stream in streams[2:]:
        stream.join(timeout=10)
    stream_errors = [s.error for s in streams if s.error]
    return ConcurrencyReport(
        clients=clients,
        rounds=rounds,
        seconds=seconds,
        tally=tally,
        created=created,
        leftover=leftover,
        missing_destroy=missing,
        duplicate_names=duplicates,
        name_race_winners=winners,
        streams=len(streams),
        stream_errors=stream_errors,
        peak_rss_growth_mib=_peak_rss_mib() - rss_before,
    )


def _await_destroys(reader: StreamReader, created: list[str]) -> list[str]:
    """Wait for a create and a destroy event of every container; return the rest."""
    deadline = time.monotonic() + 15
    while True:
        actions = Counter(
            (event["Actor"]["ID"], event["Action"])
            for event in reader.events()
            if event.get("Type") == "container"
        )
        missing = [
            container_id
            for container_id in created
            if actions[(container_id, "create")] != 1
            or actions[(container_id, "destroy")] != 1
        ]
        if not missing or time.monotonic() > deadline:
            return missing
        time.sleep(0.1)


@dataclass
class FaultReport:
    """Connection faults injected and whether the daemon stayed sound."""

    injected: Counter[str]
    healthy_after: bool
    threads_before: int
    threads_after: int


def _connect(socket_path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(socket_path)
    return sock


FAULTS: dict[str, bytes] = {
    "disconnect mid-headers": b"GET /_ping HTTP/1.1\r\nHost: d",
    "disconnect mid-body": (
        b"POST /v1.45/containers/create HTTP/1.1\r\nHost: d\r\n"
        b'Content-Type: application/json\r\nContent-Length: 500\r\n\r\n{"Ima'
    ),
    "disconnect mid-chunk": (
        b"POST /v1.45/containers/create HTTP/1.1\r\nHost: d\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'ff\r\n{"Image"'
    ),
    "disconnect during events stream": (
        b"GET /v1.45/events HTTP/1.1\r\nHost: d\r\n\r\n"
    ),
    "disconnect during logs follow": (
        b"GET /v1.45/containers/faulty/logs?follow=1&stdout=1 HTTP/1.1\r\n"
        b"Host: d\r\n\r\n"
    ),
    "disconnect during attach": (
        b"POST /v1.45/containers/faulty/attach?stream=1&stdin=1&stdout=1 HTTP/1.1"
        b"\r\nHost: d\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
    ),
    "garbage request line": b"\x00\x01\x02 nonsense\r\n\r\n",
    "reset after request": b"GET /v1.45/info HTTP/1.1\r\nHost: d\r\n\r\n",
}
"""Raw bytes each fault sends before the client drops the connection."""


def run_faults(
    socket_path: str, repeats: int, kinds: list[str] | None = None
) -> FaultReport:
    """Drop connections at each stage ``repeats`` times; check the daemon.

    ``kinds`` picks faults by name from ``FAULTS`` (default: all of them).
    """
    faults = {name: FAULTS[name] for name in kinds or FAULTS}
    tally = Tally()
    client = Client(socket_path, tally)
    body = {
        "Image": "busybox",
        "Cmd": ["sh", "-c", "echo x; sleep 1000"],
        "OpenStdin": True,
    }
    client.request("POST", "/containers/create?name=faulty", json=body)
    client.request("POST", "/containers/faulty/start")
    time.sleep(0.2)
    threads_before = threading.active_count()
    injected: Counter[str] = Counter()
    for _ in range(repeats):
        for name, data in faults.items():
            sock = _connect(socket_path)
            sock.sendall(data)
            if name.startswith(("disconnect during", "reset")):
                sock.recv(64)
            if name == "reset after request":
                # An RST instead of a FIN: linger with a zero timeout.
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2
                )
            sock.close()
            injected[name] += 1
    deadline = time.monotonic() + 10
    threads_after = threading.active_count()
    while threads_after > threads_before and time.monotonic() < deadline:
        time.sleep(0.1)
        threads_after = threading.active_count()
    healthy = client.request("GET", "/_ping").text == "OK"
    healthy = (
        healthy
        and client.request("GET", "/containers/faulty/json").json()["State"]["Running"]
    )
    client.request("DELETE", "/containers/faulty?force=1")
    client.close()
    return FaultReport(injected, healthy, threads_before, threads_after)


@dataclass(frozen=True)
class Hostile:
    """One hostile request and the status Engine 26.1 returned for it."""

    name: str
    method: str
    path: str
    body: bytes = b""
    content_type: str | None = None
    expected: int = 400
    deviation: str = ""
    """How the fake differs from Engine 26.1 here, if it does."""


def tar_of(*members: tuple[str, str, str]) -> bytes:
    """Build a tar of (name, kind, link target or content) members."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, kind, value in members:
            info = tarfile.TarInfo(name)
            if kind == "file":
                data = value.encode()
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
            else:
                info.type = tarfile.SYMTYPE if kind == "symlink" else tarfile.LNKTYPE
                info.linkname = value
                archive.addfile(info)
    return buffer.getvalue()


def gzip_bomb(expanded: int) -> bytes:
    """Return a gzip-compressed tar holding one file of ``expanded`` zero bytes."""
    raw = io.BytesIO()
    with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9) as compressed:
        with tarfile.open(fileobj=compressed, mode="w|") as archive:
            info = tarfile.TarInfo("zeros")
            info.size = expanded
            archive.addfile(info, _Zeros(expanded))
    return raw.getvalue()


class _Zeros(io.RawIOBase):
    def __init__(self, size: int) -> None:
        self.left = size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self.left)
        buffer[:count] = bytes(count)
        self.left -= count
        return count


def hostile_requests(outside: Path) -> list[Hostile]:
    """Return the hostile requests; escaping archives aim at ``outside``."""
    container = "/containers/target"
    tar_type = "application/x-tar"
    json_type = "application/json"
    escape = str(outside / "escaped")
    return [
        Hostile(
            "truncated JSON", "POST", "/containers/create", b'{"Image": ', json_type
        ),
        Hostile("JSON array body", "POST", "/containers/create", b"[1,2]", json_type),
        Hostile("JSON number body", "POST", "/containers/create", b"12", json_type),
        Hostile(
            "deeply nested JSON",
            "POST",
            "/containers/create",
            b"[" * 100000 + b"]" * 100000,
            json_type,
            deviation="Engine 26.1 returns 400 'exceeded max depth'; the "
            "fake's decoder hits Python's recursion limit and returns 500",
        ),
        Hostile(
            "text/plain body",
            "POST",
            "/containers/create",
            b'{"Image":"busybox"}',
            "text/plain",
        ),
        Hostile(
            "invalid UTF-8 in JSON",
            "POST",
            "/containers/create",
            b'{"Image":"\xff\xfe"}',
            json_type,
            deviation="Engine 26.1 replaces the bytes and reports "
            "'invalid reference format'; the fake reports invalid UTF-8",
        ),
        Hostile(
            "invalid container name",
            "POST",
            "/containers/create?name=-bad/name",
            b'{"Image":"busybox"}',
            json_type,
        ),
        Hostile(
            "uppercase reference",
            "POST",
            "/images/create?fromImage=UPPER/Case&tag=latest",
        ),
        Hostile("invalid tag", "POST", "/images/busybox/tag?repo=busybox&tag=bad:tag"),
        Hostile("invalid filters JSON", "GET", "/containers/json?filters={bad"),
        Hostile(
            "oversized body",
            "POST",
            "/containers/create",
            b'{"Image":"busybox","Labels":{"a":"' + b"x" * (8 << 20) + b'"}}',
            json_type,
            expected=201,
        ),
        Hostile(
            "archive with ../ path",
            "PUT",
            f"{container}/archive?path=/tmp",
            tar_of(("../../../../../../" + escape.lstrip("/"), "file", "x")),
            tar_type,
            expected=200,
            deviation="Engine 26.1 extracts the entry inside the container; "
            "the fake rejects the archive with 500",
        ),
        Hostile(
            "archive with absolute path",
            "PUT",
            f"{container}/archive?path=/tmp",
            tar_of((escape + "-absolute", "file", "x")),
            tar_type,
            expected=200,
        ),
        Hostile(
            "archive symlink escape",
            "PUT",
            f"{container}/archive?path=/tmp",
            tar_of(("link", "symlink", str(outside)), ("link/via", "file", "x")),
            tar_type,
            expected=200,
        ),
        Hostile(
            "archive hard link escape",
            "PUT",
            f"{container}/archive?path=/tmp",
            tar_of(("hard", "link", "../../../etc/passwd")),
            tar_type,
            expected=500,
        ),
        Hostile(
            "archive that is not a tar",
            "PUT",
            f"{container}/archive?path=/tmp",
            b"not a tar at all",
            tar_type,
            expected=500,
        ),
        Hostile(
            "archive read with ../ path",
            "GET",
            # A relative path starts at the container's root on Engines
            # 20.10 and 26.1, and `..` stops there.
            f"{container}/archive?path=../../../../etc/hostname",
            expected=200,
        ),
        Hostile(
            "load of garbage",
            "POST",
            "/images/load",
            b"garbage",
            tar_type,
            expected=200,
        ),
        Hostile(
            "build of garbage",
            "POST",
            "/build",
            b"garbage",
            tar_type,
            expected=500,
        ),
        Hostile(
            "gzip bomb archive",
            "PUT",
            f"{container}/archive?path=/tmp",
            gzip_bomb(64 << 20),
            tar_type,
            expected=200,
        ),
    ]


@dataclass
class HostileResult:
    """The outcome of one hostile request."""

    case: Hostile
    status: int
    body: bytes

    @property
    def matches(self) -> bool:
        """Whether the status is Engine 26.1's and errors have its JSON form."""
        if self.status != self.case.expected:
            return False
        if self.status >= 400:
            try:
                document = json.loads(self.body)
            except ValueError:
                return False
            return isinstance(document, dict) and isinstance(
                document.get("message"), str
            )
        return True


def run_hostile(socket_path: str, outside: Path) -> list[HostileResult]:
    """Send every hostile request to a daemon with a container named target."""
    tally = Tally()
    client = Client(socket_path, tally)
    client.request("POST", "/containers/create?name=target", json={"Image": "busybox"})
    results = []
    for case in hostile_requests(outside):
        headers = {"Content-Type": case.content_type} if case.content_type else {}
        response = client.request(
            case.method, case.path, content=case.body, headers=headers
        )
        results.append(HostileResult(case, response.status_code, response.content))
    client.request("DELETE", "/containers/target?force=1")
    client.close()
    return results


PROTOCOL_CASES: dict[str, tuple[bytes, bytes]] = {
    "query string of 70 KB": (
        b"GET /v1.45/containers/json?x="
        + b"a" * 70000
        + b" HTTP/1.1\r\nHost: d\r\n\r\n",
        b"HTTP/1.1 200 OK",
    ),
    "query string of 2 MB": (
        b"GET /v1.45/_ping?x=" + b"a" * (2 << 20) + b" HTTP/1.1\r\nHost: d\r\n\r\n",
        b"HTTP/1.1 431 Request Header Fields Too Large",
    ),
    "header of 2 MB": (
        b"GET /_ping HTTP/1.1\r\nHost: d\r\nX-Big: " + b"a" * (2 << 20) + b"\r\n\r\n",
        b"HTTP/1.1 431 Request Header Fields Too Large",
    ),
    "20000 headers": (
        b"GET /_ping HTTP/1.1\r\nHost: d\r\n"
        + b"".join(b"X-%d: v\r\n" % i for i in range(20000))
        + b"\r\n",
        b"HTTP/1.1 200 OK",
    ),
    "malformed request line": (b"GARBAGE\r\n\r\n", b"HTTP/1.1 400 Bad Request"),
    "invalid Content-Length": (
        b"POST /containers/create HTTP/1.1\r\nHost: d\r\nContent-Length: x\r\n\r\n",
        b"HTTP/1.1 400 Bad Request",
    ),
}
"""Raw requests and the status line Engine 26.1 sent for each."""


def run_protocol(socket_path: str) -> dict[str, bytes]:
    """Send each raw request; return the status line received."""
    lines = {}
    for name, (data, _) in PROTOCOL_CASES.items():
        sock = _connect(socket_path)
        try:
            sock.sendall(data)
        except OSError:
            pass
        received = b""
        with contextlib.suppress(OSError):
            while b"\r\n" not in received:
                chunk = sock.recv(4096)
                if not chunk:
                    break
                received += chunk
        sock.close()
        lines[name] = received.split(b"\r\n", 1)[0]
    return lines


def ping(socket_path: str) -> bool:
    """Return whether ``/_ping`` of the daemon at ``socket_path`` returns OK."""
    transport = httpx.HTTPTransport(uds=socket_path)
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        return client.get("/_ping").text == "OK"


def files_under(folder: Path) -> dict[str, tuple[int, float]]:
    """Return the size and modification time of every file under ``folder``."""
    return {
        str(path): (path.stat().st_size, path.stat().st_mtime)
        for path in folder.rglob("*")
        if path.is_file()
    }


@dataclass
class RestartReport:
    """Restarts of a served daemon and what survived them."""

    cycles: int
    crashes: int
    containers: int
    lost: list[str]
    wrong_state: list[str]


def run_restarts(folder: Path, cycles: int, per_cycle: int) -> RestartReport:
    """Create containers, then stop or kill -9 ``fakedaemon serve``; check state.

    Odd cycles end with SIGKILL, even ones with SIGTERM. After each restart
    every container created so far must exist. Containers with restart
    policy ``always`` must run again, and the others must be stopped.
    """
    root = folder / "root"
    socket_path = folder / "r.sock"
    expected: dict[str, str] = {}
    lost: list[str] = []
    wrong: list[str] = []
    crashes = 0
    for cycle in range(cycles + 1):
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fakedaemon",
                "serve",
                "-H",
                f"unix://{socket_path}",
                "--data-root",
                str(root),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdout is not None
        process.stdout.readline()
        transport = httpx.HTTPTransport(uds=str(socket_path))
        with httpx.Client(transport=transport, base_url="http://d" + API) as client:
            for name, policy in expected.items():
                response = client.get(f"/containers/{name}/json")
                if response.status_code != 200:
                    lost.append(name)
                    continue
                state = response.json()["State"]
                if policy == "always" and not state["Running"]:
                    wrong.append(f"{name}: not restarted")
                if policy == "no" and state["Running"]:
                    wrong.append(f"{name}: running after a restart")
            if cycle == cycles:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=15)
                process.stdout.close()
                break
            for number in range(per_cycle):
                name = f"c{cycle}-{number}"
                policy = "always" if number % 2 else "no"
                client.post(
                    f"/containers/create?name={name}",
                    json={
                        "Image": "busybox",
                        "Cmd": ["sleep", "1000"],
                        "HostConfig": {"RestartPolicy": {"Name": policy}},
                    },
                )
                client.post(f"/containers/{name}/start")
                expected[name] = policy
        if cycle % 2:
            time.sleep(0.5)  # let the debounced save run before the crash
            process.kill()
            crashes += 1
        else:
            process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        if process.stdout is not None:
            process.stdout.close()
    return RestartReport(cycles, crashes, len(expected), lost, wrong)


def main() -> int:
    """Run every workload with the counts given and print a Markdown summary."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--fault-repeats", type=int, default=25)
    parser.add_argument("--restart-cycles", type=int, default=6)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fakedaemon-measure-") as name:
        folder = Path(name)
        outside = folder / "outside"
        outside.mkdir()
        sentinel = outside / "sentinel"
        sentinel.write_text("untouched")
        before = files_under(outside)
        with served(folder) as daemon:
            socket_path = daemon.addresses[0].path
            concurrency = run_concurrency(socket_path, options.clients, options.rounds)
            faults = run_faults(socket_path, options.fault_repeats)
            hostile = run_hostile(socket_path, outside)
            protocol = run_protocol(socket_path)
        restarts = run_restarts(folder, options.restart_cycles, 4)
        after = files_under(outside)
    report = concurrency

    print("| figure | value |")
    print("|---|---|")
    print(f"| concurrent clients | {report.clients} (+{report.streams} streams) |")
    print(f"| requests answered | {report.tally.requests} in {report.seconds:.1f} s |")
    print(f"| containers created and removed | {len(report.created)} |")
    print(f"| 5xx responses | {len(report.tally.server_errors)} |")
    print(f"| transport errors | {len(report.tally.transport_errors)} |")
    print(f"| containers left over | {len(report.leftover)} |")
    print(f"| creates without one destroy event | {len(report.missing_destroy)} |")
    print(f"| duplicate names | {len(report.duplicate_names)} |")
    print(
        f"| name race winners ({report.clients} contenders) | "
        f"{report.name_race_winners} |"
    )
    print(f"| peak RSS growth | {report.peak_rss_growth_mib:.0f} MiB |")

    print(
        f"| connection faults injected | {sum(faults.injected.values())} "
        f"({len(faults.injected)} kinds) |"
    )
    print(
        f"| healthy after faults | {faults.healthy_after} "
        f"(threads {faults.threads_before} -> {faults.threads_after}) |"
    )

    matching = sum(result.matches for result in hostile)
    print(f"| hostile API requests matching Engine 26.1 | {matching}/{len(hostile)} |")
    protocol_ok = sum(
        protocol[name].startswith(expected)
        for name, (_, expected) in PROTOCOL_CASES.items()
    )
    print(
        f"| hostile protocol requests matching Engine 26.1 | "
        f"{protocol_ok}/{len(PROTOCOL_CASES)} |"
    )
    changed = set(after.items()) ^ set(before.items())
    print(f"| files outside the data root changed | {len(changed)} |")
    print(f"| restarts (of which kill -9) | {restarts.cycles} ({restarts.crashes}) |")
    print(
        f"| containers lost over restarts | {len(restarts.lost)} of "
        f"{restarts.containers} |"
    )
    print(
        f"| containers in a wrong state after restart | {len(restarts.wrong_state)} |"
    )
    for result in hostile:
        if not result.matches:
            print(
                f"\nmismatch: {result.case.name}: {result.status} "
                f"{result.body[:120]!r} ({result.case.deviation})"
            )
    for error in report.tally.server_errors[:10]:
        print(f"\n5xx: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
