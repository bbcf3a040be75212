"""Convert Swagger 2.0 schemas to JSON Schema (draft 4) for validation.

Swagger 2.0 schemas are a dialect of JSON Schema draft 4. The conversion
keeps the validation keywords, turns ``x-nullable: true`` into an explicit
``null`` alternative, keeps ``$ref`` pointers as they are (so recursive
definitions stay finite), and drops what only documents or generates code
(``description``, ``example``, ``x-go-*``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Validation keywords that mean the same in Swagger 2.0 and draft 4.
_COPIED = (
    "type",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
)

# Swagger 2.0 types that are not JSON types. "file" only occurs on
# parameters, but a schema using it must not make draft 4 reject everything.
_NON_JSON_TYPES = frozenset({"file"})


def to_json_schema(
    schema: Mapping[str, Any], *, nil_collections: bool = False
) -> dict[str, Any]:
    """Return the draft 4 JSON Schema equivalent of a Swagger 2.0 schema.

    ``format`` is left out: the Engine API uses formats that draft 4 does
    not know (``dateTime``, ``uint64``, ``ip-address``, ``CIDR``) or applies
    more loosely than a JSON Schema format checker would (``date-time``
    values with nanoseconds and zone names).

    With ``nil_collections``, arrays and maps (objects that declare no
    ``properties``) also accept ``null``, because dockerd encodes Go's nil
    slices and maps that way even where ``x-nullable`` is absent: ``"Labels":
    null`` in image lists, ``"Warnings": null`` in volume lists.
    """
    ref = schema.get("$ref")
    if isinstance(ref, str):
        converted: dict[str, Any] = {"$ref": ref}
        if schema.get("x-nullable") is True:
            return {"anyOf": [converted, {"type": "null"}]}
        return converted

    converted = {}
    for keyword in _COPIED:
        if keyword in schema:
            converted[keyword] = schema[keyword]
    kind = converted.get("type")
    if isinstance(kind, str) and kind in _NON_JSON_TYPES:
        del converted["type"]

    required = schema.get("required")
    # Draft 4 requires a non-empty array; Swagger files sometimes write [].
    if isinstance(required, list) and required:
        converted["required"] = list(required)

    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        converted["properties"] = {
            name: to_json_schema(sub, nil_collections=nil_collections)
            for name, sub in properties.items()
        }

    extra = schema.get("additionalProperties")
    if isinstance(extra, bool):
        converted["additionalProperties"] = extra
    elif isinstance(extra, Mapping):
        converted["additionalProperties"] = to_json_schema(
            extra, nil_collections=nil_collections
        )

    items = schema.get("items")
    if isinstance(items, Mapping):
        converted["items"] = to_json_schema(items, nil_collections=nil_collections)

    all_of = schema.get("allOf")
    if isinstance(all_of, list):
        converted["allOf"] = [
            to_json_schema(part, nil_collections=nil_collections) for part in all_of
        ]

    if schema.get("x-nullable") is True:
        return _nullable(converted)
    if nil_collections and _is_collection(schema):
        return _nullable(converted)
    return converted


def _is_collection(schema: Mapping[str, Any]) -> bool:
    """Return whether Go would model ``schema`` as a slice or a map."""
    kind = schema.get("type")
    # API 1.25 to 1.34 write "type: [array, string]" for Cmd and Entrypoint.
    kinds = kind if isinstance(kind, list) else [kind]
    if "array" in kinds:
        return True
    return "object" in kinds and "properties" not in schema and "allOf" not in schema


def _nullable(converted: dict[str, Any]) -> dict[str, Any]:
    """Return ``converted`` widened so that JSON ``null`` is also valid."""
    if "allOf" in converted or "type" not in converted:
        return {"anyOf": [converted, {"type": "null"}]}
    kind = converted["type"]
    kinds = list(kind) if isinstance(kind, list) else [kind]
    if "null" not in kinds:
        kinds.append("null")
    converted["type"] = kinds
    if "enum" in converted and None not in converted["enum"]:
        converted["enum"] = [*converted["enum"], None]
    return converted


def definitions_to_json_schema(
    definitions: Mapping[str, Mapping[str, Any]], *, nil_collections: bool = False
) -> dict[str, dict[str, Any]]:
    """Convert every entry of a Swagger ``definitions`` section."""
    return {
        name: to_json_schema(schema, nil_collections=nil_collections)
        for name, schema in definitions.items()
    }
