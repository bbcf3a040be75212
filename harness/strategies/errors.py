"""Strategies for failed responses as daemons and proxies in front of them send."""

from __future__ import annotations

import json
from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from harness.strategies._options import check_subset

BODY_LIMIT = 1024 * 1024
"""How much of an error body Docker's Go client reads (1 MiB)."""

FORMS = (
    "json",
    "json-charset",
    "json-without-message",
    "json-mistyped",
    "invalid-json",
    "text",
    "html",
    "empty",
    "oversized",
    "other-type",
)
"""The body forms :func:`error_responses` draws from."""

DAEMON_STATUSES = (400, 401, 403, 404, 409, 412, 429, 500, 501, 503)
"""Statuses dockerd sends for its error kinds."""

OTHER_STATUSES = (402, 405, 406, 410, 413, 415, 418, 422, 499, 502, 504, 505, 599)
"""Statuses a proxy or a broken daemon may send (599 has no reason phrase)."""


@dataclass(frozen=True, slots=True)
class ErrorResponse:
    """A failed response: status, body bytes and Content-Type.

    Attributes:
        status: the HTTP status, 400 or above.
        body: the exact body bytes.
        content_type: the Content-Type header value.
        form: which of :data:`FORMS` made it, for reports.
    """

    status: int
    body: bytes
    content_type: str
    form: str

    def __repr__(self) -> str:
        # Bodies reach 2 MiB; a report shows their start and size.
        body = repr(self.body[:120]) + (
            f" + {len(self.body) - 120} bytes" if len(self.body) > 120 else ""
        )
        return (
            f"ErrorResponse(status={self.status}, body={body}, "
            f"content_type={self.content_type!r}, form={self.form!r})"
        )


# Go's strings.TrimSpace removes Unicode White_Space, so messages carry some.
_SPACE = st.sampled_from([" ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028"])
_PADDING = st.lists(_SPACE, max_size=3).map("".join)
_WORDS = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
    min_size=1,
    max_size=40,
)
_MESSAGES = st.one_of(
    st.sampled_from(
        [
            "No such container: web",
            "page not found",
            "conflict: unable to remove repository reference",
            "client version 1.99 is too new. Maximum supported API version is 1.45",
        ]
    ),
    _WORDS,
)
_PADDED = st.builds(lambda a, text, b: a + text + b, _PADDING, _MESSAGES, _PADDING)
_JSON_TYPES = st.sampled_from(
    ["application/json", "application/json", "application/json; charset=utf-8"]
)


def _json(document: object) -> bytes:
    return (json.dumps(document, ensure_ascii=False) + "\n").encode()


def _message_bodies() -> st.SearchStrategy[tuple[bytes, str]]:
    extra = st.dictionaries(
        st.sampled_from(["code", "detail", "errorDetail", "Message2"]),
        st.one_of(st.integers(), st.text(max_size=5)),
        max_size=2,
    )

    def build(message: str, others: dict[str, object], key: str) -> bytes:
        return _json({**others, key: message})

    # Go's encoding/json matches field names without regard to case.
    keys = st.sampled_from(["message", "message", "Message", "MESSAGE"])
    return st.builds(build, _PADDED, extra, keys).map(
        lambda body: (body, "application/json")
    )


def _forms(form: str) -> st.SearchStrategy[tuple[bytes, str]]:
    if form == "json":
        return _message_bodies()
    if form == "json-charset":
        charsets = st.sampled_from(
            ["application/json; charset=utf-8", "application/json;charset=UTF-8"]
        )
        return st.tuples(_PADDED.map(lambda text: _json({"message": text})), charsets)
    if form == "json-without-message":
        documents = st.sampled_from(
            [{}, {"error": "failed"}, {"message": ""}, {"message": None}, None]
        )
        return st.tuples(documents.map(_json), st.just("application/json"))
    if form == "json-mistyped":
        documents = st.one_of(
            st.sampled_from([{"message": 5}, {"message": ["a"]}, {"message": True}]),
            st.sampled_from([[], ["message"], 7, "message", True]),
        )
        return st.tuples(documents.map(_json), st.just("application/json"))
    if form == "invalid-json":
        broken = st.one_of(
            _PADDED.map(lambda text: _json({"message": text})[:-3]),
            _PADDED.map(lambda text: _json({"message": text}) + b"}"),
            st.sampled_from([b"{", b"not json", b"{'message': 'x'}", b"[1,"]),
        )
        return st.tuples(broken, _JSON_TYPES)
    if form == "text":
        types = st.sampled_from(["text/plain; charset=utf-8", "text/plain"])
        return st.tuples(_PADDED.map(str.encode), types)
    if form == "html":
        page = st.builds(
            lambda status: (
                f"<html>\r\n<head><title>{status}</title></head>\r\n<body>\r\n"
                f"<center><h1>{status}</h1></center>\r\n</body>\r\n</html>\r\n"
            ).encode(),
            st.sampled_from(["502 Bad Gateway", "504 Gateway Time-out"]),
        )
        return st.tuples(
            page, st.sampled_from(["text/html", "text/html; charset=utf-8"])
        )
    if form == "empty":
        types = st.sampled_from(["application/json", "text/plain; charset=utf-8"])
        return st.tuples(st.just(b""), types)
    if form == "oversized":
        # Around the limit, where a body of exactly 1 MiB already counts as cut.
        sizes = st.one_of(
            st.integers(BODY_LIMIT - 2, BODY_LIMIT + 2),
            st.integers(BODY_LIMIT + 3, 2 * BODY_LIMIT),
        )
        return st.tuples(
            sizes.map(lambda size: b"x" * size),
            st.sampled_from(["application/json", "text/plain; charset=utf-8"]),
        )
    types = st.sampled_from(
        ["application/xml", "application/octet-stream", "application/problem+json"]
    )
    return st.tuples(_PADDED.map(lambda text: _json({"message": text})), types)


def error_responses(
    *, forms: tuple[str, ...] = FORMS, statuses: tuple[int, ...] | None = None
) -> st.SearchStrategy[ErrorResponse]:
    """Generate failed responses in every form a daemon or a proxy sends.

    The forms (:data:`FORMS`): JSON with ``message`` (any case of the key,
    extra fields, whitespace around the text); JSON under a Content-Type
    with a charset; JSON without a message, with a message of another type,
    or not JSON at all; plain text; an HTML page from a proxy; an empty
    body; a body around and over 1 MiB; JSON under another Content-Type.
    Statuses are dockerd's and a proxy's (:data:`OTHER_STATUSES`) unless
    ``statuses`` is given. Shrinks toward status 400 and a short JSON body.

    Raises:
        InvalidArgument: an unknown form, or a status below 400 or above 599.
    """
    chosen = check_subset("forms", forms, FORMS)
    codes = statuses or DAEMON_STATUSES + OTHER_STATUSES
    for code in codes:
        if not isinstance(code, int) or not 400 <= code <= 599:
            raise InvalidArgument(f"status {code!r} must be an int from 400 to 599")

    def build(status: int, form: str) -> st.SearchStrategy[ErrorResponse]:
        return _forms(form).map(
            lambda pair: ErrorResponse(status, pair[0], pair[1], form)
        )

    return st.tuples(st.sampled_from(codes), st.sampled_from(chosen)).flatmap(
        lambda pair: build(*pair)
    )
