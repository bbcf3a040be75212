"""Checking requests against the specification."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.spec import (
    ContractFailure,
    MalformedBody,
    MissingParameter,
    SchemaViolation,
    Specification,
    UndocumentedField,
    UndocumentedOperation,
    UndocumentedParameter,
    UnexpectedContentType,
)

JSON = {"Content-Type": "application/json"}


def encode(value: Any) -> bytes:
    return json.dumps(value).encode()


def kinds(failures: list[ContractFailure]) -> list[str]:
    return [f"{type(f).__name__} {f.location}" for f in failures]


def test_valid_list_request(spec55: Specification) -> None:
    failures = spec55.check_request(
        "GET", "/v1.55/containers/json?all=1&limit=5&filters=%7B%7D", strict=True
    )
    assert failures == []


@pytest.mark.parametrize("value", ["1", "0", "true", "false", "True", ""])
def test_boolean_spellings_accepted(spec55: Specification, value: str) -> None:
    assert spec55.check_request("GET", f"/containers/json?all={value}") == []


def test_boolean_word_rejected(spec55: Specification) -> None:
    failures = spec55.check_request("GET", "/containers/json?all=maybe")
    assert kinds(failures) == ["InvalidParameter query.all"]


def test_integer_rejected(spec55: Specification) -> None:
    failures = spec55.check_request("GET", "/containers/json", query={"limit": "ten"})
    assert kinds(failures) == ["InvalidParameter query.limit"]


def test_query_string_argument(spec55: Specification) -> None:
    failures = spec55.check_request("GET", "/containers/json", query="?limit=x")
    assert kinds(failures) == ["InvalidParameter query.limit"]


def test_enum_rejected(spec55: Specification) -> None:
    failures = spec55.check_request("POST", "/containers/x/wait?condition=soon")
    assert kinds(failures) == ["InvalidParameter query.condition"]


def test_enum_accepted(spec55: Specification) -> None:
    path = "/containers/x/wait?condition=next-exit"
    assert spec55.check_request("POST", path) == []


def test_array_item_enum(spec55: Specification) -> None:
    good = spec55.check_request("GET", "/system/df?type=image&type=volume")
    bad = spec55.check_request("GET", "/system/df?type=image&type=disk")
    assert good == []
    assert kinds(bad) == ["InvalidParameter query.type"]


def test_header_enum_rejected(spec55: Specification) -> None:
    headers = {"Content-Type": "text/plain"}
    failures = spec55.check_request("POST", "/build", headers=headers, body=b"x")
    assert kinds(failures) == ["InvalidParameter header.Content-type"]


def test_required_query_missing(spec55: Specification) -> None:
    failures = spec55.check_request("POST", "/containers/x/resize?h=10")
    assert kinds(failures) == ["MissingParameter query.w"]


def test_required_header_missing(spec55: Specification) -> None:
    failures = spec55.check_request("POST", "/images/busybox/push")
    assert kinds(failures) == ["MissingParameter header.X-Registry-Auth"]


def test_header_any_case(spec55: Specification) -> None:
    headers = {"x-registry-auth": "e30="}
    assert spec55.check_request("POST", "/images/busybox/push", headers=headers) == []


def test_undocumented_query_strict(spec55: Specification) -> None:
    failures = spec55.check_request("GET", "/containers/json?colour=1", strict=True)
    failure = failures[0]
    assert isinstance(failure, UndocumentedParameter)
    assert failure.location == "query.colour"


def test_undocumented_query_lenient(spec55: Specification) -> None:
    assert spec55.check_request("GET", "/containers/json?colour=1") == []


def test_create_body_valid(spec55: Specification) -> None:
    body = {"Image": "busybox", "Cmd": ["echo", "hi"], "HostConfig": {"Memory": 0}}
    failures = spec55.check_request(
        "POST",
        "/containers/create?name=a",
        headers=JSON,
        body=encode(body),
        strict=True,
    )
    assert failures == []


def test_create_body_wrong_type(spec55: Specification) -> None:
    body = {"Image": "busybox", "Cmd": "echo hi", "HostConfig": {"Memory": "lots"}}
    failures = spec55.check_request(
        "POST", "/containers/create", headers=JSON, body=encode(body)
    )
    assert kinds(failures) == [
        "SchemaViolation $.Cmd",
        "SchemaViolation $.HostConfig.Memory",
    ]


def test_create_body_unknown_field(spec55: Specification) -> None:
    body = {"Image": "busybox", "HostConfig": {"Bogus": True}}
    failures = spec55.check_request(
        "POST", "/containers/create", headers=JSON, body=encode(body), strict=True
    )
    assert isinstance(failures[0], UndocumentedField)
    assert failures[0].location == "$.HostConfig.Bogus"


def test_body_missing(spec55: Specification) -> None:
    failures = spec55.check_request("POST", "/containers/create", headers=JSON)
    assert isinstance(failures[0], MissingParameter)


def test_body_needs_json_type(spec55: Specification) -> None:
    headers = {"Content-Type": "text/plain"}
    failures = spec55.check_request(
        "POST", "/containers/create", headers=headers, body=b'{"Image": "x"}'
    )
    assert isinstance(failures[0], UnexpectedContentType)


def test_body_malformed(spec55: Specification) -> None:
    failures = spec55.check_request(
        "POST", "/containers/create", headers=JSON, body=b"{nope"
    )
    assert isinstance(failures[0], MalformedBody)


def test_binary_body_skipped(spec55: Specification) -> None:
    headers = {"Content-Type": "application/x-tar"}
    assert spec55.check_request("POST", "/build", headers=headers, body=b"\0") == []


def test_unknown_operation(spec55: Specification) -> None:
    failures = spec55.check_request("GET", "/nowhere")
    assert isinstance(failures[0], UndocumentedOperation)


def test_validate_request_raises(spec55: Specification) -> None:
    with pytest.raises(SchemaViolation):
        spec55.validate_request(
            "POST", "/containers/create", headers=JSON, body=encode({"Image": 1})
        )


def test_array_query_items(spec55: Specification) -> None:
    # ImageCreate documents "changes" as an array of strings.
    failures = spec55.check_request(
        "POST", "/images/create", query={"changes": ["ENV A=1", "CMD x"]}
    )
    assert failures == []
