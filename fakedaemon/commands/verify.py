"""``fakedaemon verify``: replay recorded exchanges against a daemon."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

logger = logging.getLogger("fakedaemon")


def default_recordings() -> Path:
    """Return the corpus shipped in the source tree: contracts/recorded."""
    import contracts

    return Path(contracts.__file__).resolve().parent / "recorded"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``verify`` subcommand."""
    verify = commands.add_parser(
        "verify",
        help="replay recorded exchanges against a daemon and compare",
        description="Replay each recorded scenario against --target, compare "
        "the normalised answers and print a table per operation. Exits 1 "
        "when any exchange differs.",
    )
    verify.add_argument(
        "--target",
        required=True,
        metavar="HOST",
        help="the daemon to check: unix:///PATH or tcp://127.0.0.1:PORT",
    )
    verify.add_argument(
        "--recordings",
        type=Path,
        default=None,
        metavar="DIR",
        help="scenario file or folder (default: contracts/recorded)",
    )
    verify.add_argument(
        "--spec",
        type=Path,
        metavar="FILE",
        help="also check answers against a Swagger file, or a folder of "
        "v1.NN.yaml files picked by each request's API version",
    )
    verify.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML")
    verify.add_argument(
        "--strict-versions",
        action="store_true",
        help="compare Engine version strings and the Server header too",
    )
    verify.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds to wait for each response (default 30)",
    )
    verify.add_argument(
        "-v", "--verbose", action="store_true", help="list every failed exchange"
    )
    verify.set_defaults(run=verify_command)


def verify_command(arguments: argparse.Namespace) -> int:
    """Run the verification; return 0 when every exchange matched."""
    from contracts.verify import Timeouts, format_table, junit_xml, verify_recordings
    from contracts.verify.specs import spec_provider
    from fakedaemon.server.listeners import parse_address

    logging.basicConfig(
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="%(levelname)s %(message)s",
        stream=sys.stderr,
    )
    try:
        target = parse_address(arguments.target)
    except ValueError as error:
        logger.error("%s", error)
        return 2
    root = arguments.recordings or default_recordings()
    if not root.exists():
        logger.error("no recordings at %s", root)
        return 2
    spec_for = spec_provider(arguments.spec) if arguments.spec else None
    results = verify_recordings(
        root,
        target,
        spec_for=spec_for,
        versions=not arguments.strict_versions,
        timeouts=Timeouts(response=arguments.timeout),
    )
    flat = [result for group in results.values() for result in group]
    print(format_table(flat))
    if arguments.verbose:
        for result in flat:
            if not result.passed:
                where = f"{result.scenario}#{result.seq}"
                print(f"\n{where} {result.method} {result.target}")
                for problem in result.problems():
                    print(f"  {problem}")
    if arguments.junit:
        arguments.junit.write_bytes(junit_xml(results))
    if not flat:
        logger.error("no exchanges found under %s", root)
        return 2
    return 0 if all(result.passed for result in flat) else 1
