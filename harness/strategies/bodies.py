"""Strategies for request bodies generated from the specification's schemas."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from contracts.spec import Specification, SpecificationNotFound, load_version
from harness.strategies._options import check_non_negative, check_version

SPECS_VARIABLE = "FAKEDAEMON_SPECS"
"""The environment variable naming the folder of ``v1.NN.yaml`` files."""

_INT_BOUND = 2**31 - 1
_KEYS = st.text(
    st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=8
)
_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


def _load(
    specs: str | os.PathLike[str] | Specification | None, version: str
) -> Specification:
    if isinstance(specs, Specification):
        return specs
    folder = specs if specs is not None else os.environ.get(SPECS_VARIABLE)
    if not folder:
        raise InvalidArgument(
            f"no specification folder: pass specs= or set {SPECS_VARIABLE} to the "
            "folder of v1.NN.yaml files"
        )
    try:
        return load_version(Path(folder), version)
    except SpecificationNotFound as error:
        raise InvalidArgument(str(error)) from None


class _SchemaValues:
    """Builds strategies for the values a draft 4 JSON Schema accepts."""

    def __init__(self, root: Mapping[str, Any], depth: int) -> None:
        self.definitions: Mapping[str, Any] = root.get("definitions", {})
        self.depth = depth

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            name = str(schema["$ref"]).rsplit("/", 1)[-1]
            schema = self.definitions[name]
        return schema

    def merged(self, schema: Mapping[str, Any]) -> dict[str, Any]:
        """Flatten ``allOf`` into one schema (properties and required joined)."""
        schema = self.resolve(schema)
        result: dict[str, Any] = {
            key: value for key, value in schema.items() if key != "allOf"
        }
        for part in schema.get("allOf", []):
            flat = self.merged(part)
            properties = {**flat.get("properties", {}), **result.get("properties", {})}
            required = [*flat.get("required", []), *result.get("required", [])]
            result = {**flat, **result}
            if properties:
                result["properties"] = properties
            if required:
                result["required"] = sorted(set(required))
        return result

    def values(
        self, schema: Mapping[str, Any], level: int = 0
    ) -> st.SearchStrategy[Any]:
        flat = self.merged(schema)
        if "anyOf" in flat:
            return st.one_of([self.values(part, level) for part in flat["anyOf"]])
        if "enum" in flat:
            return st.sampled_from(list(flat["enum"]))
        kinds = flat.get("type")
        if kinds is None:
            kinds = (
                "object" if "properties" in flat else ["string", "integer", "boolean"]
            )
        if isinstance(kinds, list):
            return st.one_of([self.typed({**flat, "type": k}, level) for k in kinds])
        return self.typed(flat, level)

    def typed(self, schema: Mapping[str, Any], level: int) -> st.SearchStrategy[Any]:
        kind = schema["type"]
        if kind == "null":
            return st.none()
        if kind == "boolean":
            return st.booleans()
        if kind == "integer":
            return st.integers(
                int(schema.get("minimum", -_INT_BOUND)),
                int(schema.get("maximum", _INT_BOUND)),
            )
        if kind == "number":
            return st.floats(
                schema.get("minimum"),
                schema.get("maximum"),
                allow_nan=False,
                allow_infinity=False,
            )
        if kind == "string":
            if "pattern" in schema:
                return st.from_regex(schema["pattern"], fullmatch=True)
            return st.text(
                st.characters(codec="utf-8"),
                min_size=int(schema.get("minLength", 0)),
                max_size=max(int(schema.get("maxLength", 12)), 0),
            )
        if kind == "array":
            items = schema.get("items", {"type": "string"})
            low = int(schema.get("minItems", 0))
            high = int(schema.get("maxItems", low + 3))
            return st.lists(
                self.values(items, level + 1),
                min_size=low,
                max_size=low if level >= self.depth else max(high, low),
                unique_by=(lambda item: json.dumps(item, sort_keys=True))
                if schema.get("uniqueItems")
                else None,
            )
        return self.objects(schema, level)

    def objects(self, schema: Mapping[str, Any], level: int) -> st.SearchStrategy[Any]:
        properties: Mapping[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        deep = level >= self.depth
        fixed = {
            name: self.values(sub, level + 1)
            for name, sub in properties.items()
            if name in required
        }
        optional = (
            {}
            if deep
            else {
                name: self.values(sub, level + 1)
                for name, sub in properties.items()
                if name not in required
            }
        )
        base = st.fixed_dictionaries(fixed, optional=optional)
        extra = schema.get("additionalProperties")
        if properties or deep or extra is False or extra is None:
            return base
        values = self.values(extra, level + 1) if isinstance(extra, Mapping) else _TEXT
        return st.dictionaries(_KEYS, values, max_size=3)


def request_bodies(
    operation_id: str,
    version: str,
    *,
    specs: str | os.PathLike[str] | Specification | None = None,
    max_depth: int = 3,
) -> st.SearchStrategy[Any]:
    """Generate JSON request bodies that the specification of ``version`` allows.

    The body schema of ``operation_id`` (its ``in: body`` parameter) is
    converted to JSON Schema with :mod:`contracts.spec` and values are drawn
    from it: every required member, any optional member, enums, patterns,
    bounds and ``x-nullable``. Below ``max_depth`` levels of nesting only
    required members and the fewest items are drawn, so recursive schemas
    stay finite. ``specs`` is a folder of ``v1.NN.yaml`` files (default:
    ``$FAKEDAEMON_SPECS``) or a loaded specification. Shrinks toward the
    smallest valid body: required members only, empty strings, zero.

    Raises:
        InvalidArgument: a malformed version, no specification for it, an
            unknown operation, or an operation without a JSON body.
    """
    check_version("version", version)
    check_non_negative("max_depth", max_depth)
    spec = _load(specs, version)
    try:
        operation = spec.operation(operation_id)
    except KeyError as error:
        raise InvalidArgument(str(error.args[0])) from None
    parameter = operation.body_parameter
    if parameter is None or parameter.schema is None:
        raise InvalidArgument(f"{operation_id} takes no JSON body in API {version}")
    root = spec.json_schema(parameter.schema)
    return _SchemaValues(root, max_depth).values(root)
