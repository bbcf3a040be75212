"""Simulated container processes: a busybox-like shell over an in-memory fs.

The engine calls ``check_executable`` when a container starts (so a missing
command fails the start as runc does) and then ``run`` in a thread of its
own. Nothing here starts a host process or reads a host file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakedaemon.engine.process.behaviour import Behaviour, Exit, Output, Script, Sleep
from fakedaemon.engine.process.spec import (
    DEFAULT_PATH,
    ExecutableNotFound,
    ProcessIO,
    ProcessSpec,
)

if TYPE_CHECKING:
    from fakedaemon.engine.process.runner import (
        check_executable,
        resolve_executable,
        run,
    )

_RUNNER_NAMES = frozenset(("check_executable", "resolve_executable", "run"))


def __getattr__(name: str) -> object:
    # The interpreter and its commands load when a process first runs, not
    # when the daemon starts: they are a quarter of the daemon's import time.
    if name not in _RUNNER_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from fakedaemon.engine.process import runner

    value = getattr(runner, name)
    globals()[name] = value
    return value


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
