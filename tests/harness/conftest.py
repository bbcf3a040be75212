"""Shared helpers for the client tests: mock daemons and a raw socket server."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from harness.client import Client

Handler = Callable[[httpx.Request], httpx.Response]


@dataclass
class MockDaemon:
    """An httpx MockTransport handler that serves ``/_ping`` and records requests.

    ``routes`` maps ``(method, path without version)`` to a response factory;
    anything else returns the daemon's 404 ``page not found``.
    """

    api_version: str | None = "1.45"
    ping_status: int = 200
    requests: list[httpx.Request] = field(default_factory=list)
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Register a handler for ``method path`` (path without ``/vX.Y``)."""
        self.routes[(method, path)] = handler

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path.endswith("/_ping"):
            headers = {"Api-Version": self.api_version} if self.api_version else {}
            body = b"" if request.method == "HEAD" else b"OK"
            return httpx.Response(self.ping_status, headers=headers, content=body)

        unversioned = "/" + path.lstrip("/").partition("/")[2]
        handler = self.routes.get((request.method, unversioned))
        if handler is None:
            return httpx.Response(404, json={"message": "page not found"})
        return handler(request)

    def paths(self) -> list[str]:
        """Return ``METHOD path`` of every recorded request."""
        return [f"{r.method} {r.url.path}" for r in self.requests]


@pytest.fixture
def daemon() -> MockDaemon:
    """A fresh mock daemon reporting API 1.45."""
    return MockDaemon()


@pytest.fixture
def make_client(daemon: MockDaemon) -> Iterator[Callable[..., Client]]:
    """Build clients whose requests go to the ``daemon`` mock."""
    clients: list[Client] = []

    def build(**options: object) -> Client:
        http = httpx.Client(
            transport=httpx.MockTransport(daemon),
            base_url="http://api.moby.localhost",
        )
        client = Client(http_client=http, **options)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield build
    for client in clients:
        client.close()


class RawServer:
    """A unix socket server that replies to each connection with scripted bytes.

    ``reply`` receives the request head and returns the bytes to send; the
    server then ends its output and keeps whatever the client writes until it
    closes, in ``received``.
    """

    def __init__(self, path: Path, reply: Callable[[bytes], bytes]) -> None:
        self.path = path
        self.reply = reply
        self.heads: list[bytes] = []
        self.received = bytearray()
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind(str(path))
        self._sock.listen(4)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def host(self) -> str:
        """The ``unix://`` host string of the server."""
        return f"unix://{self.path}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                data = bytearray()
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, rest = bytes(data).partition(b"\r\n\r\n")
                self.heads.append(head)
                conn.sendall(self.reply(head))
                # End the output so the client's reader sees EOF, then keep
                # reading what the client writes until it half-closes.
                conn.shutdown(socket.SHUT_WR)
                self.received += rest
                conn.settimeout(5)
                try:
                    while chunk := conn.recv(65536):
                        self.received += chunk
                except OSError:
                    pass

    def close(self) -> None:
        """Stop accepting connections."""
        self._sock.close()


@pytest.fixture
def raw_server(
    tmp_path: Path,
) -> Iterator[Callable[[Callable[[bytes], bytes]], RawServer]]:
    """Start :class:`RawServer` instances on sockets under ``tmp_path``."""
    servers: list[RawServer] = []

    def start(reply: Callable[[bytes], bytes]) -> RawServer:
        server = RawServer(tmp_path / f"raw{len(servers)}.sock", reply)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def real_engine_host() -> str:
    """The host of a real Docker Engine from ``FAKEDAEMON_REAL_ENGINE``.

    Skips when the variable is unset, except under ``CI=true``, where a missing
    engine is a failure.
    """
    host = os.environ.get("FAKEDAEMON_REAL_ENGINE", "")
    if not host:
        if os.environ.get("CI") == "true":
            pytest.fail("FAKEDAEMON_REAL_ENGINE must name a real Docker Engine in CI")
        pytest.skip(
            "FAKEDAEMON_REAL_ENGINE is not set (e.g. unix:///tmp/e20/docker.sock)"
        )
    return host
