"""Memory bounds: output and event buffers drop the oldest entries at their limit."""

from __future__ import annotations

import resource
import threading
from pathlib import Path
from types import ModuleType

import httpx

from fakedaemon import Daemon, DaemonConfig
from fakedaemon.clock import Clock
from fakedaemon.engine.events import DEFAULT_BUFFER, EventLog
from fakedaemon.engine.hostconfig import default_host_config
from fakedaemon.engine.output import DEFAULT_LOG_LIMIT, OutputLog


def test_output_log_keeps_limit() -> None:
    log = OutputLog()
    chunk = b"x" * 65536
    for number in range(3 * DEFAULT_LOG_LIMIT // len(chunk)):
        log.append("stdout", number, chunk)
    kept = sum(len(entry.data) for entry in log.entries())
    assert kept <= DEFAULT_LOG_LIMIT


def test_output_log_keeps_newest() -> None:
    log = OutputLog(limit=10)
    for number in range(5):
        log.append("stdout", number, b"%d-abc" % number)
    assert [entry.data for entry in log.entries()] == [b"3-abc", b"4-abc"]


def test_output_log_reader_skips_dropped() -> None:
    log = OutputLog(limit=10)
    for number in range(5):
        log.append("stdout", number, b"%d-abc" % number)
    entries, position = log.read_from(0)
    assert [entry.data for entry in entries] == [b"3-abc", b"4-abc"]
    assert position == 5


def test_output_log_empty_reads() -> None:
    log = OutputLog()
    log.notify()
    assert log.entries() == []
    assert log.read_from(0) == ([], 0)
    assert log.end == 0


def test_output_log_clear_then_append() -> None:
    log = OutputLog()
    log.append("stdout", 1, b"a")
    log.clear()
    log.append("stderr", 2, b"b")
    entries, position = log.read_from(0)
    assert [entry.data for entry in entries] == [b"b"]
    assert position == 2


def test_output_log_follow_wakes_on_append() -> None:
    log = OutputLog()
    finished = threading.Event()
    stop = threading.Event()
    received: list[bytes] = []

    def read() -> None:
        received.extend(entry.data for entry in log.follow(0, finished, stop))

    reader = threading.Thread(target=read)
    reader.start()
    log.append("stdout", 1, b"late")
    finished.set()
    log.notify()
    reader.join(timeout=5)
    assert not reader.is_alive()
    assert received == [b"late"]


def test_host_config_defaults_not_shared_at_top() -> None:
    first = default_host_config()
    second = default_host_config()
    first["Memory"] = 1
    assert second["Memory"] == 0
    assert default_host_config(legacy=True)["RestartPolicy"]["Name"] == ""
    assert default_host_config()["RestartPolicy"]["Name"] == "no"


def test_event_log_keeps_capacity() -> None:
    events = EventLog(Clock())
    for number in range(3 * DEFAULT_BUFFER):
        events.publish("container", "create", f"id{number}")
    kept = events.snapshot()
    assert len(kept) == DEFAULT_BUFFER
    assert kept[-1].actor_id == f"id{3 * DEFAULT_BUFFER - 1}"


def test_container_output_bounded(tmp_path: Path) -> None:
    socket_path = tmp_path / "d.sock"
    with Daemon(DaemonConfig(), hosts=[f"unix://{socket_path}"]) as daemon:
        transport = httpx.HTTPTransport(uds=str(socket_path))
        with httpx.Client(transport=transport, base_url="http://docker") as client:
            client.post("/containers/create?name=chatty", json={"Image": "busybox"})
            container = daemon.engine.containers.get("chatty")
            for number in range(40):
                container.log.append("stdout", number, b"y" * (1 << 20))
            body = client.get("/containers/chatty/logs?stdout=1").content
    # Each 1 MiB write is framed with an 8-byte header.
    assert len(body) <= DEFAULT_LOG_LIMIT + 8 * 40


def test_archive_bomb_memory(measure: ModuleType, socket_path: str) -> None:
    expanded = 64 << 20
    bomb = measure.gzip_bomb(expanded)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    transport = httpx.HTTPTransport(uds=socket_path)
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        client.post("/containers/create?name=target", json={"Image": "busybox"})
        response = client.put(
            "/containers/target/archive?path=/tmp",
            content=bomb,
            headers={"Content-Type": "application/x-tar"},
            timeout=60,
        )
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    assert len(bomb) < expanded // 100
    assert response.status_code == 200
    # NOTE: the extracted file lives in the container's in-memory
    # filesystem, so memory grows with the expanded size. This checks that
    # it grows by no more than a few copies of it.
    assert growth < 4 * expanded
