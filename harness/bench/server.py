"""A fake daemon in its own process, filled with containers and images.

The suite measures the fake over a socket in a separate process, as it
measures the real Engine, so the client and the daemon do not share a GIL.
``python -m harness.bench.server SOCKET --containers N --images M`` starts a
daemon, fills it through the engine (faster than the API), serves SOCKET and
prints ``ready`` once it accepts connections.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import FrameType, TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fakedaemon.daemon import Daemon

MARK_LABEL = "fakedaemon.bench.mark"
"""A label set on one container in a hundred, for the label filter figures."""


def fill(daemon: Daemon, containers: int, images: int) -> None:
    """Create ``containers`` containers and ``images`` images in ``daemon``.

    One container in a hundred carries ``MARK_LABEL`` and has run ``true`` to
    its end, so filters on label and on ``status=exited`` select a hundredth.
    """
    engine = daemon.engine
    for index in range(containers):
        marked = index % 100 == 0
        labels = {MARK_LABEL: "1"} if marked else {}
        # An explicit name: generating one compares against every taken name.
        container = engine.containers.create(
            {"Image": "busybox:latest", "Cmd": ["true"], "Labels": labels},
            None,
            name=f"fdbench-{index}",
        )
        if marked:
            engine.containers.start(container.id)
            engine.containers.wait(container, "not-running")
    for index in range(images):
        daemon.control.images.add(f"bench/image-{index}:latest")


def rss_bytes(pid: int) -> int:
    """Return the resident set size of process ``pid`` from /proc, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise ValueError(f"no VmRSS in /proc/{pid}/status")


class ServerProcess:
    """A ``harness.bench.server`` child process, stopped on exit."""

    def __init__(self, socket_path: Path, containers: int = 0, images: int = 0):
        self.socket_path = socket_path
        self.containers = containers
        self.images = images
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

    def __enter__(self) -> ServerProcess:
        command = [
            sys.executable,
            "-m",
            "harness.bench.server",
            str(self.socket_path),
            "--containers",
            str(self.containers),
            "--images",
            str(self.images),
        ]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, env=child_environ()
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.__exit__(None, None, None)
            raise RuntimeError(
                f"the benchmark server did not start (it printed {line!r})"
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
        if process.stdout is not None:
            process.stdout.close()


def child_environ() -> dict[str, str]:
    environ = dict(os.environ)
    # The child imports harness from the same tree as this process.
    root = str(Path(__file__).resolve().parents[2])
    environ["PYTHONPATH"] = os.pathsep.join(
        part for part in (root, environ.get("PYTHONPATH", "")) if part
    )
    return environ


def main(argv: list[str] | None = None) -> int:
    """Fill a daemon, serve it on the socket and wait for SIGTERM."""
    from fakedaemon import Daemon, DaemonConfig

    parser = argparse.ArgumentParser(prog="python -m harness.bench.server")
    parser.add_argument("socket", type=Path, help="unix socket path to serve")
    parser.add_argument("--containers", type=int, default=0, help="containers")
    parser.add_argument("--images", type=int, default=0, help="extra images")
    arguments = parser.parse_args(argv)
    stop = threading.Event()

    def request_stop(number: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    daemon = Daemon(DaemonConfig(), hosts=[f"unix://{arguments.socket}"])
    fill(daemon, arguments.containers, arguments.images)
    with daemon:
        sys.stdout.write("ready\n")
        sys.stdout.flush()
        while not stop.wait(0.2):
            pass
    # Leave without freeing a large heap object by object.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
