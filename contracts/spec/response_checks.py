"""Check a response against the operation the specification documents."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from contracts.spec.bodies import check_value
from contracts.spec.failures import (
    ContractFailure,
    InvalidHeader,
    MalformedBody,
    MissingHeader,
    SchemaViolation,
    UndocumentedOperation,
    UndocumentedStatus,
    UnexpectedContentType,
    Where,
)
from contracts.spec.headers import Headers, check_simple_value
from contracts.spec.media import decode_json_values, is_json, media_type
from contracts.spec.operations import Operation, Response

if TYPE_CHECKING:
    from contracts.spec.document import Specification

# Statuses whose responses never have a body (RFC 9110), so a documented
# schema for them cannot apply.
_BODILESS_STATUSES = frozenset({101, 204, 304})


def check_response(
    spec: Specification,
    method: str,
    path: str,
    status: int,
    headers: Mapping[str, str] | None = None,
    body: bytes | str | None = None,
    *,
    strict: bool = False,
    nil_collections: bool = True,
) -> list[ContractFailure]:
    """Return every way a response breaks the specification (empty if none).

    The checks:

    - an operation matches the method and path;
    - the status is documented, or a ``default`` response is;
    - the media type is one the operation produces;
    - the body decodes and fits the schema of that status;
    - the documented response headers that are present fit their type.

    A JSON body may be a stream of values (progress, events, stats). Then
    each value is checked against the schema. Error statuses (4xx and 5xx)
    may always use JSON, as dockerd does for every operation, whatever
    ``produces`` lists.

    Args:
        spec: the specification to check against.
        method: the request method.
        path: the request path, with or without ``/v1.NN`` and query.
        status: the response status code.
        headers: the response headers (any case).
        body: the raw response body.
        strict: also report undocumented body fields, absent documented
            headers and empty bodies where a schema is documented.
        nil_collections: accept ``null`` for arrays and maps, as dockerd
            sends for Go's nil slices and maps (see
            :func:`contracts.spec.schema.to_json_schema`). Pass False to
            hold responses to ``x-nullable`` alone.
    """
    try:
        found = spec.match(method, path)
    except UndocumentedOperation as failure:
        return [failure]

    operation = found.operation
    where = Where(spec.version, method.upper(), path, operation.operation_id)
    response = operation.response_for(status)
    if response is None:
        documented = ", ".join(sorted(operation.responses)) or "none"
        return [
            UndocumentedStatus(
                f"status {status} is not documented (documented: {documented})",
                where=where,
            )
        ]

    view = Headers(headers or {})
    raw_body = body if body is not None else b""
    failures = _check_headers(response, view, where=where, strict=strict)
    media = media_type(view.get("content-type"))
    failures += _check_media_type(operation, status, media, raw_body, where=where)
    if method.upper() != "HEAD" and status not in _BODILESS_STATUSES:
        failures += _check_body(
            spec,
            response,
            media,
            raw_body,
            where=where,
            strict=strict,
            nil_collections=nil_collections,
        )
    return failures


def _check_headers(
    response: Response, headers: Headers, *, where: Where, strict: bool
) -> list[ContractFailure]:
    failures: list[ContractFailure] = []
    for name, declared in response.headers.items():
        value = headers.get(name)
        if value is None:
            # Swagger 2.0 header objects have no "required" field, and real
            # engines omit documented headers (Engine 20.10 sends no
            # Builder-Version), so absence is a failure in strict mode only.
            if strict:
                failures.append(
                    MissingHeader(
                        f"documented header {name} is absent",
                        where=where,
                        location=name,
                    )
                )
            continue
        problem = check_simple_value(declared, value)
        if problem is not None:
            failures.append(
                InvalidHeader(f"{name}: {problem}", where=where, location=name)
            )
    return failures


# JSON stream types that GET /events negotiates from the Accept header (API
# 1.52 added x-ndjson and json-seq, 1.53 jsonl). Such an operation may also
# send application/json, the type dockerd used for the same stream before
# (Engine 26.1 at API 1.45). NOTE: which type newer engines send when the
# request has no Accept header has not been checked against one.
_JSON_STREAM_TYPES = frozenset(
    {"application/jsonl", "application/x-ndjson", "application/json-seq"}
)


def _allowed_media_types(operation: Operation, status: int) -> set[str]:
    allowed = {media.lower() for media in operation.produces}
    if status >= 400 or allowed & _JSON_STREAM_TYPES:
        allowed.add("application/json")
    return allowed


def _check_media_type(
    operation: Operation,
    status: int,
    media: str | None,
    body: bytes | str,
    *,
    where: Where,
) -> list[ContractFailure]:
    if media is None:
        if body:
            return [
                UnexpectedContentType(
                    "the response has a body but no Content-Type header",
                    where=where,
                )
            ]
        return []
    allowed = _allowed_media_types(operation, status)
    if media in allowed:
        return []
    return [
        UnexpectedContentType(
            f"{media} is not among the media types the operation produces "
            f"({', '.join(sorted(allowed))})",
            where=where,
        )
    ]


def _check_body(
    spec: Specification,
    response: Response,
    media: str | None,
    body: bytes | str,
    *,
    where: Where,
    strict: bool,
    nil_collections: bool,
) -> list[ContractFailure]:
    schema = response.schema
    if schema is None:
        return []
    resolved = spec.resolve(schema)
    kind = resolved.get("type")
    if kind == "string" and resolved.get("format") == "binary":
        return []

    if not is_json(media):
        if kind == "string" and media is not None and media.startswith("text/"):
            text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            return check_value(
                spec,
                schema,
                text,
                where=where,
                strict=strict,
                nil_collections=nil_collections,
            )
        # Other media types (tar archives, raw streams) carry no JSON to check.
        return []

    if not body:
        # An empty body is a stream with no values (GET /events with an
        # "until" in the past). The specification does not mark streams, so
        # an empty body counts as a failure only in strict mode.
        if not strict:
            return []
        return [
            SchemaViolation(
                "the body is empty but the specification documents a schema",
                where=where,
                location="$",
            )
        ]
    try:
        values = decode_json_values(body)
    except ValueError as error:
        return [MalformedBody(str(error), where=where, location="$")]
    if len(values) == 1:
        return check_value(
            spec,
            schema,
            values[0],
            where=where,
            strict=strict,
            nil_collections=nil_collections,
        )

    failures: list[ContractFailure] = []
    for index, value in enumerate(values):
        failures += check_value(
            spec,
            schema,
            value,
            where=where,
            strict=strict,
            nil_collections=nil_collections,
            root=f"$stream[{index}]",
        )
    return failures
