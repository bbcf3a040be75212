"""The request journal: every Engine API request a daemon received."""

from __future__ import annotations

import base64
import json
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from werkzeug.wrappers import Request

DEFAULT_CAPACITY = 10_000
"""Entries kept; the oldest are dropped first."""


_FIELDS = (
    "operation",
    "method",
    "path",
    "query",
    "headers",
    "body",
    "time",
    "status",
    "fault",
    "api_version",
    "extra",
)
"""The fields of a journal entry, in the order of its constructor."""


class JournalEntry:
    """One request and the status the daemon answered it with.

    ``body`` is None when the request body was not recorded: a chunked
    body, or one larger than the journal's ``max_body`` bytes, stays unread
    so the handler can stream it. ``status`` is None while the request is
    being handled, 101 or 200 for a hijacked connection, and 0 when a fault
    dropped the connection or sent bytes that are not HTTP.

    ``query`` and ``headers`` may be given as the request's query string
    and raw header pairs (``query_string``, ``header_items``) instead; they
    are then decoded on first use, since most entries are never read.
    ``header_items`` must allow more than one iteration, because threads
    that read ``headers`` first at the same time each iterate it.
    """

    # ``query`` and ``headers`` are properties over the private slots.
    __slots__ = (
        *(name for name in _FIELDS if name not in ("query", "headers")),
        "_query",
        "_query_string",
        "_headers",
        "_header_items",
    )

    def __init__(
        self,
        operation: str | None,
        method: str,
        path: str,
        query: dict[str, list[str]] | None,
        headers: dict[str, str] | None,
        body: bytes | None,
        time: float,
        status: int | None = None,
        fault: str | None = None,
        api_version: str | None = None,
        extra: dict[str, Any] | None = None,
        *,
        query_string: str = "",
        header_items: Iterable[tuple[str, str]] | None = None,
    ) -> None:
        self.operation = operation
        self.method = method
        self.path = path
        self.body = body
        self.time = time
        self.status = status
        self.fault = fault
        self.api_version = api_version
        self.extra: dict[str, Any] = {} if extra is None else extra
        self._query = query
        self._query_string = query_string
        self._headers = headers
        self._header_items = header_items

    @property
    def query(self) -> dict[str, list[str]]:
        """The query parameters, each with every value in the order sent."""
        if self._query is None:
            self._query = _parse_query(self._query_string)
        return self._query

    @query.setter
    def query(self, value: dict[str, list[str]]) -> None:
        self._query = value

    @property
    def headers(self) -> dict[str, str]:
        """The request headers, named as werkzeug spells them (``User-Agent``)."""
        if self._headers is None:
            self._headers = dict(self._header_items or ())
        return self._headers

    @headers.setter
    def headers(self, value: dict[str, str]) -> None:
        self._headers = value

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other: object) -> bool:
        if type(other) is not JournalEntry:
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELDS)
        return f"JournalEntry({fields})"

    @property
    def json(self) -> Any:
        """The body decoded as JSON, or None when it is empty or not JSON."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def query_value(self, name: str) -> str | None:
        """Return the last value of query parameter ``name``, if present."""
        values = self.query.get(name)
        return values[-1] if values else None

    def to_json(self) -> dict[str, Any]:
        """Return the entry as JSON-ready values; the body as text or base64."""
        document: dict[str, Any] = {
            "operation": self.operation,
            "method": self.method,
            "path": self.path,
            "api_version": self.api_version,
            "query": self.query,
            "headers": self.headers,
            "status": self.status,
            "fault": self.fault,
            "time": self.time,
        }
        if self.body is None:
            document["body"] = None
        else:
            try:
                document["body"] = self.body.decode("utf-8")
            except UnicodeDecodeError:
                document["body_base64"] = base64.b64encode(self.body).decode()
        return document


class Journal:
    """The requests of one daemon, oldest first; thread-safe."""

    def __init__(
        self, capacity: int = DEFAULT_CAPACITY, max_body: int = 1024 * 1024
    ) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=capacity)
        self.max_body = max_body

    def record(self, entry: JournalEntry) -> None:
        """Append ``entry``."""
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        """Forget every entry."""
        with self._lock:
            self._entries.clear()

    @property
    def entries(self) -> list[JournalEntry]:
        """Every recorded request, oldest first."""
        with self._lock:
            return list(self._entries)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def calls(self, operation: str | None = None) -> list[JournalEntry]:
        """Return the requests of ``operation`` (every request when None)."""
        return [
            entry
            for entry in self.entries
            if operation is None or entry.operation == operation
        ]

    def operations(self) -> list[str | None]:
        """Return the operation id of each request, oldest first."""
        return [entry.operation for entry in self.entries]

    def assert_called(
        self,
        operation: str,
        *,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        times: int | None = None,
    ) -> list[JournalEntry]:
        """Assert that ``operation`` was requested, optionally with this content.

        Args:
            operation: the specification's operation id (``ContainerCreate``).
            body: a JSON value the request body must contain; a mapping
                matches when each of its keys matches, recursively, so
                ``{"Image": "busybox"}`` matches a fuller create body.
            query: parameters that must be present with these values (a
                string, or a list of every value).
            times: the exact number of matching requests, when given.

        Returns:
            The matching requests.

        Raises:
            AssertionError: no request (or not ``times``) matched; the
                message lists the requests of ``operation`` that were seen.
        """
        candidates = self.calls(operation)
        matching = [
            entry
            for entry in candidates
            if (body is None or _contains(entry.json, body))
            and (query is None or _query_matches(entry.query, query))
        ]
        if times is None and matching:
            return matching
        if times is not None and len(matching) == times:
            return matching
        expected = "a request" if times is None else f"{times} request(s)"
        wanted = []
        if body is not None:
            wanted.append(f"body containing {body!r}")
        if query is not None:
            wanted.append(f"query {dict(query)!r}")
        detail = f" with {' and '.join(wanted)}" if wanted else ""
        raise AssertionError(
            f"expected {expected} of {operation}{detail}, found {len(matching)}; "
            + _describe(candidates, operation, self.operations())
        )

    def assert_not_called(self, operation: str) -> None:
        """Assert that no request of ``operation`` was received.

        Raises:
            AssertionError: listing the requests of ``operation``.
        """
        calls = self.calls(operation)
        if calls:
            raise AssertionError(
                f"expected no request of {operation}, found {len(calls)}: "
                + "; ".join(_summary(entry) for entry in calls)
            )


def _parse_query(text: str) -> dict[str, list[str]]:
    """Decode a query string as werkzeug's ``Request.args`` does."""
    arguments = Request({"QUERY_STRING": text}).args
    return {key: arguments.getlist(key) for key in arguments}


