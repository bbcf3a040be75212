"""Schema conversion, references and a small hand-written document."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.spec import RefError, Specification, to_json_schema
from contracts.spec.refs import inline_refs, resolve, resolve_pointer

JSON = {"Content-Type": "application/json"}

# A Swagger 2.0 document small enough to read: a recursive definition, a
# nullable reference, an allOf, and an operation with a default response.
DOCUMENT: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "test", "version": "9.1"},
    "basePath": "/v9.1",
    "definitions": {
        "Node": {
            "type": "object",
            "required": ["Name"],
            "properties": {
                "Name": {"type": "string"},
                "Children": {"type": "array", "items": {"$ref": "#/definitions/Node"}},
                "Parent": {"$ref": "#/definitions/Node", "x-nullable": True},
            },
        },
        "Named": {"type": "object", "properties": {"Name": {"type": "string"}}},
        "Tagged": {
            "allOf": [
                {"$ref": "#/definitions/Named"},
                {"type": "object", "properties": {"Tag": {"type": "string"}}},
            ]
        },
        "a/b": {"type": "integer"},
    },
    "paths": {
        "/nodes/{id}": {
            "parameters": [{"name": "id", "in": "path", "type": "string"}],
            "get": {
                "operationId": "NodeGet",
                "tags": ["Node"],
                "responses": {
                    "200": {
                        "description": "ok",
                        "schema": {"$ref": "#/definitions/Node"},
                    },
                    "default": {
                        "description": "error",
                        "schema": {
                            "type": "object",
                            "properties": {"message": {"type": "string"}},
                        },
                    },
                },
            },
        },
        "/tagged": {
            "get": {
                "operationId": "TaggedGet",
                "responses": {
                    "200": {
                        "description": "ok",
                        "schema": {"$ref": "#/definitions/Tagged"},
                    }
                },
            }
        },
    },
}


@pytest.fixture(scope="module")
def spec() -> Specification:
    return Specification(DOCUMENT, source="test")


def check(spec: Specification, path: str, body: Any, **options: Any) -> list[str]:
    failures = spec.check_response(
        "GET", path, 200, JSON, json.dumps(body).encode(), **options
    )
    return [f"{type(f).__name__} {f.location}" for f in failures]


def test_nullable_type_widened() -> None:
    converted = to_json_schema({"type": "string", "x-nullable": True})
    assert converted == {"type": ["string", "null"]}


def test_nullable_enum_widened() -> None:
    converted = to_json_schema({"type": "string", "enum": ["a"], "x-nullable": True})
    assert converted["enum"] == ["a", None]


def test_nullable_ref_wrapped() -> None:
    converted = to_json_schema({"$ref": "#/definitions/X", "x-nullable": True})
    assert converted == {"anyOf": [{"$ref": "#/definitions/X"}, {"type": "null"}]}


def test_documentation_dropped() -> None:
    converted = to_json_schema(
        {"type": "integer", "format": "int64", "example": 3, "x-go-name": "N"}
    )
    assert converted == {"type": "integer"}


def test_empty_required_dropped() -> None:
    assert to_json_schema({"type": "object", "required": []}) == {"type": "object"}


def test_nil_collections_arrays_and_maps() -> None:
    schema = {
        "type": "object",
        "properties": {
            "List": {"type": "array", "items": {"type": "string"}},
            "Map": {"type": "object", "additionalProperties": {"type": "string"}},
            "Struct": {"type": "object", "properties": {"A": {"type": "string"}}},
        },
    }
    converted = to_json_schema(schema, nil_collections=True)
    properties = converted["properties"]
    assert properties["List"]["type"] == ["array", "null"]
    assert properties["Map"]["type"] == ["object", "null"]
    assert properties["Struct"]["type"] == "object"


def test_resolve_follows_ref() -> None:
    resolved = resolve(DOCUMENT, {"$ref": "#/definitions/Named"})
    assert resolved is DOCUMENT["definitions"]["Named"]


def test_pointer_escape() -> None:
    assert resolve_pointer(DOCUMENT, "#/definitions/a~1b") == {"type": "integer"}


def test_broken_ref_raises() -> None:
    with pytest.raises(RefError, match="points nowhere"):
        resolve_pointer(DOCUMENT, "#/definitions/Missing")


def test_remote_ref_raises() -> None:
    with pytest.raises(RefError, match="only local"):
        resolve_pointer(DOCUMENT, "other.yaml#/definitions/X")


def test_ref_loop_raises() -> None:
    looping = {
        "definitions": {
            "A": {"$ref": "#/definitions/B"},
            "B": {"$ref": "#/definitions/A"},
        }
    }
    with pytest.raises(RefError, match="refers to itself"):
        resolve(looping, {"$ref": "#/definitions/A"})


def test_inline_recursive_finite() -> None:
    inlined = inline_refs(DOCUMENT, {"$ref": "#/definitions/Node"})
    children = inlined["properties"]["Children"]["items"]
    assert children == {"$ref": "#/definitions/Node"}


def test_inline_keeps_nullable() -> None:
    inlined = inline_refs(DOCUMENT, {"$ref": "#/definitions/Node"})
    parent = inlined["properties"]["Parent"]
    assert parent == {"$ref": "#/definitions/Node", "x-nullable": True}


def test_inline_allof_parts() -> None:
    inlined = inline_refs(DOCUMENT, {"$ref": "#/definitions/Tagged"})
    assert inlined["allOf"][0]["properties"]["Name"] == {"type": "string"}


def test_recursive_valid(spec: Specification) -> None:
    body = {"Name": "a", "Children": [{"Name": "b", "Children": [{"Name": "c"}]}]}
    assert check(spec, "/nodes/a", body, strict=True) == []


def test_recursive_deep_error(spec: Specification) -> None:
    body = {"Name": "a", "Children": [{"Name": "b", "Children": [{"Name": 3}]}]}
    assert check(spec, "/nodes/a", body) == [
        "SchemaViolation $.Children[0].Children[0].Name"
    ]


def test_nullable_ref_accepts_null(spec: Specification) -> None:
    assert check(spec, "/nodes/a", {"Name": "a", "Parent": None}) == []


def test_nullable_ref_reports_branch(spec: Specification) -> None:
    failures = check(spec, "/nodes/a", {"Name": "a", "Parent": {"Name": 1}})
    assert failures == ["SchemaViolation $.Parent.Name"]


def test_recursive_undocumented_strict(spec: Specification) -> None:
    body = {"Name": "a", "Children": [{"Name": "b", "Extra": 1}]}
    assert check(spec, "/nodes/a", body, strict=True) == [
        "UndocumentedField $.Children[0].Extra"
    ]


def test_allof_fields_documented(spec: Specification) -> None:
    body = {"Name": "a", "Tag": "t"}
    assert check(spec, "/tagged", body, strict=True) == []


def test_allof_extra_flagged(spec: Specification) -> None:
    body = {"Name": "a", "Tag": "t", "Other": 1}
    assert check(spec, "/tagged", body, strict=True) == ["UndocumentedField $.Other"]


def test_default_response_used(spec: Specification) -> None:
    body = json.dumps({"message": 5}).encode()
    failures = spec.check_response("GET", "/nodes/a", 599, JSON, body)
    assert [f.location for f in failures] == ["$.message"]


def test_path_item_parameters(spec: Specification) -> None:
    (parameter,) = spec.operation("NodeGet").parameters_in("path")
    assert parameter.name == "id"


def test_json_schema_self_contained(spec: Specification) -> None:
    schema = spec.json_schema({"$ref": "#/definitions/Node"})
    assert "Node" in schema["definitions"]
