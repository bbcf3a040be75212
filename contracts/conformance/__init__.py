"""Schemathesis runs against a daemon for one Engine API version.

Each operation of the version's specification gets a bounded number of
generated requests (a fixed seed makes runs repeatable); every answer is
checked against the specification and against Docker's own rules::

    report = run_conformance(load_spec(Path("v1.41.yaml")), WsgiTarget(app))
    print(report.summary())
"""

from __future__ import annotations

from contracts.conformance.checks import Finding as Finding
from contracts.conformance.policy import SKIPPED as SKIPPED
from contracts.conformance.runner import ConformanceReport as ConformanceReport
from contracts.conformance.runner import run_conformance as run_conformance
from contracts.conformance.targets import Answer as Answer
from contracts.conformance.targets import SocketTarget as SocketTarget
from contracts.conformance.targets import Target as Target
from contracts.conformance.targets import WsgiTarget as WsgiTarget

__all__ = [
    "SKIPPED",
    "Answer",
    "ConformanceReport",
    "Finding",
    "SocketTarget",
    "Target",
    "WsgiTarget",
    "run_conformance",
]
