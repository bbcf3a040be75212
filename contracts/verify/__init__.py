"""Replay recorded scenarios against any daemon and report the differences.

Each scenario's requests go to the target in recorded order, with ids the
target gave out in place of the recorded ones. The answers are normalised
(see :mod:`contracts.exchange.normalize`) and compared field by field::

    results = verify_recordings(Path("contracts/recorded/e20"),
                                parse_address("unix:///tmp/fake.sock"))
    print(format_table([r for rs in results.values() for r in rs]))
"""

from __future__ import annotations

from contracts.verify.client import Timeouts as Timeouts
from contracts.verify.compare import Difference as Difference
from contracts.verify.compare import compare as compare
from contracts.verify.compare import diff as diff
from contracts.verify.compare import view as view
from contracts.verify.ids import IdMap as IdMap
from contracts.verify.report import format_table as format_table
from contracts.verify.report import junit_xml as junit_xml
from contracts.verify.report import tally as tally
from contracts.verify.results import ExchangeResult as ExchangeResult
from contracts.verify.results import verify_recordings as verify_recordings
from contracts.verify.results import verify_scenario as verify_scenario

__all__ = [
    "Difference",
    "ExchangeResult",
    "IdMap",
    "Timeouts",
    "compare",
    "diff",
    "format_table",
    "junit_xml",
    "tally",
    "verify_recordings",
    "verify_scenario",
    "view",
]
