"""Waiting in tests for a condition that another thread or process brings about."""

from __future__ import annotations

import time
from collections.abc import Callable


def eventually(
    predicate: Callable[[], bool], timeout: float, interval: float = 0.01
) -> bool:
    """Poll ``predicate`` every ``interval`` seconds until it holds or ``timeout`` ends.

    Returns whether it held.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
    return True
