"""Parse one proxied connection's bytes, both ways, into exchanges."""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Callable

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
    LENGTH,
    NONE,
    UNTIL_CLOSE,
    BodyDecoder,
    Head,
    WireError,
    request_body_mode,
    response_body_mode,
    split_head,
)

logger = logging.getLogger("contracts")

# Requests after which dockerd may hijack the connection: attach and exec
# start, with or without `Upgrade: tcp` (older clients get a 200 and then
# the raw stream).
HIJACK_PATH = re.compile(
    r"^(?:/v[0-9.]+)?/(?:containers/[^/]+/attach|exec/[^/]+/start)$"
)

HTTP = "http"
PAUSED = "paused"
RAW = "raw"


def may_hijack(request: Request) -> bool:
    """Return True when the daemon may turn this request's connection raw."""
    if request.header("Upgrade"):
        return True
    path = request.target.split("?", 1)[0]
    return request.method == "POST" and bool(HIJACK_PATH.match(path))


class ConnectionRecorder:
    """Turn the bytes of one client connection into finished exchanges.

    The proxy calls ``client_data``/``daemon_data`` with each piece it
    forwarded, ``client_closed``/``daemon_closed`` at each side's end of
    input, and ``close`` once both are done. Exchanges go to ``emit`` when
    their response ends; a hijacked exchange goes when the connection closes.

    Bytes a client sends after a request that may be hijacked are held back
    from the HTTP parser until the response head shows whether the
    connection turned raw.
    """

    def __init__(
        self,
        number: int,
        clock: Callable[[], float],
        next_seq: Callable[[], int],
        emit: Callable[[Exchange], None],
    ) -> None:
        self.number = number
        self._clock = clock
        self._next_seq = next_seq
        self._emit = emit
        self._lock = threading.Lock()
        self._mode = HTTP
        self._client_buffer = b""
        self._held = b""
        self._request_head: Head | None = None
        self._request_body: list[bytes] = []
        self._request_decoder: BodyDecoder | None = None
        self._request_started = 0.0
        self._request_seq = 0
        self._waiting: deque[Exchange] = deque()
        self._daemon_buffer = b""
        self._response_exchange: Exchange | None = None
        self._response_decoder: BodyDecoder | None = None
        self._response_body: list[bytes] = []
        self._hijacked: Exchange | None = None

    # Client to daemon ----------------------------------------------------

    def client_data(self, data: bytes) -> None:
        """Record bytes the client sent."""
        with self._lock:
            if self._mode == RAW:
                self._hijack_event(CLIENT, data)
            elif self._mode == PAUSED:
                self._held += data
            else:
                self._client_buffer += data
                self._parse_requests()

    def client_closed(self) -> None:
        """Record the end of the client's output."""
        with self._lock:
            if self._mode == RAW:
                self._hijack_event(CLIENT, None)
                return
            now = self._clock()
            if self._response_exchange is not None:
                self._response_exchange.client_closed = now
            for exchange in self._waiting:
                exchange.client_closed = now

    def _parse_requests(self) -> None:
        while self._client_buffer and self._mode == HTTP:
            if self._request_head is None:
                if not self._request_seq:
                    self._request_seq = self._next_seq()
                    self._request_started = self._clock()
                parsed = split_head(self._client_buffer)
                if parsed is None:
                    return
                self._request_head, self._client_buffer = parsed
                mode, length = request_body_mode(self._request_head)
                self._request_decoder = BodyDecoder(mode, length)
            assert self._request_decoder is not None
            pieces, self._client_buffer = self._request_decoder.feed(
                self._client_buffer
            )
            self._request_body.extend(pieces)
            if not self._request_decoder.done:
                return
            self._finish_request()

    def _finish_request(self) -> None:
        head = self._request_head
        assert head is not None
        body = b"".join(self._request_body)
        request = Request(
            method=head.first,
            target=head.second,
            headers=head.headers,
            body=Body(body) if body else None,
        )
        exchange = Exchange(
            seq=self._request_seq,
            request=request,
            connection=self.number,
            started=self._request_started,
        )
        self._waiting.append(exchange)
        self._request_head = None
        self._request_decoder = None
        self._request_body = []
        self._request_seq = 0
        if may_hijack(request):
            self._mode = PAUSED
            self._held, self._client_buffer = self._client_buffer, b""

    # Daemon to client ----------------------------------------------------

    def daemon_data(self, data: bytes) -> None:
        """Record bytes the daemon sent."""
        with self._lock:
            if self._mode == RAW:
                self._hijack_event(DAEMON, data)
                return
            self._daemon_buffer += data
            try:
                self._parse_responses()
            except WireError as error:
                logger.warning("connection %d: %s", self.number, error)
                self._daemon_buffer = b""

    def daemon_closed(self) -> None:
        """Record the end of the daemon's output."""
        with self._lock:
            if self._mode == RAW:
                self._hijack_event(DAEMON, None)
                return
            decoder = self._response_decoder
            if decoder is not None and decoder.mode == UNTIL_CLOSE:
                decoder.finish()
                self._finish_response()

    def _parse_responses(self) -> None:
        while self._daemon_buffer and self._mode != RAW:
            if self._response_exchange is None:
                parsed = split_head(self._daemon_buffer)
                if parsed is None:
                    return
                head, self._daemon_buffer = parsed
                self._start_response(head)
                continue
            decoder = self._response_decoder
            assert decoder is not None
            pieces, self._daemon_buffer = decoder.feed(self._daemon_buffer)
            self._response_body.extend(pieces)
            if decoder.done:
                self._finish_response()
            else:
                return

    def _start_response(self, head: Head) -> None:
        status = int(head.second)
        if 100 <= status < 200 and status != 101:
            return  # an interim response such as 100 Continue; the real one follows
        if self._waiting:
            exchange = self._waiting.popleft()
        else:
            logger.warning("connection %d: response without a request", self.number)
            exchange = Exchange(
                seq=self._next_seq(),
                request=Request("", ""),
                connection=self.number,
                started=self._clock(),
            )
        exchange.responded = self._clock()
        response = Response(status=status, reason=head.third, headers=head.headers)
        exchange.response = response
        mode, length = response_body_mode(exchange.request.method, status, head)
        hijacked = status == 101 or (
            mode == UNTIL_CLOSE
            and may_hijack(exchange.request)
            and response.content_type in OUTPUT_TYPES
        )
        if hijacked:
            self._start_hijack(exchange)
            return
        self._response_exchange = exchange
        self._response_decoder = BodyDecoder(mode, length)
        self._response_body = []
        if mode in (NONE, LENGTH) and self._response_decoder.done:
            self._finish_response()
        if self._mode == PAUSED and not self._waiting:
            self._resume_requests()

    def _resume_requests(self) -> None:
        self._mode = HTTP
        self._client_buffer, self._held = self._held + self._client_buffer, b""
        self._parse_requests()

    def _finish_response(self) -> None:
        exchange = self._response_exchange
        decoder = self._response_decoder
        if exchange is None or decoder is None or exchange.response is None:
            return
        response = exchange.response
        self._store_body(response, decoder, self._response_body)
        exchange.finished = self._clock()
        self._response_exchange = None
        self._response_decoder = None
        self._response_body = []
        self._emit(exchange)

    @staticmethod
    def _store_body(
        response: Response, decoder: BodyDecoder, body: list[bytes]
    ) -> None:
        response.complete = decoder.done
        if decoder.chunked or decoder.mode == UNTIL_CLOSE:
            response.chunks = [Body(piece) for piece in body]
            response.records = decode_records(response.content_type, response.payload)
        else:
            data = b"".join(body)
            response.body = Body(data) if data else None

    # Hijacked connections -------------------------------------------------

    def _start_hijack(self, exchange: Exchange) -> None:
        self._mode = RAW
        self._hijacked = exchange
        exchange.hijack = []
        if self._held:
            self._hijack_event(CLIENT, self._held)
            self._held = b""
        if self._daemon_buffer:
            self._hijack_event(DAEMON, self._daemon_buffer)
            self._daemon_buffer = b""

    def _hijack_event(self, source: str, data: bytes | None) -> None:
        exchange = self._hijacked
        if exchange is None or exchange.hijack is None:
            return
        exchange.hijack.append(HijackEvent(source, data, self._clock()))

    # End of connection ----------------------------------------------------

    def close(self) -> None:
        """Emit what the connection left open: hijacks, cut streams, lone requests."""
        with self._lock:
            if self._hijacked is not None:
                exchange, self._hijacked = self._hijacked, None
                exchange.finished = self._clock()
                response = exchange.response
                output = exchange.hijacked_bytes(DAEMON)
                if response is not None and (
                    response.content_type in OUTPUT_TYPES or response.status == 101
                ):
                    exchange.hijack_records = decode_output(output)
                self._emit(exchange)
            if self._response_exchange is not None:
                self._finish_response()
            while self._waiting:
                exchange = self._waiting.popleft()
                logger.warning(
                    "connection %d: %s %s got no response",
                    self.number,
                    exchange.request.method,
                    exchange.request.target,
                )
                self._emit(exchange)
