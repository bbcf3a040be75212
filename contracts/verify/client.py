"""Send one recorded request to a daemon and capture its answer as an exchange."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from contracts.exchange.model import (
    CLIENT,
    DAEMON,
    Body,
    Exchange,
    HijackEvent,
    Request,
    Response,
)
from contracts.exchange.streams import OUTPUT_TYPES, decode_output, decode_records
from contracts.exchange.wire import (
    UNTIL_CLOSE,
    BodyDecoder,
    WireError,
    format_head,
    response_body_mode,
    split_head,
)
from contracts.recorder.connection import may_hijack
from contracts.recorder.proxy import connect
from fakedaemon.server.listeners import Address

RECEIVE_SIZE = 65536
# Headers the replay sets itself: the body is sent whole with its length,
# and every request gets its own connection.
HOP_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "keep-alive"}
)


@dataclass(slots=True)
class Timeouts:
    """How long a replay waits, in seconds."""

    response: float = 30.0
    # How long to keep reading a stream the recorded client cut short, once
    # at least as many bytes as recorded have arrived or nothing more comes.
    cut_stream: float = 3.0
    hijack_output: float = 5.0


class ReplayError(Exception):
    """A replayed request that got no usable answer: refused, cut or timed out."""


def request_bytes(request: Request) -> bytes:
    """Return the request as sent on its own connection."""
    body = request.body.data if request.body is not None else b""
    headers = [
        (name, value)
        for name, value in request.headers
        if name.lower() not in HOP_HEADERS
    ]
    if request.header("Upgrade"):
        headers.append(("Connection", "Upgrade"))
    else:
        headers.append(("Connection", "close"))
    if body or request.method in ("POST", "PUT"):
        headers.append(("Content-Length", str(len(body))))
    start = f"{request.method} {request.target} HTTP/1.1"
    return format_head(start, headers) + body


@dataclass(slots=True)
class _Reader:
    """The daemon's side of one connection, read on demand."""

    sock: socket.socket
    buffer: bytes = b""
    closed: bool = False

    def fill(self, deadline: float) -> bool:
        """Read more bytes; return False at end of input or at the deadline."""
        if self.closed:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(RECEIVE_SIZE)
        except TimeoutError:
            return False
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return False
        self.buffer += data
        return True


@dataclass(slots=True)
class Replay:
    """One request replayed, with the events other replays wait for."""

    recorded: Exchange
    request: Request
    responded: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    result: Exchange | None = None
    error: str | None = None
    # Blocks until the replay reaches the point where the recorded client
    # closed this connection early; None when the client never did.
    close_after: Callable[[], None] | None = None


def replay_exchange(
    address: Address, replay: Replay, origin: float, timeouts: Timeouts
) -> Exchange:
    """Send ``replay.request`` and return what the daemon did, as an exchange.

    Sets ``replay.responded`` once the response head is in. A hijacked
    connection is driven by the recorded client bytes: each piece goes out
    once as much output has arrived as had been recorded before it.

    Raises:
        ReplayError: the connection failed or no response head came in time.
    """
    recorded = replay.recorded
    exchange = Exchange(
        seq=recorded.seq,
        request=replay.request,
        connection=recorded.connection,
        started=time.monotonic() - origin,
    )
    try:
        sock = connect(address, timeout=timeouts.response)
    except OSError as error:
        raise ReplayError(f"cannot connect to {address}: {error}") from error
    try:
        sock.sendall(request_bytes(replay.request))
        if replay.close_after is not None:
            _close_later(sock, replay.close_after)
        reader = _Reader(sock)
        deadline = time.monotonic() + timeouts.response
        while True:
            parsed = split_head(reader.buffer)
            if parsed is not None:
                head, reader.buffer = parsed
                if not (100 <= int(head.second) < 200 and head.second != "101"):
                    break
                continue
            if not reader.fill(deadline):
                raise ReplayError("no response head" + _why(reader))
        status = int(head.second)
        response = Response(status=status, reason=head.third, headers=head.headers)
        exchange.response = response
        exchange.responded = time.monotonic() - origin
        replay.responded.set()
        mode, length = response_body_mode(replay.request.method, status, head)
        hijacked = status == 101 or (
            mode == UNTIL_CLOSE
            and may_hijack(replay.request)
            and response.content_type in OUTPUT_TYPES
        )
        if hijacked:
            _drive_hijack(sock, reader, exchange, recorded, origin, timeouts)
        else:
            _read_body(reader, response, BodyDecoder(mode, length), recorded, timeouts)
        exchange.finished = time.monotonic() - origin
        return exchange
    except (OSError, WireError) as error:
        raise ReplayError(str(error)) from error
    finally:
        sock.close()


