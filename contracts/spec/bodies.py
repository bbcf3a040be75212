"""Check a decoded body against a schema of the specification."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jsonschema import ValidationError
from jsonschema.exceptions import best_match

from contracts.spec.failures import (
    ContractFailure,
    SchemaViolation,
    UndocumentedField,
    Where,
)
from contracts.spec.paths import child_path, json_path
from contracts.spec.refs import JSONObject
from contracts.spec.strictness import undocumented_fields

if TYPE_CHECKING:
    from contracts.spec.document import Specification

_SHOWN_CHARACTERS = 80


def check_value(
    spec: Specification,
    schema: JSONObject,
    value: Any,
    *,
    where: Where,
    strict: bool = False,
    nil_collections: bool = True,
    root: str = "$",
) -> list[ContractFailure]:
    """Return the failures of ``value`` against a Swagger ``schema`` of ``spec``.

    With ``strict``, object members that the schema does not list are
    failures too (see :func:`contracts.spec.strictness.undocumented_fields`).
    ``nil_collections`` lets arrays and maps be ``null`` (see
    :func:`contracts.spec.schema.to_json_schema`).
    """
    failures: list[ContractFailure] = []
    validator = spec.validator(schema, nil_collections=nil_collections)
    errors = [_deepest(error) for error in validator.iter_errors(value)]
    # A value of the wrong type also breaks its enum, length and range, so
    # only the type error is reported.
    mistyped = {
        tuple(error.absolute_path) for error in errors if error.validator == "type"
    }
    for error in errors:
        if error.validator != "type" and tuple(error.absolute_path) in mistyped:
            continue
        failures.extend(_from_error(error, where=where, root=root))
    if strict:
        for location in undocumented_fields(spec.document, schema, value, root):
            failures.append(
                UndocumentedField(
                    "the specification does not document this field",
                    where=where,
                    location=location,
                )
            )
    return failures


def _from_error(
    error: ValidationError, *, where: Where, root: str
) -> list[ContractFailure]:
    location = json_path(error.absolute_path, root)
    if error.validator == "required":
        instance = error.instance if isinstance(error.instance, dict) else {}
        required = (
            error.validator_value if isinstance(error.validator_value, list) else []
        )
        return [
            SchemaViolation(
                "required field is missing",
                where=where,
                location=child_path(location, name),
            )
            for name in required
            if name not in instance
        ]
    return [SchemaViolation(_describe(error), where=where, location=location)]


def _deepest(error: ValidationError) -> ValidationError:
    """Pick the most telling error below an ``anyOf`` made for ``x-nullable``.

    A nullable reference becomes ``anyOf: [schema, {type: null}]``, so a
    wrong value fails both branches. The error of the ``null`` branch adds
    nothing, so the error of the other branch is reported.
    """
    while error.validator == "anyOf" and error.context:
        others = [
            sub
            for sub in error.context
            if not (sub.validator == "type" and sub.validator_value == "null")
        ]
        if not others:
            break
        picked = best_match(others)
        if picked is None:
            break
        error = picked
    return error


def _describe(error: ValidationError) -> str:
    value = _show(error.instance)
    if error.validator == "type":
        expected = error.validator_value
        if error.instance is None:
            return (
                f"null is not allowed: expected {_types(expected)} "
                "(the schema has no x-nullable: true)"
            )
        return f"{value} is not of type {_types(expected)}"
    if error.validator == "enum" and isinstance(error.validator_value, list):
        allowed = ", ".join(_show(item) for item in error.validator_value)
        return f"{value} is not one of the allowed values: {allowed}"
    return error.message


def _types(expected: Any) -> str:
    if isinstance(expected, list):
        return " or ".join(str(item) for item in expected)
    return str(expected)


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    if len(text) > _SHOWN_CHARACTERS:
        return text[: _SHOWN_CHARACTERS - 3] + "..."
    return text
