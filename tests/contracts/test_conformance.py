"""Conformance runs: every API version against the fake, and the checks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts.conformance import Answer, SocketTarget, WsgiTarget, run_conformance
from contracts.conformance.checks import check_answer
from contracts.conformance.report import junit_xml
from contracts.spec import Specification, load_version
from fakedaemon import Daemon
from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine

VERSIONS = [f"1.{minor}" for minor in range(25, 56)]
# Enough examples to reach every operation's error paths while keeping all
# 31 versions near a minute and a half in total.
EXAMPLES = 2


def fresh_target() -> WsgiTarget:
    return WsgiTarget(APIApp(Engine(DaemonConfig(offline=True))))


@pytest.mark.parametrize("version", VERSIONS)
def test_version_conforms(upstream: Path, version: str) -> None:
    spec = load_version(upstream, version)
    report = run_conformance(spec, fresh_target(), examples=EXAMPLES, seed=0)
    assert [finding.describe() for finding in report.findings] == []


def test_hijack_routes_skipped(spec41: Specification) -> None:
    report = run_conformance(spec41, fresh_target(), examples=1, only={"ExecStart"})
    assert "hijacks" in report.skipped["ExecStart"]


def answer(status: int, body: object, **headers: str) -> Answer:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Answer(status, {"Content-Type": "application/json", **headers}, data)


def checks_of(spec: Specification, operation: str, found: Answer) -> list[str]:
    described = spec.operation(operation)
    path = "/v1.41/containers/x/json"
    return [
        check
        for check, _ in check_answer(
            spec, operation, described.tags, described.method.upper(), path, found
        )
    ]


def test_server_error_found(spec41: Specification) -> None:
    found = answer(500, {"message": "boom"}, **{"Api-Version": "1.41"})
    assert "server-error" in checks_of(spec41, "ContainerInspect", found)


def test_plain_error_body_found(spec41: Specification) -> None:
    found = answer(404, b"page not found", **{"Api-Version": "1.41"})
    assert "error-body" in checks_of(spec41, "ContainerInspect", found)


def test_missing_api_version_found(spec41: Specification) -> None:
    found = answer(404, {"message": "No such container: x"})
    assert checks_of(spec41, "ContainerInspect", found) == ["api-version"]


def test_swarm_success_found(spec41: Specification) -> None:
    found = answer(200, [], **{"Api-Version": "1.41"})
    assert "swarm" in checks_of(spec41, "NodeList", found)


def test_swarm_503_accepted(spec41: Specification) -> None:
    found = answer(503, {"message": "not a swarm manager"}, **{"Api-Version": "1.41"})
    assert checks_of(spec41, "NodeList", found) == []


def test_socket_target(daemon: Daemon, spec41: Specification) -> None:
    target = SocketTarget(daemon.docker_host)
    try:
        report = run_conformance(
            spec41, target, examples=1, only={"ContainerList", "SystemPing"}
        )
    finally:
        target.close()
    assert report.requests >= 2
    assert report.findings == []


def test_junit_lists_skips(spec41: Specification) -> None:
    report = run_conformance(
        spec41, fresh_target(), examples=1, only={"SystemPing", "ContainerAttach"}
    )
    xml = junit_xml(report).decode()
    assert 'skipped="1"' in xml
    assert 'name="SystemPing"' in xml
