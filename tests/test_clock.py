"""The daemon's clock: stepping through watchers' deadlines and sleepers."""

from __future__ import annotations

import threading

from fakedaemon.clock import Clock


class _Deadlines:
    """A clock watcher with fixed deadlines that records each settle."""

    def __init__(self, clock: Clock, deadlines: list[float]) -> None:
        self._clock = clock
        self._deadlines = deadlines
        self.seen: list[float] = []

    def next_deadline(self) -> float | None:
        now = self._clock.time()
        later = [deadline for deadline in self._deadlines if deadline > now]
        return min(later, default=None)

    def settle(self) -> None:
        self.seen.append(self._clock.time())


def test_clock_advance_stops_at_deadlines() -> None:
    clock = Clock()
    clock.freeze(100.0)
    watcher = _Deadlines(clock, [101.0, 102.5, 200.0])
    clock.add_watcher(watcher)
    clock.advance(5)
    assert clock.time() == 105.0
    assert sorted(set(watcher.seen)) == [100.0, 101.0, 102.5, 105.0]


def test_clock_deadline_of_sleeper() -> None:
    clock = Clock()
    clock.freeze(100.0)
    cancel = threading.Event()
    thread = threading.Thread(target=clock.sleep, args=(10.0, cancel))
    thread.start()
    try:
        for _ in range(500):
            if clock.deadline_of(thread) is not None:
                break
            threading.Event().wait(0.01)
        assert clock.deadline_of(thread) == 110.0
        cancel.set()
        assert clock.deadline_of(thread) is None
    finally:
        cancel.set()
        clock.wake()
        thread.join(5)
    assert clock.deadline_of(thread) is None
