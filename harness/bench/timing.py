"""Timing helpers: repeated runs, percentiles and the monotonic clock."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence


def now() -> float:
    """Return CLOCK_MONOTONIC in seconds, comparable across processes on Linux."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile ``fraction`` (0 to 1) of ``values``."""
    if not values:
        raise ValueError("no values to take a percentile of")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def durations(action: Callable[[], object], count: int) -> list[float]:
    """Call ``action`` ``count`` times; return each call's duration in seconds."""
    result = []
    for _ in range(count):
        started = time.perf_counter()
        action()
        result.append(time.perf_counter() - started)
    return result


def rate(action: Callable[[], object], count: int) -> float:
    """Call ``action`` ``count`` times; return the calls per second."""
    started = time.perf_counter()
    for _ in range(count):
        action()
    return count / (time.perf_counter() - started)
