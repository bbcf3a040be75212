"""The daemon's clock: every timestamp and every simulated wait reads it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from typing import Protocol


class ClockWatcher(Protocol):
    """Work that runs on a clock's deadlines and that ``Clock.advance`` waits for.

    ``advance`` moves a clock through each deadline a watcher reports, one at
    a time, and calls ``settle`` after each step, so the work due at that
    time is done before the clock moves on.
    """

    def next_deadline(self) -> float | None:
        """Return the earliest time (seconds since the epoch) work waits for."""
        ...

    def settle(self) -> None:
        """Block until the work due at the clock's present time is done."""
        ...


class Clock:
    """Wall time for timestamps and a monotonic base for waits.

    A clock runs with real time until a test freezes it; a frozen clock moves
    only when ``advance`` is called, and every ``sleep`` waiting on it wakes
    when the frozen time passes its deadline. The clock is thread-safe.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._frozen_at: float | None = None
        self._offset = 0.0
        # Each sleeping thread's deadline and cancel event, by thread ident.
        self._sleepers: dict[int, tuple[float, threading.Event | None]] = {}
        self._watchers: list[ClockWatcher] = []

    def time(self) -> float:
        """Return the current time in seconds since the epoch."""
        with self._condition:
            return self._now_locked()

    def time_ns(self) -> int:
        """Return the current time in nanoseconds since the epoch."""
        with self._condition:
            if self._frozen_at is not None:
                return int(self._frozen_at * 1_000_000_000)
            return time.time_ns() + int(self._offset * 1_000_000_000)

    def now(self) -> datetime:
        """Return the current time as an aware UTC datetime."""
        return datetime.fromtimestamp(self.time(), UTC)

    @property
    def frozen(self) -> bool:
        """Whether the clock stands still until ``advance`` is called."""
        return self._frozen_at is not None

    def freeze(self, at: float | None = None) -> None:
        """Stop the clock at ``at`` (seconds since the epoch) or at the present."""
        with self._condition:
            self._frozen_at = self.time() if at is None else at
            self._condition.notify_all()

    def unfreeze(self) -> None:
        """Let the clock run again from the time it shows now."""
        with self._condition:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.time()
                self._frozen_at = None
            self._condition.notify_all()

    def advance(self, seconds: float) -> None:
        """Move the clock forward; sleepers whose deadline passes wake up.

        The clock stops at each deadline a watcher reports on the way and
        lets the watchers settle there, so advancing by three health check
        intervals runs three checks, each at its own time.
        """
        if seconds < 0:
            raise ValueError(f"cannot move the clock back by {seconds} seconds")
        with self._condition:
            target = self._now_locked() + seconds
            watchers = list(self._watchers)
        while True:
            for watcher in watchers:
                watcher.settle()
            step = target
            with self._condition:
                now = self._now_locked()
            for watcher in watchers:
                deadline = watcher.next_deadline()
                if deadline is not None and now < deadline < step:
                    step = deadline
            with self._condition:
                if self._frozen_at is not None:
                    # Set, not added, so that a sleeper's deadline is met
                    # exactly despite floating-point rounding.
                    self._frozen_at = max(self._frozen_at, step)
                else:
                    self._offset += max(0.0, step - self._now_locked())
                self._condition.notify_all()
            if step >= target:
                break
        for watcher in watchers:
            watcher.settle()

    def add_watcher(self, watcher: ClockWatcher) -> None:
        """Let ``advance`` stop at ``watcher``'s deadlines and wait for it."""
        with self._condition:
            self._watchers.append(watcher)

    def deadline_of(self, thread: threading.Thread) -> float | None:
        """Return the time ``thread`` sleeps until on this clock.

        Returns:
            The deadline, or None when the thread does not sleep on this
            clock or its cancel event is set, so it is about to wake.
        """
        with self._condition:
            sleeper = self._sleepers.get(thread.ident or 0)
        if sleeper is None:
            return None
        deadline, cancel = sleeper
        if cancel is not None and cancel.is_set():
            return None
        return deadline

    def sleep(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        """Wait until ``seconds`` have passed on this clock.

        Whoever sets ``cancel`` calls ``wake`` afterwards so the sleeper sees it.

        Returns:
            True when the time passed, False when ``cancel`` was set first.
        """
        ident = threading.get_ident()
        with self._condition:
            deadline = self._now_locked() + seconds
            try:
                while True:
                    if cancel is not None and cancel.is_set():
                        return False
                    remaining = deadline - self._now_locked()
                    if remaining <= 0:
                        return True
                    self._sleepers[ident] = (deadline, cancel)
                    self._condition.wait(None if self.frozen else remaining)
            finally:
                self._sleepers.pop(ident, None)

    def _now_locked(self) -> float:
        if self._frozen_at is not None:
            return self._frozen_at
        return time.time() + self._offset

    def wake(self) -> None:
        """Wake every sleeper so it rechecks its cancel event."""
        with self._condition:
            self._condition.notify_all()


def format_rfc3339_nano(timestamp_ns: int) -> str:
    """Format a time in nanoseconds as Go's RFC 3339 with nanoseconds.

    Go trims trailing zeros of the fraction (``time.RFC3339Nano``), so
    ``2024-01-02T03:04:05.1Z`` is a valid result, as dockerd writes it.
    """
    seconds, nanos = divmod(timestamp_ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if nanos:
        return f"{base}.{nanos:09d}".rstrip("0") + "Z"
    return base + "Z"


def format_log_timestamp(timestamp_ns: int) -> str:
    """Format a log line's timestamp with nine fractional digits, as logs do."""
    seconds, nanos = divmod(timestamp_ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{nanos:09d}Z"


ZERO_TIME = "0001-01-01T00:00:00Z"
"""Go's zero ``time.Time`` as dockerd writes it for times that never happened."""
