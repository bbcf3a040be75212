"""A lean threaded HTTP/1.1 server for the WSGI app, with connection hijack.

Each connection runs in its own thread and may carry many requests
(keep-alive). Responses without a length are sent chunked. A response that
streams sends its status line and headers before its first chunk exists,
because dockerd flushes them before it starts waiting. A handler may take over the
socket through the ``fakedaemon.hijack`` environ function (attach, exec).
"""

from __future__ import annotations

import functools
import io
import logging
import random
import re
import selectors
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterable
from email.utils import formatdate
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, BinaryIO, cast
from urllib.parse import unquote

from ..api.app import HEADERS_KEY, HIJACK_KEY
from .bodies import ChunkedReader, LengthReader
from .disconnect import DISCONNECT_KEY, Disconnect, DisconnectMonitor
from .tls import peer_common_name

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

logger = logging.getLogger("fakedaemon")

MAX_HEADER_BYTES = 1024 * 1024
"""Go's net/http default ``MaxHeaderBytes``; larger headers get a 431."""
HEAD_LIMIT = MAX_HEADER_BYTES + 4096
"""Bytes of request line and headers together, as Go reads them, before a 431."""
REQUEST_ID_KEY = "fakedaemon.request_id"
"""WSGI environ key of the request's id, which log lines about it carry."""
PEER_NAME_KEY = "fakedaemon.peer_name"
"""WSGI environ key of the verified TLS client certificate's common name."""


