"""``fakedaemon record``: a recording proxy in front of a daemon."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

logger = logging.getLogger("fakedaemon")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``record`` subcommand."""
    record = commands.add_parser(
        "record",
        help="record a daemon's traffic through a forwarding proxy",
        description="Forward every connection from --listen to --upstream "
        "unchanged and write the exchanges, credentials redacted, to "
        "OUT/SCENARIO.jsonl.",
    )
    record.add_argument(
        "--upstream",
        required=True,
        metavar="ADDRESS",
        help="the daemon to record: unix:///PATH or tcp://127.0.0.1:PORT",
    )
    record.add_argument(
        "--listen",
        required=True,
        metavar="ADDRESS",
        help="where clients connect: unix:///PATH or tcp://127.0.0.1:PORT",
    )
    record.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="folder to write to"
    )
    record.add_argument(
        "--scenario",
        default="recording",
        help="scenario name and file name (default: recording)",
    )
    record.add_argument("-D", "--debug", action="store_true", help="log debug detail")
    record.set_defaults(run=record_command)


def record_command(arguments: argparse.Namespace) -> int:
    """Record until SIGINT or SIGTERM, then write the sorted scenario."""
    from contracts.recorder import ScenarioRecorder
    from fakedaemon.server.listeners import is_loopback, parse_address

    logging.basicConfig(
        level=logging.DEBUG if arguments.debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        listen = parse_address(arguments.listen)
        parse_address(arguments.upstream)
    except ValueError as error:
        logger.error("%s", error)
        return 2
    if listen.scheme == "tcp" and not is_loopback(listen.host):
        logger.error("refusing to listen on %s: use a loopback address", listen)
        return 2
    path = arguments.out / f"{arguments.scenario}.jsonl"
    stop = threading.Event()

    def request_stop(number: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        recorder = ScenarioRecorder(
            arguments.upstream, arguments.listen, path, arguments.scenario
        )
        with recorder:
            print(f"DOCKER_HOST={recorder.address}", flush=True)
            while not stop.wait(0.5):
                pass
    except OSError as error:
        logger.error("failed to record: %s", error)
        return 1
    logger.info("wrote %s", path)
    return 0
