"""Settings of a run of the suite: the scale, the working folder, the real Engine."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

from .figures import Sample

logger = logging.getLogger("harness")

T = TypeVar("T")

OPERATIONAL_ERRORS = (
    httpx.HTTPError,
    OSError,
    RuntimeError,
    subprocess.SubprocessError,
)
"""Errors of the machine and the daemons measured, not of the suite's code."""


@dataclass(frozen=True)
class Scale:
    """How many runs and objects each figure uses."""

    runs: int
    """Runs per figure; each figure is the median over them."""
    requests: int
    """Requests per run for the request rates, shared by the clients."""
    clients: int
    """Client processes of the concurrent request rates."""
    lifecycle: int
    """Containers run and removed per run on the fake."""
    real_lifecycle: int
    """Containers run and removed per run on the real Engine."""
    log_bytes: int
    """Bytes a container writes for the log throughput."""
    events: int
    """Containers created per run for the events latency."""
    sizes: tuple[int, ...]
    """Container and image counts of the growth figures."""
    real_containers: int
    """Containers created on the real Engine for the listing reference."""
    memory_objects: int
    """Containers and images created to measure memory per object."""
    fixture_tests: int
    """Tests per pytest run for the fixture costs."""
    starts: int
    """Runs of the start and import figures."""


FULL = Scale(
    runs=5,
    requests=2000,
    clients=4,
    lifecycle=300,
    real_lifecycle=20,
    log_bytes=16 * 1024 * 1024,
    events=50,
    sizes=(10, 100, 200, 1_000, 10_000, 100_000),
    real_containers=200,
    memory_objects=2000,
    fixture_tests=200,
    starts=10,
)
"""The scale of a full run (about ten minutes on two cores)."""

QUICK = Scale(
    runs=3,
    requests=500,
    clients=4,
    lifecycle=100,
    real_lifecycle=10,
    log_bytes=4 * 1024 * 1024,
    events=20,
    sizes=(10, 200, 1_000, 10_000),
    real_containers=200,
    memory_objects=500,
    fixture_tests=50,
    starts=5,
)
"""A smaller scale for a first look (a few minutes)."""


@dataclass
class Context:
    """Settings of one run of the suite."""

    scale: Scale
    workdir: Path
    """A short folder for sockets and temporary files (socket paths are short)."""
    real_engine: str | None = None
    """``DOCKER_HOST`` of the real Engine to compare with, or None."""
    real_dockerd: Path | None = None
    """A script run as ``SCRIPT start 20.10 DIR`` and ``SCRIPT stop DIR`` to time
    the start of a real Engine, or None to skip that figure."""
    engine: str | None = None
    """The engine profile of the fake's child daemons, or None for the default.
    ``fakedaemon bench`` picks the profile of the real Engine's version, so both
    send responses of the same shape."""
    python: str = field(default=sys.executable)
    """The interpreter that runs the child processes."""
    client_ceiling: Sample | None = None
    """The client's rates from a loop that sends fixed bytes, once measured."""
    real_failure: str | None = None
    """The error that ended the measurements of the real Engine, or None."""
    failures: dict[str, str] = field(default_factory=dict)
    """Failures that a section continued past, keyed by the part that failed
    (``real Engine``). The suite names each with its section."""

    @property
    def working_real_engine(self) -> str | None:
        """The real Engine's ``DOCKER_HOST`` until it fails, then None."""
        return self.real_engine if self.real_failure is None else None

    def measure_real(self, action: Callable[[], T]) -> T | None:
        """Return ``action()``, a step against the real Engine, or None if it fails.

        The first error of the real Engine's steps is logged and kept in
        ``real_failure``: a network error, or a reply the suite cannot use
        (not JSON, a missing field, an event that never comes). From then
        on this returns None without running ``action``, so the figures
        that follow measure the fake alone instead of losing it too.
        """
        if self.real_failure is not None:
            return None
        try:
            return action()
        except Exception as error:  # noqa: BLE001 - the fake's figures matter more
            self._real_failed(f"{type(error).__name__}: {error}", error)
            return None

    def alternate(
        self, fake: Callable[[], T], real: Callable[[], T] | None
    ) -> tuple[list[T], list[T] | None]:
        """Run ``fake`` and ``real`` in turn, ``scale.runs`` times each.

        The runs alternate, so that a change in the machine's load weighs on
        both daemons alike. ``real`` runs through ``measure_real``. Its
        results are None unless all its runs took place, because a median
        of fewer runs than the fake's would not compare with it.
        """
        fake_results: list[T] = []
        real_results: list[T] = []
        for _ in range(self.scale.runs):
            fake_results.append(fake())
            if real is not None:
                result = self.measure_real(real)
                if result is not None:
                    real_results.append(result)
        complete = real is not None and len(real_results) == self.scale.runs
        return fake_results, real_results if complete else None

    @contextlib.contextmanager
    def cleaning_real(self, clean: Callable[[], object], action: str) -> Iterator[None]:
        """Run ``clean`` on the real Engine after the block, whatever the block did.

        A failure of ``clean`` counts as the real Engine's failure and is
        recorded as ``measure_real`` records one. The block's figures and its
        own error are kept.
        """
        try:
            yield
        finally:
            try:
                clean()
            except Exception as error:  # noqa: BLE001 - the block's outcome matters more
                self._real_failed(f"{action} failed: {error}", error)

    def _real_failed(self, message: str, error: Exception) -> None:
        # Any error that is not operational may be the suite's own fault,
        # so its traceback goes to the log.
        trace = not isinstance(error, OPERATIONAL_ERRORS)
        if self.real_failure is not None:
            logger.warning("the real Engine failed again: %s", message, exc_info=trace)
            return
        self.real_failure = message
        self.failures["real Engine"] = message
        logger.error(
            "the real Engine failed, the fake is measured alone from here: %s",
            message,
            exc_info=trace,
        )
