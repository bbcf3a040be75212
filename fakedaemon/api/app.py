"""The WSGI application: routing, version check, headers and error rendering."""

from __future__ import annotations

import functools
import logging
import operator
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, Map
from werkzeug.wrappers import Request, Response

from ..errors import DaemonError, InvalidParameter, NotImplementedByDaemon
from ..versions import APIVersion
from .call import Call
from .jsonenc import dump_line
from .request import APIRequest
from .responses import Buffered, Hijack, HijackedConnection, extend_trusted
from .routers import all_routes
from .routing import MatchRule, Route

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from ..engine.engine import Engine
    from ..profiles import EngineProfile

logger = logging.getLogger("fakedaemon")

HIJACK_KEY = "fakedaemon.hijack"
"""WSGI environ key of the server's hijack function, absent in-process."""
HEADERS_KEY = "fakedaemon.headers"
"""WSGI environ key of the request headers as the server parsed them, with
names in lower case and repeated headers joined by commas. Absent in-process."""

PAGE_NOT_FOUND = dump_line({"message": "page not found"})

_VERSION_PREFIX = re.compile(r"^/v([0-9.]+)(?=/)")

MATCH_CACHE_SIZE = 4096
"""Most (method, path) pairs whose route match an app remembers.

Paths with ids (``/containers/{id}/json``) are remembered too, so the table
starts over when it is full, which bounds it whatever the paths clients use.
"""


Dispatch = Callable[[Request], Response]


class Middleware(Protocol):
    """A wrapper around ``dispatch``: gets the request and the next step to call."""

    def __call__(
        self, request: Request, call_next: Callable[[Request], Response]
    ) -> Response: ...


EXPERIMENTAL_DISABLED = (
    "This experimental feature is disabled by default. Start the Docker daemon in "
    "experimental mode in order to enable it."
)


class _VersionConverter(BaseConverter):
    # dockerd's router matches versions with `[0-9.]+`.
    regex = r"[0-9.]+"


@functools.cache
def _route_table() -> tuple[list[Route], Map]:
    """Build the routes and their URL map once per process.

    The table contains no state, so every daemon of the process shares it.
    Compiling it took about 100 ms here, which a daemon per test would feel.
    With ``MatchRule`` it takes about 10 ms.
    """
    routes = all_routes()
    rules = []
    for index, route in enumerate(routes):
        for prefix in ("", "/v<version:version>"):
            rules.append(
                MatchRule(prefix + route.path, methods=[route.method], endpoint=index)
            )
    url_map = Map(
        rules,
        converters={"version": _VersionConverter},
        strict_slashes=True,
        merge_slashes=False,
    )
    # werkzeug adds HEAD to every GET rule; dockerd does not.
    for rule in url_map.iter_rules():
        if rule.methods is not None and "GET" in rule.methods:
            rule.methods.discard("HEAD")
    return routes, url_map