class _Date:
    """The ``Date`` header value, formatted once a second."""

    def __init__(self) -> None:
        self._second = 0
        self._value = ""

    def value(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._value = formatdate(now, usegmt=True)
        return self._value


_RAW_HIGH_BYTES = re.compile(rb"[\x80-\xff]")

# Log lines need ids that differ, not secret ones. The generator is the
# server's own, so serving requests leaves the process's ``random`` alone.
_REQUEST_IDS = random.Random()


def _percent_encode(match: re.Match[bytes]) -> bytes:
    return b"%%%02X" % match.group()[0]


class _BadRequest(Exception):
    """A request the server rejects before the app handles it.

    The client gets the status alone, as Go sends most of these errors.
    With ``public``, the message follows the status in the status line and
    the body, as Go sends the few it names (``missing required Host header``).
    """

    def __init__(
        self,
        status: str,
        message: str = "",
        *,
        public: bool = False,
        headers_only: bool = False,
    ) -> None:
        super().__init__(status)
        self.status = f"{status}: {message}" if public else status
        self.message = message
        self.headers_only = headers_only
        """Whether Go sends the status with an empty body and no content type (417)."""


class ConnectionHandler(socketserver.BaseRequestHandler):
    """Serves the requests of one connection until it closes."""

    server: WSGIServer
    _base_environ: dict[str, Any]
    _parsed: tuple[bytes, dict[str, str], dict[str, str]] | None = None
    """The last header block of the connection, its headers and their environ keys."""

    def handle(self) -> None:
        sock: socket.socket = self.request
        self.hijacked = False
        reader = cast(BinaryIO, sock.makefile("rb", buffering=65536))
        self.server.track(sock)
        try:
            self._base_environ = self._connection_environ(sock)
            while not self.hijacked:
                try:
                    keep_alive = self._serve_one(sock, reader)
                except _BadRequest as bad:
                    self._send_bad_request(sock, bad)
                    return
                if not keep_alive:
                    return
        except (ConnectionError, TimeoutError, OSError):
            return
        finally:
            self.server.untrack(sock)
            if self.hijacked:
                # A session's stdin reader may still wait on the socket, and
                # closing the buffered reader would wait for it.
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            reader.close()

    def _serve_one(self, sock: socket.socket, reader: BinaryIO) -> bool:
        head = self._read_head(reader)
        if head is None:
            return False
        line, block = head
        # Go splits the request line at single spaces, and the method must
        # be a token: a tab or a doubled space makes the line malformed.
        parts = line.split(b" ")
        if (
            len(parts) != 3
            or not parts[1]
            or not parts[2].startswith(b"HTTP/")
            or (
                parts[0] not in _METHODS
                and _TOKEN.fullmatch(parts[0].decode("latin-1")) is None
            )
        ):
            raise _BadRequest("400 Bad Request", "malformed HTTP request")
        if parts[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
            raise _BadRequest("505 HTTP Version Not Supported")
        # WSGI wants text; bytes above ASCII in the query are kept by
        # percent-encoding them, as Go keeps them as raw bytes.
        target_bytes = parts[1]
        if not target_bytes.isascii():
            target_bytes = _RAW_HIGH_BYTES.sub(_percent_encode, target_bytes)
        method = parts[0].decode("latin-1")
        target = target_bytes.decode("latin-1")
        protocol = parts[2].decode("latin-1")
        headers, header_environ = self._parse(block)
        if protocol == "HTTP/1.1" and "host" not in headers:
            raise _BadRequest(
                "400 Bad Request", "missing required Host header", public=True
            )
        environ = self._environ(method, target, protocol, headers, header_environ)
        body = self._body(environ, headers, reader)
        self._expect(sock, protocol, headers.get("expect", ""), body)
        keep_alive = protocol == "HTTP/1.1"
        connection = headers.get("connection", "").lower()
        if "close" in connection:
            keep_alive = False
        elif "keep-alive" in connection:
            keep_alive = True

        disconnect = Disconnect(self.server.disconnects, sock)

        def hijack() -> tuple[socket.socket, BinaryIO]:
            self.hijacked = True
            disconnect.hijack()
            return sock, reader

        environ[HIJACK_KEY] = hijack
        environ[DISCONNECT_KEY] = disconnect
        started = time.perf_counter()
        self.server.begin_response(sock)
        try:
            status, keep_alive = self._respond(
                sock, environ, method, protocol, keep_alive
            )
        finally:
            disconnect.close()
            self.server.end_response(sock)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s %s %.1fms",
                method,
                target,
                status,
                (time.perf_counter() - started) * 1000,
                extra={"request_id": environ[REQUEST_ID_KEY]},
            )
        if self.hijacked:
            return False
        if not body.drain():
            return False
        return keep_alive

    def _expect(
        self,
        sock: socket.socket,
        protocol: str,
        expect: str,
        body: ChunkedReader | LengthReader,
    ) -> None:
        """Respond to an Expect header as Go does.

        Go sends 100 Continue to an HTTP/1.1 request with a body whose Expect
        lists 100-continue, and 417 to any other Expect.
        """
        if not expect:
            return
        tokens = [token.strip(" \t").lower() for token in expect.split(",")]
        if "100-continue" not in tokens:
            raise _BadRequest(
                "417 Expectation Failed",
                f"unsupported Expect value {expect!r}",
                headers_only=True,
            )
        has_body = isinstance(body, ChunkedReader) or body.remaining > 0
        if protocol == "HTTP/1.1" and has_body:
            # NOTE: Go sends it at the handler's first read of the body. The
            # journal reads every body, so here it goes out before the app runs.
            sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")

    def _read_head(self, reader: BinaryIO) -> tuple[bytes, bytes] | None:
        """Return the request line and the header lines joined by CRLF.

        None means the client closed the connection between requests.
        """
        # Usually the whole head has arrived in one read: take it at once.
        buffered: bytes = reader.peek(HEAD_LIMIT)  # type: ignore[attr-defined]
        end = buffered.find(b"\r\n\r\n")
        if (
            0 < end <= HEAD_LIMIT
            and buffered[:1] not in (b"\r", b"\n")
            and buffered.count(b"\n", 0, end) == buffered.count(b"\r\n", 0, end)
        ):
            line, _, block = reader.read(end + 4)[:end].partition(b"\r\n")
            return line, block
        return self._read_head_lines(reader)

    def _read_head_lines(self, reader: BinaryIO) -> tuple[bytes, bytes] | None:
        """Read the head line by line: it has bare LF line ends or came in pieces."""
        line = reader.readline(HEAD_LIMIT + 1)
        while line in (b"\r\n", b"\n"):
            line = reader.readline(HEAD_LIMIT + 1)
        if not line:
            return None
        # Go counts the request line in MaxHeaderBytes: a long query string
        # is served up to the limit and gets a 431 past it, never a 414.
        if len(line) > HEAD_LIMIT:
            raise _BadRequest("431 Request Header Fields Too Large")
        first = line.rstrip(b"\r\n")
        lines: list[bytes] = []
        total = len(line)
        while True:
            line = reader.readline(HEAD_LIMIT - total + 1)
            total += len(line)
            if total > HEAD_LIMIT:
                raise _BadRequest("431 Request Header Fields Too Large")
            if line in (b"\r\n", b"\n"):
                return first, b"\r\n".join(lines)
            if not line:
                raise ConnectionError("connection closed inside the headers")
            lines.append(line[:-2] if line.endswith(b"\r\n") else line.rstrip(b"\n"))

    def _connection_environ(self, sock: socket.socket) -> dict[str, Any]:
        """Return the environ keys that stay the same for a connection's requests."""
        server = self.server
        environ: dict[str, Any] = {
            "SCRIPT_NAME": "",
            "SERVER_NAME": server.host_name,
            "SERVER_PORT": server.port_text,
            "REMOTE_ADDR": server.remote_address(self.client_address),
            "REMOTE_PORT": "0",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": server.url_scheme,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "werkzeug.socket": sock,
        }
        peer = server.peer_certificate(sock)
        if peer is not None:
            environ["fakedaemon.peer_certificate"] = peer
            name = peer_common_name(sock)
            if name is not None:
                environ[PEER_NAME_KEY] = name
        return environ

    def _parse(self, block: bytes) -> tuple[dict[str, str], dict[str, str]]:
        """Return the headers of ``block`` and the environ keys they set.

        A keep-alive client usually sends the same header lines with every
        request, so a block equal to the previous one reuses its results.
        Requests share them, so nothing may change them.
        """
        parsed = self._parsed
        if parsed is not None and parsed[0] == block:
            return parsed[1], parsed[2]
        headers = _parse_headers(block)
        host = headers.get("host")
        if host is not None and _HOST.fullmatch(host) is None:
            raise _BadRequest("400 Bad Request", "malformed Host header", public=True)
        header_environ: dict[str, str] = {}
        for key, value in headers.items():
            if key == "content-type":
                header_environ["CONTENT_TYPE"] = value
            elif key == "content-length":
                header_environ["CONTENT_LENGTH"] = value
            elif "_" not in key:
                header_environ[_environ_key(key)] = value
        self._parsed = (block, headers, header_environ)
        return headers, header_environ

    def _environ(
        self,
        method: str,
        target: str,
        protocol: str,
        headers: dict[str, str],
        header_environ: dict[str, str],
    ) -> dict[str, Any]:
        path, _, query = target.partition("?")
        if path.startswith(("http://", "https://")):
            path = "/" + path.split("/", 3)[-1] if path.count("/") >= 3 else "/"
        environ = self._base_environ.copy()
        environ["REQUEST_METHOD"] = method
        environ["PATH_INFO"] = unquote(path, "latin-1") if "%" in path else path
        environ["QUERY_STRING"] = query
        environ["RAW_URI"] = environ["REQUEST_URI"] = target
        environ["SERVER_PROTOCOL"] = protocol
        environ.update(header_environ)
        environ[HEADERS_KEY] = headers
        environ[REQUEST_ID_KEY] = f"{_REQUEST_IDS.getrandbits(64):016x}"
        return environ

    def _body(
        self, environ: dict[str, Any], headers: dict[str, str], reader: BinaryIO
    ) -> ChunkedReader | LengthReader:
        encoding = headers.get("transfer-encoding")
        if encoding is not None:
            # The value has no spaces or tabs around it, and Go trims nothing
            # else: "chunked" with a no-break space after it gets a 501.
            if encoding.lower() != "chunked":
                raise _BadRequest(
                    "501 Not Implemented", "Unsupported transfer encoding"
                )
            if "content-length" in headers:
                raise _BadRequest("400 Bad Request", "Content-Length with chunked body")
            body: ChunkedReader | LengthReader = ChunkedReader(reader)
            environ["wsgi.input_terminated"] = True
        else:
            # The value has no spaces or tabs around it. Go accepts only ASCII
            # digits, not "\xb2" (superscript two), which str.isdigit accepts.
            text = headers.get("content-length", "0") or "0"
            if not (text.isascii() and text.isdigit()) or len(text) > 18:
                raise _BadRequest("400 Bad Request", "bad Content-Length")
            body = LengthReader(reader, int(text))
            if body.remaining == 0:
                environ["wsgi.input"] = io.BytesIO()
                return body
        environ["wsgi.input"] = io.BufferedReader(body)
        return body

    def _respond(
        self,
        sock: socket.socket,
        environ: dict[str, Any],
        method: str,
        protocol: str,
        keep_alive: bool,
    ) -> tuple[str, bool]:
        """Send the app's response and return its status code and keep-alive choice.

        An HTTP/1.0 client gets an HTTP/1.0 status line, and a body of unknown
        length without chunks, ended by closing the connection.
        """
        state: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            state["status"] = status
            state["headers"] = headers
            return lambda data: None

        result: Iterable[bytes] = self.server.app(environ, start_response)
        try:
            if self.hijacked:
                return "101", False
            code = int(state["status"][:3])
            status = _status_line(code)
            headers = state["headers"]
            names = {name.lower() for name, _ in headers}
            no_body = method == "HEAD" or code in (204, 304) or code < 200
            http10 = protocol == "HTTP/1.0"
            head = [f"{'HTTP/1.0' if http10 else 'HTTP/1.1'} {status}\r\n"]
            head += [f"{name}: {value}\r\n" for name, value in headers]
            head.append(f"Date: {self.server.date.value()}\r\n")
            if not no_body and "content-length" not in names:
                if isinstance(result, list):
                    length = sum(len(chunk) for chunk in result)
                    head.append(f"Content-Length: {length}\r\n")
                    names.add("content-length")
                elif http10:
                    keep_alive = False
            if http10:
                # Go sends an HTTP/1.0 client a Connection header only when
                # it keeps the connection open.
                if keep_alive:
                    head.append("Connection: keep-alive\r\n")
            elif not keep_alive:
                head.append("Connection: close\r\n")
            if no_body or "content-length" in names:
                body = b"".join(result) if not no_body else b""
                if no_body:
                    for _ in result:
                        pass
                sock.sendall("".join(head).encode("latin-1") + b"\r\n" + body)
                return status[:3], keep_alive
            if http10:
                sock.sendall("".join(head).encode("latin-1") + b"\r\n")
                for chunk in result:
                    if chunk:
                        sock.sendall(chunk)
                return status[:3], False
            head.append("Transfer-Encoding: chunked\r\n\r\n")
            sock.sendall("".join(head).encode("latin-1"))
            for chunk in result:
                if chunk:
                    sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b"0\r\n\r\n")
            return status[:3], keep_alive
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()

    def _send_bad_request(self, sock: socket.socket, bad: _BadRequest) -> None:
        # Go's net/http responds to protocol errors itself, in plain text, then
        # closes its side and lingers so the client can read the response
        # before the connection is torn down.
        # Go's generic 400 body is the status alone; the cause is logged only.
        body = bad.status
        if bad.message:
            logger.debug("rejected request: %s", bad.message)
        if bad.headers_only:
            response = (
                f"HTTP/1.1 {bad.status}\r\nConnection: close\r\n"
                f"Content-Length: 0\r\nDate: {self.server.date.value()}\r\n\r\n"
            )
        else:
            response = (
                f"HTTP/1.1 {bad.status}\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n"
                f"Connection: close\r\n\r\n{body}"
            )
        try:
            sock.sendall(response.encode("latin-1"))
            sock.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + 0.5
            sock.settimeout(0.1)
            while time.monotonic() < deadline:
                try:
                    if not sock.recv(65536):
                        break
                except TimeoutError:
                    continue
        except OSError:
            pass


