"""Report verification results: a table per operation and JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .results import ExchangeResult


@dataclass(slots=True)
class OperationTally:
    """Passed and failed counts of one operation, with its first failure."""

    operation: str
    passed: int = 0
    failed: int = 0
    first_failure: str = ""
    where: str = ""
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Passed and failed together."""
        return self.passed + self.failed


def tally(results: Iterable[ExchangeResult]) -> list[OperationTally]:
    """Count results per operation, sorted by operation name."""
    tallies: dict[str, OperationTally] = {}
    for result in results:
        entry = tallies.setdefault(result.operation, OperationTally(result.operation))
        if result.passed:
            entry.passed += 1
            continue
        entry.failed += 1
        if not entry.first_failure:
            entry.first_failure = result.first_problem()
            entry.where = f"{result.scenario}#{result.seq}"
    return sorted(tallies.values(), key=lambda entry: entry.operation)


def format_table(results: list[ExchangeResult], width: int = 160) -> str:
    """Return a text table: one line per operation and a total line."""
    tallies = tally(results)
    name_width = max([len("operation"), *(len(entry.operation) for entry in tallies)])
    lines = [
        f"{'operation':<{name_width}}  passed  failed  total  first difference",
    ]
    for entry in tallies:
        detail = f"{entry.where}: {entry.first_failure}" if entry.failed else ""
        line = (
            f"{entry.operation:<{name_width}}  {entry.passed:>6}  {entry.failed:>6}"
            f"  {entry.total:>5}  {detail}"
        )
        lines.append(line[:width])
    passed = sum(entry.passed for entry in tallies)
    total = sum(entry.total for entry in tallies)
    rate = 100.0 * passed / total if total else 0.0
    lines.append(
        f"{'total':<{name_width}}  {passed:>6}  {total - passed:>6}  {total:>5}"
        f"  {rate:.1f}% matched"
    )
    return "\n".join(lines)


def junit_xml(results_by_file: dict[Path, list[ExchangeResult]]) -> bytes:
    """Return JUnit XML: one test suite per scenario, one test case per exchange."""
    root = ElementTree.Element("testsuites", name="fakedaemon verify")
    for path, results in results_by_file.items():
        failed = sum(1 for result in results if not result.passed)
        suite = ElementTree.SubElement(
            root,
            "testsuite",
            name=str(path),
            tests=str(len(results)),
            failures=str(failed),
        )
        for result in results:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=result.operation,
                name=f"{result.seq} {result.method} {result.target}",
            )
            if not result.passed:
                failure = ElementTree.SubElement(
                    case, "failure", message=result.first_problem()[:500]
                )
                failure.text = "\n".join(result.problems())
    ElementTree.indent(root)
    document: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return document
