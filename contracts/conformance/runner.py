"""Drive schemathesis over every operation of one API version's specification."""

from __future__ import annotations

import copy
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import hypothesis
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import openapi
from schemathesis.core import NotSet

from contracts.spec import Specification

from .checks import Finding, check_answer
from .policy import SKIPPED, SWARM_TAGS, tar_body
from .targets import Query, Target

logger = logging.getLogger("contracts")

TAR = "application/x-tar"


@dataclass(slots=True)
class ConformanceReport:
    """The requests of one run and the problems they found."""

    version: str
    requests: int = 0
    operations: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    sent: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no response broke a rule."""
        return not self.findings

    def summary(self) -> str:
        """Return a few lines: counts, then one line per distinct finding."""
        by_check = Counter(finding.check for finding in self.findings)
        counts = ", ".join(f"{check} {n}" for check, n in sorted(by_check.items()))
        lines = [
            f"API {self.version}: {self.operations} operations, "
            f"{self.requests} requests, {len(self.skipped)} skipped, "
            f"{len(self.findings)} findings" + (f" ({counts})" if counts else "")
        ]
        seen: set[tuple[str, str]] = set()
        for finding in self.findings:
            key = (finding.operation, finding.check)
            if key not in seen:
                seen.add(key)
                lines.append(f"  {finding.describe()}")
        return "\n".join(lines)


def _schema_for(spec: Specification) -> Any:
    document = copy.deepcopy(dict(spec.document))
    document["basePath"] = "/"
    return openapi.from_dict(document)


def _request_of(case: Any, prefix: str) -> tuple[str, Query, dict[str, str]]:
    """Return the versioned path, query and headers schemathesis serialised."""
    arguments = case.as_transport_kwargs(base_url="http://daemon")
    path = prefix + urlsplit(arguments["url"]).path
    params = arguments.get("params") or {}
    # Arrays come pre-encoded as a query string.
    if isinstance(params, str):
        query = parse_qsl(params, keep_blank_values=True)
    else:
        query = [(str(k), str(v)) for k, v in dict(params).items()]
    headers = {
        str(k): str(v)
        for k, v in (arguments.get("headers") or {}).items()
        if not str(k).lower().startswith("x-schemathesis")
    }
    return path, query, headers


def _body_of(case: Any, consumes: tuple[str, ...]) -> bytes | None:
    if TAR in consumes or case.media_type == TAR:
        return tar_body()
    arguments = case.as_transport_kwargs(base_url="http://daemon")
    data = arguments.get("data")
    if data is None and "json" in arguments:
        import json

        data = json.dumps(arguments["json"]).encode()
    if isinstance(data, str):
        return data.encode("utf-8", "surrogatepass")
    return data if isinstance(data, bytes) else None


def run_conformance(
    spec: Specification,
    target: Target,
    *,
    examples: int = 5,
    seed: int = 0,
    only: set[str] | None = None,
) -> ConformanceReport:
    """Send ``examples`` generated requests per operation and check each response.

    Generation is derandomised from ``seed``, so two runs against the same
    daemon send the same requests.
    """
    version = spec.version
    report = ConformanceReport(version=version)
    schema = _schema_for(spec)
    prefix = f"/v{version}"
    for result in schema.get_all_operations():
        operation = result.ok()
        raw = operation.definition.raw
        name = str(raw.get("operationId", operation.label))
        if only is not None and name not in only:
            continue
        if name in SKIPPED:
            report.skipped[name] = SKIPPED[name]
            continue
        report.operations += 1
        report.sent.append(name)
        described = spec.operation(name)
        # Outside a swarm every swarm request gets the same 503, so one
        # example is enough and saves generating their large bodies.
        count = 1 if SWARM_TAGS.intersection(described.tags) else examples
        _run_operation(report, spec, target, operation, described, prefix, count, seed)
    return report


def _run_operation(
    report: ConformanceReport,
    spec: Specification,
    target: Target,
    operation: Any,
    described: Any,
    prefix: str,
    examples: int,
    seed: int,
) -> None:
    name = described.operation_id
    reported: set[str] = set()

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def send(case: Any) -> None:
        path, query, headers = _request_of(case, prefix)
        body = _body_of(case, described.consumes)
        if body is not None and described.consumes and "Content-Type" not in headers:
            headers["Content-Type"] = described.consumes[0]
        if isinstance(case.body, NotSet) and body is None:
            headers.pop("Content-Type", None)
        answer = target.send(case.method.upper(), path, query, headers, body)
        report.requests += 1
        shown = f"{case.method.upper()} {path}"
        for check, message in check_answer(
            spec, name, described.tags, case.method.upper(), path, answer
        ):
            if check not in reported:
                reported.add(check)
                report.findings.append(Finding(name, check, message, shown))

    try:
        send()
    except Exception as error:  # noqa: BLE001 - one failing operation must not end the run
        logger.warning("operation %s failed to run: %s", name, error)
        report.findings.append(Finding(name, "run", str(error)[:200], name))


@schemathesis.serializer(TAR)
def _tar_serializer(context: Any, value: Any) -> bytes:
    """Send archive bodies as a small valid tar, whatever was generated."""
    return tar_body()
