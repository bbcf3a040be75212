"""Send one generated request to a daemon and read a bounded response."""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlencode

import httpx
from werkzeug.test import Client

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

# Streams (logs with follow, stats, pull progress) never end on their own;
# a run reads this many bytes, or for this many seconds, then hangs up.
MAX_BYTES = 65536
MAX_SECONDS = 2.0

Query = Sequence[tuple[str, str]]


@dataclass(slots=True)
class Answer:
    """A daemon's response, its body cut at ``MAX_BYTES``."""

    status: int
    headers: dict[str, str]
    body: bytes
    complete: bool = True

    def header(self, name: str) -> str | None:
        """Return a header's value by case-insensitive name."""
        expected = name.lower()
        for key, value in self.headers.items():
            if key.lower() == expected:
                return value
        return None


class Target(Protocol):
    """A daemon requests can be sent to."""

    def send(
        self,
        method: str,
        path: str,
        query: Query,
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> Answer:
        """Send one request and return the bounded response."""
        ...


def _bounded(chunks: Iterable[bytes]) -> tuple[bytes, bool]:
    """Join chunks up to ``MAX_BYTES`` or ``MAX_SECONDS``; flag whether it all came."""
    pieces: list[bytes] = []
    size = 0
    deadline = time.monotonic() + MAX_SECONDS
    for chunk in chunks:
        pieces.append(chunk)
        size += len(chunk)
        if size >= MAX_BYTES or time.monotonic() > deadline:
            return b"".join(pieces)[:MAX_BYTES], False
    return b"".join(pieces), True


class WsgiTarget:
    """The daemon's WSGI app, called in-process."""

    def __init__(self, app: WSGIApplication) -> None:
        self._client = Client(app)

    def send(
        self,
        method: str,
        path: str,
        query: Query,
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> Answer:
        """Call the app and read at most ``MAX_BYTES`` of the body."""
        response = self._client.open(
            path,
            method=method,
            query_string=urlencode(list(query)),
            headers=dict(headers),
            data=body,
            buffered=False,
        )
        try:
            # NOTE: an in-process stream that produces nothing blocks this
            # loop; the policy skips the operations known to wait forever.
            payload, complete = _bounded(response.iter_encoded())
        finally:
            response.close()
        return Answer(response.status_code, dict(response.headers), payload, complete)


class SocketTarget:
    """A daemon on a unix socket or loopback TCP, through httpx."""

    def __init__(self, host: str, timeout: float = MAX_SECONDS) -> None:
        if host.startswith("unix://"):
            transport = httpx.HTTPTransport(uds=host.removeprefix("unix://"))
            base = "http://docker"
        elif host.startswith("tcp://"):
            transport = httpx.HTTPTransport()
            base = "http://" + host.removeprefix("tcp://")
        else:
            raise ValueError(f"unsupported host {host!r}: use unix:// or tcp://")
        self._client = httpx.Client(
            transport=transport, base_url=base, timeout=httpx.Timeout(timeout)
        )

    def send(
        self,
        method: str,
        path: str,
        query: Query,
        headers: Mapping[str, str],
        body: bytes | None,
    ) -> Answer:
        """Send the request; a read that times out ends the body early."""
        request = self._client.build_request(
            method, path, params=list(query), headers=dict(headers), content=body
        )
        response = self._client.send(request, stream=True)
        try:
            payload, complete = _bounded(response.iter_raw())
        except httpx.ReadTimeout:
            payload, complete = b"", False
        finally:
            response.close()
        return Answer(response.status_code, dict(response.headers), payload, complete)

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
