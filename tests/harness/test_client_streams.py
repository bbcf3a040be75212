"""Tests of stream decoding: stdcopy frames, JSON messages, events, progress."""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

from harness.client import (
    Client,
    DaemonStreamError,
    ProgressError,
    ProtocolError,
    StreamType,
)
from harness.client.streams import demultiplex, iter_json_values, iter_progress

if TYPE_CHECKING:
    from conftest import MockDaemon

ClientFactory = Callable[..., Client]


def frame(kind: int, payload: bytes) -> bytes:
    return struct.pack(">BxxxL", kind, len(payload)) + payload


def test_demultiplex_types() -> None:
    data = frame(0, b"in") + frame(1, b"out") + frame(2, b"err")
    assert list(demultiplex([data])) == [
        (StreamType.STDIN, b"in"),
        (StreamType.STDOUT, b"out"),
        (StreamType.STDERR, b"err"),
    ]


def test_demultiplex_split_chunks() -> None:
    data = frame(1, b"hello world")
    chunks = [data[i : i + 3] for i in range(0, len(data), 3)]
    assert list(demultiplex(chunks)) == [(StreamType.STDOUT, b"hello world")]


def test_demultiplex_empty_payload() -> None:
    assert list(demultiplex([frame(1, b"")])) == [(StreamType.STDOUT, b"")]


def test_demultiplex_system_error() -> None:
    stream = demultiplex([frame(1, b"a"), frame(3, b"Error grabbing logs: boom\n")])
    assert next(stream) == (StreamType.STDOUT, b"a")
    with pytest.raises(DaemonStreamError) as caught:
        next(stream)
    assert str(caught.value) == (
        "error from daemon in stream: Error grabbing logs: boom\n"
    )


def test_demultiplex_unknown_type() -> None:
    with pytest.raises(ProtocolError) as caught:
        list(demultiplex([frame(7, b"x")]))
    assert str(caught.value) == "unrecognized stream: 7"


def test_demultiplex_truncated_payload() -> None:
    with pytest.raises(ProtocolError) as caught:
        list(demultiplex([frame(1, b"hello")[:-2]]))
    assert str(caught.value) == "truncated stream frame: 3 of 5 payload bytes"


def test_demultiplex_truncated_header() -> None:
    with pytest.raises(ProtocolError) as caught:
        list(demultiplex([b"\x01\x00\x00"]))
    assert str(caught.value) == "truncated stream frame: 3 of 8 header bytes"


def test_json_values_crlf_split() -> None:
    chunks = [b'{"status":"a"}\r\n{"sta', b'tus":"b"}\r\n']
    assert list(iter_json_values(chunks)) == [{"status": "a"}, {"status": "b"}]


def test_json_values_concatenated() -> None:
    assert list(iter_json_values([b'{"a":1}{"a":2}'])) == [{"a": 1}, {"a": 2}]


def test_json_values_json_seq() -> None:
    data = [b'\x1e{"a":1}\n\x1e{"a":2}\n']
    values = list(iter_json_values(data, record_separator=True))
    assert values == [{"a": 1}, {"a": 2}]


def test_json_values_utf8_split() -> None:
    encoded = '{"s":"é"}'.encode()
    values = list(iter_json_values([encoded[:7], encoded[7:]]))
    assert values == [{"s": "é"}]


def test_json_values_invalid_tail() -> None:
    with pytest.raises(ProtocolError, match="invalid JSON in stream"):
        list(iter_json_values([b'{"a":1}\n{"a":']))


def test_progress_in_band_error() -> None:
    chunks = [
        b'{"status":"Pulling"}\r\n',
        b'{"errorDetail":{"code":1,"message":"manifest unknown"},'
        b'"error":"manifest unknown"}\r\n',
    ]
    stream = iter_progress(chunks)
    assert next(stream) == {"status": "Pulling"}
    with pytest.raises(ProgressError) as caught:
        next(stream)
    assert str(caught.value) == "manifest unknown"
    assert caught.value.code == 1


def test_progress_bare_error_string() -> None:
    with pytest.raises(ProgressError, match="^boom$"):
        list(iter_progress([b'{"error":"boom"}\r\n']))


def test_pull_stream(daemon: MockDaemon, make_client: ClientFactory) -> None:
    body = b'{"status":"Pulling from library/busybox","id":"latest"}\r\n'
    daemon.route(
        "POST",
        "/images/create",
        lambda r: httpx.Response(
            200, content=body, headers={"Content-Type": "application/json"}
        ),
    )
    client = make_client(version="1.41")
    with client.image_create(from_image="busybox", tag="latest") as stream:
        messages = list(stream)
    assert messages == [{"status": "Pulling from library/busybox", "id": "latest"}]
    request = daemon.requests[-1]
    assert request.url.query == b"fromImage=busybox&tag=latest"
    assert request.headers["X-Registry-Auth"] == ""


def test_events_jsonl(daemon: MockDaemon, make_client: ClientFactory) -> None:
    body = b'{"Type":"container","Action":"start"}\n{"Type":"image","Action":"tag"}\n'
    daemon.route(
        "GET",
        "/events",
        lambda r: httpx.Response(
            200, content=body, headers={"Content-Type": "application/jsonl"}
        ),
    )
    client = make_client(version="1.52")
    events = list(client.system_events(until="1"))
    assert [event["Action"] for event in events] == ["start", "tag"]
    assert daemon.requests[-1].headers["Accept"].startswith("application/jsonl")


def test_events_json_seq(daemon: MockDaemon, make_client: ClientFactory) -> None:
    body = b'\x1e{"Action":"die"}\n'
    daemon.route(
        "GET",
        "/events",
        lambda r: httpx.Response(
            200, content=body, headers={"Content-Type": "application/json-seq"}
        ),
    )
    client = make_client(version="1.52")
    assert list(client.system_events()) == [{"Action": "die"}]


def test_logs_auto_multiplexed(daemon: MockDaemon, make_client: ClientFactory) -> None:
    body = frame(1, b"out\n") + frame(2, b"err\n")
    daemon.route(
        "GET",
        "/containers/c1/logs",
        lambda r: httpx.Response(
            200,
            content=body,
            headers={"Content-Type": "application/vnd.docker.multiplexed-stream"},
        ),
    )
    client = make_client(version="1.45")
    frames = list(client.container_logs("c1", stdout=True, stderr=True))
    assert frames == [(StreamType.STDOUT, b"out\n"), (StreamType.STDERR, b"err\n")]
    assert daemon.requests[-1].url.query == b"stderr=1&stdout=1"


def test_logs_raw_stream_old_api(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    body = frame(1, b"framed\n")
    daemon.route(
        "GET",
        "/containers/c1/logs",
        lambda r: httpx.Response(
            200,
            content=body,
            headers={"Content-Type": "application/vnd.docker.raw-stream"},
        ),
    )
    client = make_client(version="1.41")
    frames = list(client.container_logs("c1", stdout=True))
    assert frames == [(StreamType.STDOUT, b"framed\n")]


def test_logs_tty_raw(daemon: MockDaemon, make_client: ClientFactory) -> None:
    daemon.route(
        "GET",
        "/containers/c1/logs",
        lambda r: httpx.Response(
            200,
            content=b"raw\n",
            headers={"Content-Type": "application/vnd.docker.raw-stream"},
        ),
    )
    client = make_client(version="1.41")
    frames = list(client.container_logs("c1", stdout=True, tty=True))
    assert frames == [(StreamType.STDOUT, b"raw\n")]
