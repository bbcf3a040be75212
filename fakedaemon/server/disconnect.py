"""Notice that a client went away while its request is still being served.

Go's net/http cancels a request's context when a read of the connection
reaches the end of the client's input, a half-close included. It watches
for that once the request body has been read, and dockerd's waits and
streams end on the cancellation. The first byte of a pipelined next
request stops the watch, so data the client sends next is never taken for
a departure (Engines 20.10 and 26.1 do not cancel a wait followed by a
pipelined request and a half-close).

A hijacked connection (attach, exec start) counts as gone only once it is
closed in both directions or reset, because the docker CLI (28.2)
half-closes it as soon as it has no more stdin to send, and at once when
it attaches without stdin. A unix socket shows the client's full close.
Over TCP a FIN looks the same after a close as after a half-close, so
there a hijacked session learns of a vanished client from the reset that
its next write brings back, as dockerd's sessions do.

One ``DisconnectMonitor`` per server watches, on one epoll thread, the
sockets of requests whose handlers subscribed. Requests without a
subscriber are never watched, so plain requests pay nothing.
"""

from __future__ import annotations

import enum
import logging
import select
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

logger = logging.getLogger("fakedaemon")

SUPPORTED = hasattr(select, "epoll")
"""Whether this platform has epoll; without it no departure is noticed early."""

if SUPPORTED:
    # The peer's FIN raises EPOLLRDHUP even while unread data waits.
    _REQUEST_EVENTS = select.EPOLLIN | select.EPOLLRDHUP
    # TLS records cannot be peeked at, so a TLS request watches for the FIN
    # only, and a close_notify alert sent before it does not stop the watch.
    _TLS_REQUEST_EVENTS = select.EPOLLRDHUP
    # EPOLLHUP and EPOLLERR are always reported; nothing else is wanted.
    _HIJACK_EVENTS = 0

DISCONNECT_KEY = "fakedaemon.disconnect"
"""WSGI environ key of the request's ``Disconnect``, absent in-process."""

Callback = Callable[[], None]


class Disconnect:
    """The departure of one request's client, for its handler to subscribe to.

    The server creates one per request. A handler that blocks or streams
    subscribes with ``notify``; the first subscription starts the watch,
    which ends with the response.
    """

    __slots__ = (
        "_monitor",
        "sock",
        "hijacked",
        "fired",
        "_subscriptions",
        "_fd",
        "_settled",
    )

    def __init__(self, monitor: DisconnectMonitor, sock: socket.socket) -> None:
        self._monitor = monitor
        self.sock = sock
        self.hijacked = False
        self.fired = False
        """Whether the client has gone; set once, by the monitor's thread."""
        self._subscriptions: list[tuple[Callback, ...]] = []
        # The socket's number while it is watched, else -1.
        self._fd = -1
        # A request watch that saw the client's next request, and stopped.
        self._settled = False

    @contextmanager
    def notify(self, *callbacks: Callback) -> Iterator[None]:
        """Call ``callbacks`` in order, once, if the client goes away in the block.

        Subscribe from the request's own thread. The callbacks run on the
        monitor's thread, or at once when the client has already gone, so
        each must return quickly: set an event, wake a condition.
        """
        self._monitor.subscribe(self, callbacks)
        try:
            yield
        finally:
            self._monitor.unsubscribe(self, callbacks)

    def hijack(self) -> None:
        """Switch to the hijacked connection's rule: only a full close is gone."""
        self._monitor.rearm(self)

    def close(self) -> None:
        """Stop watching, because the response is complete (the server calls this)."""
        # Watches start only from this request's thread (see ``notify``),
        # so a -1 read here cannot race with one starting.
        if self._fd >= 0:
            self._monitor.unwatch(self)


