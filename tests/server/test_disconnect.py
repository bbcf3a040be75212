"""A client that goes away ends its wait, stream or session at once.

Every test drives raw sockets over unix and loopback TCP, so the bytes on
the wire and the moment the client leaves are exact. The expected bytes
were measured on Engines 20.10 and 26.1.
"""

from __future__ import annotations

import functools
import io
import json
import socket
import ssl
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme

from fakedaemon import Daemon, DaemonConfig
from fakedaemon.engine.containers import Container
from fakedaemon.server.listeners import Address, parse_address

from .. import polling

CANCELLED = b'{"Error":{"Message":"context canceled"},"StatusCode":-1}\n'
UPGRADE = "Connection: Upgrade\r\nUpgrade: tcp\r\n"


@pytest.fixture(params=["unix", "tcp"])
def served(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Daemon]:
    """A daemon on a unix socket or on a loopback TCP port."""
    host = f"unix://{tmp_path / 'd.sock'}"
    if request.param == "tcp":
        host = "tcp://127.0.0.1:0"
    with Daemon(DaemonConfig(), hosts=[host]) as daemon:
        yield daemon


@pytest.fixture
def unix_daemon(tmp_path: Path) -> Iterator[Daemon]:
    """A daemon on a unix socket, where a client's full close is visible."""
    with Daemon(DaemonConfig(), hosts=[f"unix://{tmp_path / 'd.sock'}"]) as daemon:
        yield daemon


Connect = Callable[[Daemon], socket.socket]


def open_socket(address: Address) -> socket.socket:
    """Connect to a unix or TCP address, with a 5 s timeout."""
    if address.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(address.path)
        except OSError:
            sock.close()
            raise
    else:
        sock = socket.create_connection((address.host, address.port))
    sock.settimeout(5)
    return sock


@pytest.fixture
def connect() -> Iterator[Connect]:
    """Open connections to a daemon's first address, closed after the test."""
    opened: list[socket.socket] = []

    def open_connection(daemon: Daemon) -> socket.socket:
        sock = open_socket(daemon.addresses[0])
        opened.append(sock)
        return sock

    yield open_connection
    for sock in opened:
        sock.close()


def send(sock: socket.socket, method: str, target: str, headers: str = "") -> None:
    if method == "POST":
        headers += "Content-Length: 0\r\n"
    sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: d\r\n{headers}\r\n".encode())


def post_json(sock: socket.socket, target: str, document: object) -> bytes:
    """Send one POST with a JSON body and ``Connection: close``; return all."""
    body = json.dumps(document).encode()
    headers = "Connection: close\r\nContent-Type: application/json\r\n"
    headers += f"Content-Length: {len(body)}\r\n"
    sock.sendall(f"POST {target} HTTP/1.1\r\nHost: d\r\n{headers}\r\n".encode() + body)
    return read_to_end(sock)


def read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def read_to_end(sock: socket.socket, timeout: float = 5) -> bytes:
    """Read until the daemon closes, raising TimeoutError if it does not."""
    sock.settimeout(timeout)
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    return data


def nothing_within(sock: socket.socket, seconds: float) -> bool:
    """Return whether the daemon sent nothing and kept the connection open."""
    sock.settimeout(seconds)
    try:
        sock.recv(65536)
    except TimeoutError:
        return True
    return False


eventually = functools.partial(polling.eventually, timeout=3)


def running(daemon: Daemon, config: dict[str, object], name: str) -> Container:
    """Create and start a busybox container with ``config``."""
    containers = daemon.engine.containers
    container = containers.create({"Image": "busybox", **config}, None, name)
    containers.start(container.id)
    return container


def idle(daemon: Daemon, name: str = "idle") -> Container:
    return running(daemon, {"Cmd": ["sleep", "1000"]}, name)


def threads_back_to(count: int) -> bool:
    return eventually(lambda: threading.active_count() <= count)


def session_threads() -> int:
    """Count the threads that serve connections or copy a client's stdin."""
    names = ("(process_request_thread)", "(_pump_stdin)")
    return sum(thread.name.endswith(names) for thread in threading.enumerate())


# Waits ----------------------------------------------------------------------


