"""Run a fake daemon in a child process, filled by ``harness.bench.filled``.

The suite measures the fake over a socket in a separate process, as it
measures the real Engine, so the client and the daemon do not share a GIL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import urlsplit

MARK_LABEL = "fakedaemon.bench.mark"
"""A label set on one container in a hundred, for the label filter figures."""

PARENT_PIPE = "--parent-pipe"
"""The option that makes a child server end when its standard input closes."""


def watch_parent_pipe(stop: Callable[[], None]) -> None:
    """Call ``stop`` on a thread once standard input reaches its end.

    The suite starts its child servers with a pipe as their standard input
    and never writes to it. The pipe closes when the suite's process ends,
    even when it is killed, so a child that watches it does not outlive
    the suite.
    """

    def wait() -> None:
        while sys.stdin.buffer.read(4096):
            pass
        stop()

    threading.Thread(target=wait, name="parent-pipe", daemon=True).start()


def cpu_seconds(pid: int) -> float:
    """Return the user and system CPU time process ``pid`` has used, from /proc."""
    # Split after the command name's closing parenthesis, so utime and stime
    # (fields 14 and 15 of the line, in clock ticks) are at 11 and 12.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def engine_pid(host: str) -> int | None:
    """Return the pid of a local dockerd serving ``host``, found by its pidfile.

    Looks for ``docker.pid`` beside a unix socket, where ``dockerd --pidfile``
    was pointed by the script that started it. Returns None without one.
    """
    parts = urlsplit(host)
    if parts.scheme != "unix":
        return None
    try:
        return int((Path(parts.path).parent / "docker.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def rss_bytes(pid: int) -> int:
    """Return the resident set size of process ``pid`` from /proc, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise ValueError(f"no VmRSS in /proc/{pid}/status")


class ServerProcess:
    """A ``harness.bench.filled`` child process, stopped on exit."""

    def __init__(
        self,
        socket_path: Path,
        containers: int = 0,
        images: int = 0,
        engine: str | None = None,
    ):
        self.socket_path = socket_path
        self.containers = containers
        self.images = images
        self.engine = engine
        """The child daemon's engine profile, or None for the default."""
        self.process: subprocess.Popen[str] | None = None

    @property
    def host(self) -> str:
        """The ``DOCKER_HOST`` value of the child's socket."""
        return f"unix://{self.socket_path}"

    @property
    def pid(self) -> int:
        """The child's process id."""
        if self.process is None:
            raise RuntimeError("the server process is not running")
        return self.process.pid

    def command(self) -> list[str]:
        """Return the child's command line; it prints ``ready`` once it listens."""
        command = [
            sys.executable,
            "-m",
            "harness.bench.filled",
            str(self.socket_path),
            "--containers",
            str(self.containers),
            "--images",
            str(self.images),
        ]
        if self.engine is not None:
            command += ["--engine", self.engine]
        return command

    def __enter__(self) -> Self:
        self.process = subprocess.Popen(
            [*self.command(), PARENT_PIPE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_environ(),
        )
        assert self.process.stdout is not None
        try:
            line = self.process.stdout.readline()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        if line.strip() != "ready":
            self.__exit__(None, None, None)
            raise RuntimeError(
                f"the benchmark server failed to start (it printed {line!r})"
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


def child_environ() -> dict[str, str]:
    environ = dict(os.environ)
    # The child imports harness from the same tree as this process.
    root = str(Path(__file__).resolve().parents[2])
    environ["PYTHONPATH"] = os.pathsep.join(
        part for part in (root, environ.get("PYTHONPATH", "")) if part
    )
    return environ


class CeilingServer(ServerProcess):
    """A ``harness.bench.ceiling`` child process, stopped on exit."""

    def command(self) -> list[str]:
        return [sys.executable, "-m", "harness.bench.ceiling", str(self.socket_path)]
