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

    def follow(self, stop: threading.Event) -> Iterator[Event | None]:
        """Return the events published from now on, until ``stop`` is set.

        The iterator yields None about once a second while idle, so a reader can check
        its deadline and whether its client went away.
        """
        with self._condition:
            seen = self._sequence
        return self._follow(seen, stop)

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