def test_wait_cancelled_by_half_close(served: Daemon, connect: Connect) -> None:
    container = idle(served)
    sock = connect(served)
    send(sock, "POST", f"/v1.41/containers/{container.id}/wait")
    head = read_head(sock)
    sock.shutdown(socket.SHUT_WR)
    rest = read_to_end(sock)

    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"Transfer-Encoding: chunked" in head
    assert rest == b"39\r\n" + CANCELLED + b"\r\n0\r\n\r\n"
    assert container.state.running


@pytest.mark.parametrize("version", ["1.24", "1.29"])
def test_wait_below_130_answers_once(
    served: Daemon, version: str, connect: Connect
) -> None:
    container = idle(served)
    sock = connect(served)
    send(sock, "POST", f"/v{version}/containers/{container.id}/wait")
    silent = nothing_within(sock, 0.3)
    sock.shutdown(socket.SHUT_WR)
    response = read_to_end(sock)
    head, _, body = response.partition(b"\r\n\r\n")

    assert silent
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b"Content-Length: 57" in head
    assert body == CANCELLED


def test_wait_below_130_exit_code(served: Daemon, connect: Connect) -> None:
    container = idle(served)
    sock = connect(served)
    send(sock, "POST", f"/v1.24/containers/{container.id}/wait")
    served.engine.containers.kill(container.id)
    head, _, body = read_head(sock).partition(b"\r\n\r\n")
    body += sock.recv(65536)

    assert b"Content-Length: 19" in head
    assert json.loads(body) == {"StatusCode": 137}


def test_wait_not_cancelled_by_next_request(served: Daemon, connect: Connect) -> None:
    # Go stops watching for the end of input at the first byte of the next
    # request, so neither it nor a half-close after it cancels the wait.
    container = idle(served)
    sock = connect(served)
    send(sock, "POST", f"/v1.45/containers/{container.id}/wait")
    head = read_head(sock)
    send(sock, "GET", "/_ping")
    time.sleep(0.1)
    sock.shutdown(socket.SHUT_WR)
    silent = nothing_within(sock, 0.3)
    served.engine.containers.kill(container.id)
    rest = read_to_end(sock)

    assert head.startswith(b"HTTP/1.1 200 OK")
    assert silent
    assert rest.startswith(b'13\r\n{"StatusCode":137}\n\r\n0\r\n\r\nHTTP/1.1 200 OK')
    assert rest.endswith(b"\r\n\r\nOK")


def test_wait_released_on_close(served: Daemon, connect: Connect) -> None:
    container = idle(served)
    before = threading.active_count()
    sockets = [connect(served) for _ in range(5)]
    for sock in sockets:
        send(sock, "POST", f"/v1.45/containers/{container.id}/wait?condition=removed")
        read_head(sock)
    opened = threading.active_count()
    for sock in sockets:
        sock.close()

    assert opened >= before + 5
    assert threads_back_to(before)


def cancelled_wait(address: Address, version: str) -> tuple[bytes, bytes, bytes]:
    """Half-close a wait for an idle container and return what the daemon sent.

    The result is the status line, the framing header and the bytes after
    the head. The container is created on the daemon at ``address`` and
    removed after.
    """
    with open_socket(address) as sock:
        created = post_json(
            sock, "/containers/create", {"Image": "busybox", "Cmd": ["sleep", "1000"]}
        )
    container_id = json.loads(created.partition(b"\r\n\r\n")[2])["Id"]
    try:
        with open_socket(address) as sock:
            send(
                sock,
                "POST",
                f"/containers/{container_id}/start",
                "Connection: close\r\n",
            )
            read_to_end(sock)
        with open_socket(address) as sock:
            send(sock, "POST", f"/v{version}/containers/{container_id}/wait")
            if version != "1.24":
                head = read_head(sock)
            sock.shutdown(socket.SHUT_WR)
            if version == "1.24":
                head = read_head(sock)
            rest = read_to_end(sock)
    finally:
        with open_socket(address) as sock:
            send(
                sock,
                "DELETE",
                f"/containers/{container_id}?force=1",
                "Connection: close\r\n",
            )
            read_to_end(sock)
    lines = head.split(b"\r\n")
    framing = [
        line
        for line in lines
        if line.lower().startswith((b"content-length:", b"transfer-encoding:"))
    ]
    return lines[0], b"".join(framing), rest


