"""The client core: connection setup, URLs, version negotiation, requests."""

from __future__ import annotations

import logging
import os
import platform
import ssl
import sys
import threading
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx

from harness import __version__
from harness.client.encoding import (
    Filters,
    FiltersForm,
    Query,
    encode_filters,
    json_body,
)
from harness.client.errors import (
    APIError,
    ConfigError,
    ConnectError,
    DockerError,
    ProtocolError,
    RequestTimeout,
    TransportError,
    UnsupportedVersionError,
)
from harness.client.hijack import HijackedConnection, open_socket, upgrade
from harness.client.hosts import DEFAULT_HOST, DUMMY_HOST, Host, parse_host
from harness.client.responses import raise_for_response
from harness.client.streams import (
    Stream,
    StreamType,
    demultiplex,
    iter_json_values,
    iter_progress,
    raw_frames,
)
from harness.client.tls import TLSConfig
from harness.client.versions import (
    MAX_API_VERSION,
    MIN_API_VERSION,
    OLDEST_API_VERSION,
    NegotiationPolicy,
    less_than,
    parse_fixed_version,
    parse_major_minor,
)
from harness.client.websocket import WebSocketConnection, accept_key, new_key

logger = logging.getLogger("harness")

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
"""Timeouts for ordinary requests; streams and waits never time out on reads."""

_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386"}
_REDIRECTS = {301, 302, 303, 307, 308}

Body = bytes | Iterable[bytes]
"""A raw request body: bytes, or an iterable of chunks sent as they come."""


def user_agent() -> str:
    """Return ``fakedaemon-harness/<version> <os>/<arch>`` with Go's arch names."""
    machine = platform.machine().lower()
    arch = _GOARCH.get(machine, machine)
    return f"fakedaemon-harness/{__version__} {sys.platform}/{arch}"


@dataclass(frozen=True, slots=True)
class PingResult:
    """The headers of a ``/_ping`` response.

    Attributes:
        api_version: ``Api-Version``, or "" when the daemon sent none.
        os_type: ``Ostype``.
        experimental: whether ``Docker-Experimental`` is ``true``.
        builder_version: ``Builder-Version``.
        swarm_status: ``Swarm`` before the ``/`` (``inactive``, ``active`` ...).
        control_available: whether ``Swarm`` ends in ``/manager``.
    """

    api_version: str
    os_type: str
    experimental: bool
    builder_version: str
    swarm_status: str
    control_available: bool

    @classmethod
    def from_headers(cls, headers: httpx.Headers) -> PingResult:
        """Read the ping fields from response headers."""
        swarm = headers.get("Swarm", "")
        status, _, role = swarm.partition("/")
        return cls(
            api_version=headers.get("Api-Version", ""),
            os_type=headers.get("Ostype", ""),
            experimental=headers.get("Docker-Experimental", "") == "true",
            builder_version=headers.get("Builder-Version", ""),
            swarm_status=status,
            control_available=role == "manager",
        )


