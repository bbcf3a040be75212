"""A container's output log and its stdin pipe, shared by logs and attach."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

DEFAULT_LOG_LIMIT = 8 * 1024 * 1024
"""Bytes of output kept per container; older entries are dropped first."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One write of a process: its stream, time and bytes."""

    stream: str
    time_ns: int
    data: bytes


_CONDITION_CREATION = threading.Lock()
"""Guards the first creation of an output log's condition."""


class OutputLog:
    """The output of a container's processes, in order, with blocking readers.

    Readers address entries by sequence number, so a reader that falls behind
    a trimmed log resumes at the oldest entry still kept. The condition and
    the entry queue are created on first use, because most stopped
    containers never had a reader or any output, and the two take about
    2 KB per log (tracemalloc).
    """

    __slots__ = (
        "_condition_or_none",
        "_entries",
        "_first",
        "_followers",
        "_limit",
        "_size",
    )

    def __init__(self, limit: int = DEFAULT_LOG_LIMIT) -> None:
        self._condition_or_none: threading.Condition | None = None
        self._entries: deque[Entry] | None = None
        self._first = 0
        self._size = 0
        self._limit = limit
        self._followers = 0

    @property
    def _condition(self) -> threading.Condition:
        condition = self._condition_or_none
        if condition is None:
            with _CONDITION_CREATION:
                condition = self._condition_or_none
                if condition is None:
                    condition = self._condition_or_none = threading.Condition()
        return condition

    def append(self, stream: str, time_ns: int, data: bytes) -> None:
        """Add one write and wake readers."""
        if not data:
            return
        with self._condition:
            entries = self._entries
            if entries is None:
                entries = self._entries = deque()
            entries.append(Entry(stream, time_ns, data))
            self._size += len(data)
            while self._size > self._limit and len(entries) > 1:
                dropped = entries.popleft()
                self._size -= len(dropped.data)
                self._first += 1
            self._condition.notify_all()

    @property
    def end(self) -> int:
        """The sequence number the next entry will get."""
        with self._condition:
            return self._first + len(self._entries or ())

    def entries(self) -> list[Entry]:
        """Return every kept entry, oldest first."""
        with self._condition:
            return list(self._entries or ())

    def read_from(self, position: int) -> tuple[list[Entry], int]:
        """Return the entries from ``position`` on and the next position."""
        with self._condition:
            entries = self._entries or ()
            start = max(position - self._first, 0)
            batch = list(entries)[start:] if start < len(entries) else []
            return batch, self._first + len(entries)

    def wait(self, position: int, timeout: float) -> None:
        """Block until an entry at ``position`` exists, a notify, or ``timeout``."""
        with self._condition:
            if self._first + len(self._entries or ()) <= position:
                self._condition.wait(timeout)

    def notify(self) -> None:
        """Wake readers so they recheck the container's state."""
        condition = self._condition_or_none
        if condition is None:
            # No reader has used the log yet, so no thread waits on it.
            return
        with condition:
            condition.notify_all()

    @property
    def followers(self) -> int:
        """The number of ``follow`` iterators running."""
        with self._condition:
            return self._followers

    def follow(
        self, position: int, finished: threading.Event, stop: threading.Event
    ) -> Iterator[Entry]:
        """Yield entries from ``position`` until ``finished`` or ``stop`` is set.

        ``finished`` marks the end of the process; entries written before it
        was set are still yielded. The caller that sets ``stop`` then calls
        ``notify``, so the reader sees it at once.
        """
        with self._condition:
            self._followers += 1
        try:
            while True:
                batch, position = self.read_from(position)
                yield from batch
                if stop.is_set():
                    return
                if finished.is_set():
                    tail, position = self.read_from(position)
                    yield from tail
                    return
                self.wait(position, 0.5)
        finally:
            with self._condition:
                self._followers -= 1

    def clear(self) -> None:
        """Drop every entry."""
        with self._condition:
            self._first += len(self._entries or ())
            self._entries = None
            self._size = 0


class StdinPipe:
    """The stdin of a container: writers are attach clients, the reader is the
    simulated process. ``close`` gives the reader end of input."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._buffer = bytearray()
        self._closed = False

    def write(self, data: bytes) -> None:
        """Append ``data`` for the process to read."""
        with self._condition:
            if self._closed:
                return
            self._buffer += data
            self._condition.notify_all()

    def close(self) -> None:
        """Signal end of input."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    @property
    def closed(self) -> bool:
        """Whether end of input was signalled."""
        return self._closed

    def read(self, size: int, cancel: threading.Event | None = None) -> bytes:
        """Block until data or end of input; return b"" at the end."""
        with self._condition:
            while not self._buffer and not self._closed:
                if cancel is not None and cancel.is_set():
                    return b""
                self._condition.wait(0.2 if cancel is not None else None)
            data = bytes(self._buffer[:size])
            del self._buffer[:size]
            return data