@pytest.mark.real_engine
@pytest.mark.parametrize("version", ["1.24", "1.41"])
def test_cancelled_wait_matches_real_engine(
    real_engine: str, unix_daemon: Daemon, version: str
) -> None:
    expected = cancelled_wait(parse_address(real_engine), version)
    replayed = cancelled_wait(unix_daemon.addresses[0], version)

    assert replayed == expected


# Streams --------------------------------------------------------------------


def test_event_streams_released(served: Daemon, connect: Connect) -> None:
    events = served.engine.events
    before = threading.active_count()
    sockets = [connect(served) for _ in range(8)]
    for sock in sockets:
        send(sock, "GET", "/v1.45/events")
        read_head(sock)
    counted = eventually(lambda: events.listeners == 8)
    for sock in sockets:
        sock.close()

    assert counted
    assert eventually(lambda: events.listeners == 0)
    assert threads_back_to(before)


def test_event_stream_ends_on_half_close(served: Daemon, connect: Connect) -> None:
    sock = connect(served)
    send(sock, "GET", "/v1.45/events")
    read_head(sock)
    sock.shutdown(socket.SHUT_WR)

    assert read_to_end(sock) == b"0\r\n\r\n"
    assert served.engine.events.listeners == 0


def test_info_counts_event_listeners(served: Daemon, connect: Connect) -> None:
    streams = [connect(served) for _ in range(3)]
    for sock in streams:
        send(sock, "GET", "/v1.45/events")
        read_head(sock)
    eventually(lambda: served.engine.events.listeners == 3)
    probe = connect(served)
    send(probe, "GET", "/v1.45/info", "Connection: close\r\n")
    _, _, body = read_to_end(probe).partition(b"\r\n\r\n")

    assert json.loads(body)["NEventsListener"] == 3


def test_log_followers_released(served: Daemon, connect: Connect) -> None:
    container = idle(served)
    before = threading.active_count()
    sockets = [connect(served) for _ in range(8)]
    for sock in sockets:
        send(sock, "GET", f"/v1.45/containers/{container.id}/logs?follow=1&stdout=1")
        read_head(sock)
    counted = eventually(lambda: container.log.followers == 8)
    for sock in sockets:
        sock.close()

    assert counted
    assert eventually(lambda: container.log.followers == 0)
    assert threads_back_to(before)
    assert container.state.running


def test_stats_stream_released_with_frozen_clock(
    served: Daemon, connect: Connect
) -> None:
    # A frozen clock never lets the next sample come, so only the client's
    # departure can end the stream.
    container = idle(served)
    served.engine.clock.freeze()
    before = threading.active_count()
    sock = connect(served)
    send(sock, "GET", f"/v1.45/containers/{container.id}/stats")
    head = read_head(sock)
    sock.shutdown(socket.SHUT_WR)
    rest = read_to_end(sock)

    assert head.startswith(b"HTTP/1.1 200 OK")
    assert rest == b"0\r\n\r\n"
    assert threads_back_to(before)


def test_service_logs_follow_released(served: Daemon, connect: Connect) -> None:
    init = {"ListenAddr": "127.0.0.1:2377", "AdvertiseAddr": "127.0.0.1"}
    joined = post_json(connect(served), "/v1.45/swarm/init", init)
    template = {"ContainerSpec": {"Image": "busybox", "Args": ["sleep", "300"]}}
    service = {"Name": "web", "TaskTemplate": template}
    created = post_json(connect(served), "/v1.45/services/create", service)
    before = threading.active_count()
    follower = connect(served)
    send(follower, "GET", "/v1.45/services/web/logs?follow=1&stdout=1")
    head = read_head(follower)
    follower.shutdown(socket.SHUT_WR)
    rest = read_to_end(follower)

    assert joined.startswith(b"HTTP/1.1 200 OK")
    assert created.startswith(b"HTTP/1.1 201 Created")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert rest == b"0\r\n\r\n"
    assert threads_back_to(before)