class ClientCore:
    """Connection setup, request building and API version negotiation.

    The operations live in mixins; :class:`harness.client.Client` puts them
    together with this class.
    """

    def __init__(
        self,
        host: str | None = None,
        version: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        tls: TLSConfig | None = None,
        timeout: float | httpx.Timeout | None = DEFAULT_TIMEOUT,
        negotiation_policy: NegotiationPolicy = NegotiationPolicy.CURRENT,
        max_version: str = MAX_API_VERSION,
        min_version: str = MIN_API_VERSION,
        filters_form: FiltersForm = "map",
        http_client: httpx.Client | None = None,
    ) -> None:
        """Create a client; no connection is made until the first request.

        Args:
            host: ``unix:///path``, ``tcp://host:port[/prefix]``, ``http://`` or
                ``https://``; defaults to ``unix:///var/run/docker.sock``.
            version: a fixed API version (``MAJOR.MINOR``, optional ``v``);
                fixing it turns negotiation off.
            headers: extra headers sent with every request.
            tls: TLS settings; with them, tcp:// hosts use https.
            timeout: timeout for ordinary requests, in seconds or as
                :class:`httpx.Timeout`; None waits forever.
            negotiation_policy: what to do when the daemon's ping has no
                ``Api-Version`` header.
            max_version: the version negotiation starts from.
            min_version: the oldest daemon version negotiation accepts; as low
                as 1.24 (:data:`OLDEST_API_VERSION`) for old daemons.
            filters_form: wire shape of ``filters`` (``map`` or ``list``).
            http_client: a ready httpx client to send requests through; it
                must not be combined with TLS, which it could bypass.

        Raises:
            ConfigError: the host, a version or the TLS setup is invalid.
        """
        self._host = parse_host(host or DEFAULT_HOST)
        self._max_version = self._check_range_version("max_version", max_version)
        self._min_version = self._check_range_version("min_version", min_version)
        if less_than(self._max_version, self._min_version):
            raise ConfigError(
                f"invalid version range: min_version {self._min_version} is above "
                f"max_version {self._max_version}"
            )

        fixed = parse_fixed_version(version) if version is not None else None
        self._version = fixed or self._max_version
        self._negotiate = fixed is None
        self._negotiated = False
        self._negotiation_lock = threading.Lock()
        self._policy = negotiation_policy
        self._filters_form: FiltersForm = filters_form
        self._timeout = timeout if timeout is not None else httpx.Timeout(None)

        self._custom_headers = dict(headers or {})
        if tls is None and self._host.proto == "https":
            tls = TLSConfig()
        self._tls = tls
        self._ssl_context: ssl.SSLContext | None = tls.ssl_context() if tls else None
        self._scheme = "https" if self._ssl_context is not None else "http"

        if http_client is not None and self._ssl_context is not None:
            raise ConfigError(
                "cannot apply TLS settings to a caller-supplied httpx.Client: its "
                "TLS setup cannot be verified; pass tls= without http_client, or "
                "configure TLS on the httpx.Client and leave tls unset"
            )
        authority = DUMMY_HOST if self._host.is_unix else self._host.addr
        self._origin = f"{self._scheme}://{authority}"
        self._owns_http = http_client is None
        self._http = http_client or self._build_http_client()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> Self:
        """Create a client from ``DOCKER_HOST``, ``DOCKER_API_VERSION``,
        ``DOCKER_CERT_PATH`` and ``DOCKER_TLS_VERIFY``, as moby's ``FromEnv``.

        ``DOCKER_TLS_VERIFY`` is read only when ``DOCKER_CERT_PATH`` is set, and
        an empty value turns certificate checks off. A non-empty
        ``DOCKER_API_VERSION`` wins over a ``version`` option. Other options
        are passed to the constructor and win over the environment.
        """
        env = os.environ if environ is None else environ
        if env.get("DOCKER_HOST"):
            options.setdefault("host", env["DOCKER_HOST"])
        if env.get("DOCKER_CERT_PATH"):
            verify = env.get("DOCKER_TLS_VERIFY", "") != ""
            options.setdefault(
                "tls", TLSConfig.from_cert_path(env["DOCKER_CERT_PATH"], verify=verify)
            )
        if env.get("DOCKER_API_VERSION"):
            options["version"] = env["DOCKER_API_VERSION"]
        return cls(**options)

    def _build_http_client(self) -> httpx.Client:
        if self._host.is_unix:
            # No TLS runs over a unix socket; verify=False skips loading the
            # CA store, which costs about 40 ms per client.
            transport = httpx.HTTPTransport(uds=self._host.addr, verify=False)
            base_url = f"http://{DUMMY_HOST}"
        else:
            verify: ssl.SSLContext | bool = self._ssl_context or False
            transport = httpx.HTTPTransport(verify=verify)
            base_url = f"{self._scheme}://{self._host.addr}"
        return httpx.Client(
            transport=transport,
            base_url=base_url,
            timeout=self._timeout,
            trust_env=False,
        )

    @staticmethod
    def _check_range_version(name: str, value: str) -> str:
        try:
            version = parse_major_minor(value.removeprefix("v"))
        except ConfigError as error:
            raise ConfigError(f"invalid {name} ({value}): {error}") from None
        if less_than(version, OLDEST_API_VERSION):
            raise ConfigError(
                f"invalid {name} ({value}): the oldest supported API version is "
                f"{OLDEST_API_VERSION}"
            )
        return version

    # -- state ------------------------------------------------------------

    @property
    def host(self) -> Host:
        """The parsed daemon host."""
        return self._host

    @property
    def api_version(self) -> str:
        """The API version requests use now (the maximum until negotiated)."""
        return self._version

    @property
    def negotiated(self) -> bool:
        """Whether negotiation has completed (False while the version is fixed)."""
        return self._negotiated

    @property
    def filters_form(self) -> FiltersForm:
        """The wire shape of ``filters``: ``map`` or ``list``."""
        return self._filters_form

    def close(self) -> None:
        """Close the connection pool (unless the caller supplied the httpx client)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- negotiation --------------------------------------------------------

    def ping(self) -> PingResult:
        """Send ``HEAD /_ping``, falling back to ``GET``, and return its headers.

        The ping is not versioned and does not trigger negotiation. As in the
        moby client, a HEAD answered with 200 or 500 is final, because the
        daemon handled it (a 500 means it is unhealthy), and so is a failure
        to connect. Any other status, and under
        :attr:`NegotiationPolicy.CURRENT` and ``CLIENT_V0_1`` any other
        transport error, is retried with GET.

        Raises:
            APIError: the final response failed.
            TransportError: the final request could not be sent.
        """
        path = clean_path(self._host.base_path + "/_ping")
        url = self.display_url(path, Query())
        try:
            response = self._send("HEAD", path, Query())
        except ConnectError:
            raise
        except TransportError as error:
            if not self._policy.retries_ping_after_transport_error:
                raise
            logger.debug("HEAD /_ping failed, retrying with GET: %s", error)
        else:
            response.close()
            if response.status_code in (200, 500):
                raise_for_response(response, request_url=url, read_body=False)
                return PingResult.from_headers(response.headers)
            logger.debug(
                "HEAD /_ping returned %d, retrying with GET", response.status_code
            )

        response = self._send("GET", path, Query())
        raise_for_response(response, request_url=url)
        return PingResult.from_headers(response.headers)

    def negotiate_api_version(self) -> str:
        """Ping the daemon and lower the API version to what it supports.

        With a fixed version this does nothing and sends no ping.

        Returns:
            The negotiated version.

        Raises:
            UnsupportedVersionError: the daemon is below the minimum; the
                version stays and negotiation is not marked done.
            ConfigError: the daemon's ``Api-Version`` is malformed.
            APIError, TransportError: the ping failed.
        """
        if not self._negotiate:
            return self._version
        with self._negotiation_lock:
            self._negotiate_from_ping(self.ping())
            return self._version

    def _negotiate_from_ping(self, ping: PingResult) -> None:
        daemon_version = ping.api_version
        if not daemon_version:
            daemon_version = self._policy.missing_header_version(self._max_version)
        elif self._policy.checks_minimum:
            daemon_version = parse_major_minor(daemon_version)

        if self._policy.checks_minimum and less_than(daemon_version, self._min_version):
            raise UnsupportedVersionError(daemon_version, self._min_version)

        # The client only ever downgrades: min(client version, daemon version).
        if less_than(daemon_version, self._version):
            self._version = daemon_version
        self._negotiated = True
        logger.debug("negotiated API version %s", self._version)

    def _ensure_negotiated(self) -> None:
        """Negotiate once before the first versioned request; errors are ignored.

        A failed negotiation is retried on the next request, and the request
        goes ahead with the current version, as in the moby client.
        """
        if not self._negotiate or self._negotiated:
            return
        with self._negotiation_lock:
            if self._negotiated:
                return
            try:
                self._negotiate_from_ping(self.ping())
            except DockerError as error:
                logger.info("API version negotiation failed: %s", error)

    # -- requests -------------------------------------------------------------

    def api_path(self, path: str) -> str:
        """Return ``{base_path}/v{version}{path}``, negotiating first if needed."""
        self._ensure_negotiated()
        joined = f"{self._host.base_path}/v{self._version.removeprefix('v')}{path}"
        return clean_path(joined)

    def display_url(self, path: str, query: Query) -> str:
        """Return a request URL as the moby client prints it in error messages."""
        url = f"{self._scheme}://{self._host.url_authority}{_escape_path(path)}"
        encoded = query.encode()
        return f"{url}?{encoded}" if encoded else url

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"User-Agent": user_agent()}
        headers.update(self._custom_headers)
        headers.update(extra or {})
        return headers

    def _send(
        self,
        method: str,
        path: str,
        query: Query,
        *,
        content: Body | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        """Send one request and return the response, unchecked."""
        all_headers = self._headers(headers)
        if method in ("POST", "PUT"):
            if content is None:
                content = b""
            if not any(name.lower() == "content-type" for name in all_headers):
                all_headers["Content-Type"] = "text/plain"

        encoded_query = query.encode()
        raw_path = _escape_path(path) + (f"?{encoded_query}" if encoded_query else "")
        request = self._http.build_request(
            method,
            httpx.URL(self._origin).copy_with(raw_path=raw_path.encode("ascii")),
            content=content,
            headers=all_headers,
            timeout=timeout if timeout is not None else self._timeout,
        )
        logger.debug("%s %s", method, raw_path)
        try:
            response = self._http.send(
                request, stream=True, follow_redirects=method == "GET"
            )
        except httpx.TimeoutException as error:
            raise RequestTimeout(
                f"{method} {self.display_url(path, query)}: timed out ({error})",
                request,
            ) from error
        except httpx.ConnectError as error:
            raise ConnectError(
                f"Cannot connect to the Docker daemon at {self._host.text}. "
                "Is the docker daemon running?",
                request,
            ) from error
        except httpx.ProtocolError as error:
            raise ProtocolError(
                f"{method} {self.display_url(path, query)}: {error}", request
            ) from error
        except httpx.TransportError as error:
            raise TransportError(
                f"error during connect: {method} {self.display_url(path, query)}: "
                f"{error}",
                request,
            ) from error

        if response.status_code in _REDIRECTS and "Location" in response.headers:
            response.close()
            raise ProtocolError("unexpected redirect in response", request)
        if not stream:
            try:
                response.read()
            except httpx.TimeoutException as error:
                response.close()
                raise RequestTimeout(
                    f"{method} {self.display_url(path, query)}: timed out ({error})",
                    request,
                ) from error
            except httpx.TransportError as error:
                # A body cut off or a connection closed mid-body.
                response.close()
                raise ProtocolError(
                    f"{method} {self.display_url(path, query)}: {error}", request
                ) from error
        return response

    def request(
        self,
        method: str,
        path: str,
        query: Query | None = None,
        *,
        json: Any = None,
        content: Body | None = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        """Send a versioned request and raise :class:`APIError` if it failed.

        Args:
            method: the HTTP method.
            path: the API path without version, e.g. ``/containers/json``.
            query: query parameters.
            json: a JSON body (sent as ``application/json``).
            content: a raw body; give its Content-Type in ``headers``.
            headers: extra headers for this request.
            stream: leave the body unread; the caller must close the response.
            timeout: overrides the client's timeout.
        """
        extra = dict(headers or {})
        if json is not None:
            content = json_body(json)
            extra.setdefault("Content-Type", "application/json")

        api_path = self.api_path(path)
        query = query or Query()
        response = self._send(
            method,
            api_path,
            query,
            content=content,
            headers=extra,
            stream=stream,
            timeout=timeout,
        )
        try:
            raise_for_response(
                response,
                request_url=self.display_url(api_path, query),
                read_body=method != "HEAD",
            )
        except APIError:
            logger.info("%s %s returned %d", method, path, response.status_code)
            raise
        return response

    def call_json(
        self,
        method: str,
        path: str,
        query: Query | None = None,
        *,
        json: Any = None,
        content: Body | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> Any:
        """Send a request and return its decoded JSON body (None when empty)."""
        response = self.request(
            method,
            path,
            query,
            json=json,
            content=content,
            headers=headers,
            timeout=timeout,
        )
        if not response.content.strip():
            return None
        return response.json()

    def call_stream(
        self,
        method: str,
        path: str,
        query: Query | None = None,
        *,
        json: Any = None,
        content: Body | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send a request whose body streams; reads never time out."""
        return self.request(
            method,
            path,
            query,
            json=json,
            content=content,
            headers=headers,
            stream=True,
            timeout=self.stream_timeout(),
        )

    def filters_param(self, filters: Filters | None) -> str | None:
        """Encode ``filters`` in the client's configured wire form."""
        return encode_filters(filters, form=self._filters_form)

    @staticmethod
    def progress_stream(response: httpx.Response) -> Stream[dict[str, Any]]:
        """Wrap a JSON progress response; in-band errors raise ProgressError."""
        return Stream(
            iter_progress(response.iter_bytes()),
            response.close,
            headers=dict(response.headers),
        )

    @staticmethod
    def json_stream(
        response: httpx.Response, *, record_separator: bool = False
    ) -> Stream[Any]:
        """Wrap a stream of JSON values (events, stats)."""
        values = iter_json_values(
            response.iter_bytes(), record_separator=record_separator
        )
        return Stream(values, response.close, headers=dict(response.headers))

    @staticmethod
    def byte_stream(response: httpx.Response) -> Stream[bytes]:
        """Wrap a raw byte response (tar archives, exports)."""
        return Stream(
            response.iter_bytes(), response.close, headers=dict(response.headers)
        )

    def frame_stream(
        self, response: httpx.Response, tty: bool | None
    ) -> Stream[tuple[StreamType, bytes]]:
        """Wrap a logs response as ``(stream, payload)`` pairs.

        With ``tty`` None the framing is guessed from the Content-Type, which
        is only reliable from API 1.42: ``multiplexed-stream`` means frames,
        ``raw-stream`` means TTY bytes from 1.42 and frames before it.
        """
        if tty is None:
            media_type = response.headers.get("Content-Type", "")
            if "multiplexed-stream" in media_type:
                tty = False
            else:
                tty = not less_than(self._version, "1.42")
        chunks = response.iter_bytes()
        frames = raw_frames(chunks) if tty else demultiplex(chunks)
        return Stream(frames, response.close, headers=dict(response.headers))

    def stream_timeout(self) -> httpx.Timeout:
        """Return the client's timeout without a read limit, for long streams."""
        base = httpx.Timeout(self._timeout)
        return httpx.Timeout(
            connect=base.connect, read=None, write=base.write, pool=base.pool
        )

    def hijack(
        self,
        path: str,
        query: Query | None = None,
        *,
        body: bytes = b"",
        content_type: str = "text/plain",
        tty: bool = False,
        protocol: str = "tcp",
    ) -> HijackedConnection:
        """Send ``POST path`` with ``Upgrade: tcp`` on a raw socket and hijack it.

        Raises:
            UpgradeError: the daemon responded with a status other than ``101``.
            ConnectError, RequestTimeout, ProtocolError: the socket failed.
        """
        api_path = self.api_path(path)
        encoded_query = (query or Query()).encode()
        target = _escape_path(api_path) + (f"?{encoded_query}" if encoded_query else "")
        host_header = DUMMY_HOST if self._host.is_unix else self._host.addr
        headers = {"Host": host_header}
        headers.update(self._headers({"Content-Type": content_type}))

        timeout = httpx.Timeout(self._timeout).connect
        sock = open_socket(self._host, ssl_context=self._ssl_context, timeout=timeout)
        try:
            rest, response_headers = upgrade(
                sock,
                method="POST",
                target=target,
                headers=headers,
                body=body,
                protocol=protocol,
            )
        except BaseException:
            sock.close()
            raise
        sock.settimeout(None)
        logger.debug("POST %s upgraded to %s", target, protocol)
        return HijackedConnection(sock, rest, response_headers, tty=tty)

    def websocket(self, path: str, query: Query | None = None) -> WebSocketConnection:
        """Open a WebSocket on ``GET path`` (RFC 6455, version 13).

        Raises:
            UpgradeError: the daemon refused the handshake.
            ProtocolError: the accept key does not match the request's key.
        """
        api_path = self.api_path(path)
        encoded_query = (query or Query()).encode()
        target = _escape_path(api_path) + (f"?{encoded_query}" if encoded_query else "")
        host_header = DUMMY_HOST if self._host.is_unix else self._host.addr
        key = new_key()
        headers = {"Host": host_header}
        headers.update(self._headers({}))
        headers["Sec-WebSocket-Key"] = key
        headers["Sec-WebSocket-Version"] = "13"
        timeout = httpx.Timeout(self._timeout).connect
        sock = open_socket(self._host, ssl_context=self._ssl_context, timeout=timeout)
        try:
            rest, response_headers = upgrade(
                sock,
                method="GET",
                target=target,
                headers=headers,
                body=b"",
                protocol="websocket",
            )
            if response_headers.get("sec-websocket-accept") != accept_key(key):
                raise ProtocolError("the daemon sent a wrong Sec-WebSocket-Accept")
        except BaseException:
            sock.close()
            raise
        sock.settimeout(None)
        return WebSocketConnection(sock, rest)


def clean_path(path: str) -> str:
    """Clean a path as Go's ``path.Join``: no empty, ``.`` or ``..`` segments."""
    segments: list[str] = []
    for segment in path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if segments:
                segments.pop()
            continue
        segments.append(segment)
    return "/" + "/".join(segments)


def _escape_path(path: str) -> str:
    """Percent-escape a path as Go's ``url.URL.EscapedPath`` does."""
    return urllib.parse.quote(path, safe="/$&+,:;=@")
