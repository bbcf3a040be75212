"""Clients against recorded responses varied the ways a real daemon may vary them."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from harness.fuzz.replay import (
    OPERATIONS,
    Decoded,
    Example,
    Recording,
    ReplayClient,
    ReplayServer,
    Reply,
    _Replayer,
    compare,
    contract_properties,
    load_recordings,
    load_replay_client,
)
from harness.fuzz.runner import run_property
from harness.strategies.variants import (
    body_chunkings,
    first_difference,
    is_zero,
    json_stream_variants,
    json_variants,
    strip_paths,
)

# A fixed seed and budget keep the replay properties of both clients within
# about a minute; FAKEDAEMON_CONTRACT_EXAMPLES raises the budget locally.
SEED = 20240601
EXAMPLES = int(os.environ.get("FAKEDAEMON_CONTRACT_EXAMPLES", "20"))

RECORDINGS = load_recordings()

UNIT = settings(max_examples=40, deadline=None)

DOCUMENT: dict[str, Any] = {
    "Id": "abc",
    "Names": ["/web"],
    "Labels": {},
    "Ports": [],
    "State": {"Running": False, "Pid": 0, "Error": "", "Note": "a<b&c>"},
    "Mounts": [{"Name": "", "RW": True}],
    "SizeRw": None,
}


def _operations_with(client: str) -> list[Any]:
    present = {recording.operation for recording in RECORDINGS}
    cases = []
    for operation in OPERATIONS:
        marks: list[pytest.MarkDecorator] = []
        if operation not in present:
            marks.append(
                pytest.mark.skip(reason=f"the corpus has no recording of {operation}")
            )
        elif client == "docker-py" and operation in DOCKER_PY_FAILURES:
            marks.append(
                pytest.mark.xfail(strict=True, reason=DOCKER_PY_FAILURES[operation])
            )
        cases.append(pytest.param(operation, marks=marks, id=operation))
    return cases


DOCKER_PY_FAILURES = {
    "SystemEvents": "docker-py 7.2's JSON stream splitter keeps white space "
    "that arrives in a chunk of its own after the last message and then fails "
    "to decode it (StreamParseError: Expecting value)",
}
"""The properties docker-py breaks, with what it gets wrong."""


@pytest.fixture(scope="module")
def server() -> Iterator[ReplayServer]:
    """One replay server for the whole module."""
    with ReplayServer() as replay:
        yield replay


def _run(client: ReplayClient, server: ReplayServer, operation: str) -> None:
    chosen = [each for each in RECORDINGS if each.operation == operation]
    (case, strategy, check) = contract_properties(client, server, chosen)[0]
    failure = run_property(case, strategy, check, examples=EXAMPLES, seed_value=SEED)
    assert failure is None, f"{failure.problems} in {failure.example}"


@pytest.mark.parametrize("operation", _operations_with("harness"))
def test_harness_decodes_variants(server: ReplayServer, operation: str) -> None:
    _run(load_replay_client("harness"), server, operation)


@pytest.mark.parametrize("operation", _operations_with("docker-py"))
def test_docker_py_decodes_variants(server: ReplayServer, operation: str) -> None:
    _run(load_replay_client("docker-py"), server, operation)


def test_docker_py_trailing_newline_chunk(server: ReplayServer) -> None:
    events = next(each for each in RECORDINGS if each.operation == "SystemEvents")
    body = events.body
    reply = events.reply([body.rstrip(b"\n"), b"\n"], chunked=True)
    original = events.reply([body], chunked=True)
    client = load_replay_client("docker-py")
    replayer = _Replayer(client, server, timeout=10.0)
    whole = replayer.decode(events, original, "whole")
    split = replayer.decode(events, reply, "split")
    assert whole.kind == "value"
    assert split.kind == "failure"
    assert split.exception == "StreamParseError"


# -- the corpus ---------------------------------------------------------------


def test_corpus_covers_both_engines() -> None:
    releases = {
        recording.source.split("/")[0]
        for recording in RECORDINGS
        if recording.operation == "SystemInfo"
    }
    assert releases == {"20.10", "26.1"}


def test_corpus_versions_differ() -> None:
    versions = {
        recording.version
        for recording in RECORDINGS
        if recording.operation == "ContainerInspect"
    }
    assert {"1.24", "1.41", "1.45"} <= versions


def test_corpus_errors_are_failed_statuses() -> None:
    statuses = {r.status for r in RECORDINGS if r.operation == "Error"}
    assert statuses and min(statuses) >= 400


def test_corpus_logs_are_framed() -> None:
    logs = [r for r in RECORDINGS if r.operation == "ContainerLogs"]
    assert logs and not any(recording.tty for recording in logs)


def test_recording_headers_drop_framing() -> None:
    names = {name.lower() for r in RECORDINGS for name, _ in r.headers}
    assert "transfer-encoding" not in names and "content-length" not in names


def test_unknown_client_rejected() -> None:
    with pytest.raises(ValueError, match="harness and docker-py"):
        load_replay_client("mypackage:adapter")


# -- the variants -------------------------------------------------------------


@UNIT
@given(json_variants(DOCUMENT))
def test_variant_text_decodes_to_document(variant: Any) -> None:
    assert json.loads(variant.text) == variant.document


@UNIT
@given(json_variants(DOCUMENT))
def test_variant_differs_only_as_listed(variant: Any) -> None:
    added = [path for path, _ in variant.added]
    expected = strip_paths(DOCUMENT, list(variant.dropped))
    got = strip_paths(variant.document, added)
    assert first_difference(expected, got) is None


@UNIT
@given(json_variants(DOCUMENT))
def test_variant_drops_only_zero_values(variant: Any) -> None:
    for path in variant.dropped:
        value: Any = DOCUMENT
        for key in path:
            value = value[key]
        assert is_zero(value), path


@UNIT
@given(json_variants(DOCUMENT))
def test_variant_added_names_are_new(variant: Any) -> None:
    for path, _ in variant.added:
        parent: Any = DOCUMENT
        for key in path[:-1]:
            parent = parent[key]
        assert str(path[-1]).lower() not in {key.lower() for key in parent}


@UNIT
@given(json_variants(DOCUMENT, whitespace=False, escapes=False, shuffle=False))
def test_variant_compact_without_whitespace(variant: Any) -> None:
    compact = json.dumps(variant.document, separators=(",", ":"), ensure_ascii=False)
    assert variant.text == compact


@UNIT
@given(json_variants(DOCUMENT, multiline=False))
def test_variant_single_line(variant: Any) -> None:
    assert "\n" not in variant.text and "\r" not in variant.text


def test_variant_shrinks_to_document() -> None:
    minimal = find(json_variants(DOCUMENT), lambda variant: True)
    assert minimal.text == json.dumps(DOCUMENT, separators=(",", ":"))


def test_variant_option_checked() -> None:
    with pytest.raises(InvalidArgument):
        json_variants(DOCUMENT, shuffle="yes")  # type: ignore[arg-type]


@UNIT
@given(json_stream_variants([{"status": "a"}, {"status": "b", "id": ""}]))
def test_stream_variant_lines(stream: Any) -> None:
    lines = [line for line in stream.body.splitlines() if line.strip()]
    assert [json.loads(line) for line in lines] == [
        message.document for message in stream.messages
    ]


def test_stream_terminators_checked() -> None:
    with pytest.raises(InvalidArgument):
        json_stream_variants([{}], terminators=("x",))


@UNIT
@given(
    st.binary(max_size=200).flatmap(
        lambda data: st.tuples(st.just(data), body_chunkings(data))
    )
)
def test_chunkings_join_back(drawn: tuple[bytes, list[bytes]]) -> None:
    data, pieces = drawn
    assert b"".join(pieces) == data


@UNIT
@given(body_chunkings(b'{"a":[1,2]}\n', max_chunks=3))
def test_chunkings_respect_maximum(pieces: list[bytes]) -> None:
    assert len(pieces) <= 3


def test_strip_paths_ignores_missing() -> None:
    value = {"a": [{"b": 1, "c": 2}], "d": 3}
    assert strip_paths(value, [("a", 0, "b"), ("x", "y"), ("a", 5, "b")]) == {
        "a": [{"c": 2}],
        "d": 3,
    }


def test_first_difference_names_path() -> None:
    found = first_difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]})
    assert found is not None and found.startswith("/a/1/b:")


def test_first_difference_tells_bool_from_int() -> None:
    assert first_difference({"a": 1}, {"a": True}) is not None


def test_is_zero_values() -> None:
    zeros: tuple[Any, ...] = (None, False, 0, 0.0, "", [], {})
    others: tuple[Any, ...] = (True, 1, "x", [0], {"a": 0})
    assert [is_zero(value) for value in zeros] == [True] * len(zeros)
    assert [is_zero(value) for value in others] == [False] * len(others)


# -- comparison ----------------------------------------------------------------


def _example(**changes: Any) -> Example:
    recording = Recording("SystemInfo", "x#1", "1.41", 200, "OK", (), (b"{}",), False)
    return Example(recording, (b"{}",), False, **changes)


def test_compare_allows_listed_changes() -> None:
    original = Decoded("value", {"A": 1, "B": ""})
    variant = Decoded("value", {"A": 1, "New": [1]})
    example = _example(dropped=(("B",),), added=(("New",),))
    assert compare(original, variant, example) == []


def test_compare_reports_changed_value() -> None:
    original = Decoded("value", {"A": 1})
    variant = Decoded("value", {"A": 2})
    assert compare(original, variant, _example()) == ["/A: got 2, expected 1"]


def test_compare_reports_other_message() -> None:
    original = Decoded("error", status=404, message="No such image")
    variant = Decoded("error", status=404, message="no such image")
    assert len(compare(original, variant, _example())) == 1


def test_compare_reports_other_kind() -> None:
    original = Decoded("value", [])
    variant = Decoded("failure", exception="ValueError")
    assert "failure" in compare(original, variant, _example())[0]


# -- the replay server ---------------------------------------------------------


def test_server_sends_pieces_as_chunks(server: ReplayServer) -> None:
    reply = Reply(200, "OK", [("Content-Type", "text/plain")], [b"ab", b"c"], True)
    server.route = lambda method, target: reply
    transport = httpx.HTTPTransport(uds=str(server.socket_path))
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        with client.stream("GET", "/v1.41/info") as response:
            pieces = list(response.iter_raw())
    assert pieces == [b"ab", b"c"]


def test_server_sends_length_body(server: ReplayServer) -> None:
    reply = Reply(200, "OK", [], [b"ab", b"c"], False)
    server.route = lambda method, target: reply
    transport = httpx.HTTPTransport(uds=str(server.socket_path))
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        response = client.get("/info")
    assert (response.headers["Content-Length"], response.content) == ("3", b"abc")


def test_server_unrouted_is_not_found(server: ReplayServer) -> None:
    server.route = lambda method, target: None
    transport = httpx.HTTPTransport(uds=str(server.socket_path))
    with httpx.Client(transport=transport, base_url="http://docker") as client:
        response = client.get("/nothing")
    assert response.json() == {"message": "page not found"}


def test_server_counts_open_connection(server: ReplayServer) -> None:
    assert server.wait_closed(timeout=1.0) == 0
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.connect(str(server.socket_path))
        # Once a response came back, the server has accepted the connection.
        sock.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n")
        assert sock.recv(12) == b"HTTP/1.1 404"
        assert server.wait_closed(timeout=0.2) == 1
    assert server.wait_closed(timeout=1.0) == 0
