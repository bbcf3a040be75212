"""Turning failed responses into exceptions, as the moby client's checkResponseErr."""

from __future__ import annotations

import http
import json
from typing import Any

import httpx

from harness.client.errors import error_class_for_status

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
            code = response.status_code
            return (
                f"API returned a {code} ({_status_text(code)}) but provided no "
                "error-message"
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
    return text.strip(" \t\n\v\f\r\x85\xa0")


def _decode_error_json(body: bytes) -> str:
    """Return the ``message`` of an error body, raising ValueError like Go.

    The texts imitate Go's ``encoding/json`` for the common cases (empty, cut
    off or non-JSON bodies).
    """
    text = body.decode("utf-8", "replace")
    try:
        value: Any = json.loads(text)
    except json.JSONDecodeError as error:
        if not text.strip() or error.pos >= len(text.rstrip()):
            raise ValueError("unexpected end of JSON input") from None
        char = text[error.pos]
        if error.msg == "Extra data":
            raise ValueError(
                f"invalid character {char!r} after top-level value"
            ) from None
        raise ValueError(
            f"invalid character {char!r} looking for beginning of value"
        ) from None

    # NOTE: Go names its own struct type in these messages (which one depends
    # on the client version), so the texts here match only in shape.
    if value is None:
        return ""
    if not isinstance(value, dict):
        kind = _go_json_kind(value)
        raise ValueError(
            f"json: cannot unmarshal {kind} into Go value of type ErrorResponse"
        )
    message = value.get("message")
    if message is None:
        return ""
    if not isinstance(message, str):
        kind = _go_json_kind(message)
        raise ValueError(
            f"json: cannot unmarshal {kind} into Go struct field "
            "ErrorResponse.message of type string"
        )
    return message


def _go_json_kind(value: object) -> str:
    """Name a JSON value's kind as Go's ``UnmarshalTypeError`` does."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
