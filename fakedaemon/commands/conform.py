"""``fakedaemon conform``: run schemathesis against a daemon for one API version."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

logger = logging.getLogger("fakedaemon")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``conform`` subcommand."""
    conform = commands.add_parser(
        "conform",
        help="send generated requests for one API version and check the answers",
        description="Generate requests for every operation of --spec with "
        "schemathesis, send them to --target (or to an in-process fake with "
        "--in-process) and check each answer against the specification and "
        "Docker's rules: no server errors, JSON error bodies, an Api-Version "
        "header, 503 for swarm operations outside a swarm. Exits 1 on any "
        "finding. Run it against a throwaway daemon: the requests create, "
        "change and remove objects.",
    )
    where = conform.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--target", metavar="HOST", help="unix:///PATH or tcp://127.0.0.1:PORT"
    )
    where.add_argument(
        "--in-process",
        action="store_true",
        help="check a fresh fake daemon through its WSGI app instead",
    )
    conform.add_argument(
        "--spec",
        type=Path,
        required=True,
        metavar="FILE",
        help="the Swagger file of the API version to check (v1.NN.yaml)",
    )
    conform.add_argument(
        "--examples",
        type=int,
        default=5,
        help="generated requests per operation (default 5)",
    )
    conform.add_argument("--seed", type=int, default=0, help="generation seed")
    conform.add_argument(
        "--engine", default=None, help="engine profile of the in-process fake"
    )
    conform.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML")
    conform.set_defaults(run=conform_command)


def conform_command(arguments: argparse.Namespace) -> int:
    """Run the conformance checks; return 0 when nothing was found."""
    from contracts.conformance import SocketTarget, WsgiTarget, run_conformance
    from contracts.conformance.report import junit_xml
    from contracts.spec import load_spec

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if not arguments.spec.is_file():
        logger.error("no specification at %s", arguments.spec)
        return 2
    spec = load_spec(arguments.spec)
    if arguments.in_process:
        from ..api.app import APIApp
        from ..config import DaemonConfig
        from ..engine.engine import Engine

        config = DaemonConfig(offline=True)
        if arguments.engine:
            config.engine = arguments.engine
        target: WsgiTarget | SocketTarget = WsgiTarget(APIApp(Engine(config)))
    else:
        try:
            target = SocketTarget(arguments.target)
        except ValueError as error:
            logger.error("%s", error)
            return 2
    report = run_conformance(
        spec, target, examples=arguments.examples, seed=arguments.seed
    )
    print(report.summary())
    if arguments.junit:
        arguments.junit.write_bytes(junit_xml(report))
    return 0 if report.passed else 1
