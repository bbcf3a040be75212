"""``fakedaemon bench``: measure the fake beside a real Docker Engine."""

from __future__ import annotations

import argparse
import logging
import os
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
    """Run the suite; return 1 when a section failed, 2 for invalid arguments."""
    from harness.bench import FULL, QUICK, Context, render, run_suite
    from harness.bench.hosts import check_engine
    from harness.bench.machine import describe, engine_profile
    from harness.bench.report import summary

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr
    )
    # httpx logs each request at INFO, which would slow the clients measured.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("fakedaemon").setLevel(logging.WARNING)
    try:
        if arguments.out is not None:
            check_output(arguments.out)
        if arguments.real_dockerd is not None:
            check_script(arguments.real_dockerd)
        if arguments.real_engine:
            check_engine(arguments.real_engine)
    except ValueError as error:
        logger.error("%s", error)
        return 2
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
        results = run_suite(context, arguments.only)
    except ValueError as error:
        logger.error("%s", error)
        return 2
    except KeyboardInterrupt as stop:
        number = stop.number if isinstance(stop, _Signalled) else signal.SIGINT
        logger.error("interrupted, so no results were written")
        return 128 + number
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    command = reproduce_command(arguments)
    page = render(
        results.figures,
        describe(arguments.real_engine, context.engine),
        command,
        results.failures,
    )
    status = 1 if results.failures else 0
    if arguments.out is None:
        print(page)
    else:
        try:
            write_results(arguments.out, page)
        except (OSError, ValueError) as error:
            logger.error(
                "cannot write the results to %s (%s), so they follow on "
                "standard output",
                arguments.out,
                error,
            )
            print(page)
            status = 1
        else:
            print(f"wrote {arguments.out}", file=sys.stderr)
    for line in summary(results.figures):
        print(line)
    return status


class _Signalled(KeyboardInterrupt):
    """The interruption that a signal other than SIGINT raises, with its number."""

    def __init__(self, number: int) -> None:
        super().__init__(number)
        self.number = number


def _interrupt(number: int, frame: FrameType | None) -> None:
    raise _Signalled(number)


def check_output(path: Path) -> None:
    """Check that the results can be written to ``path`` without losing text.

    Raises:
        ValueError: ``path`` is a folder, its folder is missing, it cannot
            be written, or it contains text but not both result marks in order.
    """
    if path.is_dir():
        raise ValueError(f"--out {path} is a folder: name a file")
    if not path.parent.is_dir():
        raise ValueError(f"--out {path}: folder {path.parent} not found")
    if not path.exists():
        if not os.access(path.parent, os.W_OK):
            raise ValueError(f"--out {path}: folder {path.parent} is not writable")
        return
    if not os.access(path, os.W_OK):
        raise ValueError(f"--out {path} is not writable")
    try:
        text = _read(path)
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"--out {path} cannot be read: {error}") from None
    try:
        marks = split_at_marks(text)
    except ValueError as error:
        raise ValueError(f"--out {path}: {error}") from None
    if marks is None and text.strip():
        raise ValueError(
            f"--out {path} has text but no result marks: add the lines "
            f"{BEGIN_MARK} and {END_MARK} where the results go, or name a new file"
        )


def check_script(path: Path) -> None:
    """Check that ``path`` is an executable file.

    Raises:
        ValueError: it is missing, not a file or not executable.
    """
    if path.is_dir():
        raise ValueError(f"--real-dockerd {path} is a folder: name the start script")
    if not path.is_file():
        raise ValueError(f"--real-dockerd {path}: no such file")
    if not os.access(path, os.X_OK):
        raise ValueError(f"--real-dockerd {path} is not executable")


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


def split_at_marks(text: str) -> tuple[str, str] | None:
    """Return the text before the begin mark and after the end mark.

    None means ``text`` has neither mark.

    Raises:
        ValueError: one mark is missing, a mark is repeated, or the end
            mark comes first.
    """
    begins, ends = text.count(BEGIN_MARK), text.count(END_MARK)
    if begins == ends == 0:
        return None
    if begins != 1 or ends != 1:
        raise ValueError(
            f"the result marks must appear once each, found {begins} "
            f"{BEGIN_MARK} and {ends} {END_MARK}"
        )
    head, rest = text.split(BEGIN_MARK)
    if END_MARK not in rest:
        raise ValueError(f"{END_MARK} comes before {BEGIN_MARK}")
    tail = rest.split(END_MARK)[1]
    return head, tail


def write_results(path: Path, page: str) -> None:
    """Write ``page`` into ``path`` between the result marks, or as the whole file.

    The text around the marks stays as it is.

    Raises:
        ValueError: the marks in ``path`` are not a begin and an end mark.
        OSError: ``path`` cannot be read or written.
    """
    block = f"{BEGIN_MARK}\n{page}\n{END_MARK}"
    text = _read(path) if path.exists() else ""
    parts = split_at_marks(text)
    if parts is None:
        text = block + "\n"
    else:
        head, tail = parts
        text = head + block + tail
    # Line ends are written as they were read, so a file with CRLF keeps them.
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(text)


def _read(path: Path) -> str:
    """Return the text of ``path`` with its line ends as they are."""
    with path.open(encoding="utf-8", newline="") as stream:
        return stream.read()
