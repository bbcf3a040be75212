"""Scripted processes that a test registers in place of the interpreter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from fakedaemon.engine.process.spec import ProcessSpec


@dataclass(frozen=True)
class Output:
    """A step that writes ``data`` to ``stream`` (``stdout`` or ``stderr``)."""

    stream: str
    data: bytes

    def __post_init__(self) -> None:
        if self.stream not in ("stdout", "stderr"):
            raise ValueError(f"invalid stream {self.stream!r}: use stdout or stderr")


@dataclass(frozen=True)
class Sleep:
    """A step that waits ``seconds`` on the daemon's clock (``inf``: forever)."""

    seconds: float


@dataclass(frozen=True)
class Exit:
    """A step that ends the process with ``code``."""

    code: int


Step = Output | Sleep | Exit


@dataclass(frozen=True)
class Script:
    """The steps a scripted process runs in order; it exits 0 after the last."""

    steps: list[Step] = field(default_factory=list)


Behaviour = Callable[[ProcessSpec], Script | None]
"""A hook that returns the script for a process, or None to interpret it."""
