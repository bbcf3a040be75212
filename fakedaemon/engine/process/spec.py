"""The interface between the engine and a simulated container process."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
"""The PATH that runc searches when the environment sets none."""


@dataclass
class ProcessSpec:
    """What the engine starts: the process's command line and surroundings."""

    argv: list[str]
    """Entrypoint followed by Cmd, as the container's Path and Args give."""
    env: list[str] = field(default_factory=list)
    """``KEY=VALUE`` strings in the order the container's Env lists them."""
    working_dir: str = "/"
    hostname: str = ""
    tty: bool = False

    def environ(self) -> dict[str, str]:
        """Return the environment as a dictionary, later entries winning."""
        result: dict[str, str] = {}
        for entry in self.env:
            name, _, value = entry.partition("=")
            result[name] = value
        return result


class ProcessIO(Protocol):
    """The standard streams of one process, provided by the engine."""

    def read_stdin(self, size: int) -> bytes:
        """Return up to ``size`` bytes of input, blocking; ``b""`` at EOF.

        Without an attached stdin this returns ``b""`` at once.
        """
        ...

    def write(self, stream: str, data: bytes) -> None:
        """Send ``data`` to ``stream``, ``"stdout"`` or ``"stderr"``."""
        ...


class ExecutableNotFound(Exception):
    """A process whose ``argv[0]`` names no executable in the filesystem.

    ``message`` is the text that runc gives, which dockerd wraps into its
    "OCI runtime create failed" error.
    """

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
