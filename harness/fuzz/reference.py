"""Reference decodings, written from the Docker Go client's rules.

These functions are deliberately separate from :mod:`harness.client`: the
fuzz campaigns check a client, including this project's own, against them.
Sources: ``checkResponseErr`` in moby's ``client/request.go``,
``httpErrorFromStatusCode`` (containerd ``errhttp.ToNative``), and the
negotiation in ``client/client.go`` for each client generation.
"""

from __future__ import annotations

import http
import json
from dataclasses import dataclass

BODY_LIMIT = 1 << 20
"""The Go client reads at most this many bytes of an error body."""

# Unicode White_Space, which Go's strings.TrimSpace removes (unicode.IsSpace).
_GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)

_KINDS = {
    400: "InvalidArgument",
    401: "Unauthenticated",
    403: "PermissionDenied",
    404: "NotFound",
    409: "Conflict",
    412: "FailedPrecondition",
    429: "ResourceExhausted",
    500: "Internal",
    501: "NotImplemented",
    503: "Unavailable",
}


def go_status_text(code: int) -> str:
    """Return Go's ``http.StatusText``: the standard phrase or ""."""
    try:
        return http.HTTPStatus(code).phrase
    except ValueError:
        return ""


def go_status(code: int) -> str:
    """Return ``resp.Status`` for a status line as Go's server writes it."""
    return f"{code} {go_status_text(code) or f'status code {code}'}"


def error_kind(status: int) -> str:
    """Return the errdefs kind the Go client gives a failed status."""
    return _KINDS.get(status, "UnexpectedStatus")


def go_trim_space(text: str) -> str:
    """Trim Unicode white space from both ends, as ``strings.TrimSpace``."""
    start, end = 0, len(text)
    while start < end and text[start] in _GO_SPACE:
        start += 1
    while end > start and text[end - 1] in _GO_SPACE:
        end -= 1
    return text[start:end]


@dataclass(frozen=True, slots=True)
class ExpectedError:
    """What the Go client reports for a failed response.

    Attributes:
        status: the HTTP status.
        kind: the errdefs kind (``NotFound``, ``UnexpectedStatus`` ...).
        message: the whole error text; with ``exact`` False only its start
            is fixed (Go's JSON syntax errors are not reproduced here).
        exact: whether ``message`` is the whole text.
        daemon_message: the daemon's own text that the client shows after
            ``Error response from daemon:``, or None when it shows none
            (empty, oversized or unreadable body, no ``message``).
    """

    status: int
    kind: str
    message: str
    exact: bool
    daemon_message: str | None

    def matches(self, message: str) -> bool:
        """Return whether a client's error text agrees with this one."""
        if self.exact:
            return message == self.message
        return message.startswith(self.message)


def _json_message(body: bytes) -> tuple[str | None, bool]:
    """Decode ``{"message": ...}`` as Go's encoding/json into a struct.

    Returns ``(message, ok)``: ok is False when Go's Unmarshal fails.
    Member names match case-insensitively and the last match wins.
    """
    try:
        value = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return None, False
    if value is None:
        return "", True
    if not isinstance(value, dict):
        return None, False
    message = ""
    for key, member in value.items():
        if len(key) != len("message") or not all(
            char.casefold() == target
            for char, target in zip(key, "message", strict=True)
        ):
            continue
        if member is None:
            continue
        if not isinstance(member, str):
            return None, False
        message = member
    return message, True


def expected_error(
    status: int, content_type: str | None, body: bytes, request_url: str
) -> ExpectedError:
    """Return the Go client's error for a failed response.

    Args:
        status: the status code (400 or above).
        content_type: the Content-Type header value, or None when absent.
        body: the whole body as sent.
        request_url: the request URL as the Go client prints it.
    """
    kind = error_kind(status)
    line = go_status(status)
    prefix = "Error response from daemon: "
    check = "check if the server supports the requested API version"
    if len(body) >= BODY_LIMIT:
        text = (
            f"request returned {line} with a message (> {BODY_LIMIT} bytes) "
            f"for API route and version {request_url}, {check}"
        )
        return ExpectedError(status, kind, text, True, None)
    if not body:
        text = (
            f"request returned {line} for API route and version {request_url}, {check}"
        )
        return ExpectedError(status, kind, text, True, None)
    if content_type == "application/json":
        message, ok = _json_message(body)
        if not ok:
            return ExpectedError(status, kind, "error reading JSON: ", False, None)
        if not message:
            text = (
                f"API returned a {status} ({go_status_text(status)}) but provided "
                "no error-message"
            )
            return ExpectedError(status, kind, prefix + text, True, None)
        trimmed = go_trim_space(message)
        return ExpectedError(status, kind, prefix + trimmed, True, trimmed)
    trimmed = go_trim_space(body.decode("utf-8", "replace"))
    return ExpectedError(status, kind, prefix + trimmed, True, trimmed)


GENERATIONS = ("current", "client-v0.1", "engine-v28")
"""Docker Go client generations, which differ when ``Api-Version`` is missing."""


@dataclass(frozen=True, slots=True)
class ExpectedNegotiation:
    """The version a Go client settles on, or why negotiation fails.

    Attributes:
        version: the negotiated version; None when negotiation fails.
        failure: ``below-minimum`` or ``malformed``, or None.
    """

    version: str | None
    failure: str | None = None


def _minor(version: str) -> int | None:
    major, dot, minor = version.partition(".")
    if major != "1" or not dot or not minor.isdigit():
        return None
    return int(minor)


def expected_negotiation(
    *,
    client_max: str,
    client_min: str,
    header: str | None,
    generation: str = "current",
) -> ExpectedNegotiation:
    """Return what a Go client negotiates from a ping's ``Api-Version``.

    The client only lowers its version: ``min(client_max, header)``. With no
    header the current client keeps its maximum, ``client/v0.1.0`` assumes
    1.44 and the Engine 28 client 1.24. Current and v0.1 clients reject a
    daemon below ``client_min``; the Engine 28 client does not check it.
    ``header`` is limited here to ``1.NN`` values or None.
    """
    if generation not in GENERATIONS:
        raise ValueError(f"unknown client generation {generation!r}: {GENERATIONS}")
    fallback = {"current": client_max, "client-v0.1": "1.44", "engine-v28": "1.24"}
    daemon = header if header else fallback[generation]
    daemon_minor = _minor(daemon)
    high, low = _minor(client_max), _minor(client_min)
    if daemon_minor is None or high is None or low is None:
        return ExpectedNegotiation(None, "malformed")
    if generation != "engine-v28" and daemon_minor < low:
        return ExpectedNegotiation(None, "below-minimum")
    return ExpectedNegotiation(f"1.{min(high, daemon_minor)}")
