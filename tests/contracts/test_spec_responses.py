"""Checking responses against the specification."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from contracts.spec import (
    ContractFailure,
    ContractFailureGroup,
    InvalidHeader,
    MalformedBody,
    MissingHeader,
    SchemaViolation,
    Specification,
    UndocumentedField,
    UndocumentedOperation,
    UndocumentedStatus,
    UnexpectedContentType,
)

JSON = {"Content-Type": "application/json"}


def volume(**changes: Any) -> dict[str, Any]:
    """Return a valid API 1.55 Volume with ``changes`` applied."""
    body: dict[str, Any] = {
        "Name": "data",
        "Driver": "local",
        "Mountpoint": "/var/lib/docker/volumes/data/_data",
        "Labels": {},
        "Scope": "local",
        "Options": {},
    }
    body.update(changes)
    return body


def encode(value: Any) -> bytes:
    return json.dumps(value).encode()


def only(failures: list[ContractFailure]) -> ContractFailure:
    assert len(failures) == 1, "\n".join(map(str, failures))
    return failures[0]


def test_valid_volume_passes(spec55: Specification) -> None:
    failures = spec55.check_response(
        "GET", "/v1.55/volumes/data", 200, JSON, encode(volume()), strict=True
    )
    assert failures == []


def test_wrong_type_caught(spec55: Specification) -> None:
    failures = spec55.check_response(
        "GET", "/volumes/data", 200, JSON, encode(volume(Scope=1))
    )
    failure = only(failures)
    assert isinstance(failure, SchemaViolation)
    assert failure.location == "$.Scope"


def test_enum_violation_caught(spec55: Specification) -> None:
    failures = spec55.check_response(
        "GET", "/volumes/data", 200, JSON, encode(volume(Scope="planet"))
    )
    assert "allowed values" in only(failures).message


def test_missing_required_caught(spec55: Specification) -> None:
    body = volume()
    del body["Mountpoint"]
    failure = only(
        spec55.check_response("GET", "/volumes/data", 200, JSON, encode(body))
    )
    assert isinstance(failure, SchemaViolation)
    assert failure.location == "$.Mountpoint"
    assert "required" in failure.message


def test_null_not_nullable_caught(spec55: Specification) -> None:
    failures = spec55.check_response(
        "GET", "/volumes/data", 200, JSON, encode(volume(Driver=None))
    )
    failure = only(failures)
    assert failure.location == "$.Driver"
    assert "x-nullable" in failure.message


def test_null_allowed_with_nullable(spec55: Specification) -> None:
    # UsageData is declared with x-nullable: true.
    failures = spec55.check_response(
        "GET",
        "/volumes/data",
        200,
        JSON,
        encode(volume(UsageData=None)),
        nil_collections=False,
    )
    assert failures == []


def test_nil_map_allowed_by_default(spec55: Specification) -> None:
    body = encode(volume(Options=None))
    assert spec55.check_response("GET", "/volumes/data", 200, JSON, body) == []


def test_nil_map_rejected_on_request(spec55: Specification) -> None:
    body = encode(volume(Options=None))
    failures = spec55.check_response(
        "GET", "/volumes/data", 200, JSON, body, nil_collections=False
    )
    assert only(failures).location == "$.Options"


def test_nested_path_in_list(spec55: Specification) -> None:
    body = {"Volumes": [volume(), volume(Name=7)], "Warnings": []}
    failure = only(spec55.check_response("GET", "/volumes", 200, JSON, encode(body)))
    assert failure.location == "$.Volumes[1].Name"


def test_undocumented_status_caught(spec55: Specification) -> None:
    failure = only(spec55.check_response("GET", "/volumes/data", 418, JSON, b"{}"))
    assert isinstance(failure, UndocumentedStatus)
    assert "200, 404, 500" in failure.message


def test_wrong_content_type_caught(spec55: Specification) -> None:
    headers = {"Content-Type": "text/html"}
    failures = spec55.check_response(
        "GET", "/volumes/data", 200, headers, encode(volume())
    )
    failure = only(failures)
    assert isinstance(failure, UnexpectedContentType)
    assert "text/html" in failure.message


def test_missing_content_type_caught(spec55: Specification) -> None:
    failures = spec55.check_response("GET", "/volumes/data", 200, {}, encode(volume()))
    assert isinstance(only(failures), UnexpectedContentType)


def test_content_type_parameters_ignored(spec55: Specification) -> None:
    headers = {"content-type": "application/json; charset=utf-8"}
    failures = spec55.check_response(
        "GET", "/volumes/data", 200, headers, encode(volume())
    )
    assert failures == []


def test_error_body_json_anywhere(spec55: Specification) -> None:
    # ContainerExport produces application/octet-stream; its 404 is JSON.
    body = encode({"message": "No such container: x"})
    failures = spec55.check_response("GET", "/containers/x/export", 404, JSON, body)
    assert failures == []


def test_error_body_needs_message(spec55: Specification) -> None:
    failure = only(spec55.check_response("GET", "/containers/x/json", 404, JSON, b"{}"))
    assert failure.location == "$.message"


def test_malformed_json_caught(spec55: Specification) -> None:
    failure = only(spec55.check_response("GET", "/volumes/data", 200, JSON, b"{"))
    assert isinstance(failure, MalformedBody)


def test_undocumented_field_strict(spec55: Specification) -> None:
    body = encode(volume(Colour="blue"))
    failure = only(
        spec55.check_response("GET", "/volumes/data", 200, JSON, body, strict=True)
    )
    assert isinstance(failure, UndocumentedField)
    assert failure.location == "$.Colour"


def test_undocumented_field_lenient(spec55: Specification) -> None:
    body = encode(volume(Colour="blue"))
    assert spec55.check_response("GET", "/volumes/data", 200, JSON, body) == []


def test_free_form_map_not_flagged(spec55: Specification) -> None:
    body = encode(volume(Labels={"any.label": "x"}, Options={"o": "bind"}))
    failures = spec55.check_response(
        "GET", "/volumes/data", 200, JSON, body, strict=True
    )
    assert failures == []


def test_undocumented_field_through_allof(spec55: Specification) -> None:
    # ContainerInspectResponse.HostConfig is HostConfig = allOf[Resources,
    # {...}]; fields of both parts are documented, others are not.
    inspect = spec55.operation("ContainerInspect").responses["200"].schema
    assert inspect is not None
    body = {"HostConfig": {"CpuShares": 2, "NetworkMode": "bridge", "Bogus": 1}}
    failures = spec55.check_response(
        "GET", "/containers/x/json", 200, JSON, encode(body), strict=True
    )
    locations = [f.location for f in failures if isinstance(f, UndocumentedField)]
    assert locations == ["$.HostConfig.Bogus"]


def test_ping_text_body(spec55: Specification) -> None:
    headers = {"Content-Type": "text/plain; charset=utf-8", "Api-Version": "1.55"}
    assert spec55.check_response("GET", "/_ping", 200, headers, b"OK") == []


def test_ping_header_type_checked(spec55: Specification) -> None:
    headers = {"Content-Type": "text/plain", "Docker-Experimental": "maybe"}
    failure = only(spec55.check_response("GET", "/_ping", 200, headers, b"OK"))
    assert isinstance(failure, InvalidHeader)
    assert failure.location == "Docker-Experimental"


def test_ping_header_enum_checked(spec55: Specification) -> None:
    headers = {"Content-Type": "text/plain", "Swarm": "sleeping"}
    failure = only(spec55.check_response("GET", "/_ping", 200, headers, b"OK"))
    assert isinstance(failure, InvalidHeader)


def test_missing_header_strict(spec55: Specification) -> None:
    headers = {
        "Content-Type": "text/plain",
        "Api-Version": "1.55",
        "Docker-Experimental": "false",
        "Swarm": "inactive",
        "Cache-Control": "no-cache, no-store, must-revalidate",
        "Pragma": "no-cache",
    }
    failures = spec55.check_response("HEAD", "/_ping", 200, headers, b"", strict=True)
    failure = only(failures)
    assert isinstance(failure, MissingHeader)
    assert failure.location == "Builder-Version"


def test_head_body_not_checked(spec55: Specification) -> None:
    assert spec55.check_response("HEAD", "/_ping", 200, {}, b"") == []


def test_no_content_status(spec55: Specification) -> None:
    assert spec55.check_response("POST", "/containers/x/start", 204, {}, b"") == []


def test_json_stream_each_value(spec55: Specification) -> None:
    good = {"Type": "container", "Action": "start", "Actor": {"ID": "x"}}
    stream = encode(good) + b"\n" + encode({**good, "time": "soon"}) + b"\n"
    failure = only(spec55.check_response("GET", "/events", 200, JSON, stream))
    assert failure.location == "$stream[1].time"


def test_empty_stream_strict_only(spec55: Specification) -> None:
    lenient = spec55.check_response("GET", "/events", 200, JSON, b"")
    strict = spec55.check_response("GET", "/events", 200, JSON, b"", strict=True)
    assert lenient == []
    assert isinstance(only(strict), SchemaViolation)


def test_binary_body_not_checked(spec55: Specification) -> None:
    headers = {"Content-Type": "application/x-tar"}
    failures = spec55.check_response(
        "GET", "/containers/x/archive?path=/", 200, headers, b"\x00tar"
    )
    assert failures == []


def test_undocumented_operation_returned(spec55: Specification) -> None:
    failure = only(spec55.check_response("GET", "/nowhere", 200, JSON, b"{}"))
    assert isinstance(failure, UndocumentedOperation)


def test_validate_raises_single(spec55: Specification) -> None:
    with pytest.raises(SchemaViolation):
        spec55.validate_response(
            "GET", "/volumes/data", 200, JSON, encode(volume(Name=1))
        )


def test_validate_raises_group(spec55: Specification) -> None:
    body = encode(volume(Name=1, Driver=2))
    with pytest.raises(ContractFailureGroup) as caught:
        spec55.validate_response("GET", "/volumes/data", 200, JSON, body)
    assert len(caught.value.exceptions) == 2


def test_validate_passes_silently(spec55: Specification) -> None:
    spec55.validate_response("GET", "/volumes/data", 200, JSON, encode(volume()))


def test_captured_version_valid(
    spec41: Specification, captured: Callable[[str], dict[str, Any]]
) -> None:
    record = captured("e20-version.json")
    failures = spec41.check_response(
        record["method"],
        record["path"],
        record["status"],
        record["headers"],
        record["body"],
        strict=True,
        nil_collections=False,
    )
    assert failures == []


def test_captured_images_nil_collections(
    spec41: Specification, captured: Callable[[str], dict[str, Any]]
) -> None:
    # Engine 20.10 sends "Labels": null and "RepoDigests": null, which the
    # 1.41 specification does not mark x-nullable.
    record = captured("e20-images-json.json")
    args = (record["method"], record["path"], record["status"], record["headers"])
    lenient = spec41.check_response(*args, record["body"])
    spec_only = spec41.check_response(*args, record["body"], nil_collections=False)
    assert lenient == []
    assert sorted(f.location for f in spec_only) == [
        "$[0].Labels",
        "$[0].RepoDigests",
    ]


def test_captured_df_builder_size(
    spec41: Specification, captured: Callable[[str], dict[str, Any]]
) -> None:
    # Engine 20.10 sends BuilderSize, which the 1.41 specification omits.
    record = captured("e20-system-df.json")
    failures = spec41.check_response(
        record["method"],
        record["path"],
        record["status"],
        record["headers"],
        record["body"],
        strict=True,
    )
    assert [f.location for f in failures] == ["$.BuilderSize"]
