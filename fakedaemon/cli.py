"""The ``fakedaemon`` command: one subcommand per module of ``commands``."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from . import __version__
from .commands import bench, conform, coverage, fuzz, record, serve, verify

# Each command module offers ``add_parser(subparsers)`` and sets ``run`` on
# the namespace of its subcommands.
COMMAND_MODULES = [serve, record, verify, bench, fuzz, coverage, conform]


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="fakedaemon",
        description="A contract-verified fake Docker Engine for tests.",
    )
    parser.add_argument(
        "--version", action="version", version=f"fakedaemon {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    arguments = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = arguments.run
    return run(arguments)
