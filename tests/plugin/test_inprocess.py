"""The in-process transport and the respx route to a daemon."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
import respx

from fakedaemon import Daemon
from harness.inprocess import InProcessTransport, engine_client, route_to_daemon


@pytest.fixture
def daemon() -> Iterator[Daemon]:
    daemon = Daemon()
    yield daemon
    daemon.engine.close()


@pytest.fixture
def http(daemon: Daemon) -> Iterator[httpx.Client]:
    transport = InProcessTransport(daemon.app)
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        yield client


def test_transport_ping(http: httpx.Client) -> None:
    response = http.get("/_ping")
    assert response.status_code == 200
    assert response.text == "OK"
    assert response.headers["api-version"] == "1.55"


def test_transport_body_and_query(http: httpx.Client) -> None:
    created = http.post(
        "/v1.45/containers/create",
        params={"name": "web"},
        json={"Image": "busybox", "Cmd": ["true"]},
    )
    listed = http.get("/containers/json", params={"all": "1"}).json()
    assert created.status_code == 201
    assert [item["Names"] for item in listed] == [["/web"]]


def test_transport_streams(daemon: Daemon, http: httpx.Client) -> None:
    received: list[bytes] = []
    with http.stream("GET", "/events") as response:
        lines = response.iter_lines()

        def create() -> None:
            daemon.engine.containers.create({"Image": "busybox", "Cmd": ["true"]}, None)

        threading.Timer(0.2, create).start()
        received.append(next(lines).encode())
    assert b'"Action":"create"' in received[0]


def test_transport_hijack_rejected(daemon: Daemon, http: httpx.Client) -> None:
    container = daemon.engine.containers.create(
        {"Image": "busybox", "Cmd": ["true"]}, None
    )
    response = http.post(f"/containers/{container.id}/attach?stream=1&stdout=1")
    assert response.status_code == 400
    assert "hijacked connection" in response.json()["message"]


def test_engine_client(daemon: Daemon) -> None:
    with engine_client(daemon) as client:
        assert client.ping().api_version == "1.55"


def test_respx_route(daemon: Daemon) -> None:
    with respx.mock(assert_all_called=False) as router:
        route = route_to_daemon(router, daemon, "http://docker.test/api")
        response = httpx.get("http://docker.test/api/v1.45/version")
    assert response.status_code == 200
    assert response.json()["ApiVersion"] == "1.55"
    assert route.call_count == 1
    daemon.control.journal.assert_called("SystemVersion")


def test_respx_fault(daemon: Daemon) -> None:
    daemon.control.faults.add(path="/info", drop_connection=True)
    with respx.mock as router:
        route_to_daemon(router, daemon, "http://docker.test")
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get("http://docker.test/info")