def _close_later(sock: socket.socket, wait: Callable[[], None]) -> None:
    """Half-close ``sock`` once ``wait`` returns, as the recorded client did."""

    def close() -> None:
        wait()
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass  # the exchange already ended and closed the socket

    threading.Thread(target=close, name="replay-close", daemon=True).start()


def _why(reader: _Reader) -> str:
    return ": the daemon closed the connection" if reader.closed else ": timed out"


def _read_body(
    reader: _Reader,
    response: Response,
    decoder: BodyDecoder,
    recorded: Exchange,
    timeouts: Timeouts,
) -> None:
    cut = recorded.response is not None and not recorded.response.complete
    expected = len(recorded.response.payload) if recorded.response else 0
    deadline = time.monotonic() + (timeouts.cut_stream if cut else timeouts.response)
    pieces: list[bytes] = []
    while True:
        new, reader.buffer = decoder.feed(reader.buffer)
        pieces.extend(new)
        if decoder.done:
            break
        if cut and sum(map(len, pieces)) >= expected:
            break
        if not reader.fill(deadline):
            if reader.closed:
                decoder.finish()
                new, reader.buffer = decoder.feed(reader.buffer)
                pieces.extend(new)
            break
    response.complete = decoder.done
    if decoder.chunked or decoder.mode == UNTIL_CLOSE:
        response.chunks = [Body(piece) for piece in pieces]
        response.records = decode_records(response.content_type, response.payload)
    else:
        data = b"".join(pieces)
        response.body = Body(data) if data else None


def _drive_hijack(
    sock: socket.socket,
    reader: _Reader,
    exchange: Exchange,
    recorded: Exchange,
    origin: float,
    timeouts: Timeouts,
) -> None:
    events: list[HijackEvent] = []
    lock = threading.Condition()
    received = [len(reader.buffer)]
    if reader.buffer:
        events.append(HijackEvent(DAEMON, reader.buffer, time.monotonic() - origin))

    def read_output() -> None:
        sock.settimeout(None)
        while True:
            try:
                data = sock.recv(RECEIVE_SIZE)
            except OSError:
                data = b""
            with lock:
                at = time.monotonic() - origin
                events.append(HijackEvent(DAEMON, data or None, at))
                received[0] += len(data)
                lock.notify_all()
            if not data:
                return

    output = threading.Thread(target=read_output, name="replay-output", daemon=True)
    output.start()
    seen = 0
    for event in recorded.hijack or []:
        if event.source == DAEMON:
            seen += len(event.data or b"")
            continue
        with lock:
            lock.wait_for(
                lambda wanted=seen: received[0] >= wanted,  # type: ignore[misc]
                timeouts.hijack_output,
            )
            events.append(HijackEvent(CLIENT, event.data, time.monotonic() - origin))
        try:
            if event.data is None:
                sock.shutdown(socket.SHUT_WR)
            else:
                sock.sendall(event.data)
        except OSError:
            break
    daemon_closed = any(
        event.source == DAEMON and event.data is None for event in recorded.hijack or []
    )
    output.join(timeouts.response if daemon_closed else timeouts.hijack_output)
    if output.is_alive():
        # The daemon kept the connection open longer than the replay waits;
        # closing the socket ends the reader.
        sock.shutdown(socket.SHUT_RDWR)
        output.join(1.0)
    with lock:
        exchange.hijack = list(events)
    response = exchange.response
    if response is not None and (
        response.content_type in OUTPUT_TYPES or response.status == 101
    ):
        exchange.hijack_records = decode_output(exchange.hijacked_bytes(DAEMON))
