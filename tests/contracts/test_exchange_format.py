"""The exchange format: round trips, streams and file handling."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.exchange import (
    Body,
    Exchange,
    FormatError,
    HijackEvent,
    Request,
    Response,
    Scenario,
    decode_output,
    decode_records,
    dumps_scenario,
    encode_frame,
    loads_scenario,
    read_scenario,
    write_scenario,
)
from contracts.exchange.wire import BodyDecoder, encode_chunk, split_head


def sample_scenario() -> Scenario:
    create = Exchange(
        seq=1,
        connection=1,
        started=0.01,
        responded=0.02,
        finished=0.02,
        request=Request(
            "POST",
            "/v1.41/containers/create?name=web",
            [("Content-Type", "application/json")],
            Body(b'{"Image":"busybox"}'),
        ),
        response=Response(
            201,
            "Created",
            [("Content-Type", "application/json")],
            Body(b'{"Id":"' + b"a" * 64 + b'","Warnings":[]}\n'),
        ),
    )
    attach = Exchange(
        seq=2,
        connection=2,
        started=0.03,
        responded=0.04,
        finished=0.2,
        request=Request("POST", "/v1.41/containers/web/attach?stream=1", []),
        response=Response(101, "UPGRADED", [("Upgrade", "tcp")]),
        hijack=[
            HijackEvent("client", b"input\n", 0.05),
            HijackEvent("client", None, 0.06),
            HijackEvent("daemon", encode_frame("stdout", b"\xff\x00binary"), 0.1),
            HijackEvent("daemon", None, 0.2),
        ],
        hijack_records=decode_output(encode_frame("stdout", b"\xff\x00binary")),
    )
    logs = Exchange(
        seq=3,
        request=Request("GET", "/v1.41/containers/web/logs?follow=1", []),
        response=Response(
            200,
            "OK",
            [("Transfer-Encoding", "chunked")],
            chunks=[Body(b"one"), Body(b"\x80two")],
            complete=False,
        ),
        client_closed=0.5,
    )
    return Scenario("sample", [create, attach, logs], {"engine": "20.10.24"})


def test_round_trip_text() -> None:
    scenario = sample_scenario()
    text = dumps_scenario(scenario)
    assert dumps_scenario(loads_scenario(text)) == text


def test_round_trip_values() -> None:
    loaded = loads_scenario(dumps_scenario(sample_scenario()))
    attach = loaded.exchanges[1]
    assert attach.hijacked_bytes("daemon") == encode_frame("stdout", b"\xff\x00binary")
    assert attach.hijack is not None
    assert attach.hijack[1].data is None
    assert loaded.exchanges[2].response is not None
    assert loaded.exchanges[2].response.payload == b"one\x80two"
    assert loaded.exchanges[2].response.complete is False
    assert loaded.exchanges[2].client_closed == 0.5
    assert loaded.meta == {"engine": "20.10.24"}


def test_binary_body_base64() -> None:
    assert Body(b"\x80\x81").to_json() == {"base64": "gIE="}
    assert Body.from_json({"base64": "gIE="}).data == b"\x80\x81"


def test_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "sample.jsonl"
    write_scenario(path, sample_scenario())
    assert read_scenario(path).exchanges[0].request.target.endswith("name=web")
    assert len(path.read_text().splitlines()) == 4


def test_exchanges_sorted_by_seq() -> None:
    scenario = sample_scenario()
    scenario.exchanges.reverse()
    loaded = loads_scenario(dumps_scenario(scenario))
    assert [exchange.seq for exchange in loaded.exchanges] == [1, 2, 3]


@pytest.mark.parametrize(
    "text",
    [
        "",
        '{"format": "other", "version": 1}',
        '{"format": "fakedaemon-exchanges", "version": 99}',
        '{"format": "fakedaemon-exchanges", "version": 1}\n{"seq": 1}',
    ],
)
def test_invalid_files_rejected(text: str) -> None:
    with pytest.raises(FormatError):
        loads_scenario(text)


def test_frames_decoded() -> None:
    data = encode_frame("stdout", b"out\n") + encode_frame("stderr", b"err\n")
    assert decode_output(data) == [
        {"stream": "stdout", "text": "out\n"},
        {"stream": "stderr", "text": "err\n"},
    ]


def test_unframed_output_raw() -> None:
    records = decode_output(b"tty output\r\n")
    assert records == [{"stream": "raw", "text": "tty output\r\n"}]


def test_json_stream_records() -> None:
    data = b'{"status":"Pulling"}\r\n{"error":"denied"}\r\nplain\n'
    assert decode_records("application/json", data) == [
        {"json": {"status": "Pulling"}},
        {"json": {"error": "denied"}},
        {"text": "plain"},
    ]


def test_chunked_decoder_pieces() -> None:
    decoder = BodyDecoder("chunked")
    wire = encode_chunk(b"hello") + encode_chunk(b" world") + b"0\r\n\r\nNEXT"
    pieces, rest = decoder.feed(wire[:7])
    more, rest = decoder.feed(wire[7:])
    assert pieces + more == [b"hello", b" world"]
    assert decoder.done
    assert rest == b"NEXT"


def test_head_split() -> None:
    parsed = split_head(b"HTTP/1.1 101 UPGRADED\r\nUpgrade: tcp\r\n\r\nrest")
    assert parsed is not None
    head, rest = parsed
    assert (head.second, head.third) == ("101", "UPGRADED")
    assert head.header("upgrade") == "tcp"
    assert rest == b"rest"
