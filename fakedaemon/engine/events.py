"""The event log: every state change publishes one event; `/events` reads it."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..clock import Clock

DEFAULT_BUFFER = 1024
"""Events kept for `since` queries; dockerd's events buffer holds 256 per
subscriber and 1024 in its log, so older events are dropped from replay."""


@dataclass(frozen=True, slots=True)
class Event:
    """One event as dockerd's events service records it."""

    type: str
    action: str
    actor_id: str
    attributes: dict[str, str] = field(default_factory=dict)
    scope: str = "local"
    time_ns: int = 0


class EventLog:
    """A bounded, thread-safe log of events with blocking readers."""

    def __init__(self, clock: Clock, capacity: int = DEFAULT_BUFFER) -> None:
        self._clock = clock
        self._condition = threading.Condition()
        self._events: deque[Event] = deque(maxlen=capacity)
        self._sequence = 0
        self._closed = False
        self._listeners = 0

    def publish(
        self,
        type: str,
        action: str,
        actor_id: str,
        attributes: dict[str, str] | None = None,
        scope: str = "local",
    ) -> Event:
        """Record an event stamped with the clock's time and wake readers."""
        event = Event(
            type, action, actor_id, dict(attributes or {}), scope, self._clock.time_ns()
        )
        with self._condition:
            self._events.append(event)
            self._sequence += 1
            self._condition.notify_all()
        return event

    def snapshot(self) -> list[Event]:
        """Return the buffered events, oldest first."""
        with self._condition:
            return list(self._events)

    @property
    def listeners(self) -> int:
        """The number of open subscriptions (``NEventsListener`` in ``/info``)."""
        with self._condition:
            return self._listeners

    def follow(self, stop: threading.Event) -> Iterator[Event | None]:
        """Return the events published from now on, until ``stop`` is set.

        The iterator yields None about once a second while idle, so a reader
        can check its deadline. The caller that sets ``stop`` then calls
        ``wake``, so the reader sees it at once.
        """
        with self._condition:
            seen = self._sequence
        return self._follow(seen, stop)

    def subscribe(self, stop: threading.Event) -> Subscription:
        """Open a subscription for an API client, counted until it is closed.

        It follows the events published from now on, as ``follow`` does.
        """
        with self._condition:
            seen = self._sequence
            self._listeners += 1
        return Subscription(self, self._follow(seen, stop))

    def _unsubscribe(self) -> None:
        with self._condition:
            self._listeners -= 1

    def _follow(self, seen: int, stop: threading.Event) -> Iterator[Event | None]:
        while not stop.is_set():
            with self._condition:
                if self._sequence == seen and not self._closed:
                    self._condition.wait(1.0)
                closed = self._closed
                fresh = min(self._sequence - seen, len(self._events))
                batch = list(self._events)[len(self._events) - fresh :] if fresh else []
                seen = self._sequence
            # Events published before the log closed (the daemon's own
            # shutdown events among them) still reach the reader.
            yield from batch
            if closed:
                return
            if not batch:
                yield None

    def wake(self) -> None:
        """Wake every reader so it rechecks its stop event."""
        with self._condition:
            self._condition.notify_all()

    def close(self) -> None:
        """End every ``follow`` so streams finish when the daemon stops."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def clear(self) -> None:
        """Drop every buffered event (used by a state reset)."""
        with self._condition:
            self._events.clear()

    def restore(self, events: list[Event]) -> None:
        """Replace the buffered events with ``events``, keeping their times.

        Readers that follow the log receive them as new events.
        """
        with self._condition:
            self._events.clear()
            self._events.extend(events)
            self._sequence += len(events)
            self._condition.notify_all()


class Subscription:
    """An API client's reader of the event log, counted in ``listeners``.

    Iterate it for events, with None while idle. ``close`` ends the count,
    even when iteration never started.
    """

    def __init__(self, log: EventLog, events: Iterator[Event | None]) -> None:
        self._log = log
        self._events = events
        self._open = True

    def __iter__(self) -> Iterator[Event | None]:
        return self._events

    def close(self) -> None:
        """Leave the event log; later calls do nothing."""
        if self._open:
            self._open = False
            self._log._unsubscribe()
