"""A benchmark suite that measures the fake daemon beside a real Docker Engine.

Run it with ``fakedaemon bench``; docs/benchmarks.md shows the figures and
how each is taken. In Python::

    from harness.bench import QUICK, Context, run_suite

    results = run_suite(Context(QUICK, Path("/tmp/bench")), only=["requests"])
"""

from __future__ import annotations

from .context import FULL as FULL
from .context import QUICK as QUICK
from .context import Context as Context
from .context import Scale as Scale
from .figures import Figure as Figure
from .figures import Sample as Sample
from .report import render as render
from .suite import SECTIONS as SECTIONS
from .suite import Results as Results
from .suite import run_suite as run_suite

__all__ = [
    "FULL",
    "QUICK",
    "SECTIONS",
    "Context",
    "Figure",
    "Results",
    "Sample",
    "Scale",
    "render",
    "run_suite",
]
