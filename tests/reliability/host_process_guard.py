"""Run ``fakedaemon`` with every way of starting a host process made to fail.

Usage: ``python host_process_guard.py serve -H unix:///PATH``. Each attempt
to fork, exec or spawn is appended to the file named by
``FAKEDAEMON_GUARD_LOG`` and raises ``PermissionError``, so a daemon that
tried would both fail the request and leave a record.
"""

from __future__ import annotations

import _posixsubprocess
import os
import pty
import subprocess
import sys
import traceback
from typing import Any, NoReturn

GUARDED_OS = (
    "fork",
    "forkpty",
    "posix_spawn",
    "posix_spawnp",
    "system",
    "popen",
    "execv",
    "execve",
    "execl",
    "execle",
    "execlp",
    "execlpe",
    "execvp",
    "execvpe",
)


def _refuse(name: str) -> Any:
    def refuse(*arguments: Any, **options: Any) -> NoReturn:
        with open(os.environ["FAKEDAEMON_GUARD_LOG"], "a") as log:
            log.write(f"{name}{arguments!r}\n")
            log.write("".join(traceback.format_stack()) + "\n")
        raise PermissionError(f"{name} is forbidden: containers run no host process")

    return refuse


def install() -> None:
    """Replace every process-starting function with one that fails."""
    for name in GUARDED_OS:
        if hasattr(os, name):
            setattr(os, name, _refuse(f"os.{name}"))
    subprocess.Popen = _refuse("subprocess.Popen")  # type: ignore[misc]
    pty.fork = _refuse("pty.fork")
    _posixsubprocess.fork_exec = _refuse("_posixsubprocess.fork_exec")


if __name__ == "__main__":
    install()
    from fakedaemon.cli import main

    sys.exit(main(sys.argv[1:]))