class DisconnectMonitor:
    """Watches subscribed requests' sockets on one thread and fires their notices."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watched: dict[int, Disconnect] = {}
        self._epoll: select.epoll | None = None
        self._thread: threading.Thread | None = None
        self._wake_reader: socket.socket | None = None
        self._wake_writer: socket.socket | None = None
        self._closed = False

    def start(self) -> None:
        """Start the thread; sockets are watched from now until ``close``."""
        # NOTE: without epoll (macOS, BSD) nothing is watched, so a vanished
        # client is noticed only when a write to it fails.
        with self._lock:
            if SUPPORTED and self._epoll is None and not self._closed:
                self._start_locked()

    @property
    def watched(self) -> int:
        """The number of sockets being watched."""
        with self._lock:
            return len(self._watched)

    def subscribe(self, notice: Disconnect, callbacks: tuple[Callback, ...]) -> None:
        """Add ``callbacks`` to ``notice`` and start watching its socket."""
        with self._lock:
            if not notice.fired:
                notice._subscriptions.append(callbacks)
                if notice._fd < 0 and not notice._settled:
                    self._watch_locked(notice)
                return
        _run(callbacks)

    def unsubscribe(self, notice: Disconnect, callbacks: tuple[Callback, ...]) -> None:
        """Remove ``callbacks`` from ``notice``; its socket stays watched."""
        with self._lock:
            if callbacks in notice._subscriptions:
                notice._subscriptions.remove(callbacks)

    def rearm(self, notice: Disconnect) -> None:
        """Apply the hijack rule to ``notice``, keeping its subscriptions."""
        with self._lock:
            notice.hijacked = True
            notice._settled = False
            if notice._fd >= 0 or notice._subscriptions:
                self._unwatch_locked(notice)
                self._watch_locked(notice)

    def unwatch(self, notice: Disconnect) -> None:
        """Stop watching ``notice``'s socket."""
        with self._lock:
            self._unwatch_locked(notice)

    def close(self) -> None:
        """Stop the thread and release the epoll object."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            writer = self._wake_writer
        if writer is not None:
            try:
                writer.send(b"\0")
            except OSError:
                pass
        if thread is not None:
            thread.join(timeout=5)
        with self._lock:
            for resource in (self._epoll, self._wake_reader, self._wake_writer):
                if resource is not None:
                    resource.close()
            for notice in self._watched.values():
                notice._fd = -1
            self._watched.clear()

    def _watch_locked(self, notice: Disconnect) -> None:
        epoll = self._epoll
        if epoll is None or self._closed:
            return
        if notice.hijacked:
            events = _HIJACK_EVENTS
        elif _is_tls(notice.sock):
            events = _TLS_REQUEST_EVENTS
        else:
            events = _REQUEST_EVENTS
        try:
            fd = notice.sock.fileno()
            if fd < 0:
                return
            try:
                epoll.register(fd, events)
            except FileExistsError:
                # A socket closed while watched left its number registered.
                epoll.modify(fd, events)
        except OSError as error:
            logger.debug("cannot watch connection %s: %s", notice.sock, error)
            return
        self._watched[fd] = notice
        notice._fd = fd

    def _unwatch_locked(self, notice: Disconnect) -> None:
        fd, notice._fd = notice._fd, -1
        # A socket closed while watched may have passed its number on.
        if fd >= 0 and self._watched.get(fd) is notice:
            del self._watched[fd]
            self._forget_locked(fd)

    def _forget_locked(self, fd: int) -> None:
        if self._epoll is None:
            return
        try:
            self._epoll.unregister(fd)
        except OSError:
            pass

    def _start_locked(self) -> None:
        self._epoll = select.epoll()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._epoll.register(self._wake_reader.fileno(), select.EPOLLIN)
        self._thread = threading.Thread(
            target=self._run,
            args=(self._epoll, self._wake_reader.fileno()),
            name="fakedaemon-disconnects",
            daemon=True,
        )
        self._thread.start()

    def _run(self, epoll: select.epoll, wake: int) -> None:
        while True:
            try:
                events = epoll.poll()
            except OSError:
                return
            fired: list[tuple[Callback, ...]] = []
            with self._lock:
                if self._closed:
                    return
                for fd, _ in events:
                    notice = self._watched.get(fd) if fd != wake else None
                    if notice is None:
                        continue
                    # The events may be stale: the socket they were for can
                    # have closed and its number gone to a new connection,
                    # so the verdict comes from the socket as it is now.
                    verdict = _verdict(notice)
                    if verdict is _Verdict.WAIT:
                        continue
                    self._unwatch_locked(notice)
                    if verdict is _Verdict.NEXT_REQUEST:
                        notice._settled = True
                        continue
                    notice.fired = True
                    fired += notice._subscriptions
                    notice._subscriptions = []
            for callbacks in fired:
                _run(callbacks)


class _Verdict(enum.Enum):
    WAIT = "wait"
    GONE = "gone"
    NEXT_REQUEST = "next request"


def _is_tls(sock: socket.socket) -> bool:
    """Return whether ``sock`` is a TLS connection.

    ``fakedaemon.server.tls`` imports ssl only for TLS listeners, and
    without ssl loaded no socket can be an ``SSLSocket``.
    """
    ssl = sys.modules.get("ssl")
    return ssl is not None and isinstance(sock, ssl.SSLSocket)


def _verdict(notice: Disconnect) -> _Verdict:
    """Decide from the socket's state now whether the client has gone."""
    sock = notice.sock
    fd = sock.fileno()
    if fd < 0:
        return _Verdict.GONE
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLRDHUP)
    ready = poller.poll(0)
    events = ready[0][1] if ready else 0
    if events & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
        return _Verdict.GONE
    if notice.hijacked:
        return _Verdict.WAIT
    if _is_tls(sock):
        return _Verdict.GONE if events & select.POLLRDHUP else _Verdict.WAIT
    if not events & select.POLLIN:
        return _Verdict.WAIT
    try:
        peeked = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return _Verdict.WAIT
    except OSError:
        return _Verdict.GONE
    return _Verdict.GONE if peeked == b"" else _Verdict.NEXT_REQUEST


def _run(callbacks: tuple[Callback, ...]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:
            logger.exception("a disconnect callback failed")
