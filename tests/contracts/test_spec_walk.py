"""Every schema of every version converts to valid JSON Schema and compiles."""

from __future__ import annotations

from pathlib import Path

import pytest
from jsonschema import Draft4Validator

from contracts.spec import load_version

VERSIONS = [f"1.{minor}" for minor in range(25, 56)]


@pytest.mark.parametrize("version", VERSIONS)
def test_definitions_valid_schema(upstream: Path, version: str) -> None:
    spec = load_version(upstream, version)
    for nil_collections in (False, True):
        converted = spec.json_schema({}, nil_collections=nil_collections)
        Draft4Validator.check_schema(converted)


@pytest.mark.parametrize("version", VERSIONS)
def test_operation_schemas_compile(upstream: Path, version: str) -> None:
    spec = load_version(upstream, version)
    checked = 0
    for operation in spec.operations:
        schemas = [r.schema for r in operation.responses.values() if r.schema]
        schemas += [p.schema for p in operation.parameters if p.schema]
        for schema in schemas:
            # Iterating the errors follows every $ref the instance reaches,
            # so a broken reference or keyword raises here.
            list(spec.validator(schema).iter_errors({}))
            checked += 1
    assert checked > len(spec.operations)
