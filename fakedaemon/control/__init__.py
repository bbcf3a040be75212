"""Test control of a daemon: reset, snapshots, faults, journal, clock, behaviours.

``Daemon.control`` is the Python side; the same operations are served over
HTTP under ``/_fakedaemon/`` on the daemon's listeners.
"""

from __future__ import annotations

from .behaviours import BehaviourRule as BehaviourRule
from .behaviours import Behaviours as Behaviours
from .behaviours import HealthRule as HealthRule
from .behaviours import ProbeResult as ProbeResult
from .control import Control as Control
from .control import Snapshot as Snapshot
from .faults import Fault as Fault
from .faults import FaultSet as FaultSet
from .images import ImageRegistrations as ImageRegistrations
from .journal import Journal as Journal
from .journal import JournalEntry as JournalEntry
from .wire import ConnectionDropped as ConnectionDropped
from .wire import WireFault as WireFault

__all__ = [
    "BehaviourRule",
    "Behaviours",
    "ConnectionDropped",
    "Control",
    "Fault",
    "FaultSet",
    "HealthRule",
    "ImageRegistrations",
    "Journal",
    "JournalEntry",
    "ProbeResult",
    "Snapshot",
    "WireFault",
]
