"""What a simulated command runs with, and the registry of commands."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from fakedaemon.clock import Clock
from fakedaemon.engine.filesystem import Filesystem, normalize
from fakedaemon.engine.process.streams import Channel


class Cancelled(Exception):
    """The process was stopped while a command ran."""


class ExitProcess(Exception):
    """``exit`` (or the end of ``exec``) ending the shell with ``code``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Runtime:
    """The parts of one process that every command in it shares."""

    fs: Filesystem
    clock: Clock
    cancel: threading.Event
    hostname: str
    stdin: Channel
    tty: bool = False
    shell_depth: int = 0

    def check_cancel(self) -> None:
        """Raise ``Cancelled`` when the process has been stopped."""
        if self.cancel.is_set():
            raise Cancelled

    def sleep(self, seconds: float) -> None:
        """Wait on the daemon's clock; raise ``Cancelled`` when stopped first."""
        if math.isinf(seconds):
            # A bounded chunk keeps Condition.wait away from an infinite timeout.
            while self.clock.sleep(86400.0, self.cancel):
                pass
            raise Cancelled
        if not self.clock.sleep(seconds, self.cancel):
            raise Cancelled


@dataclass
class CommandContext:
    """One command's arguments, open channels, environment and directory."""

    argv: list[str]
    stdin: Channel
    stdout: Channel
    stderr: Channel
    env: dict[str, str]
    cwd: str
    runtime: Runtime
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def fs(self) -> Filesystem:
        """The container's filesystem."""
        return self.runtime.fs

    @property
    def name(self) -> str:
        """The command name as busybox prints it in messages."""
        return self.argv[0].rsplit("/", 1)[-1]

    def path(self, path: str) -> str:
        """Return ``path`` made absolute against the working directory."""
        return normalize(path, self.cwd)

    def out(self, text: str | bytes) -> None:
        """Write to standard output."""
        self.stdout.write(text.encode() if isinstance(text, str) else text)

    def error(self, message: str) -> None:
        """Write ``<command>: <message>`` and a newline to standard error."""
        self.stderr.write(f"{self.name}: {message}\n".encode())


Applet = Callable[[CommandContext], int]

APPLETS: dict[str, Applet] = {}
"""Commands by name, run when a container executes a program of that name."""


def applet(*names: str) -> Callable[[Applet], Applet]:
    """Register a function as the command for each of ``names``."""

    def register(function: Applet) -> Applet:
        for name in names:
            APPLETS[name] = function
        return function

    return register