class APIApp:
    """The Engine API as a WSGI application over one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.middlewares: list[Middleware] = []
        """Wrappers around ``dispatch``, outermost first (control, faults, journal)."""
        self.routes, self.url_map = _route_table()
        self.unversioned_routes: dict[str, Route] = {}
        """Routes outside the URL map, by exact path and any method (``/debug``)."""
        self._matches: dict[tuple[str, str], tuple[int, dict[str, Any]]] = {}
        self._headers_of_profile: tuple[EngineProfile, dict[str, str]] | None = None
        self._chained: tuple[tuple[Middleware, ...], Dispatch] | None = None
        self._version_headers_of: VersionHeaders | None = None

    def __call__(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        request = APIRequest(environ)
        dispatch = self._chain()
        try:
            response = dispatch(request)
        except DaemonError as error:
            # A middleware that reads the body may meet a broken one first.
            response = render_error(error, self.engine.profile.max_api)
        if isinstance(response, Hijack):
            return self._hijack(environ, request, response, start_response)
        body = _buffered_body(response, environ)
        if body is not None:
            start_response(response.status, list(response.headers))
            return body
        return response(environ, start_response)

    def _chain(self) -> Dispatch:
        """Return ``dispatch`` wrapped in the middlewares, built once per list."""
        middlewares = tuple(self.middlewares)
        cached = self._chained
        # Compared by identity: two equal middleware objects are still two.
        if (
            cached is not None
            and len(cached[0]) == len(middlewares)
            and all(map(operator.is_, cached[0], middlewares))
        ):
            return cached[1]
        dispatch: Dispatch = self.dispatch
        for middleware in reversed(middlewares):
            dispatch = functools.partial(middleware, call_next=dispatch)
        self._chained = (middlewares, dispatch)
        return dispatch

    def match(self, environ: WSGIEnvironment) -> tuple[Route, dict[str, Any]] | None:
        """Return the route of a request and its path arguments, or None.

        The result depends on the method and the path alone, so a path is
        looked up in a table after its first match.
        """
        key = (environ["REQUEST_METHOD"], environ["PATH_INFO"])
        if not key[0].isupper():
            # dockerd's router compares methods as sent, so "get" matches
            # no route, where werkzeug would match it in upper case.
            return None
        known = self._matches.get(key)
        if known is not None:
            return self.routes[known[0]], dict(known[1])
        adapter = self.url_map.bind_to_environ(environ)
        try:
            # Match as HTTP even for a WebSocket handshake: the attach/ws
            # handler checks the handshake itself, as dockerd does.
            endpoint, arguments = adapter.match(websocket=False)
        except HTTPException:
            return None
        if len(self._matches) >= MATCH_CACHE_SIZE:
            self._matches.clear()
        self._matches[key] = (endpoint, dict(arguments))
        return self.routes[endpoint], dict(arguments)

    def dispatch(self, request: Request) -> Response:
        """Route ``request`` and return the handler's response or an error."""
        matched = self.match(request.environ)
        if matched is None:
            return self._unmatched(request)
        route, arguments = matched
        if route.since is not None and self.engine.profile.max_api.below(route.since):
            return self._unmatched(request)
        request.environ["fakedaemon.operation"] = route.operation
        return self._run(request, route, arguments)

    def _unmatched(self, request: Request) -> Response:
        """Serve OPTIONS on any path and the unversioned routes, else 404.

        dockerd's system router serves ``OPTIONS /{anyroute:.*}`` (CORS
        preflights) with an empty 200; its debug router matches ``/debug/...``
        for every method and without a version prefix.
        """
        route = self.unversioned_routes.get(request.path)
        arguments: dict[str, Any] = {}
        if route is None and request.method == "OPTIONS":
            route = OPTIONS_ROUTE
            prefix = _VERSION_PREFIX.match(request.path)
            if prefix is not None:
                arguments["version"] = prefix.group(1)
        if route is None:
            return _page_not_found()
        request.environ["fakedaemon.operation"] = route.operation
        return self._run(request, route, arguments)

    def _run(
        self, request: Request, route: Route, arguments: dict[str, Any]
    ) -> Response:
        profile = self.engine.profile
        text = arguments.pop("version", None)
        headers = self._version_headers(profile)
        if text is None:
            version = profile.max_api
        elif text in headers.accepted:
            version = headers.accepted[text]
        else:
            version = APIVersion.parse(text)
            error = self._check_version(version, text)
            if error is not None:
                response = render_error(
                    error, version, plain=profile.plain_text_too_old
                )
                response.headers.update(self._profile_headers(profile))
                return response
            if len(headers.accepted) < MATCH_CACHE_SIZE:
                headers.accepted[text] = version
        try:
            if route.experimental and not self.engine.config.experimental:
                raise NotImplementedByDaemon(EXPERIMENTAL_DISABLED)
            call = Call(request, version, self.engine, profile)
            response = route.handler(call, **arguments)
        except DaemonError as raised:
            response = render_error(raised, version)
        except Exception:
            logger.exception("handler of %s failed", route.operation)
            response = render_error(DaemonError("internal error"), version)
        return _with(response, headers, route.operation)

    def _version_headers(self, profile: EngineProfile) -> VersionHeaders:
        """Return the headers of a routed response that passed the version check."""
        experimental = self.engine.config.experimental
        cached = self._version_headers_of
        if cached is not None and cached.profile is profile:
            if cached.experimental == experimental:
                return cached
        headers = dict(self._profile_headers(profile))
        headers["Docker-Experimental"] = "true" if experimental else "false"
        self._version_headers_of = VersionHeaders(profile, experimental, headers)
        return self._version_headers_of

    def _profile_headers(self, profile: EngineProfile) -> dict[str, str]:
        """Return the headers every routed response of ``profile`` carries."""
        cached = self._headers_of_profile
        if cached is not None and cached[0] is profile:
            return cached[1]
        headers = {
            "Api-Version": str(profile.max_api),
            "Ostype": "linux",
            "Server": f"Docker/{profile.engine_version} (linux)",
        }
        self._headers_of_profile = (profile, headers)
        return headers

    def _check_version(self, version: APIVersion, text: str) -> DaemonError | None:
        # The messages repeat the version as the URL spells it ("1", "1.040").
        profile = self.engine.profile
        if version < profile.min_api:
            return InvalidParameter(
                f"client version {text} is too old. Minimum supported API "
                f"version is {profile.min_api}, please upgrade your client to a "
                "newer version"
            )
        if version > profile.max_api:
            return InvalidParameter(
                f"client version {text} is too new. Maximum supported API "
                f"version is {profile.max_api}"
            )
        return None

    def _hijack(
        self,
        environ: WSGIEnvironment,
        request: Request,
        response: Hijack,
        start_response: StartResponse,
    ) -> Iterable[bytes]:
        hijack = environ.get(HIJACK_KEY)
        if hijack is None:
            error = render_error(
                InvalidParameter(
                    "this operation needs a hijacked connection, which the "
                    "in-process transport cannot give: serve the daemon on a "
                    "unix socket or TCP"
                ),
                APIVersion(1, 41),
            )
            return error(environ, start_response)
        sock, reader = hijack()
        upgrade = "upgrade" in request.headers.get("Connection", "").lower()
        if response.head is not None:
            head = list(response.head)
        elif upgrade:
            head = [
                "HTTP/1.1 101 UPGRADED",
                f"Content-Type: {response.content_type}",
                "Connection: Upgrade",
                "Upgrade: tcp",
            ]
        else:
            head = ["HTTP/1.1 200 OK", f"Content-Type: {response.content_type}"]
        head += [f"{name}: {value}" for name, value in response.extra_headers.items()]
        connection = HijackedConnection(sock, reader)
        if connection.send(("\r\n".join(head) + "\r\n\r\n").encode("latin-1")):
            response.session(connection)
        return []


