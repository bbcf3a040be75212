"""A recording proxy: forward a daemon's traffic unchanged and record it."""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from contracts.exchange.files import ScenarioWriter
from contracts.exchange.model import Exchange
from fakedaemon.server.listeners import Address, bind, parse_address

from .connection import ConnectionRecorder
from .redact import redact_exchange

logger = logging.getLogger("contracts")

RECEIVE_SIZE = 65536


def connect(address: Address, timeout: float | None = None) -> socket.socket:
    """Open a stream socket to a ``unix://`` or ``tcp://`` address."""
    if address.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(address.path)
        except OSError:
            sock.close()
            raise
        return sock
    return socket.create_connection((address.host, address.port), timeout=timeout)


class RecordingProxy:
    """Forward every connection from ``listen`` to ``upstream``, recording it.

    Bytes pass through unchanged and in both directions, including
    keep-alive requests, chunked and streamed bodies and hijacked
    connections (after a 101 each side is copied until it closes). Each
    finished exchange has its credentials redacted and then goes to
    ``sink``.

    Args:
        upstream: the daemon, ``unix:///path`` or ``tcp://127.0.0.1:PORT``.
        listen: where clients connect, in the same forms (port 0 picks one).
        sink: receives each exchange, once, after redaction.
    """

    def __init__(
        self, upstream: str, listen: str, sink: Callable[[Exchange], None]
    ) -> None:
        self.upstream = parse_address(upstream)
        self.listen = parse_address(listen)
        self._sink = sink
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._sockets: set[socket.socket] = set()
        self._pumps: set[threading.Thread] = set()
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._connections = itertools.count(1)
        self._origin = time.monotonic()
        self._stopping = threading.Event()

    @property
    def address(self) -> str:
        """The ``DOCKER_HOST`` value clients use to reach the proxy."""
        return str(self.listen)

    def clock(self) -> float:
        """Return seconds since the proxy was created."""
        return time.monotonic() - self._origin

    def next_seq(self) -> int:
        """Return the next exchange number, in order of first request byte."""
        with self._lock:
            return next(self._seq)

    def start(self) -> RecordingProxy:
        """Bind the listening socket and accept connections on a thread."""
        self._listener = bind(self.listen)
        if self.listen.scheme == "tcp":
            self.listen = Address(
                "tcp", host=self.listen.host, port=self._listener.getsockname()[1]
            )
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(
            target=self._accept_loop, name=f"recorder-{self.listen}", daemon=True
        )
        self._thread.start()
        logger.info("recording %s on %s", self.upstream, self.listen)
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, wait for open connections, then cut the rest."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
        if self._listener is not None:
            self._listener.close()
            if self.listen.scheme == "unix":
                Path(self.listen.path).unlink(missing_ok=True)
        deadline = time.monotonic() + timeout
        for pump in list(self._pumps):
            pump.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            for sock in self._sockets:
                _shutdown(sock, socket.SHUT_RDWR)
        for pump in list(self._pumps):
            pump.join(1.0)

    def __enter__(self) -> RecordingProxy:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            try:
                daemon = connect(self.upstream)
            except OSError as error:
                logger.error("cannot reach %s: %s", self.upstream, error)
                client.close()
                continue
            self._serve(client, daemon)

    def _serve(self, client: socket.socket, daemon: socket.socket) -> None:
        number = next(self._connections)
        recorder = ConnectionRecorder(number, self.clock, self.next_seq, self._emit)
        remaining = [2]
        with self._lock:
            self._sockets.update((client, daemon))

        def finished() -> None:
            with self._lock:
                remaining[0] -= 1
                last = remaining[0] == 0
                if last:
                    self._sockets.difference_update((client, daemon))
            if last:
                client.close()
                daemon.close()
                recorder.close()

        upward = threading.Thread(
            target=self._pump,
            args=(client, daemon, recorder.client_data, recorder.client_closed),
            kwargs={"done": finished},
            name=f"recorder-{number}-up",
            daemon=True,
        )
        downward = threading.Thread(
            target=self._pump,
            args=(daemon, client, recorder.daemon_data, recorder.daemon_closed),
            kwargs={"done": finished},
            name=f"recorder-{number}-down",
            daemon=True,
        )
        for pump in (upward, downward):
            self._pumps.add(pump)
            pump.start()

    def _pump(
        self,
        source: socket.socket,
        target: socket.socket,
        record: Callable[[bytes], None],
        closed: Callable[[], None],
        *,
        done: Callable[[], None],
    ) -> None:
        """Copy one direction until end of input, then half-close the other side."""
        try:
            while True:
                try:
                    data = source.recv(RECEIVE_SIZE)
                except OSError:
                    data = b""
                if not data:
                    break
                # Record before forwarding: the answer to these bytes cannot
                # then be parsed before the bytes themselves.
                record(data)
                try:
                    target.sendall(data)
                except OSError:
                    _shutdown(source, socket.SHUT_RD)
                    break
            closed()
            _shutdown(target, socket.SHUT_WR)
        finally:
            self._pumps.discard(threading.current_thread())
            done()

    def _emit(self, exchange: Exchange) -> None:
        try:
            self._sink(redact_exchange(exchange))
        except Exception:
            logger.exception("failed to store exchange %d", exchange.seq)


def _shutdown(sock: socket.socket, how: int) -> None:
    try:
        sock.shutdown(how)
    except OSError:
        pass


class ScenarioRecorder:
    """A :class:`RecordingProxy` that writes one scenario file.

    Args:
        upstream: the daemon to record.
        listen: the proxy's own address.
        path: the scenario file (``.jsonl``) to write.
        name: the scenario's name; ``meta`` goes into the file's header.
    """

    def __init__(
        self,
        upstream: str,
        listen: str,
        path: Path,
        name: str,
        meta: dict[str, Any] | None = None,
    ) -> None:
        self.path = path
        self.writer = ScenarioWriter(path, name, {"upstream": upstream, **(meta or {})})
        self.proxy = RecordingProxy(upstream, listen, self.writer.add)

    @property
    def address(self) -> str:
        """The ``DOCKER_HOST`` value clients use."""
        return self.proxy.address

    def __enter__(self) -> ScenarioRecorder:
        self.proxy.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.proxy.stop()
        self.writer.close()
