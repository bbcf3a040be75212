"""Write a conformance report as JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from .runner import ConformanceReport


def junit_xml(report: ConformanceReport) -> bytes:
    """Return JUnit XML: one test case per operation sent or skipped."""
    root = ElementTree.Element("testsuites", name="fakedaemon conform")
    suite = ElementTree.SubElement(
        root,
        "testsuite",
        name=f"API {report.version}",
        tests=str(report.operations + len(report.skipped)),
        failures=str(len({finding.operation for finding in report.findings})),
        skipped=str(len(report.skipped)),
    )
    by_operation: dict[str, list[str]] = {}
    for finding in report.findings:
        by_operation.setdefault(finding.operation, []).append(finding.describe())
    for operation in report.sent:
        case = ElementTree.SubElement(suite, "testcase", name=operation)
        problems = by_operation.get(operation)
        if problems:
            failure = ElementTree.SubElement(case, "failure", message=problems[0])
            failure.text = "\n".join(problems)
    for operation, reason in sorted(report.skipped.items()):
        case = ElementTree.SubElement(suite, "testcase", name=operation)
        ElementTree.SubElement(case, "skipped", message=reason)
    ElementTree.indent(root)
    document: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return document
