"""Run every example of the user documentation, and check the CLI reference.

Examples are fenced blocks in README.md and docs/guide-*.md:

- A ``python`` block that defines ``test_`` functions is a pytest module and
  runs with pytest; any other ``python`` block runs as a script.
- Every ``fakedaemon ...`` command line in a ``sh`` block must parse with the
  real command-line parser.
- A ``sh`` block right after the line ``<!-- example: run -->`` runs in bash,
  in a new folder that also replaces the path ``/tmp/fd-example`` in it.
- A block right after ``<!-- example: skip -->`` is not run.

docs/cli.md must equal a fresh rendering of ``fakedaemon <command> --help``.
Regenerate it with ``FAKEDAEMON_UPDATE_DOCS=1 pytest tests/test_docs_examples.py``.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import pytest

from fakedaemon.cli import build_parser

REPOSITORY = Path(__file__).resolve().parents[1]
DOCUMENTS = [
    REPOSITORY / "README.md",
    *sorted((REPOSITORY / "docs").glob("guide-*.md")),
]
CLI_REFERENCE = REPOSITORY / "docs" / "cli.md"
EXAMPLE_FOLDER = "/tmp/fd-example"

_FENCE = re.compile(r"^```(\S*)")
_MARK = re.compile(r"^<!-- example: (run|skip) -->$")


@dataclass(frozen=True)
class Example:
    """One fenced block of a document."""

    path: Path
    line: int
    language: str
    text: str
    mark: str | None

    @property
    def name(self) -> str:
        return f"{self.path.relative_to(REPOSITORY)}:{self.line}"


def read_examples(path: Path) -> Iterator[Example]:
    """Yield the fenced blocks of ``path`` with the mark on the line before."""
    lines = path.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        previous = lines[index - 1].strip() if index > 0 else ""
        marked = _MARK.match(previous)
        end = index + 1
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        yield Example(
            path=path,
            line=index + 1,
            language=opening.group(1),
            text="\n".join(lines[index + 1 : end]) + "\n",
            mark=marked.group(1) if marked else None,
        )
        index = end + 1


EXAMPLES = [example for path in DOCUMENTS for example in read_examples(path)]
PYTHON = [
    pytest.param(example, id=example.name)
    for example in EXAMPLES
    if example.language == "python" and example.mark != "skip"
]
SHELL = [example for example in EXAMPLES if example.language == "sh"]
SHELL_RUN = [
    pytest.param(example, id=example.name) for example in SHELL if example.mark == "run"
]


def example_environment(folder: Path) -> dict[str, str]:
    """Return the environment of an example: this Python's scripts first on PATH."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DOCKER_", "PYTEST_"))
    }
    scripts = str(Path(sys.executable).parent)
    environment["PATH"] = f"{scripts}{os.pathsep}{environment.get('PATH', '')}"
    environment["HOME"] = str(folder)
    environment["TESTCONTAINERS_RYUK_DISABLED"] = "true"
    # The folder that contains contracts/upstream/v1.NN.yaml, for conform.
    environment.setdefault("FAKEDAEMON_SHARED", str(REPOSITORY.parent / "shared"))
    return environment


@pytest.fixture
def folder() -> Iterator[Path]:
    # Short, so unix socket paths inside it stay below the 108-byte limit.
    made = Path(tempfile.mkdtemp(prefix="fdx-", dir="/tmp"))
    try:
        yield made
    finally:
        shutil.rmtree(made, ignore_errors=True)


def is_test_module(example: Example) -> bool:
    """Tell whether a python block is a pytest module (it defines ``test_``)."""
    return re.search(r"^def test_", example.text, re.MULTILINE) is not None


def module_name(example: Example) -> str:
    stem = re.sub(r"\W", "_", example.path.stem)
    return f"test_{stem}_{example.line}"


