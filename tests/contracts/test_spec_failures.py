"""Contract failures: rendering, grouping, pickling, public names."""

from __future__ import annotations

import pickle

import pytest

import contracts.spec
from contracts.spec import (
    ContractFailure,
    ContractFailureGroup,
    SchemaViolation,
    UndocumentedStatus,
    Where,
)
from contracts.spec.failures import raise_failures

WHERE = Where("1.41", "GET", "/v1.41/volumes", "VolumeList")


def test_failure_is_assertion() -> None:
    assert issubclass(ContractFailure, AssertionError)


def test_message_names_everything() -> None:
    failure = SchemaViolation("1 is not of type string", where=WHERE, location="$.Name")
    text = str(failure)
    assert text.startswith("Schema violation at $.Name: 1 is not of type string")
    assert "VolumeList (GET /v1.41/volumes, API 1.41)" in text


def test_accessors() -> None:
    failure = UndocumentedStatus("status 418", where=WHERE)
    assert failure.operation_id == "VolumeList"
    assert failure.version == "1.41"
    assert failure.title == "Undocumented status"


def test_pickle_round_trip() -> None:
    failure = SchemaViolation("bad", where=WHERE, location="$.Name")
    copy = pickle.loads(pickle.dumps(failure))
    assert type(copy) is SchemaViolation
    assert str(copy) == str(failure)


def test_raise_none() -> None:
    raise_failures([], "nothing")


def test_raise_one_bare() -> None:
    with pytest.raises(SchemaViolation):
        raise_failures([SchemaViolation("bad", where=WHERE)], "one")


def test_raise_several_grouped() -> None:
    failures = [SchemaViolation("a", where=WHERE), UndocumentedStatus("b", where=WHERE)]
    with pytest.raises(ContractFailureGroup) as caught:
        raise_failures(failures, "GET /volumes")
    assert caught.value.exceptions == tuple(failures)
    assert "2 failures" in str(caught.value)


def test_group_caught_by_except_star() -> None:
    failures = [SchemaViolation("a", where=WHERE), SchemaViolation("b", where=WHERE)]
    caught: list[BaseException] = []
    try:
        raise_failures(failures, "GET /volumes")
    except* SchemaViolation as group:
        caught.extend(group.exceptions)
    assert len(caught) == 2


def test_all_sorted() -> None:
    assert contracts.spec.__all__ == sorted(contracts.spec.__all__)


def test_all_importable() -> None:
    missing = [
        name for name in contracts.spec.__all__ if not hasattr(contracts.spec, name)
    ]
    assert missing == []
