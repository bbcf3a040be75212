"""Talk to a fake daemon in the same process: an httpx transport and respx routes.

``InProcessTransport`` calls the daemon's WSGI app directly, without a
socket. Unlike ``httpx.WSGITransport`` it streams: each chunk of a streamed
body (events, logs with ``follow``, pull progress) reaches the client when
the daemon produces it. Operations that need a hijacked connection (attach,
exec start) receive the daemon's 400 response that names the limitation,
so they never hang. Faults that act on the connection become the httpx errors a
socket client would meet (``RemoteProtocolError``).

Example::

    daemon = Daemon()
    with httpx.Client(transport=InProcessTransport(daemon.app),
                      base_url="http://docker") as http:
        http.get("/_ping")
"""

from __future__ import annotations

import io
import logging
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import httpx

from fakedaemon.control.wire import ConnectionDropped, WireFault

if TYPE_CHECKING:
    import respx
    from _typeshed.wsgi import WSGIApplication

    from fakedaemon.daemon import Daemon
    from harness.client import Client

logger = logging.getLogger("harness")

BASE_URL = "http://docker"
"""The base URL in-process clients use; any host name works."""

_INCOMPLETE_BODY = "peer closed connection without sending complete message body"


class InProcessTransport(httpx.BaseTransport):
    """An httpx transport that hands each request to a WSGI app, streaming."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Call the app with ``request`` and return its (streamed) response."""
        body = request.read()
        environ = _environ(request, body)
        started: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = headers
            return lambda data: None

        try:
            result = self.app(environ, start_response)
        except WireFault as fault:
            return _fault_response(fault, request)
        iterator = iter(result)
        first: list[bytes] = []
        if "status" not in started:
            # A WSGI app may call start_response when its body starts.
            try:
                first.append(next(iterator))
            except StopIteration:
                pass
            except ConnectionDropped as dropped:
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                ) from dropped
        return httpx.Response(
            started.get("status", 500),
            headers=started.get("headers", []),
            stream=_WSGIBody(first, iterator, result, request),
            request=request,
        )


class _WSGIBody(httpx.SyncByteStream):
    """The app's body chunks; a dropped connection becomes an httpx error."""

    def __init__(
        self,
        first: list[bytes],
        iterator: Iterator[bytes],
        result: Any,
        request: httpx.Request,
    ) -> None:
        self._first = first
        self._iterator = iterator
        self._result = result
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        yield from self._first
        try:
            for chunk in self._iterator:
                if chunk:
                    yield chunk
        except ConnectionDropped as dropped:
            raise httpx.RemoteProtocolError(
                _INCOMPLETE_BODY, request=self._request
            ) from dropped

    def close(self) -> None:
        close = getattr(self._result, "close", None)
        if close is not None:
            close()


class _TruncatedBody(httpx.SyncByteStream):
    def __init__(self, data: bytes, request: httpx.Request) -> None:
        self._data = data
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        if self._data:
            yield self._data
        raise httpx.RemoteProtocolError(_INCOMPLETE_BODY, request=self._request)


def _fault_response(fault: WireFault, request: httpx.Request) -> httpx.Response:
    if fault.kind == "truncated":
        return httpx.Response(
            fault.status,
            headers=fault.headers,
            stream=_TruncatedBody(fault.body, request),
            request=request,
        )
    if fault.kind == "garbage":
        raise httpx.RemoteProtocolError(
            f"illegal status line: {fault.body[:32]!r}", request=request
        )
    raise httpx.RemoteProtocolError(
        "Server disconnected without sending a response.", request=request
    )


def _environ(request: httpx.Request, body: bytes) -> dict[str, Any]:
    url = request.url
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(url.raw_path.decode("ascii").partition("?")[0], "latin-1"),
        "QUERY_STRING": url.query.decode("ascii"),
        "SERVER_NAME": url.host or "localhost",
        "SERVER_PORT": str(url.port or 80),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "@",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for name, value in request.headers.multi_items():
        key = name.lower()
        if key == "content-type":
            environ["CONTENT_TYPE"] = value
        elif key in ("content-length", "transfer-encoding"):
            continue
        elif "_" not in key:
            # Repeated headers are joined as the daemon's HTTP server joins
            # them; names with "_" are left out there too.
            environ_key = "HTTP_" + key.upper().replace("-", "_")
            previous = environ.get(environ_key)
            environ[environ_key] = value if previous is None else f"{previous},{value}"
    return environ


def http_client(
    daemon: Daemon, base_url: str = BASE_URL, **options: Any
) -> httpx.Client:
    """Return an httpx client whose requests go to ``daemon`` in-process."""
    return httpx.Client(
        transport=InProcessTransport(daemon.app), base_url=base_url, **options
    )


def engine_client(daemon: Daemon, **options: Any) -> Client:
    """Return a ``harness.client.Client`` that reaches ``daemon`` in-process."""
    from harness.client import Client

    return Client(BASE_URL, http_client=http_client(daemon), **options)


def route_to_daemon(
    router: respx.Router, daemon: Daemon, base_url: str = BASE_URL
) -> respx.Route:
    """Route every request under ``base_url`` in a respx router to ``daemon``.

    The path below ``base_url`` becomes the Engine API path, so a base URL
    of ``http://docker.test/api`` sends ``.../api/v1.45/_ping`` to
    ``/v1.45/_ping``.

    Example::

        with respx.mock:
            route_to_daemon(respx.mock, daemon, "http://docker.test")
            httpx.get("http://docker.test/_ping")
    """
    transport = InProcessTransport(daemon.app)
    prefix = httpx.URL(base_url).raw_path.decode("ascii").rstrip("/")

    def forward(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode("ascii")
        if prefix and path.startswith(prefix):
            path = path[len(prefix) :] or "/"
        target = request.url.copy_with(raw_path=path.encode("ascii"))
        inner = httpx.Request(
            request.method,
            target,
            headers=request.headers,
            content=request.read(),
        )
        return transport.handle_request(inner)

    return router.route(url__startswith=base_url).mock(side_effect=forward)