@pytest.fixture(scope="session")
def module_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Run every pytest-module example in one pytest run; map module to report.

    One run, because starting pytest with this project's plugins takes
    seconds. The report is "" for a module whose tests all passed.
    """
    made = Path(tempfile.mkdtemp(prefix="fdx-", dir="/tmp"))
    try:
        modules = [example for example in EXAMPLES if example.language == "python"]
        names = []
        for example in modules:
            if example.mark == "skip" or not is_test_module(example):
                continue
            names.append(module_name(example))
            (made / f"{names[-1]}.py").write_text(example.text, encoding="utf-8")
        report = made / "report.xml"
        finished = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            + ["-W", "error", f"--junitxml={report}", "--rootdir", str(made), "."],
            cwd=made,
            env=example_environment(made),
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert report.exists(), finished.stdout + finished.stderr
        results = {name: "missing: no test ran" for name in names}
        for case in ElementTree.parse(report).iter("testcase"):
            module = case.get("classname", "").split(".")[-1]
            problems = [child for child in case if child.tag != "properties"]
            outcome = "\n".join(
                f"{child.tag}: {child.get('message', '')}\n{child.text or ''}"
                for child in problems
                if child.tag not in ("system-out", "system-err")
            )
            previous = results.get(module, "")
            results[module] = "" if previous.startswith("missing") else previous
            results[module] += outcome
        return results
    finally:
        shutil.rmtree(made, ignore_errors=True)


@pytest.mark.parametrize("example", PYTHON)
def test_python_example(
    example: Example, folder: Path, module_results: dict[str, str]
) -> None:
    if is_test_module(example):
        report = module_results[module_name(example)]
        assert report == "", f"{example.name} failed:\n{report}"
        return

    script = folder / "example.py"
    script.write_text(example.text, encoding="utf-8")
    finished = subprocess.run(
        [sys.executable, str(script)],
        cwd=folder,
        env=example_environment(folder),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = finished.stdout + finished.stderr
    assert finished.returncode == 0, f"{example.name} failed:\n{report}"


_OPERATORS = {"&", "&&", "||", "|", ";", "(", ")"}


def command_lines(text: str) -> Iterator[list[str]]:
    """Yield the argument lists of the ``fakedaemon`` commands in a shell block."""
    joined = text.replace("\\\n", " ")
    for line in joined.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        command: list[str] = []
        for token in [*lexer, ";"]:
            if token not in _OPERATORS:
                command.append(token)
                continue
            while command and "=" in command[0]:
                command.pop(0)  # VARIABLE=value prefixes
            if command and Path(command[0]).name == "fakedaemon":
                arguments = command[1:]
                for redirection in (">", ">>", "2>", "<"):
                    if redirection in arguments:
                        arguments = arguments[: arguments.index(redirection)]
                yield arguments
            command = []


def test_shell_commands_parse() -> None:
    parser = build_parser()
    parser.exit_on_error = False
    checked = 0
    for example in SHELL:
        for arguments in command_lines(example.text):
            try:
                parser.parse_args(arguments)
            except (argparse.ArgumentError, SystemExit) as error:
                pytest.fail(
                    f"{example.name}: fakedaemon {shlex.join(arguments)}: {error}"
                )
            checked += 1
    assert checked > 0


@pytest.mark.parametrize("example", SHELL_RUN)
def test_shell_example(
    example: Example, folder: Path, require: Callable[[str], None]
) -> None:
    environment = example_environment(folder)
    specifications = Path(environment["FAKEDAEMON_SHARED"]) / "contracts" / "upstream"
    if "$FAKEDAEMON_SHARED" in example.text and not specifications.is_dir():
        require(
            f"{example.name} reads the upstream specifications, which are not "
            f"in {specifications}; set FAKEDAEMON_SHARED to the folder that "
            "contains contracts/upstream"
        )
    script = "set -euo pipefail\n" + example.text.replace(EXAMPLE_FOLDER, str(folder))
    finished = subprocess.run(
        ["bash", "-c", script],
        cwd=REPOSITORY,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    report = finished.stdout + finished.stderr
    assert finished.returncode == 0, f"{example.name} failed:\n{report}"


# The command reference ------------------------------------------------------

_CLI_HEADER = """\
# Command reference

The `fakedaemon` command and its subcommands, as their `--help` prints them.
This page is generated: `tests/test_docs_examples.py` fails when it differs
from the help of the installed code, and
`FAKEDAEMON_UPDATE_DOCS=1 pytest tests/test_docs_examples.py` rewrites it.
"""


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """Return the subcommand parsers of ``parser`` in the order they were added."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def render_cli_reference() -> str:
    """Render docs/cli.md from the parsers, at a fixed width of 80 columns."""
    previous = os.environ.get("COLUMNS")
    # argparse wraps help to the terminal width, which it reads from COLUMNS.
    os.environ["COLUMNS"] = "80"
    try:
        parser = build_parser()
        sections = [_CLI_HEADER]
        sections.append(f"## fakedaemon\n\n```\n{parser.format_help()}```\n")
        for name, subparser in subcommands(parser).items():
            sections.append(
                f"## fakedaemon {name}\n\n```\n{subparser.format_help()}```\n"
            )
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous
    return "\n".join(sections)


def test_cli_reference_current() -> None:
    rendered = render_cli_reference()
    if os.environ.get("FAKEDAEMON_UPDATE_DOCS") == "1":
        CLI_REFERENCE.write_text(rendered, encoding="utf-8")
    committed = CLI_REFERENCE.read_text(encoding="utf-8")
    assert committed == rendered, (
        "docs/cli.md differs from the CLI's help: regenerate it with "
        "FAKEDAEMON_UPDATE_DOCS=1 pytest tests/test_docs_examples.py"
    )


def test_cli_reference_lists_commands() -> None:
    names = subcommands(build_parser())
    committed = CLI_REFERENCE.read_text(encoding="utf-8")
    for name in names:
        assert f"\n## fakedaemon {name}\n" in committed
