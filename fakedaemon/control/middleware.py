"""The middleware around the Engine API: control routes, journal and faults."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from werkzeug.sansio.utils import get_content_length
from werkzeug.wrappers import Request, Response

from ..api.app import HEADERS_KEY
from ..api.jsonenc import dump_line
from ..api.responses import Hijack
from ..server.bodies import BodyReadError
from . import wire
from .faults import UNCHANGED, Fault
from .http import CONTROL_PREFIX, ControlAPI
from .journal import JournalEntry

if TYPE_CHECKING:
    from .control import Control

logger = logging.getLogger("fakedaemon")

Dispatch = Callable[[Request], Response]


class _BrokenBody(io.RawIOBase):
    """A body that yields the bytes received, then raises the read error."""

    def __init__(self, data: bytes, error: BodyReadError) -> None:
        self._data = io.BytesIO(data)
        self._error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._data.readinto(buffer)
        if count == 0 and len(buffer):
            raise self._error
        return count


class ControlMiddleware:
    """Serves ``/_fakedaemon/...``, records each request and applies faults."""

    def __init__(self, control: Control) -> None:
        self.control = control
        self.api = ControlAPI(control)

    def __call__(self, request: Request, call_next: Dispatch) -> Response:
        """Handle one request on its way to ``call_next`` (the app's dispatch)."""
        path = request.path
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            return self.api.handle(request)
        control = self.control
        entry = self._entry(request)
        control.journal.record(entry)
        operation = self._operation(request) if control.faults.needs_operation else None
        fault = control.faults.select(request.method, path, operation)
        if fault is not None:
            entry.fault = fault.id
            logger.info(
                "fault %s applies to %s %s", fault.id, request.method, request.path
            )
            response = self._faulty(request, call_next, fault)
        else:
            response = call_next(request)
        dispatched: str | None = request.environ.get("fakedaemon.operation")
        entry.operation = dispatched or operation
        if entry.operation is None:
            entry.operation = self._operation(request)
        entry.status = _status_of(request, response)
        return response

    def _entry(self, request: Request) -> JournalEntry:
        environ = request.environ
        path = request.path
        version = None
        segments = path.split("/", 2)
        if len(segments) > 2 and segments[1].startswith("v"):
            candidate = segments[1][1:]
            if candidate and all(c.isdigit() or c == "." for c in candidate):
                version = candidate
        # The query and the header names are decoded when the entry is read.
        raw_headers: dict[str, str] | None = environ.get(HEADERS_KEY)
        return JournalEntry(
            operation=None,
            method=request.method,
            path=path,
            query=None,
            query_string=environ.get("QUERY_STRING", ""),
            headers=None if raw_headers is not None else _request_headers(environ),
            header_items=None if raw_headers is None else _HeaderItems(raw_headers),
            body=self._body(request),
            time=time.time(),
            api_version=version,
        )

    def _body(self, request: Request) -> bytes | None:
        environ = request.environ
        length = get_content_length(
            environ.get("CONTENT_LENGTH"), environ.get("HTTP_TRANSFER_ENCODING")
        )
        if length is None:
            chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
            return None if chunked else b""
        if length > self.control.journal.max_body:
            return None
        if "stream" in request.__dict__:
            # The request's stream exists already, so read through it.
            return request.get_data(cache=True)
        stream = environ["wsgi.input"]
        received = bytearray()
        try:
            while len(received) < length:
                chunk = stream.read1(length - len(received))
                if not chunk:
                    break
                received += chunk
        except BodyReadError as error:
            # The handler meets the same broken body after the same bytes.
            environ["wsgi.input"] = _BrokenBody(bytes(received), error)
            return bytes(received)
        # The handler reads the same bytes from a fresh stream.
        environ["wsgi.input"] = io.BytesIO(received)
        environ["CONTENT_LENGTH"] = str(len(received))
        return bytes(received)

    def _operation(self, request: Request) -> str | None:
        matched = self.control.app.match(request.environ)
        return None if matched is None else matched[0].operation

    def _faulty(self, request: Request, call_next: Dispatch, fault: Fault) -> Response:
        if fault.delay:
            time.sleep(fault.delay)
        terminal = fault.drop_connection or fault.garbage or fault.status is not None
        if terminal:
            if fault.run_operation:
                call_next(request).close()
            if fault.drop_connection:
                return wire.drop_connection()
            if fault.garbage:
                return wire.garbage()
            return self._error_response(fault)
        response = call_next(request)
        if fault.stream_error_after is not None:
            response = wire.stream_error(
                response, fault.stream_error_after, fault.message
            )
        if fault.bad_frame_header or fault.truncated_frame:
            response = wire.corrupt_frames(
                response,
                bad_header=fault.bad_frame_header,
                truncated=fault.truncated_frame,
            )
        if fault.hijack_close_early:
            response = wire.close_hijack_early(response)
        if fault.api_version_header is not UNCHANGED:
            response = wire.set_api_version(response, fault.api_version_header)
        if fault.upgrade_without_headers:
            response = wire.upgrade_without_headers(response)
        if fault.truncate_body is not None:
            response = wire.truncate(response, fault.truncate_body)
        return response

    def _error_response(self, fault: Fault) -> Response:
        body = fault.body
        content_type = fault.content_type
        if body is None:
            data = dump_line({"message": fault.message})
            content_type = content_type or "application/json"
        elif isinstance(body, dict | list):
            data = dump_line(body)
            content_type = content_type or "application/json"
        else:
            data = body.encode() if isinstance(body, str) else body
            content_type = content_type or "text/plain; charset=utf-8"
        response = Response(data, status=fault.status, content_type=content_type)
        profile = self.control.engine.profile
        response.headers["Api-Version"] = str(profile.max_api)
        response.headers["Ostype"] = "linux"
        response.headers["Server"] = f"Docker/{profile.engine_version} (linux)"
        if fault.api_version_header is not UNCHANGED:
            wire.set_api_version(response, fault.api_version_header)
        return response


_HEADER_NAMES: dict[str, str | None] = {}
"""Header names as werkzeug's ``EnvironHeaders`` spells them, by environ key;
None for a key that is not a header."""


def _request_headers(environ: dict[str, Any]) -> dict[str, str]:
    """Return the request headers as ``dict(request.headers.items())`` does.

    The names are converted once per environ key instead of once per request.
    """
    headers: dict[str, str] = {}
    for key, value in environ.items():
        try:
            name = _HEADER_NAMES[key]
        except KeyError:
            name = _header_name(key)
            if len(_HEADER_NAMES) < 4096:
                _HEADER_NAMES[key] = name
        if name is None:
            continue
        if not value and key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            continue
        headers[name] = value
    return headers


_BODY_HEADERS = frozenset(("content-type", "content-length"))


class _HeaderItems:
    """The server's parsed headers as ``_request_headers`` names them.

    Each iteration starts over, so threads that read one entry's headers
    at the same time each see all of them.
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: dict[str, str]) -> None:
        self._raw = raw

    def __iter__(self) -> Iterator[tuple[str, str]]:
        # The server leaves names with "_" out of the environ, as werkzeug's
        # server does, and werkzeug skips empty body headers.
        for name, value in self._raw.items():
            if "_" not in name and (value or name not in _BODY_HEADERS):
                yield name.title(), value


def _header_name(key: str) -> str | None:
    if key.startswith("HTTP_") and key not in (
        "HTTP_CONTENT_TYPE",
        "HTTP_CONTENT_LENGTH",
    ):
        return key[5:].replace("_", "-").title()
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return key.replace("_", "-").title()
    return None


def _status_of(request: Request, response: Response) -> int:
    if isinstance(response, wire.RawResponse):
        return 0 if response.fault.kind != "truncated" else response.fault.status
    if isinstance(response, Hijack):
        upgrade = "upgrade" in request.headers.get("Connection", "").lower()
        return 101 if upgrade else 200
    return response.status_code
