"""A fake daemon filled with containers and images, serving a unix socket.

``python -m harness.bench.filled SOCKET --containers N --images M`` starts a
daemon, fills it through the engine (faster than the API), serves SOCKET,
prints ``ready`` once it accepts connections and runs until SIGTERM, or
with ``--parent-pipe`` until its standard input closes.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from .server import MARK_LABEL, PARENT_PIPE, watch_parent_pipe

if TYPE_CHECKING:
    from fakedaemon.daemon import Daemon


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
        # A label of its own gives each image its own id; without config the
        # images would share one id and be tags of a single image.
        daemon.control.images.add(
            f"bench/image-{index}:latest", config={"Labels": {"index": str(index)}}
        )


def main(argv: list[str] | None = None) -> int:
    """Fill a daemon, serve it on the socket and wait for SIGTERM."""
    from fakedaemon import Daemon, DaemonConfig

    parser = argparse.ArgumentParser(prog="python -m harness.bench.filled")
    parser.add_argument("socket", type=Path, help="unix socket path to serve")
    parser.add_argument("--containers", type=int, default=0, help="containers")
    parser.add_argument("--images", type=int, default=0, help="extra images")
    parser.add_argument("--engine", help="engine profile (default: the newest)")
    parser.add_argument(
        PARENT_PIPE,
        action="store_true",
        help="stop when standard input closes (the suite's process has ended)",
    )
    arguments = parser.parse_args(argv)
    stop = threading.Event()

    def request_stop(number: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    if arguments.parent_pipe:
        watch_parent_pipe(stop.set)
    config = DaemonConfig(engine=arguments.engine)
    daemon = Daemon(config, hosts=[f"unix://{arguments.socket}"])
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