def _parse_headers(block: bytes) -> dict[str, str]:
    """Return the headers of a head's header lines, joined by CRLF.

    Names are in lower case, and a repeated header's values are joined by
    commas. A repeated Host, or a repeated Content-Length with another
    value, is rejected. Values lose the spaces and tabs around them, as Go
    trims them.
    """
    text = block.decode("latin-1")
    headers: dict[str, str] = {}
    if not text:
        return headers
    # One match accepts a usual head. A head that fails it is checked line
    # by line, so the first invalid line decides the error.
    checked = _WELL_FORMED.fullmatch(text) is not None
    for line in text.split("\r\n"):
        name, separator, value = line.partition(":")
        if not checked:
            _check_header_line(name, separator, value)
        key = name.lower()
        value = value.strip(" \t")
        if key not in headers:
            headers[key] = value
        elif key == "host":
            raise _BadRequest("400 Bad Request", "too many Host headers")
        elif key == "content-length":
            # Go accepts a repeated Content-Length only with the same value.
            if value != headers[key]:
                raise _BadRequest("400 Bad Request", "conflicting Content-Length")
        else:
            headers[key] = f"{headers[key]},{value}"
    return headers


def _check_header_line(name: str, separator: str, value: str) -> None:
    """Reject a header line as Go does: no colon, a bad name, a control byte."""
    if not separator or not name or name != name.strip():
        raise _BadRequest("400 Bad Request", "malformed MIME header line")
    if _TOKEN.fullmatch(name) is None:
        raise _BadRequest("400 Bad Request", "invalid header name", public=True)
    if _CONTROL.search(value) is not None:
        raise _BadRequest("400 Bad Request", "invalid header value")


