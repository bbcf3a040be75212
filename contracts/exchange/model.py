"""The recorded exchange: a request, its response, and any hijacked bytes."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Any

FORMAT_NAME = "fakedaemon-exchanges"
FORMAT_VERSION = 1


class FormatError(ValueError):
    """A scenario file or record that does not follow the exchange format."""


@dataclass(frozen=True, slots=True)
class Body:
    """The exact bytes of a body or chunk, shown as text when they are UTF-8."""

    data: bytes

    def to_json(self) -> dict[str, str]:
        """Return ``{"text": ...}`` for UTF-8 bytes, else ``{"base64": ...}``."""
        try:
            return {"text": self.data.decode("utf-8")}
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(self.data).decode("ascii")}

    @classmethod
    def from_json(cls, document: Any) -> Body:
        """Read a body written by :meth:`to_json`."""
        if not isinstance(document, dict):
            raise FormatError(f"a body must be an object, not {document!r}")
        if "text" in document:
            return cls(str(document["text"]).encode("utf-8"))
        if "base64" in document:
            try:
                return cls(base64.b64decode(str(document["base64"]), validate=True))
            except binascii.Error as error:
                raise FormatError(f"invalid base64 body: {error}") from error
        raise FormatError(f"a body needs 'text' or 'base64', got {sorted(document)}")


Headers = list[tuple[str, str]]


def header(headers: Headers, name: str) -> str | None:
    """Return the first value of header ``name`` (case-insensitive), or None."""
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


def _headers_to_json(headers: Headers) -> list[list[str]]:
    return [[name, value] for name, value in headers]


def _headers_from_json(document: Any) -> Headers:
    if not isinstance(document, list):
        raise FormatError(f"headers must be a list of pairs, not {document!r}")
    pairs: Headers = []
    for item in document:
        if not (isinstance(item, list) and len(item) == 2):
            raise FormatError(f"a header must be a [name, value] pair, not {item!r}")
        pairs.append((str(item[0]), str(item[1])))
    return pairs


@dataclass(slots=True)
class Request:
    """An HTTP request as the client sent it, with a de-chunked body."""

    method: str
    target: str
    headers: Headers = field(default_factory=list)
    body: Body | None = None

    def header(self, name: str) -> str | None:
        """Return the first value of header ``name``, or None."""
        return header(self.headers, name)

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form of the request."""
        document: dict[str, Any] = {
            "method": self.method,
            "target": self.target,
            "headers": _headers_to_json(self.headers),
        }
        if self.body is not None and self.body.data:
            document["body"] = self.body.to_json()
        return document

    @classmethod
    def from_json(cls, document: Any) -> Request:
        """Read a request written by :meth:`to_json`."""
        if not isinstance(document, dict):
            raise FormatError(f"a request must be an object, not {document!r}")
        body = document.get("body")
        return cls(
            method=str(document["method"]),
            target=str(document["target"]),
            headers=_headers_from_json(document.get("headers", [])),
            body=Body.from_json(body) if body is not None else None,
        )


@dataclass(slots=True)
class Response:
    """An HTTP response head and its body.

    A body sent with chunked transfer encoding, or until the connection
    closed, is kept as ``chunks`` in arrival order; any other body is
    ``body``. ``records`` holds the stream decoded (JSON messages or
    stdout/stderr frames); ``complete`` is False when the client closed the
    connection before the body ended.
    """

    status: int
    reason: str = ""
    headers: Headers = field(default_factory=list)
    body: Body | None = None
    chunks: list[Body] | None = None
    records: list[dict[str, Any]] | None = None
    complete: bool = True

    def header(self, name: str) -> str | None:
        """Return the first value of header ``name``, or None."""
        return header(self.headers, name)

    @property
    def payload(self) -> bytes:
        """The whole body: ``body``, or the chunks joined."""
        if self.chunks is not None:
            return b"".join(chunk.data for chunk in self.chunks)
        return self.body.data if self.body is not None else b""

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ('' when absent)."""
        value = self.header("Content-Type") or ""
        return value.split(";", 1)[0].strip().lower()

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form of the response."""
        document: dict[str, Any] = {
            "status": self.status,
            "reason": self.reason,
            "headers": _headers_to_json(self.headers),
        }
        if self.chunks is not None:
            document["chunks"] = [chunk.to_json() for chunk in self.chunks]
        elif self.body is not None and self.body.data:
            document["body"] = self.body.to_json()
        if self.records is not None:
            document["records"] = self.records
        if not self.complete:
            document["complete"] = False
        return document

    @classmethod
    def from_json(cls, document: Any) -> Response:
        """Read a response written by :meth:`to_json`."""
        if not isinstance(document, dict):
            raise FormatError(f"a response must be an object, not {document!r}")
        chunks = document.get("chunks")
        body = document.get("body")
        records = document.get("records")
        return cls(
            status=int(document["status"]),
            reason=str(document.get("reason", "")),
            headers=_headers_from_json(document.get("headers", [])),
            body=Body.from_json(body) if body is not None else None,
            chunks=[Body.from_json(chunk) for chunk in chunks]
            if chunks is not None
            else None,
            records=list(records) if records is not None else None,
            complete=bool(document.get("complete", True)),
        )


