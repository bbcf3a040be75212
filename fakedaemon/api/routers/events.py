"""``GET /events``: the daemon's state changes as a stream."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from werkzeug.wrappers import Response
from werkzeug.wsgi import ClosingIterator

from ...engine.events import Event
from ...errors import DaemonError, InvalidParameter
from ..call import Call
from ..filters import Filters
from ..jsonenc import dump_line
from ..responses import stream
from ..routing import Router

router = Router()

JSONL = "application/jsonl"
NDJSON = "application/x-ndjson"
JSON_SEQ = "application/json-seq"
_RECORD_SEPARATOR = b"\x1e"


@router.get("/events", "SystemEvents")
def events(call: Call) -> Response:
    """Replay buffered events from ``since`` and follow new ones until ``until``."""
    engine = call.engine
    now = engine.clock.time_ns()
    since = _timestamp(call.query("since"))
    until = _timestamp(call.query("until"))
    if since is not None and until is not None and since > until:
        raise InvalidParameter(
            f"`since` time ({call.query('since')}) cannot be after `until` time "
            f"({call.query('until')})"
        )
    # dockerd does not validate event filter keys; unknown keys match nothing
    # of their own and are ignored.
    filters = call.filters()
    content_type = _content_type(call)
    version = call.version

    def encode(event: Event) -> bytes:
        line = dump_line(event_document(event, version))
        if content_type == JSON_SEQ:
            return _RECORD_SEPARATOR + line
        return line

    # The subscription starts before the headers go out, so a client that
    # acts once they arrive receives the events of its action.
    stop = threading.Event()
    live = until is None or until > now
    subscription = engine.events.subscribe(stop) if live else None

    def body() -> Iterator[bytes]:
        try:
            if since is not None:
                for event in engine.events.snapshot():
                    if event.time_ns < since or event.time_ns > now:
                        continue
                    if until is not None and event.time_ns > until:
                        continue
                    if matches(event, filters):
                        yield encode(event)
            if subscription is None:
                return
            # dockerd ends the stream when the client goes away, as the
            # request's context is canceled.
            with call.on_disconnect(stop.set, engine.events.wake):
                for followed in subscription:
                    if until is not None and engine.clock.time_ns() > until:
                        return
                    if followed is None:
                        continue
                    if until is not None and followed.time_ns > until:
                        return
                    if matches(followed, filters):
                        yield encode(followed)
        finally:
            stop.set()
            if subscription is not None:
                subscription.close()

    if subscription is None:
        return stream(body(), content_type=content_type)
    # A body that never starts has no ``finally`` to run.
    chunks = ClosingIterator(body(), [subscription.close])
    return stream(chunks, content_type=content_type)


def _content_type(call: Call) -> str:
    """Pick the stream's media type: JSON before 1.52, then by ``Accept``.

    From API 1.52 dockerd defaults to JSON Lines and honours an ``Accept``
    header that names one of its stream types exactly (no wildcards).
    """
    if call.version.below("1.52"):
        return "application/json"
    best = (0.0, JSONL)
    for part in call.request.headers.get("Accept", "").split(","):
        media, _, parameters = part.strip().partition(";")
        media = media.strip().lower()
        if media not in (JSONL, NDJSON, JSON_SEQ):
            continue
        quality = 1.0
        for parameter in parameters.split(";"):
            name, _, value = parameter.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > best[0]:
            best = (quality, media)
    return best[1]


def _timestamp(text: str) -> int | None:
    """Parse ``sec[.nsec]`` into nanoseconds, with dockerd's error for junk."""
    if not text:
        return None
    seconds, _, fraction = text.partition(".")
    try:
        whole = int(seconds)
    except ValueError:
        raise DaemonError(
            f'strconv.ParseInt: parsing "{seconds}": invalid syntax'
        ) from None
    if fraction and not fraction.isdigit():
        raise DaemonError(f'strconv.ParseInt: parsing "{fraction}": invalid syntax')
    nanos = int((fraction + "000000000")[:9]) if fraction else 0
    return whole * 1_000_000_000 + nanos


def event_document(event: Event, version: Any) -> dict[str, Any]:
    """Return an event message in the shape of ``version``.

    Before API 1.52 container and image events also carried the legacy
    ``status``, ``id`` and ``from`` fields.
    """
    document: dict[str, Any] = {}
    if version.below("1.52") and event.type in ("container", "image"):
        document["status"] = event.action
        document["id"] = event.actor_id
        if event.type == "container" and "image" in event.attributes:
            document["from"] = event.attributes["image"]
    document.update(
        {
            "Type": event.type,
            "Action": event.action,
            # Go writes map keys in sorted order.
            "Actor": {
                "ID": event.actor_id,
                "Attributes": dict(sorted(event.attributes.items())),
            },
            "scope": event.scope,
            "time": event.time_ns // 1_000_000_000,
            "timeNano": event.time_ns,
        }
    )
    return document


def matches(event: Event, filters: Filters) -> bool:
    """Return whether ``event`` passes every filter key dockerd supports."""
    if not filters:
        return True
    attributes = event.attributes
    if not filters.match_exact("type", event.type):
        return False
    if not filters.match_exact("scope", event.scope):
        return False
    if filters.contains("event") and not any(
        event.action == wanted or event.action.split(":", 1)[0] == wanted
        for wanted in filters.get("event")
    ):
        return False
    if not filters.match_labels(attributes):
        return False
    names = {event.actor_id, attributes.get("name", "")}
    for key in (
        "container",
        "network",
        "volume",
        "plugin",
        "node",
        "service",
        "secret",
        "config",
    ):
        if not filters.contains(key):
            continue
        if event.type != key or not _matches_id_or_name(filters.get(key), names):
            return False
    if filters.contains("image"):
        candidates = {event.actor_id, attributes.get("name", "")}
        if event.type == "container":
            candidates = {attributes.get("image", "")}
        if not _matches_image(filters.get("image"), candidates):
            return False
    if filters.contains("daemon") and event.type != "daemon":
        return False
    return True


def _matches_id_or_name(values: list[str], names: set[str]) -> bool:
    for value in values:
        for name in names:
            if name and (name == value or name.startswith(value)):
                return True
    return False


def _matches_image(values: list[str], candidates: set[str]) -> bool:
    for value in values:
        for candidate in candidates:
            if not candidate:
                continue
            bare = candidate.split("@", 1)[0]
            if value in (candidate, bare) or bare == f"{value}:latest":
                return True
            if candidate.removeprefix("sha256:").startswith(
                value.removeprefix("sha256:")
            ):
                return True
    return False
