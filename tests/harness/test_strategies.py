"""Tests of the hypothesis strategies against the client's and daemon's decoders."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from contracts.spec import load_version
from fakedaemon.api.filters import Filters
from fakedaemon.engine.references import InvalidReference, parse_normalized
from harness.client import ConfigError, DaemonStreamError, ProgressError, ProtocolError
from harness.client.hosts import parse_host
from harness.client.streams import demultiplex, iter_progress
from harness.fuzz.reference import expected_error
from harness.strategies import (
    ErrorResponse,
    FilterExample,
    FramedStream,
    HostExample,
    ProgressStream,
    ReferenceExample,
    api_versions,
    docker_hosts,
    error_responses,
    filters,
    framed_streams,
    image_references,
    progress_streams,
    request_bodies,
)

SHARED = Path(
    os.environ.get("FAKEDAEMON_SHARED", Path(__file__).resolve().parents[3] / "shared")
)
SPECS = SHARED / "contracts" / "upstream"


@given(api_versions(min_version="1.30", max_version="1.41"))
def test_versions_in_range(version: str) -> None:
    minor = int(version.split(".")[1])
    assert 30 <= minor <= 41


@pytest.mark.parametrize(
    "options",
    [{"min_version": "1.50", "max_version": "1.40"}, {"min_version": "v1.40"}],
)
def test_versions_reject_options(options: dict[str, str]) -> None:
    with pytest.raises(InvalidArgument):
        api_versions(**options)


def test_options_checked_when_built() -> None:
    with pytest.raises(InvalidArgument):
        docker_hosts(valid="yes")  # type: ignore[arg-type]


@given(docker_hosts(schemes=("unix", "tcp", "http", "https")))
def test_valid_hosts_parse(host: HostExample) -> None:
    parsed = parse_host(host.text)
    assert (parsed.proto, parsed.addr, parsed.base_path) == (
        host.proto,
        host.addr,
        host.base_path,
    )


@given(docker_hosts(valid=False))
def test_invalid_hosts_rejected(host: HostExample) -> None:
    with pytest.raises(ConfigError):
        parse_host(host.text)


@given(error_responses())
@settings(
    max_examples=30,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_error_responses_fail(response: ErrorResponse) -> None:
    expected = expected_error(
        response.status, response.content_type, response.body, "http://d/v1.45/x"
    )
    assert response.status >= 400
    assert expected.status == response.status


@given(framed_streams())
def test_frames_decode(stream: FramedStream) -> None:
    decoded = [(int(kind), payload) for kind, payload in demultiplex(stream.chunks)]
    assert decoded == stream.frames


@given(framed_streams(valid=False))
def test_corrupt_frames_raise(stream: FramedStream) -> None:
    decoded: list[tuple[int, bytes]] = []
    expected_error = DaemonStreamError if stream.error == "system" else ProtocolError
    with pytest.raises(expected_error):
        for kind, payload in demultiplex(stream.chunks):
            decoded.append((int(kind), payload))
    assert decoded == stream.frames


@given(progress_streams())
def test_progress_decodes(stream: ProgressStream) -> None:
    decoded: list[dict[str, Any]] = []
    try:
        decoded.extend(iter_progress(stream.chunks))
    except ProgressError as error:
        assert error.message == stream.error
        assert error.code == stream.error_code
    else:
        assert stream.error is None
    assert decoded == stream.messages


@given(filters())
def test_filters_are_json(example: FilterExample) -> None:
    document = json.loads(example.encoded)
    assert sorted(document) == sorted(example.decoded)


@given(filters(encodings=("map",)))
def test_daemon_decodes_filters(example: FilterExample) -> None:
    parsed = Filters.parse(example.encoded)
    assert {key: parsed.get(key) for key in example.decoded} == example.decoded


@given(image_references())
def test_references_normalise(example: ReferenceExample) -> None:
    reference = parse_normalized(example.text)
    assert str(reference) == example.normalized
    assert reference.familiar() == example.familiar


@given(image_references(valid=False))
def test_bad_references_rejected(example: ReferenceExample) -> None:
    with pytest.raises(InvalidReference, match=example.error):
        parse_normalized(example.text)


@pytest.fixture(scope="module")
def specs() -> Path:
    """The folder of specification files, or a skip when it is absent."""
    if not (SPECS / "v1.45.yaml").is_file():
        pytest.skip(f"no specifications at {SPECS}; set FAKEDAEMON_SHARED")
    return SPECS


@pytest.mark.parametrize(
    ("operation", "version"),
    [
        ("ContainerCreate", "1.45"),
        ("ContainerCreate", "1.25"),
        ("NetworkCreate", "1.41"),
        ("VolumeCreate", "1.55"),
        ("ContainerUpdate", "1.41"),
    ],
)
def test_request_bodies_valid(specs: Path, operation: str, version: str) -> None:
    spec = load_version(specs, version)
    parameter = spec.operation(operation).body_parameter
    assert parameter is not None
    assert parameter.schema is not None
    validator = spec.validator(parameter.schema)

    @given(request_bodies(operation, version, specs=specs))
    @settings(
        max_examples=25,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    def check(body: Any) -> None:
        errors = [error.message for error in validator.iter_errors(body)]
        assert errors == []

    check()


def test_request_bodies_need_body(specs: Path) -> None:
    with pytest.raises(InvalidArgument, match="takes no JSON body"):
        request_bodies("ContainerList", "1.45", specs=specs)


def test_chunking_keeps_bytes() -> None:
    @given(progress_streams(), st.data())
    def check(stream: ProgressStream, data: st.DataObject) -> None:
        assert b"".join(stream.chunks) == stream.body

    check()