CLIENT = "client"
DAEMON = "daemon"


@dataclass(frozen=True, slots=True)
class HijackEvent:
    """Bytes sent one way on a hijacked connection, or that side's close.

    ``source`` is ``"client"`` or ``"daemon"``; ``data`` is None for a
    close (end of that side's output).
    """

    source: str
    data: bytes | None
    at: float = 0.0

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form of the event."""
        document: dict[str, Any] = {"from": self.source, "at": round(self.at, 4)}
        if self.data is None:
            document["close"] = True
        else:
            document.update(Body(self.data).to_json())
        return document

    @classmethod
    def from_json(cls, document: Any) -> HijackEvent:
        """Read an event written by :meth:`to_json`."""
        if not isinstance(document, dict):
            raise FormatError(f"a hijack event must be an object, not {document!r}")
        source = str(document.get("from"))
        if source not in (CLIENT, DAEMON):
            raise FormatError(f"a hijack event comes from client or daemon: {source}")
        at = float(document.get("at", 0.0))
        if document.get("close"):
            return cls(source, None, at)
        return cls(source, Body.from_json(document).data, at)


@dataclass(slots=True)
class Exchange:
    """One request and its response, in recording order.

    ``started``, ``responded`` and ``finished`` are seconds since the
    recording began: first request byte, response head, end of the
    response (or of the hijacked connection). ``client_closed`` is when the
    client closed the connection while the response was still open (a
    client cancelling a wait or a log stream). Replays use these times to
    keep the order in which concurrent exchanges depended on each other.
    """

    seq: int
    request: Request
    response: Response | None = None
    hijack: list[HijackEvent] | None = None
    connection: int = 0
    started: float = 0.0
    responded: float | None = None
    finished: float | None = None
    hijack_records: list[dict[str, Any]] | None = None
    client_closed: float | None = None

    def hijacked_bytes(self, source: str) -> bytes:
        """Return every byte one side sent on the hijacked connection, joined."""
        return b"".join(
            event.data
            for event in self.hijack or []
            if event.source == source and event.data is not None
        )

    def to_json(self) -> dict[str, Any]:
        """Return the JSON form of the exchange: one line of a scenario file."""
        document: dict[str, Any] = {
            "seq": self.seq,
            "connection": self.connection,
            "started": round(self.started, 4),
            "responded": None if self.responded is None else round(self.responded, 4),
            "finished": None if self.finished is None else round(self.finished, 4),
            "request": self.request.to_json(),
            "response": None if self.response is None else self.response.to_json(),
        }
        if self.hijack is not None:
            document["hijack"] = [event.to_json() for event in self.hijack]
        if self.hijack_records is not None:
            document["hijack_records"] = self.hijack_records
        if self.client_closed is not None:
            document["client_closed"] = round(self.client_closed, 4)
        return document

    @classmethod
    def from_json(cls, document: Any) -> Exchange:
        """Read an exchange written by :meth:`to_json`."""
        if not isinstance(document, dict):
            raise FormatError(f"an exchange must be an object, not {document!r}")
        response = document.get("response")
        hijack = document.get("hijack")
        records = document.get("hijack_records")
        try:
            return cls(
                seq=int(document["seq"]),
                connection=int(document.get("connection", 0)),
                started=float(document.get("started", 0.0)),
                responded=_optional_float(document.get("responded")),
                finished=_optional_float(document.get("finished")),
                request=Request.from_json(document["request"]),
                response=None if response is None else Response.from_json(response),
                hijack=None
                if hijack is None
                else [HijackEvent.from_json(event) for event in hijack],
                hijack_records=None if records is None else list(records),
                client_closed=_optional_float(document.get("client_closed")),
            )
        except KeyError as error:
            raise FormatError(f"an exchange is missing {error}") from error


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass(slots=True)
class Scenario:
    """A named, ordered list of exchanges recorded against one daemon.

    ``meta`` describes the recording: the engine and API version, the
    client that drove it, and anything else the recorder knew.
    """

    name: str
    exchanges: list[Exchange] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
