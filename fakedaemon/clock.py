"""The daemon's clock: every timestamp and every simulated wait reads it."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


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
        """Move the clock forward; sleepers whose deadline passes wake up."""
        if seconds < 0:
            raise ValueError(f"cannot move the clock back by {seconds} seconds")
        with self._condition:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
            self._condition.notify_all()

    def sleep(self, seconds: float, cancel: threading.Event | None = None) -> bool:
        """Wait until ``seconds`` have passed on this clock.

        Whoever sets ``cancel`` calls ``wake`` afterwards so the sleeper sees it.

        Returns:
            True when the time passed, False when ``cancel`` was set first.
        """
        with self._condition:
            deadline = self._now_locked() + seconds
            while True:
                if cancel is not None and cancel.is_set():
                    return False
                remaining = deadline - self._now_locked()
                if remaining <= 0:
                    return True
                self._condition.wait(None if self.frozen else remaining)

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