def _contains(actual: Any, expected: Any) -> bool:
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return False
        return all(
            key in actual and _contains(actual[key], value)
            for key, value in expected.items()
        )
    return bool(actual == expected)


def _query_matches(actual: dict[str, list[str]], expected: Mapping[str, Any]) -> bool:
    for name, value in expected.items():
        values = actual.get(name)
        if values is None:
            return False
        if isinstance(value, list):
            if values != [str(item) for item in value]:
                return False
        elif str(value) not in values and not _json_equal(values[-1], value):
            return False
    return True


def _json_equal(text: str, value: Any) -> bool:
    # ``filters`` travels as JSON text; a test may give the decoded form.
    if isinstance(value, str):
        return False
    try:
        return bool(json.loads(text) == value)
    except ValueError:
        return False


def _summary(entry: JournalEntry) -> str:
    query = "&".join(f"{k}={v}" for k, values in entry.query.items() for v in values)
    target = f"{entry.path}?{query}" if query else entry.path
    body = entry.body[:200].decode("utf-8", "replace") if entry.body else ""
    return f"{entry.method} {target} -> {entry.status} {body}".rstrip()


def _describe(
    candidates: list[JournalEntry], operation: str, operations: list[str | None]
) -> str:
    if candidates:
        return f"requests of {operation}: " + "; ".join(
            _summary(entry) for entry in candidates
        )
    seen = ", ".join(str(name) for name in operations) or "none"
    return f"no request of {operation}; operations received: {seen}"
