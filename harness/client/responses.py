"""Turning failed responses into exceptions, as the moby client's checkResponseErr."""

from __future__ import annotations

import http
import json
from typing import Any

import httpx

from harness.client.errors import error_class_for_status
from harness.client.gojson import check_syntax

BODY_LIMIT = 1024 * 1024
"""Bytes of an error body the client reads before giving up (1 MiB)."""


def is_success(status: int) -> bool:
    """Return whether moby's client treats ``status`` as success (200 to 399)."""
    return 200 <= status < 400


def status_line(response: httpx.Response) -> str:
    """Return Go's ``resp.Status``: the code and the reason phrase from the wire."""
    reason = response.reason_phrase
    return f"{response.status_code} {reason}" if reason else str(response.status_code)


def read_limited(response: httpx.Response, limit: int = BODY_LIMIT) -> bytes:
    """Read at most ``limit`` bytes of the (decoded) body, then close it."""
    if response.is_stream_consumed:
        return response.content[:limit]

    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
    finally:
        response.close()
    return b"".join(chunks)[:limit]


def error_message(
    response: httpx.Response, body: bytes, *, request_url: str | None
) -> str:
    """Build the text of the error for a failed ``response`` whose body is ``body``.

    ``body`` holds at most :data:`BODY_LIMIT` bytes; a body of exactly that
    size counts as cut off, as with Go's ``io.LimitedReader``.
    """
    status = status_line(response)
    if len(body) >= BODY_LIMIT:
        if request_url:
            return (
                f"request returned {status} with a message (> {BODY_LIMIT} bytes) "
                f"for API route and version {request_url}, check if the server "
                "supports the requested API version"
            )
        return (
            f"request returned {status} with a message (> {BODY_LIMIT} bytes); "
            "check if the server supports the requested API version"
        )

    if not body:
        if request_url:
            return (
                f"request returned {status} for API route and version "
                f"{request_url}, check if the server supports the requested API "
                "version"
            )
        return (
            f"request returned {status}; check if the server supports the "
            "requested API version"
        )

    # A plain string compare, so "application/json; charset=utf-8" is text.
    if response.headers.get("Content-Type") == "application/json":
        try:
            message = _decode_error_json(body)
        except ValueError as error:
            return f"error reading JSON: {error}"
        if not message:
            # The text is not trimmed, and it gets the prefix all the same.
            code = response.status_code
            return (
                f"Error response from daemon: API returned a {code} "
                f"({_status_text(code)}) but provided no error-message"
            )
        return f"Error response from daemon: {_go_trim_space(message)}"

    text = body.decode("utf-8", "replace")
    return f"Error response from daemon: {_go_trim_space(text)}"


def raise_for_response(
    response: httpx.Response, *, request_url: str | None, read_body: bool = True
) -> None:
    """Raise the :class:`APIError` subclass for a failed response, else return.

    Args:
        response: the response; a streamed body is read (up to 1 MiB) and
            closed when the status is a failure.
        request_url: the request URL as the moby client prints it.
        read_body: False for HEAD requests, whose body the client skips.
    """
    if is_success(response.status_code):
        return

    body = read_limited(response) if read_body else b""
    if not read_body:
        response.close()

    message = error_message(response, body, request_url=request_url)
    error_class = error_class_for_status(response.status_code)
    raise error_class(
        message,
        status=response.status_code,
        request=response.request,
        response=response,
    )


def _status_text(code: int) -> str:
    """Return Go's ``http.StatusText``: the standard phrase, or "" if unknown."""
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


def _go_trim_space(text: str) -> str:
    """Strip leading and trailing whitespace as Go's ``strings.TrimSpace`` does."""
    # unicode.IsSpace: Latin-1 spaces plus the other White_Space characters.
    return text.strip(
        " \t\n\v\f\r\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
        "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
    )


class _JSONObject(list[tuple[str, Any]]):
    """A decoded JSON object as its key and value pairs, in input order."""


def _decode_error_json(body: bytes) -> str:
    """Return the ``message`` of an error body, raising ValueError like Go.

    Go's ``json.Unmarshal`` checks the syntax of the whole body first, then
    fills the ``message`` field from every key equal to ``message`` ignoring
    case (the last one wins), and leaves it empty for a JSON ``null``.
    """
    check_syntax(body)
    value: Any = json.loads(
        body.decode("utf-8", "replace"), object_pairs_hook=_JSONObject
    )

    if value is None:
        return ""
    if not isinstance(value, _JSONObject):
        kind = _go_json_kind(value)
        # NOTE: Go names the target type here. The client of Engine 28.2
        # prints types.ErrorResponse; later clients may name another package.
        raise ValueError(
            f"json: cannot unmarshal {kind} into Go value of type types.ErrorResponse"
        )

    message = ""
    type_error: str | None = None
    for key, item in value:
        # Go folds case rune by rune, so "meßage" does not match as it would
        # under str.casefold().
        if len(key) != len("message") or key.casefold() != "message":
            continue
        if item is None:
            continue
        if isinstance(item, str):
            message = item
        elif type_error is None:
            # Go keeps decoding and reports the first type error at the end.
            type_error = (
                f"json: cannot unmarshal {_go_json_kind(item)} into Go struct "
                "field ErrorResponse.message of type string"
            )
    if type_error is not None:
        raise ValueError(type_error)
    return message


def _go_json_kind(value: object) -> str:
    """Name a JSON value's kind as Go's ``UnmarshalTypeError`` does."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, _JSONObject):
        return "object"
    if isinstance(value, list):
        return "array"
    return "object"
