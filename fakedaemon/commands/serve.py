"""``fakedaemon serve``: run a daemon until interrupted."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from ..config import DaemonConfig
from ..profiles import DEFAULT_PROFILE, PROFILES
from ..server.listeners import default_socket_path, is_loopback, parse_address

logger = logging.getLogger("fakedaemon")

LOCALHOST_WARNING = (
    "Binding to an IP address, even on localhost, can also give access to "
    "scripts run in a browser. Be safe out there!"
)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` and ``env`` subcommands."""
    serve = commands.add_parser(
        "serve",
        help="serve the Engine API until interrupted",
        description="Serve the Docker Engine API on unix sockets or loopback TCP.",
    )
    serve.add_argument(
        "-H",
        "--host",
        action="append",
        default=[],
        metavar="ADDRESS",
        help="listen on unix:///PATH or tcp://127.0.0.1:PORT (port 0 picks a "
        f"free port); repeatable; default unix://{default_socket_path()}",
    )
    serve.add_argument("-D", "--debug", action="store_true", help="log every request")
    serve.add_argument(
        "--engine",
        default=DEFAULT_PROFILE,
        choices=sorted(PROFILES),
        help=f"Docker Engine release to reproduce (default {DEFAULT_PROFILE})",
    )
    serve.add_argument("--min-api-version", help="oldest API version served")
    serve.add_argument("--max-api-version", help="newest API version served")
    serve.add_argument(
        "--experimental", action="store_true", help="enable experimental routes"
    )
    serve.add_argument(
        "--offline",
        action="store_true",
        help="fail every pull as an Engine without registry access does",
    )
    serve.add_argument(
        "--seed", type=int, help="seed for ids and names, for reproducible runs"
    )
    serve.add_argument(
        "--image",
        action="append",
        default=None,
        metavar="REFERENCE",
        help="image present at start; repeatable (default busybox:latest)",
    )
    serve.set_defaults(run=serve_command)
    env = commands.add_parser(
        "env", help="print the DOCKER_HOST export line for the default socket"
    )
    env.set_defaults(run=env_command)


def env_command(arguments: argparse.Namespace) -> int:
    """Print the shell line that points clients at the default socket."""
    print(f"export DOCKER_HOST=unix://{default_socket_path()}")
    return 0


def serve_command(arguments: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM, then stop cleanly."""
    from ..daemon import Daemon

    logging.basicConfig(
        level=logging.DEBUG if arguments.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    hosts = arguments.host or [f"unix://{default_socket_path()}"]
    for host in hosts:
        try:
            address = parse_address(host)
        except ValueError as error:
            logger.error("%s", error)
            return 2
        if address.scheme == "tcp":
            if not is_loopback(address.host):
                logger.error(
                    "refusing to listen on %s: this daemon binds loopback addresses "
                    "only, because without TLS anyone on the network could use it",
                    host,
                )
                return 2
            logger.warning(LOCALHOST_WARNING)
    config = DaemonConfig(
        engine=arguments.engine,
        min_api_version=arguments.min_api_version,
        max_api_version=arguments.max_api_version,
        experimental=arguments.experimental,
        debug=arguments.debug,
        offline=arguments.offline,
        seed=arguments.seed,
    )
    if arguments.image is not None:
        config.images = list(arguments.image)
    try:
        daemon = Daemon(config, hosts).start()
    except (OSError, ValueError) as error:
        logger.error("failed to start daemon: %s", error)
        return 1
    stop = threading.Event()

    def request_stop(number: int, frame: FrameType | None) -> None:
        logger.info("received %s, shutting down", signal.Signals(number).name)
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    for address in daemon.addresses:
        print(f"DOCKER_HOST={address}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        daemon.stop()
        logger.info("daemon stopped")
    return 0