_PLAIN = (Response, Buffered)
_HEADERS_WERKZEUG_REWRITES = frozenset(("location", "content-location"))


def _buffered_body(response: Response, environ: WSGIEnvironment) -> list[bytes] | None:
    """Return the body of a buffered response that werkzeug would send as it is.

    Take a plain ``Response`` or a ``Buffered`` whose body is set, so that
    its Content-Length is set too, with a status that has a body and no
    location header. For it, werkzeug's ``__call__`` sends the same status,
    headers and bytes, and skipping it saves a copy of the headers and two
    iterator wrappers per request. None means the response needs werkzeug's
    handling.
    """
    if type(response) not in _PLAIN or response.direct_passthrough:
        return None
    body = response.response
    if type(body) is not list or getattr(response, "_on_close", True):
        return None
    status = response.status_code
    if status < 200 or status in (204, 304) or environ["REQUEST_METHOD"] == "HEAD":
        return None
    names = [name.lower() for name, _ in response.headers]
    if "content-length" not in names:
        return None
    if not _HEADERS_WERKZEUG_REWRITES.isdisjoint(names):
        return None
    if not all(type(chunk) is bytes for chunk in body):
        return None
    return body


class VersionHeaders:
    """The headers dockerd's version middleware adds, for one engine profile."""

    __slots__ = ("profile", "experimental", "items", "names", "accepted")

    def __init__(
        self, profile: EngineProfile, experimental: bool, headers: dict[str, str]
    ) -> None:
        self.profile = profile
        self.experimental = experimental
        self.items = tuple(headers.items())
        self.names = frozenset(name.lower() for name in headers)
        self.accepted: dict[str, APIVersion] = {}
        """Versions of request paths that passed the check, by their text."""


def _with(response: Response, headers: VersionHeaders, operation: str) -> Response:
    if isinstance(response, Hijack):
        # dockerd's attach writes the head of the hijacked connection itself,
        # so the version middleware's Api-Version, Server, Ostype and
        # Docker-Experimental never reach the client; exec start's head
        # carries them after Upgrade (measured on Engines 20.10 and 26.1).
        if operation == "ExecStart":
            response.extra_headers = {**dict(headers.items), **response.extra_headers}
        return response
    target = response.headers
    if not headers.names.isdisjoint([name.lower() for name, _ in target]):
        for name, value in headers.items:
            target[name] = value
    else:
        # None of the names is set yet, so adding them is setting them, and
        # saves a search of the headers per name.
        extend_trusted(target, headers.items)
    return response


def _options(call: Call) -> Response:
    # Go writes no Content-Type for an empty body.
    response = Response(b"", status=200)
    response.headers.remove("Content-Type")
    return response


OPTIONS_ROUTE = Route("OPTIONS", "/<path:anyroute>", _options, "Options")


def _page_not_found() -> Response:
    return Response(PAGE_NOT_FOUND, status=404, content_type="application/json")


def render_error(
    error: DaemonError, version: APIVersion, *, plain: bool = False
) -> Response:
    """Render ``error`` as dockerd does for a request of ``version``.

    Below API 1.24 (Engine 20.10 and older only) dockerd responded with Go's
    ``http.Error``: plain text with a newline. A 304 carries no body.
    """
    if error.status == 304:
        response = Response(b"", status=304)
        response.headers.remove("Content-Type")
        return response
    if plain and version < APIVersion(1, 24):
        response = Response(
            error.message + "\n",
            status=error.status,
            content_type="text/plain; charset=utf-8",
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    return Response(
        dump_line({"message": error.message}),
        status=error.status,
        content_type="application/json",
    )