_TOKEN_CHARACTERS = r"!#$%&'*+\-.^_`|~0-9A-Za-z"
_CONTROL_CHARACTERS = r"\x00-\x08\x0a-\x1f\x7f"
_TOKEN = re.compile(f"[{_TOKEN_CHARACTERS}]+")
"""An HTTP token (RFC 9110): a method or a header name."""
_CONTROL = re.compile(f"[{_CONTROL_CHARACTERS}]")
"""Control characters other than tab, which a header value must not contain."""
_HEADER_LINE = f"[{_TOKEN_CHARACTERS}]+:[^{_CONTROL_CHARACTERS}]*"
_WELL_FORMED = re.compile(f"{_HEADER_LINE}(?:\r\n{_HEADER_LINE})*")
"""Header lines that each pass every check of ``_check_header_line``."""
_HOST = re.compile(r"[0-9A-Za-z!$%&'()*+,\-.:;=\[\]_~]*")
"""A Host value Go accepts: the bytes of a host, a port and a zone, or none."""
_METHODS = frozenset((b"GET", b"HEAD", b"POST", b"PUT", b"DELETE", b"OPTIONS"))
"""Methods known to be tokens, which skip the token check."""


@functools.lru_cache(maxsize=128)
def _status_line(code: int) -> str:
    # Go writes reason phrases in title case ("Not Found"); werkzeug's are
    # upper case.
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} status code {code}"


