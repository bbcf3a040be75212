"""Simulated container processes: a busybox-like shell over an in-memory fs.

The engine calls ``check_executable`` when a container starts (so a missing
command fails the start as runc does) and then ``run`` in a thread of its
own. Nothing here starts a host process or reads a host file.
"""

from __future__ import annotations

from fakedaemon.engine.process.behaviour import Behaviour, Exit, Output, Script, Sleep
from fakedaemon.engine.process.runner import (
    check_executable,
    resolve_executable,
    run,
)
from fakedaemon.engine.process.spec import (
    DEFAULT_PATH,
    ExecutableNotFound,
    ProcessIO,
    ProcessSpec,
)

__all__ = [
    "DEFAULT_PATH",
    "Behaviour",
    "ExecutableNotFound",
    "Exit",
    "Output",
    "ProcessIO",
    "ProcessSpec",
    "Script",
    "Sleep",
    "check_executable",
    "resolve_executable",
    "run",
]
