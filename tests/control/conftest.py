"""Fixtures for control tests: a daemon on a socket and clients for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fakedaemon import Daemon, DaemonConfig
from harness.inprocess import InProcessTransport


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Daemon]:
    """A daemon serving a unix socket in ``tmp_path``."""
    socket_path = tmp_path / "d.sock"
    with Daemon(DaemonConfig(), hosts=[f"unix://{socket_path}"]) as daemon:
        yield daemon


@pytest.fixture
def socket_http(served: Daemon) -> Iterator[httpx.Client]:
    """An httpx client over the ``served`` daemon's socket."""
    path = served.docker_host.removeprefix("unix://")
    transport = httpx.HTTPTransport(uds=path)
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        yield client


@pytest.fixture
def inprocess_http(served: Daemon) -> Iterator[httpx.Client]:
    """An httpx client over the ``served`` daemon's WSGI app, no socket."""
    transport = InProcessTransport(served.app)
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        yield client


@pytest.fixture(params=["socket", "inprocess"])
def http(
    request: pytest.FixtureRequest,
    socket_http: httpx.Client,
    inprocess_http: httpx.Client,
) -> httpx.Client:
    """Each of the two clients in turn, so a fault is checked on both."""
    return socket_http if request.param == "socket" else inprocess_http
