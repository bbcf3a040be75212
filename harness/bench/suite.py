"""Run the sections of the benchmark suite and collect their figures."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from . import fixtures, growth, lifecycle, startup, throughput
from .context import OPERATIONAL_ERRORS, Context
from .figures import Figure
from .timing import now

logger = logging.getLogger("harness")

Section = Callable[[Context], list[Figure]]

SECTIONS: dict[str, Section] = {
    "start": startup.measure,
    "requests": throughput.measure,
    "containers": lifecycle.measure,
    "growth": growth.measure,
    "fixtures": fixtures.measure,
}
"""Every section by the name ``--only`` selects it with, in the order they run."""


@dataclass
class Results:
    """The figures of a run and the sections that raised, with their error."""

    figures: list[Figure] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)


def run_suite(context: Context, only: Sequence[str] | None = None) -> Results:
    """Run the sections named in ``only`` (all by default), in their order.

    A section that raises is logged and named in ``failures``; the others
    still run.

    Raises:
        ValueError: ``only`` names an unknown section.
    """
    names = list(SECTIONS) if not only else list(only)
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown:
        raise ValueError(
            f"unknown benchmark sections {', '.join(map(repr, unknown))} "
            f"(known: {', '.join(SECTIONS)})"
        )
    results = Results()
    for name in SECTIONS:
        if name not in names:
            continue
        started = now()
        known = set(context.failures)
        logger.info("benchmark section %s: started", name)
        try:
            results.figures += SECTIONS[name](context)
        except OPERATIONAL_ERRORS as error:
            # A daemon, a child process or a file failed: the message names
            # which, and a traceback would only show where the suite noticed.
            logger.error("benchmark section %s failed: %s", name, error)
            results.failures[name] = f"{type(error).__name__}: {error}"
        except Exception as error:  # noqa: BLE001 - report and go on
            logger.exception("benchmark section %s failed", name)
            results.failures[name] = f"{type(error).__name__}: {error}"
        # Failures the section went on after: its figures are kept, and
        # those of what failed are missing.
        for source, message in context.failures.items():
            if source not in known:
                results.failures[f"{name}, {source}"] = message
        logger.info("benchmark section %s: %.1f s", name, now() - started)
    return results
