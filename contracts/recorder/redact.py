"""Remove credentials from exchanges before anything is written."""

from __future__ import annotations

import json
import re
from typing import Any

from contracts.exchange.model import Body, Exchange, Headers

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset(
    {"x-registry-auth", "x-registry-config", "authorization", "proxy-authorization"}
)
# Fields of AuthConfig (POST /auth) and of its answer that carry secrets.
SECRET_FIELDS = frozenset(
    {"password", "identitytoken", "registrytoken", "auth", "token", "accesstoken"}
)
AUTH_PATH = re.compile(r"^(?:/v[0-9.]+)?/auth/?$")


def redact_headers(headers: Headers) -> Headers:
    """Return ``headers`` with the values of credential headers replaced."""
    return [
        (name, REDACTED if name.lower() in SECRET_HEADERS else value)
        for name, value in headers
    ]


def redact_document(document: Any) -> Any:
    """Return a JSON value with every secret field's value replaced, at any depth."""
    if isinstance(document, dict):
        return {
            key: REDACTED
            if key.lower() in SECRET_FIELDS and value not in ("", None)
            else redact_document(value)
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [redact_document(item) for item in document]
    return document


def redact_body(body: Body | None) -> Body | None:
    """Return a JSON body with its secrets replaced; any other body is dropped."""
    if body is None or not body.data:
        return body
    try:
        document = json.loads(body.data)
    except ValueError:
        return Body(REDACTED.encode())
    return Body(json.dumps(redact_document(document)).encode() + b"\n")


def is_auth_request(target: str) -> bool:
    """Return True for ``POST /auth`` targets, with or without a version."""
    return bool(AUTH_PATH.match(target.split("?", 1)[0]))


def redact_exchange(exchange: Exchange) -> Exchange:
    """Replace credentials in the request and response of ``exchange`` in place.

    Covers the credential headers of both messages, the body of ``/auth``
    requests and the identity token of their answers.
    """
    request = exchange.request
    request.headers = redact_headers(request.headers)
    if is_auth_request(request.target):
        request.body = redact_body(request.body)
        if exchange.response is not None:
            exchange.response.body = redact_body(exchange.response.body)
    if exchange.response is not None:
        exchange.response.headers = redact_headers(exchange.response.headers)
    return exchange
