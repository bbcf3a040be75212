"""The fuzz campaigns against this project's client and against docker-py."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from harness.fuzz import Outcome, Step, load_adapter, run_campaign
from harness.fuzz.adapters import ClientAdapter
from harness.fuzz.daemon import FuzzDaemon
from harness.fuzz.reference import expected_error, expected_negotiation
from harness.strategies.streams import SYSTEMERR, frame

# A fixed budget and seed keep each campaign well under a minute.
BUDGET = {"errors": 10, "negotiation": 30, "streams": 20}
SEED = 20240601

DOCKER_PY_FAILURES = {
    "errors/json",
    "errors/json-charset",
    "errors/json-without-message",
    "errors/json-mistyped",
    "errors/invalid-json",
    "errors/text",
    "errors/oversized",
    "errors/other-type",
    "negotiation/header",
    "negotiation/no-header",
    "streams/frames-corrupt",
    "streams/progress",
}
"""The properties docker-py 7 breaks; each has an xfail test below."""


@pytest.mark.parametrize("campaign", sorted(BUDGET))
def test_harness_client_holds(campaign: str) -> None:
    report = run_campaign(
        load_adapter("harness"), campaign, examples=BUDGET[campaign], seed=SEED
    )
    assert report.failures == [], report.format()


@pytest.mark.parametrize("campaign", sorted(BUDGET))
def test_docker_py_findings(campaign: str) -> None:
    report = run_campaign(
        load_adapter("docker-py"), campaign, examples=BUDGET[campaign], seed=SEED
    )
    failed = {failure.case for failure in report.failures}
    known = {case for case in DOCKER_PY_FAILURES if case.startswith(campaign)}
    assert failed == known, report.format()


@pytest.fixture(scope="module")
def fuzz_daemon() -> Iterator[FuzzDaemon]:
    """One fake daemon for the single-fault tests."""
    with FuzzDaemon() as daemon:
        yield daemon


@pytest.fixture
def docker_py() -> ClientAdapter:
    """The docker-py adapter."""
    return load_adapter("docker-py")


def _error_outcome(
    daemon: FuzzDaemon, adapter: ClientAdapter, body: bytes, content_type: str
) -> Outcome:
    daemon.clear_faults()
    daemon.add_fault(
        operation="SystemInfo", status=400, body=body, content_type=content_type
    )
    return adapter.run(Step("error", daemon.docker_host))


def _explains(
    daemon: FuzzDaemon, adapter: ClientAdapter, body: bytes, content_type: str
) -> None:
    outcome = _error_outcome(daemon, adapter, body, content_type)
    expected = expected_error(400, content_type, body, "")
    assert outcome.kind == "api-error"
    assert (outcome.daemon_message or "") == (expected.daemon_message or "")


@pytest.mark.xfail(
    strict=True,
    reason="docker-py reads error['message'] with a KeyError when a JSON error "
    "has no 'message' member or spells it 'Message' (Go matches any case)",
)
def test_docker_py_json_without_message(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    outcome = _error_outcome(fuzz_daemon, docker_py, b"{}\n", "application/json")
    assert outcome.kind == "api-error"


@pytest.mark.xfail(
    strict=True,
    reason="docker-py parses every error body as JSON whatever its Content-Type, "
    "so a plain-text body '0' raises TypeError ('int' is not subscriptable)",
)
def test_docker_py_text_that_is_json(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    outcome = _error_outcome(fuzz_daemon, docker_py, b"0", "text/plain; charset=utf-8")
    assert outcome.kind == "api-error"


@pytest.mark.xfail(
    strict=True,
    reason="docker-py decodes JSON under 'application/json; charset=utf-8' and "
    "other types; the Go client shows such bodies as text",
)
def test_docker_py_json_with_charset(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    body = b'{"message": "No such container: web"}\n'
    _explains(fuzz_daemon, docker_py, body, "application/json; charset=utf-8")


@pytest.mark.xfail(
    strict=True,
    reason="docker-py shows a non-string message (5) where the Go client fails "
    "to read the JSON",
)
def test_docker_py_number_message(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    _explains(fuzz_daemon, docker_py, b'{"message": 5}\n', "application/json")


@pytest.mark.xfail(
    strict=True,
    reason="docker-py shows invalid JSON as the message; the Go client reports "
    "'error reading JSON'",
)
def test_docker_py_invalid_json(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    _explains(fuzz_daemon, docker_py, b"{", "application/json")


@pytest.mark.xfail(
    strict=True,
    reason="docker-py does not trim white space around the daemon's message",
)
def test_docker_py_untrimmed_message(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    _explains(fuzz_daemon, docker_py, b'{"message": "gone\\n"}\n', "application/json")


@pytest.mark.xfail(
    strict=True,
    reason="docker-py reads error bodies of any size; the Go client stops at "
    "1 MiB and reports the body as too large",
)
def test_docker_py_oversized_body(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    _explains(fuzz_daemon, docker_py, b"x" * (1 << 20), "text/plain")


def _negotiate(daemon: FuzzDaemon, adapter: ClientAdapter, version: str) -> Outcome:
    daemon.clear_faults()
    for operation in ("SystemPing", "SystemPingHead"):
        daemon.add_fault(operation=operation, api_version_header=version)
    daemon.add_fault(
        operation="SystemVersion",
        status=200,
        body=json.dumps({"ApiVersion": version}) + "\n",
        content_type="application/json",
        api_version_header=version,
    )
    return adapter.run(Step("negotiate", daemon.docker_host))


@pytest.mark.xfail(
    strict=True,
    reason="docker-py takes the daemon's ApiVersion even above its own maximum "
    "(1.45); Go clients use min(client maximum, daemon version)",
)
def test_docker_py_never_upgrades(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    outcome = _negotiate(fuzz_daemon, docker_py, "1.46")
    expected = expected_negotiation(client_max="1.45", client_min="1.24", header="1.46")
    assert outcome.version == expected.version


def test_docker_py_downgrades(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    outcome = _negotiate(fuzz_daemon, docker_py, "1.41")
    assert outcome.version == "1.41"


@pytest.mark.xfail(
    strict=True,
    reason="docker-py yields the payload of a type 3 (system error) frame as "
    "log output; Go's StdCopy returns it as an error",
)
def test_docker_py_system_error_frame(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    fuzz_daemon.clear_faults()
    fuzz_daemon.add_fault(
        operation="ContainerInspect", status=200, body={"Config": {"Tty": False}}
    )
    fuzz_daemon.add_fault(
        operation="ContainerLogs",
        status=200,
        body=frame(1, b"hi\n") + frame(SYSTEMERR, b"Error grabbing logs: EOF"),
        content_type="application/vnd.docker.multiplexed-stream",
    )
    outcome = docker_py.run(Step("logs", fuzz_daemon.docker_host))
    assert outcome.kind == "stream-error"


@pytest.mark.xfail(
    strict=True,
    reason="docker-py's pull(decode=True) raises JSONDecodeError on an empty "
    "200 body instead of yielding no messages",
)
def test_docker_py_empty_progress(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    fuzz_daemon.clear_faults()
    fuzz_daemon.add_fault(
        operation="ImageCreate", status=200, body=b"", content_type="application/json"
    )
    outcome = docker_py.run(Step("pull", fuzz_daemon.docker_host))
    assert outcome.kind == "ok"


@pytest.mark.xfail(
    strict=True,
    reason="docker-py's pull yields the in-band error message as an ordinary "
    "message; it is not raised",
)
def test_docker_py_inband_error(
    fuzz_daemon: FuzzDaemon, docker_py: ClientAdapter
) -> None:
    fuzz_daemon.clear_faults()
    body = b'{"status":"Pulling"}\r\n{"errorDetail":{"message":"x"},"error":"x"}\r\n'
    fuzz_daemon.add_fault(
        operation="ImageCreate", status=200, body=body, content_type="application/json"
    )
    outcome = docker_py.run(Step("pull", fuzz_daemon.docker_host))
    assert outcome.kind == "stream-error"
