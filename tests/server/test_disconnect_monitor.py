"""The disconnect monitor on bare socket pairs: what counts as a client leaving."""

from __future__ import annotations

import functools
import socket
import threading
from collections.abc import Iterator

import pytest

from fakedaemon.server.disconnect import Disconnect, DisconnectMonitor

from .. import polling


@pytest.fixture
def monitor() -> Iterator[DisconnectMonitor]:
    watcher = DisconnectMonitor()
    watcher.start()
    yield watcher
    watcher.close()


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    """A connected (server side, client side) pair of unix stream sockets."""
    server, client = socket.socketpair()
    yield server, client
    server.close()
    client.close()


eventually = functools.partial(polling.eventually, timeout=2, interval=0.005)


def test_close_fires_callbacks_in_order(
    monitor: DisconnectMonitor, pair: tuple[socket.socket, socket.socket]
) -> None:
    server, client = pair
    notice = Disconnect(monitor, server)
    calls: list[str] = []
    done = threading.Event()
    with notice.notify(lambda: calls.append("first"), lambda: calls.append("second")):
        with notice.notify(done.set):
            client.close()
            fired = done.wait(2)

    assert fired
    assert calls == ["first", "second"]
    assert notice.fired
    assert monitor.watched == 0


def test_half_close_fires_for_request(
    monitor: DisconnectMonitor, pair: tuple[socket.socket, socket.socket]
) -> None:
    server, client = pair
    notice = Disconnect(monitor, server)
    done = threading.Event()
    with notice.notify(done.set):
        client.shutdown(socket.SHUT_WR)

        assert done.wait(2)


def test_next_request_stops_watch(
    monitor: DisconnectMonitor, pair: tuple[socket.socket, socket.socket]
) -> None:
    server, client = pair
    notice = Disconnect(monitor, server)
    done = threading.Event()
    with notice.notify(done.set):
        client.sendall(b"GET /_ping HTTP/1.1\r\n")
        stopped = eventually(lambda: monitor.watched == 0)
        client.shutdown(socket.SHUT_WR)

        assert stopped
        assert not done.wait(0.2)
    # The next request's bytes are still there for the server to read.
    assert server.recv(64) == b"GET /_ping HTTP/1.1\r\n"


def test_hijacked_ignores_half_close(
    monitor: DisconnectMonitor, pair: tuple[socket.socket, socket.socket]
) -> None:
    server, client = pair
    notice = Disconnect(monitor, server)
    notice.hijack()
    done = threading.Event()
    with notice.notify(done.set):
        client.sendall(b"stdin bytes")
        client.shutdown(socket.SHUT_WR)
        ignored = not done.wait(0.2)
        client.close()

        assert ignored
        assert done.wait(2)


def test_hijack_after_subscribe_rearms(
    monitor: DisconnectMonitor, pair: tuple[socket.socket, socket.socket]
) -> None:
    server, client = pair
    notice = Disconnect(monitor, server)
    done = threading.Event()
    with notice.notify(done.set):
        notice.hijack()
        client.shutdown(socket.SHUT_WR)
        ignored = not done.wait(0.2)
        client.close()

        assert ignored
        assert done.wait(2)


def test_subscribe_after_departure_calls_at_once(
    monitor: DisconnectMonitor, pair: tuple[socket.socket, socket.socket]
) -> None:
    server, client = pair
    notice = Disconnect(monitor, server)
    first = threading.Event()
    with notice.notify(first.set):
        client.close()
        first.wait(2)
    calls: list[str] = []
    with notice.notify(lambda: calls.append("late")):
        pass

    assert calls == ["late"]


def test_unsubscribed_callback_not_called(
    monitor: DisconnectMonitor, pair: tuple[socket.socket, socket.socket]
) -> None:
    server, client = pair
    notice = Disconnect(monitor, server)
    calls: list[str] = []
    with notice.notify(lambda: calls.append("left")):
        pass
    done = threading.Event()
    with notice.notify(done.set):
        client.close()
        done.wait(2)

    assert calls == []


def test_close_stops_watch(
    monitor: DisconnectMonitor, pair: tuple[socket.socket, socket.socket]
) -> None:
    server, client = pair
    notice = Disconnect(monitor, server)
    done = threading.Event()
    with notice.notify(done.set):
        watched = monitor.watched
        notice.close()
        client.close()

        assert watched == 1
        assert monitor.watched == 0
        assert not done.wait(0.2)


def test_failing_callback_does_not_stop_others(
    monitor: DisconnectMonitor, pair: tuple[socket.socket, socket.socket]
) -> None:
    server, client = pair
    notice = Disconnect(monitor, server)
    done = threading.Event()

    def broken() -> None:
        raise RuntimeError("broken callback")

    with notice.notify(broken, done.set):
        client.close()

        assert done.wait(2)


def test_reused_number_not_taken_for_departure(monitor: DisconnectMonitor) -> None:
    # A socket closed while watched frees its number for the next
    # connection, whose watch must start fresh.
    server, client = socket.socketpair()
    stale = Disconnect(monitor, server)
    with stale.notify(lambda: None):
        server.close()
    fresh_server, fresh_client = socket.socketpair()
    try:
        fresh = Disconnect(monitor, fresh_server)
        done = threading.Event()
        with fresh.notify(done.set):
            client.close()

            assert not done.wait(0.2)
            fresh_client.close()
            assert done.wait(2)
        stale.close()
        fresh.close()
    finally:
        fresh_server.close()
        fresh_client.close()
