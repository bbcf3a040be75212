"""Scenario files: JSON Lines, a header line and then one exchange per line."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import IO, Any

from .model import FORMAT_NAME, FORMAT_VERSION, Exchange, FormatError, Scenario

SUFFIX = ".jsonl"


def header_line(name: str, meta: dict[str, Any]) -> dict[str, Any]:
    """Return the first line of a scenario file."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "scenario": name,
        "meta": meta,
    }


def dump_line(document: dict[str, Any]) -> str:
    """Encode one line: compact, keys in insertion order, non-ASCII kept."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


def dumps_scenario(scenario: Scenario) -> str:
    """Return the whole text of a scenario file."""
    lines = [dump_line(header_line(scenario.name, scenario.meta))]
    lines.extend(dump_line(exchange.to_json()) for exchange in scenario.exchanges)
    return "".join(lines)


def write_scenario(path: Path, scenario: Scenario) -> None:
    """Write ``scenario`` to ``path``, replacing the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    temporary.write_text(dumps_scenario(scenario), encoding="utf-8")
    temporary.replace(path)


def loads_scenario(text: str, source: str = "<string>") -> Scenario:
    """Parse the text of a scenario file.

    Raises:
        FormatError: the header is missing or of another format or version,
            or a line is not a valid exchange.
    """
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise FormatError(f"{source}: empty scenario file")
    try:
        head = json.loads(lines[0])
    except ValueError as error:
        raise FormatError(f"{source}:1: invalid JSON: {error}") from error
    if not isinstance(head, dict) or head.get("format") != FORMAT_NAME:
        raise FormatError(f"{source}:1: not a {FORMAT_NAME} file")
    if head.get("version") != FORMAT_VERSION:
        raise FormatError(
            f"{source}:1: format version {head.get('version')} is not supported "
            f"(expected {FORMAT_VERSION})"
        )
    scenario = Scenario(name=str(head.get("scenario", "")), meta=head.get("meta", {}))
    for number, line in enumerate(lines[1:], start=2):
        try:
            scenario.exchanges.append(Exchange.from_json(json.loads(line)))
        except (ValueError, TypeError) as error:
            raise FormatError(f"{source}:{number}: {error}") from error
    scenario.exchanges.sort(key=lambda exchange: exchange.seq)
    return scenario


def read_scenario(path: Path) -> Scenario:
    """Read the scenario file at ``path``."""
    return loads_scenario(path.read_text(encoding="utf-8"), str(path))


def find_scenarios(root: Path) -> list[Path]:
    """Return every scenario file under ``root`` (or ``root`` itself), sorted."""
    if root.is_file():
        return [root]
    return sorted(root.rglob(f"*{SUFFIX}"))


class ScenarioWriter:
    """Append exchanges to a scenario file as they finish; sort it on close.

    Lines go out as soon as an exchange ends so an interrupted recording
    keeps what it saw. ``close`` rewrites the file in ``seq`` order, with
    the exchanges still open written as incomplete.
    """

    def __init__(self, path: Path, name: str, meta: dict[str, Any]) -> None:
        self.path = path
        self.scenario = Scenario(name=name, meta=dict(meta))
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[str] | None = path.open("w", encoding="utf-8")
        self._file.write(dump_line(header_line(name, self.scenario.meta)))
        self._file.flush()

    def add(self, exchange: Exchange) -> None:
        """Write one finished exchange."""
        with self._lock:
            self.scenario.exchanges.append(exchange)
            if self._file is not None:
                self._file.write(dump_line(exchange.to_json()))
                self._file.flush()

    def close(self, unfinished: list[Exchange] | None = None) -> Scenario:
        """Add ``unfinished`` exchanges, rewrite the file sorted, and return it."""
        with self._lock:
            if self._file is None:
                return self.scenario
            self._file.close()
            self._file = None
            self.scenario.exchanges.extend(unfinished or [])
            self.scenario.exchanges.sort(key=lambda exchange: exchange.seq)
            write_scenario(self.path, self.scenario)
            return self.scenario