@functools.lru_cache(maxsize=512)
def _environ_key(name: str) -> str:
    """Return the WSGI environ key of a lower-case header name."""
    return "HTTP_" + name.upper().replace("-", "_")


class WSGIServer(socketserver.ThreadingMixIn, socketserver.BaseServer):
    """A threaded server for one listening socket, given already bound."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        listener: socket.socket,
        app: WSGIApplication,
        *,
        url_scheme: str = "http",
        host_name: str = "localhost",
        port_text: str = "0",
        wrap: Callable[[socket.socket], socket.socket] | None = None,
    ) -> None:
        super().__init__(listener.getsockname(), ConnectionHandler)
        self.socket = listener
        self.app = app
        self.url_scheme = url_scheme
        self.host_name = host_name
        self.port_text = port_text
        self.date = _Date()
        self._wrap = wrap
        self._connections: set[socket.socket] = set()
        self._responding: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._draining = 0
        """How many ``close_connections`` calls wait for responses to end."""
        self._stopping = threading.Event()
        self._stopped = threading.Event()
        self._wake_reader, self._wake_writer = socket.socketpair()
        self.disconnects = DisconnectMonitor()
        """Tells handlers of this server's connections that their client left."""
        self.disconnects.start()

    def fileno(self) -> int:
        return self.socket.fileno()

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Accept connections until ``shutdown``, which wakes the loop at once.

        socketserver's own loop notices a shutdown only at its next poll; a
        daemon per test would wait for that poll at every stop.
        """
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self.socket, selectors.EVENT_READ)
                selector.register(self._wake_reader, selectors.EVENT_READ)
                while not self._stopping.is_set():
                    for key, _ in selector.select(poll_interval):
                        if key.fileobj is self.socket and not self._stopping.is_set():
                            # Accept and hand off, as socketserver's own loop does.
                            self._handle_request_noblock()  # type: ignore[attr-defined]
        finally:
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop the accept loop and wait until it has ended."""
        self._stopping.set()
        try:
            self._wake_writer.send(b"\0")
        except OSError:
            pass
        # A loop that never started has nothing to wait for.
        self._stopped.wait(5)

    def get_request(self) -> tuple[socket.socket, Any]:
        connection, address = self.socket.accept()
        return connection, address

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        if self._wrap is not None:
            try:
                request = self._wrap(request)
            except OSError as error:
                logger.info("handshake with %s failed: %s", client_address, error)
                self.shutdown_request(request)
                return
        super().process_request_thread(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        try:
            request.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        request.close()

    def server_close(self) -> None:
        self.socket.close()
        self.disconnects.close()
        self._wake_reader.close()
        self._wake_writer.close()

    def track(self, sock: socket.socket) -> None:
        """Remember an open connection so ``close_connections`` can end it."""
        with self._lock:
            self._connections.add(sock)

    def untrack(self, sock: socket.socket) -> None:
        """Forget a connection that has closed."""
        with self._lock:
            self._connections.discard(sock)

    def begin_response(self, sock: socket.socket) -> None:
        """Mark ``sock`` as serving a request, which ``close_connections`` awaits."""
        with self._lock:
            self._responding.add(sock)

    def end_response(self, sock: socket.socket) -> None:
        """Mark ``sock`` as idle between requests."""
        with self._lock:
            self._responding.discard(sock)
            if self._draining:
                self._idle.notify_all()

    def close_connections(self, grace: float = 0.0) -> None:
        """Shut down every open connection, releasing streams and attached clients.

        Responses still being written get up to ``grace`` seconds to finish
        first, so a stream that has ended sends its last chunk; idle
        keep-alive connections close at once.
        """
        deadline = time.monotonic() + grace
        with self._lock:
            self._draining += 1
            try:
                while self._responding:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        break
                    self._idle.wait(remaining)
            finally:
                self._draining -= 1
            connections = list(self._connections)
        for sock in connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def remote_address(self, client_address: Any) -> str:
        if isinstance(client_address, tuple) and client_address:
            return str(client_address[0])
        return "@"

    def peer_certificate(self, sock: socket.socket) -> bytes | None:
        getpeercert = getattr(sock, "getpeercert", None)
        if getpeercert is None:
            return None
        try:
            certificate: bytes | None = getpeercert(binary_form=True)
        except ValueError:
            return None
        return certificate
