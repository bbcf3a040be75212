"""``fakedaemon coverage``: the table of operations the daemon serves."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``coverage`` subcommand."""
    coverage = commands.add_parser(
        "coverage",
        help="print the table of Engine API operations the daemon serves",
        description="Compare the newest Engine API specification with the "
        "daemon's routes and print the Markdown table (docs/operations.md).",
    )
    coverage.add_argument(
        "--spec",
        type=Path,
        metavar="DIR",
        help="the folder of v1.NN.yaml specifications (default: "
        "$FAKEDAEMON_SHARED/contracts/upstream)",
    )
    coverage.add_argument(
        "--write",
        type=Path,
        metavar="FILE",
        help="write the table to FILE instead of standard output",
    )
    coverage.set_defaults(run=coverage_command)


def coverage_command(arguments: argparse.Namespace) -> int:
    """Render the table; return 2 when no specification folder is found."""
    from fakedaemon.api.coverage import coverage_markdown

    folder: Path | None = arguments.spec
    if folder is None and os.environ.get("FAKEDAEMON_SHARED"):
        folder = Path(os.environ["FAKEDAEMON_SHARED"]) / "contracts" / "upstream"
    if folder is None or not folder.is_dir():
        sys.stderr.write(
            f"coverage: specification folder {folder or '(none)'} not found: "
            "pass --spec DIR or set FAKEDAEMON_SHARED\n"
        )
        return 2
    try:
        table = coverage_markdown(folder)
    except FileNotFoundError as error:
        sys.stderr.write(f"coverage: {error}\n")
        return 2
    if arguments.write is None:
        sys.stdout.write(table)
    else:
        arguments.write.write_text(table)
    return 0
