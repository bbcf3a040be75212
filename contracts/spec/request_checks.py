"""Check a request against the operation the specification documents."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from contracts.spec.bodies import check_value
from contracts.spec.failures import (
    ContractFailure,
    InvalidParameter,
    MalformedBody,
    MissingParameter,
    UndocumentedOperation,
    UndocumentedParameter,
    UnexpectedContentType,
    Where,
)
from contracts.spec.headers import Headers, check_simple_value
from contracts.spec.media import decode_json_values, is_json, media_type
from contracts.spec.operations import Operation, Parameter

if TYPE_CHECKING:
    from contracts.spec.document import Specification

Query = Mapping[str, str | Sequence[str]]


def check_request(
    spec: Specification,
    method: str,
    path: str,
    *,
    query: Query | str | None = None,
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    strict: bool = False,
    nil_collections: bool = True,
) -> list[ContractFailure]:
    """Return every way a request breaks the specification (empty if none).

    ``path`` may carry the query string, and ``query`` adds to it, as a
    mapping or an encoded string. The checks:

    - an operation matches the method and path;
    - required query, path, header and body parameters are present;
    - query, path and header values fit their type and enum;
    - a JSON body parses, is sent as application/json and fits its schema.

    With ``strict``, undocumented query parameters and undocumented body
    fields are failures too. ``nil_collections`` accepts ``null`` for arrays
    and maps, as Go clients send for nil slices and maps. Pass False to hold
    bodies to ``x-nullable`` alone.
    """
    try:
        found = spec.match(method, path)
    except UndocumentedOperation as failure:
        return [failure]

    operation = found.operation
    bare_path = path.split("?", 1)[0]
    where = Where(spec.version, method.upper(), bare_path, operation.operation_id)
    values = _query_values(path, query)
    view = Headers(headers or {})

    failures = _check_query(operation, values, where=where, strict=strict)
    for parameter in operation.parameters_in("path"):
        value = found.path_parameters.get(parameter.name)
        if value is not None:
            failures += _check_simple(parameter, [value], where=where)
    for parameter in operation.parameters_in("header"):
        header = view.get(parameter.name)
        if header is None:
            if parameter.required:
                failures.append(_missing(parameter, where))
            continue
        failures += _check_simple(parameter, [header], where=where)
    failures += _check_body(
        spec,
        operation,
        view,
        body,
        where=where,
        strict=strict,
        nil_collections=nil_collections,
    )
    return failures


def _query_values(path: str, query: Query | str | None) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    encoded = [urlsplit(path).query]
    if isinstance(query, str):
        encoded.append(query.lstrip("?"))
    for text in encoded:
        for name, found in parse_qs(text, keep_blank_values=True).items():
            values.setdefault(name, []).extend(found)
    if isinstance(query, Mapping):
        for name, value in query.items():
            items = [value] if isinstance(value, str) else list(value)
            values.setdefault(name, []).extend(items)
    return values


def _check_query(
    operation: Operation,
    values: Mapping[str, list[str]],
    *,
    where: Where,
    strict: bool,
) -> list[ContractFailure]:
    failures: list[ContractFailure] = []
    documented = operation.parameters_in("query")
    for parameter in documented:
        found = values.get(parameter.name)
        if found is None:
            if parameter.required:
                failures.append(_missing(parameter, where))
            continue
        failures += _check_simple(parameter, found, where=where)
    if strict:
        names = {parameter.name for parameter in documented}
        for name in values:
            if name not in names:
                failures.append(
                    UndocumentedParameter(
                        f"query parameter {name!r} is not documented",
                        where=where,
                        location=f"query.{name}",
                    )
                )
    return failures


def _check_simple(
    parameter: Parameter, values: list[str], *, where: Where
) -> list[ContractFailure]:
    declared: dict[str, object] = {"type": parameter.type}
    if parameter.enum is not None:
        declared["enum"] = list(parameter.enum)
    if parameter.items is not None:
        declared["items"] = parameter.items
    declared["collectionFormat"] = parameter.collection_format
    failures: list[ContractFailure] = []
    for value in values:
        problem = check_simple_value(declared, value)
        if problem is not None:
            failures.append(
                InvalidParameter(
                    f"{parameter.location} parameter {parameter.name!r}: {problem}",
                    where=where,
                    location=f"{parameter.location}.{parameter.name}",
                )
            )
    return failures


def _missing(parameter: Parameter, where: Where) -> MissingParameter:
    return MissingParameter(
        f"required {parameter.location} parameter {parameter.name!r} is absent",
        where=where,
        location=f"{parameter.location}.{parameter.name}",
    )


def _check_body(
    spec: Specification,
    operation: Operation,
    headers: Headers,
    body: bytes | str | None,
    *,
    where: Where,
    strict: bool,
    nil_collections: bool,
) -> list[ContractFailure]:
    parameter = operation.body_parameter
    if parameter is None or parameter.schema is None:
        return []
    if not body:
        return [_missing(parameter, where)] if parameter.required else []
    if not any(is_json(media_type(media)) for media in operation.consumes):
        # Archives and binary uploads (build contexts, image loads, archive
        # extraction) are not JSON and have nothing to check here.
        return []

    failures: list[ContractFailure] = []
    media = media_type(headers.get("content-type"))
    # dockerd (httputils.CheckForJSON) rejects with 400 a non-empty JSON body
    # unless its Content-Type is application/json.
    if media != "application/json":
        failures.append(
            UnexpectedContentType(
                f"a JSON body needs Content-Type application/json, not {media}",
                where=where,
            )
        )
    try:
        values = decode_json_values(body)
    except ValueError as error:
        return [*failures, MalformedBody(str(error), where=where, location="$")]
    if len(values) != 1:
        failures.append(
            MalformedBody(
                f"expected one JSON value, found {len(values)}",
                where=where,
                location="$",
            )
        )
        return failures
    return failures + check_value(
        spec,
        parameter.schema,
        values[0],
        where=where,
        strict=strict,
        nil_collections=nil_collections,
    )
