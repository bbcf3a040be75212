"""``fakedaemon bench``: measure the fake beside a real Docker Engine."""

from __future__ import annotations

import argparse
import logging
import shlex
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from types import FrameType

logger = logging.getLogger("fakedaemon")

BEGIN_MARK = "<!-- benchmark results: begin -->"
END_MARK = "<!-- benchmark results: end -->"


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``bench`` subcommand."""
    bench = commands.add_parser(
        "bench",
        help="run the benchmark suite and write a Markdown table",
        description="Measure import and start times, request rates, the "
        "container lifecycle, logs, events, growth with many objects, memory "
        "and fixture costs. With --real-engine the same client also measures "
        "a real Docker Engine and each figure gets a ratio.",
    )
    bench.add_argument(
        "--real-engine",
        metavar="HOST",
        help="a real Engine to compare with: unix:///PATH or tcp://127.0.0.1:PORT; "
        "the suite creates and removes labelled containers there",
    )
    bench.add_argument(
        "--real-dockerd",
        type=Path,
        metavar="SCRIPT",
        help="also time a real Engine's start with SCRIPT start 20.10 DIR and "
        "SCRIPT stop DIR (three runs of several seconds)",
    )
    bench.add_argument(
        "--quick", action="store_true", help="fewer runs and objects (a few minutes)"
    )
    bench.add_argument(
        "--only",
        action="append",
        metavar="SECTION",
        help="run only this section (repeatable): start, requests, containers, "
        "growth, fixtures",
    )
    bench.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="write the results to FILE, between its result marks when it has "
        "them (default: print them)",
    )
    bench.set_defaults(run=bench_command)


def bench_command(arguments: argparse.Namespace) -> int:
    """Run the suite; return 1 when a section failed."""
    from harness.bench import FULL, QUICK, Context, render, run_suite
    from harness.bench.machine import describe, engine_profile
    from harness.bench.report import summary

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr
    )
    # httpx logs each request at INFO, which would slow the clients measured.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("fakedaemon").setLevel(logging.WARNING)
    # SIGTERM unwinds like Ctrl-C, so child processes and containers on the
    # real Engine are cleaned up by the sections' finally blocks.
    signal.signal(signal.SIGTERM, _interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="fdb-", dir="/tmp"))
    try:
        context = Context(
            QUICK if arguments.quick else FULL,
            workdir,
            real_engine=arguments.real_engine,
            real_dockerd=arguments.real_dockerd,
            engine=engine_profile(arguments.real_engine)
            if arguments.real_engine
            else None,
        )
        try:
            results = run_suite(context, arguments.only)
        except ValueError as error:
            logger.error("%s", error)
            return 2
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    command = reproduce_command(arguments)
    page = render(
        results.figures,
        describe(arguments.real_engine, context.engine),
        command,
        results.failures,
    )
    if arguments.out is None:
        print(page)
    else:
        write_results(arguments.out, page)
        logger.info("wrote %s", arguments.out)
    for line in summary(results.figures):
        print(line)
    return 1 if results.failures else 0


def _interrupt(number: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def reproduce_command(arguments: argparse.Namespace) -> str:
    """Return the ``fakedaemon bench`` command line that repeats this run."""
    words = ["fakedaemon", "bench"]
    if arguments.real_engine:
        words += ["--real-engine", arguments.real_engine]
    if arguments.real_dockerd:
        words += ["--real-dockerd", str(arguments.real_dockerd)]
    if arguments.quick:
        words.append("--quick")
    for section in arguments.only or []:
        words += ["--only", section]
    if arguments.out:
        words += ["--out", str(arguments.out)]
    return shlex.join(words)


def write_results(path: Path, page: str) -> None:
    """Write ``page`` into ``path`` between the result marks, or as the whole file."""
    block = f"{BEGIN_MARK}\n{page}\n{END_MARK}\n"
    text = path.read_text() if path.exists() else ""
    if BEGIN_MARK in text and END_MARK in text:
        head = text.split(BEGIN_MARK, 1)[0]
        tail = text.split(END_MARK, 1)[1].lstrip("\n")
        path.write_text(head + block + tail)
    else:
        path.write_text(block)
