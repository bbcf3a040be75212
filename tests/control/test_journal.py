"""The request journal and its assertions."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from fakedaemon import Daemon
from fakedaemon.control import Journal, JournalEntry
from fakedaemon.server import http as http_server


def entry(operation: str, body: bytes = b"", **query: list[str]) -> JournalEntry:
    return JournalEntry(
        operation=operation,
        method="POST",
        path="/x",
        query=dict(query),
        headers={},
        body=body,
        time=0.0,
        status=200,
    )


def test_journal_entry_compares_by_fields() -> None:
    first = JournalEntry("X", "GET", "/x", {"a": ["1"]}, {"H": "v"}, b"", 1.0)
    same = JournalEntry(
        operation="X",
        method="GET",
        path="/x",
        query=None,
        query_string="a=1",
        headers=None,
        header_items=[("H", "v")],
        body=b"",
        time=1.0,
    )
    assert first == same
    assert first != JournalEntry("X", "GET", "/y", {}, {}, b"", 1.0)
    assert "query={'a': ['1']}" in repr(same)
    assert "headers={'H': 'v'}" in repr(same)


def test_journal_records_request(served: Daemon, http: httpx.Client) -> None:
    http.post(
        "/v1.45/containers/create?name=web",
        json={"Image": "busybox", "Cmd": ["true"]},
    )
    (call,) = served.control.journal.calls("ContainerCreate")
    assert call.method == "POST"
    assert call.path == "/v1.45/containers/create"
    assert call.api_version == "1.45"
    assert call.query == {"name": ["web"]}
    assert call.json == {"Image": "busybox", "Cmd": ["true"]}
    assert call.status == 201


def test_journal_records_query_and_headers(served: Daemon, http: httpx.Client) -> None:
    http.get(
        "/v1.45/containers/json?all=1&filters=%7B%7D&all=0&label=&x=%ff",
        headers=[
            ("X-Registry-Auth", "e30="),
            ("X-Repeated", "one"),
            ("x-repeated", "two"),
            ("Content-Type", ""),
        ],
    )
    (call,) = served.control.journal.calls("ContainerList")
    assert call.query == {
        "all": ["1", "0"],
        "filters": ["{}"],
        "label": [""],
        "x": ["%FF"],
    }
    assert call.headers["X-Registry-Auth"] == "e30="
    assert call.headers["X-Repeated"] == "one,two"
    # werkzeug leaves an empty Content-Type out of the request's headers.
    assert "Content-Type" not in call.headers
    assert call.to_json()["headers"] == call.headers


def test_journal_leaves_out_headers_with_underscores(
    served: Daemon, http: httpx.Client
) -> None:
    http.get("/_ping", headers={"X_Under": "1", "X-Over": "2"})
    (call,) = served.control.journal.calls("SystemPing")
    assert call.headers["X-Over"] == "2"
    assert not any("Under" in name for name in call.headers)


def test_journal_headers_read_by_two_threads(
    served: Daemon, socket_http: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first reader stops inside the headers while a second one reads.
    inside = threading.Event()
    release = threading.Event()
    gated = False

    class GatedHeaders(dict[str, str]):
        def items(self) -> Iterator[tuple[str, str]]:  # type: ignore[override]
            for item in super().items():
                if gated:
                    inside.set()
                    release.wait(10)
                yield item

    parse = http_server._parse_headers
    monkeypatch.setattr(
        http_server, "_parse_headers", lambda lines: GatedHeaders(parse(lines))
    )
    socket_http.get("/_ping", headers={"X-One": "1"})
    (call,) = served.control.journal.calls("SystemPing")
    gated = True
    first: dict[str, str] = {}
    reader = threading.Thread(target=lambda: first.update(call.headers))
    reader.start()
    assert inside.wait(10)
    gated = False
    try:
        second = dict(call.headers)
    finally:
        release.set()
        reader.join(10)
    assert second["X-One"] == "1"
    assert first == second
    assert call.headers == second


def test_journal_handler_still_reads_body(served: Daemon, http: httpx.Client) -> None:
    response = http.post(
        "/containers/create", json={"Image": "busybox", "Cmd": ["true"]}
    )
    assert response.status_code == 201


def test_journal_fault_status(served: Daemon, http: httpx.Client) -> None:
    fault = served.control.faults.add(path="/info", drop_connection=True)
    with pytest.raises(httpx.RemoteProtocolError):
        http.get("/info")
    (call,) = served.control.journal.calls("SystemInfo")
    assert call.status == 0
    assert call.fault == fault.id


def test_journal_skips_control_routes(served: Daemon, http: httpx.Client) -> None:
    http.get("/_fakedaemon/journal")
    assert len(served.control.journal) == 0


def test_journal_unknown_route(served: Daemon, http: httpx.Client) -> None:
    http.get("/no/such/route")
    (call,) = served.control.journal.entries
    assert call.operation is None
    assert call.status == 404


def test_assert_called_body_subset() -> None:
    journal = Journal()
    journal.record(entry("ContainerCreate", b'{"Image":"busybox","Tty":false}'))
    matched = journal.assert_called("ContainerCreate", body={"Image": "busybox"})
    assert len(matched) == 1


def test_assert_called_query() -> None:
    journal = Journal()
    journal.record(entry("ContainerList", all=["1"], filters=['{"a":["b"]}']))
    journal.assert_called("ContainerList", query={"all": "1"})
    journal.assert_called("ContainerList", query={"filters": {"a": ["b"]}})
    with pytest.raises(AssertionError):
        journal.assert_called("ContainerList", query={"all": "0"})


def test_assert_called_message() -> None:
    journal = Journal()
    journal.record(entry("ContainerCreate", b'{"Image":"alpine"}'))
    with pytest.raises(AssertionError, match="requests of ContainerCreate: POST /x"):
        journal.assert_called("ContainerCreate", body={"Image": "busybox"})


def test_assert_called_missing() -> None:
    journal = Journal()
    journal.record(entry("SystemPing"))
    with pytest.raises(AssertionError, match="operations received: SystemPing"):
        journal.assert_called("ContainerCreate")


def test_assert_called_times() -> None:
    journal = Journal()
    journal.record(entry("SystemPing"))
    journal.record(entry("SystemPing"))
    journal.assert_called("SystemPing", times=2)
    with pytest.raises(AssertionError, match="expected 1 request"):
        journal.assert_called("SystemPing", times=1)


def test_assert_not_called() -> None:
    journal = Journal()
    journal.assert_not_called("ContainerDelete")
    journal.record(entry("ContainerDelete"))
    with pytest.raises(AssertionError, match="expected no request of ContainerDelete"):
        journal.assert_not_called("ContainerDelete")


def test_journal_capacity() -> None:
    journal = Journal(capacity=2)
    for name in ("A", "B", "C"):
        journal.record(entry(name))
    assert journal.operations() == ["B", "C"]


def test_entry_to_json_binary() -> None:
    document = entry("ImageLoad", b"\xff\x00").to_json()
    assert document["body_base64"] == "/wA="
    assert "body" not in document