def test_build_cancelled_on_half_close(served: Daemon, connect: Connect) -> None:
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        dockerfile = b"FROM busybox\nRUN sleep 1000\n"
        member = tarfile.TarInfo("Dockerfile")
        member.size = len(dockerfile)
        tar.addfile(member, io.BytesIO(dockerfile))
    body = archive.getvalue()
    sock = connect(served)
    sock.sendall(
        b"POST /v1.41/build?version=1 HTTP/1.1\r\nHost: d\r\n"
        b"Content-Type: application/x-tar\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    read_head(sock)
    time.sleep(0.2)
    sock.shutdown(socket.SHUT_WR)
    rest = read_to_end(sock)

    # dockerd kills the step's container, which ends with SIGKILL's 137.
    assert b"returned a non-zero code: 137" in rest
    assert rest.endswith(b"0\r\n\r\n")


# Attach and exec ------------------------------------------------------------


def attach(
    connect: Connect, daemon: Daemon, container: Container, query: str
) -> socket.socket:
    sock = connect(daemon)
    send(sock, "POST", f"/v1.45/containers/{container.id}/attach?{query}", UPGRADE)
    head = read_head(sock)
    assert head.startswith(b"HTTP/1.1 101 UPGRADED"), head
    return sock


def test_attach_released_on_close(unix_daemon: Daemon, connect: Connect) -> None:
    # The container writes nothing, so only the close itself can end these.
    container = running(
        unix_daemon, {"Cmd": ["sleep", "1000"], "OpenStdin": True}, "held"
    )
    before = threading.active_count()
    sessions = [
        attach(connect, unix_daemon, container, "stream=1&stdout=1"),
        attach(connect, unix_daemon, container, "stream=1&stdout=1&stderr=1&logs=1"),
        attach(connect, unix_daemon, container, "stream=1&stdout=1&stdin=1"),
    ]
    counted = eventually(lambda: container.log.followers == 3)
    for sock in sessions:
        sock.close()

    assert counted
    assert eventually(lambda: container.log.followers == 0, timeout=1)
    assert threads_back_to(before)
    assert container.state.running


def test_attach_over_tcp_released_at_next_write(
    tmp_path: Path, connect: Connect
) -> None:
    # Over TCP a closed client sent the same FIN as a half-closed one, so
    # the session learns it from the reset its next write brings back.
    with Daemon(DaemonConfig(), hosts=["tcp://127.0.0.1:0"]) as daemon:
        command = ["sh", "-c", "sleep 0.5; echo one; sleep 1000"]
        container = running(daemon, {"Cmd": command}, "late")
        sock = attach(connect, daemon, container, "stream=1&stdout=1")
        counted = eventually(lambda: container.log.followers == 1)
        sock.close()

        assert counted
        assert eventually(lambda: container.log.followers == 0)


def test_attach_survives_half_close(served: Daemon, connect: Connect) -> None:
    # The docker CLI half-closes an attach without stdin at once.
    command = ["sh", "-c", "sleep 0.3; echo late; sleep 1000"]
    container = running(served, {"Cmd": command}, "late")
    sock = attach(connect, served, container, "stream=1&stdout=1")
    sock.shutdown(socket.SHUT_WR)
    sock.settimeout(5)
    output = sock.recv(65536)

    assert output == b"\x01\x00\x00\x00\x00\x00\x00\x05late\n"
    assert container.log.followers == 1


@pytest.mark.parametrize(
    "config",
    [
        {"OpenStdin": True},
        {"OpenStdin": True, "Tty": True},
        {"OpenStdin": True, "StdinOnce": True, "Tty": True},
    ],
    ids=["open", "tty", "tty stdin once"],
)
def test_attach_stdin_end_ends_session(
    served: Daemon, config: dict[str, object], connect: Connect
) -> None:
    container = running(served, {"Cmd": ["cat"], **config}, "cat")
    sock = attach(connect, served, container, "stream=1&stdout=1&stdin=1")
    sock.shutdown(socket.SHUT_WR)

    assert read_to_end(sock, timeout=2) == b""
    assert eventually(lambda: container.log.followers == 0)
    # The container's stdin stays open, so cat keeps running.
    time.sleep(0.1)
    assert container.state.running


def test_attach_stdin_once_keeps_output(served: Daemon, connect: Connect) -> None:
    config = {"Cmd": ["sh", "-c", "cat; echo done"], "OpenStdin": True}
    container = running(served, {**config, "StdinOnce": True}, "once")
    sock = attach(connect, served, container, "stream=1&stdout=1&stdin=1")
    sock.sendall(b"hi\n")
    sock.shutdown(socket.SHUT_WR)
    output = read_to_end(sock)

    assert output == (
        b"\x01\x00\x00\x00\x00\x00\x00\x03hi\n\x01\x00\x00\x00\x00\x00\x00\x05done\n"
    )


def test_attach_without_stdin_ignores_half_close(
    served: Daemon, connect: Connect
) -> None:
    container = running(served, {"Cmd": ["cat"], "OpenStdin": True}, "cat")
    sock = attach(connect, served, container, "stream=1&stdout=1")
    sock.shutdown(socket.SHUT_WR)

    assert nothing_within(sock, 0.3)
    assert container.log.followers == 1


def exec_session(
    connect: Connect, daemon: Daemon, container: Container, tty: bool
) -> socket.socket:
    instance = daemon.engine.execs.create(
        container.id,
        {
            "Cmd": ["sleep", "1000"],
            "AttachStdin": True,
            "AttachStdout": True,
            "Tty": tty,
        },
    )
    body = json.dumps({"Tty": tty})
    sock = connect(daemon)
    headers = f"{UPGRADE}Content-Type: application/json\r\n"
    headers += f"Content-Length: {len(body)}\r\n"
    sock.sendall(
        f"POST /v1.45/exec/{instance.id}/start HTTP/1.1\r\nHost: d\r\n{headers}\r\n"
        f"{body}".encode()
    )
    assert read_head(sock).startswith(b"HTTP/1.1 101 UPGRADED")
    return sock


def test_exec_tty_stdin_end_ends_session(served: Daemon, connect: Connect) -> None:
    sock = exec_session(connect, served, idle(served), tty=True)
    sock.shutdown(socket.SHUT_WR)

    assert read_to_end(sock, timeout=2) == b""


def test_exec_stdin_end_keeps_session(served: Daemon, connect: Connect) -> None:
    sock = exec_session(connect, served, idle(served), tty=False)
    sock.shutdown(socket.SHUT_WR)

    assert nothing_within(sock, 0.3)


def test_exec_released_on_close(unix_daemon: Daemon, connect: Connect) -> None:
    # Each exec's process keeps running, as dockerd's does, so only the
    # threads of the sessions themselves must go.
    container = idle(unix_daemon)
    before = session_threads()
    sessions = [
        exec_session(connect, unix_daemon, container, tty=False) for _ in range(3)
    ]
    opened = eventually(lambda: session_threads() == before + 6)
    for sock in sessions:
        sock.close()

    assert opened
    assert eventually(lambda: session_threads() == before)


# TLS ------------------------------------------------------------------------


def test_tls_event_stream_released(tmp_path: Path) -> None:
    authority = trustme.CA()
    certificate = authority.issue_cert("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    certificate.cert_chain_pems[0].write_to_path(str(cert))
    certificate.private_key_pem.write_to_path(str(key))
    config = DaemonConfig(tls=True, tls_cert=str(cert), tls_key=str(key))
    context = ssl.create_default_context()
    authority.configure_trust(context)
    with Daemon(config, hosts=["tcp://127.0.0.1:0"]) as daemon:
        address = daemon.addresses[0]
        raw = socket.create_connection((address.host, address.port), timeout=5)
        sock = context.wrap_socket(raw, server_hostname="127.0.0.1")
        send(sock, "GET", "/v1.45/events")
        head = read_head(sock)
        counted = eventually(lambda: daemon.engine.events.listeners == 1)
        sock.close()

        assert head.startswith(b"HTTP/1.1 200 OK")
        assert counted
        assert eventually(lambda: daemon.engine.events.listeners == 0)
