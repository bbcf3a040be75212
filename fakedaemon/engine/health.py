"""Health checks: a container's ``Healthcheck`` settings and its health state.

The rules follow dockerd's ``daemon/health.go`` as Engines 20.10 and 26.1
behave: the defaults below, a field-by-field merge of the container's
settings over the image's, at most five results in the log and 4096 bytes
of output per result. ``health_monitor`` runs the checks.
"""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from .revision import Tracked

if TYPE_CHECKING:
    from .health_monitor import Monitor

SECOND_NS = 1_000_000_000

DEFAULT_INTERVAL_NS = 30 * SECOND_NS
"""Time before the first check and between the end of one and the next."""

DEFAULT_TIMEOUT_NS = 30 * SECOND_NS
"""Time a check may run before it fails."""

DEFAULT_START_PERIOD_NS = 0
"""Time after a start during which failures do not count."""

DEFAULT_START_INTERVAL_NS = 5 * SECOND_NS
"""Time between checks during the start period, from Engine 27.0 on.

Earlier engines wait the interval when ``StartInterval`` is unset.
"""

DEFAULT_RETRIES = 3
"""Consecutive failures that make a container unhealthy."""

MAX_LOG_ENTRIES = 5
"""Results kept in ``State.Health.Log``, oldest first."""

MAX_OUTPUT_BYTES = 4096
"""Output kept per result; dockerd appends ``...`` to a longer output."""

STARTING = "starting"
HEALTHY = "healthy"
UNHEALTHY = "unhealthy"
NO_HEALTHCHECK = "none"
"""The status that lists and filters give a container without health state."""

_DURATIONS = ("Interval", "Timeout", "StartPeriod", "StartInterval")


@dataclass(frozen=True, slots=True)
class HealthResult:
    """One entry of ``State.Health.Log``: a check's times, exit code and output."""

    start_ns: int
    end_ns: int
    exit_code: int
    output: str


class Health(Tracked):
    """A container's ``State.Health``; only a started container with a check has one.

    The container store's lock guards every field. ``log`` is a tuple that
    each result replaces, so readers can iterate it without the lock.
    ``monitor`` is the running monitor, None while the container is stopped
    or paused.
    ``probe_ids`` are the exec ids of the last five checks, which stay
    inspectable as exec instances.
    """

    __slots__ = ("failing_streak", "log", "monitor", "probe_ids", "status")
    # Listings and inspect never encode the monitor or the probe ids.
    _untracked: ClassVar[frozenset[str]] = frozenset({"monitor", "probe_ids"})

    def __init__(self) -> None:
        self.status = STARTING
        self.failing_streak = 0
        self.log: tuple[HealthResult, ...] = ()
        self.monitor: Monitor | None = None
        self.probe_ids: deque[str] = deque()


@dataclass(frozen=True, slots=True)
class ProbeSettings:
    """The settings of one container's checks, with dockerd's defaults filled in.

    ``test`` is the command after its ``CMD`` or ``CMD-SHELL`` word, and
    ``argv`` the command line the check's exec runs.
    """

    test: list[str]
    argv: list[str]
    interval_ns: int
    timeout_ns: int
    start_period_ns: int
    start_interval_ns: int
    retries: int


def probe_settings(
    config: dict[str, Any], *, start_interval_inherits: bool
) -> ProbeSettings | None:
    """Return the checks ``config`` requests, or None when it runs none.

    dockerd runs no check without a ``Healthcheck``, with an empty ``Test``,
    with ``["NONE"]`` or with a type other than ``CMD`` and ``CMD-SHELL``;
    such a container gets no ``State.Health``, as Engines 20.10 and 26.1 do.
    With ``start_interval_inherits`` an unset ``StartInterval`` takes the
    interval, as before Engine 27.0.
    """
    health = config.get("Healthcheck") or {}
    test = [str(word) for word in health.get("Test") or []]
    if not test or test[0] not in ("CMD", "CMD-SHELL"):
        return None
    words = test[1:]
    if test[0] == "CMD-SHELL":
        shell = [str(word) for word in config.get("Shell") or []]
        argv = [*(shell or ["/bin/sh", "-c"]), *words]
    else:
        argv = words
    interval = int(health.get("Interval") or DEFAULT_INTERVAL_NS)
    start_interval = interval if start_interval_inherits else DEFAULT_START_INTERVAL_NS
    return ProbeSettings(
        test=words,
        argv=argv,
        interval_ns=interval,
        timeout_ns=int(health.get("Timeout") or DEFAULT_TIMEOUT_NS),
        start_period_ns=int(health.get("StartPeriod") or DEFAULT_START_PERIOD_NS),
        start_interval_ns=int(health.get("StartInterval") or start_interval),
        retries=int(health.get("Retries") or 0) or DEFAULT_RETRIES,
    )


def merge_healthcheck(
    container: dict[str, Any] | None, image: dict[str, Any] | None
) -> dict[str, Any] | None:
    """Merge a create request's ``Healthcheck`` over its image's, as dockerd does.

    Without a request value the image's applies whole; otherwise each empty
    or zero field of the request takes the image's value. The result leaves
    out empty and zero fields, as Go's ``omitempty`` writes them.
    """
    if container is None:
        return _compact(image) if image is not None else None
    merged = copy.deepcopy(container)
    for key in ("Test", *_DURATIONS, "Retries"):
        if not merged.get(key) and image and image.get(key):
            merged[key] = copy.deepcopy(image[key])
    return _compact(merged)


def _compact(health: dict[str, Any]) -> dict[str, Any]:
    return {
        key: copy.deepcopy(health[key])
        for key in ("Test", *_DURATIONS, "Retries")
        if health.get(key)
    }


def limit_output(data: bytes, truncated: bool) -> str:
    """Return a check's output as ``State.Health.Log`` stores it.

    Invalid UTF-8 becomes U+FFFD, as Go's JSON encoder writes it, and a cut
    output ends in ``...``.
    """
    text = data.decode("utf-8", "replace")
    return text + "..." if truncated else text
