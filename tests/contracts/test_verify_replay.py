"""The verifier: identical replays pass, changed answers fail."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from contracts.exchange import Body, Exchange, Request, Response, Scenario
from contracts.exchange.files import read_scenario
from contracts.recorder import ScenarioRecorder
from contracts.verify import IdMap, diff, format_table, junit_xml, verify_scenario
from fakedaemon import Daemon
from fakedaemon.server.listeners import parse_address

LONG_A = "a" * 64
LONG_B = "b" * 64


@pytest.fixture
def recorded(daemon: Daemon, tmp_path: Path) -> Scenario:
    """A scenario recorded from the fake daemon: a container's short life."""
    listen = f"unix://{tmp_path / 'recorder.sock'}"
    path = tmp_path / "lifecycle.jsonl"
    with ScenarioRecorder(daemon.docker_host, listen, path, "lifecycle") as recorder:
        transport = httpx.HTTPTransport(uds=recorder.address.removeprefix("unix://"))
        with httpx.Client(transport=transport, base_url="http://docker/v1.41") as http:
            http.get("/version")
            ident = http.post(
                "/containers/create", json={"Image": "busybox", "Cmd": ["true"]}
            ).json()["Id"]
            http.get(f"/containers/{ident}/json")
            http.get("/containers/absent/json")
            http.delete(f"/containers/{ident}")
    return read_scenario(path)


def verify(scenario: Scenario, daemon: Daemon) -> list[str]:
    results = verify_scenario(scenario, parse_address(daemon.docker_host))
    return [problem for result in results for problem in result.problems()]


def test_identical_replay_passes(recorded: Scenario, daemon: Daemon) -> None:
    assert verify(recorded, daemon) == []


def test_replay_uses_new_ids(recorded: Scenario, daemon: Daemon) -> None:
    results = verify_scenario(recorded, parse_address(daemon.docker_host))
    assert all(result.passed for result in results)
    # The container was removed, so a second replay must create its own.
    assert verify(recorded, daemon) == []


def test_changed_status_detected(recorded: Scenario, daemon: Daemon) -> None:
    missing = recorded.exchanges[3].response
    assert missing is not None
    missing.status = 409
    problems = verify(recorded, daemon)
    assert problems[0] == "/status: expected 409, got 404"


def test_changed_field_detected(recorded: Scenario, daemon: Daemon) -> None:
    version = recorded.exchanges[0].response
    assert version is not None and version.body is not None
    document = json.loads(version.body.data)
    document["Os"] = "windows"
    version.body = Body(json.dumps(document).encode())
    problems = verify(recorded, daemon)
    assert problems == ['/body/json/Os: expected "windows", got "linux"']


def test_report_counts(recorded: Scenario, daemon: Daemon) -> None:
    recorded.exchanges[0].response.status = 500  # type: ignore[union-attr]
    results = verify_scenario(recorded, parse_address(daemon.docker_host))
    table = format_table(results)
    version_line = next(line for line in table.splitlines() if "/version" in line)
    assert version_line.split()[2:5] == ["0", "1", "1"]
    assert "/status: expected 500, got 200" in version_line
    assert table.splitlines()[-1].endswith("80.0% matched")
    xml = junit_xml({Path("lifecycle.jsonl"): results}).decode()
    assert 'tests="5" failures="1"' in xml


def test_diff_reports_missing_and_extra() -> None:
    found = diff({"a": 1, "b": [1, 2]}, {"b": [1], "c": True})
    assert [difference.path for difference in found] == ["/a", "/b/length", "/c"]


def test_id_map_pairs_by_path() -> None:
    def exchange(body: dict[str, object]) -> Exchange:
        return Exchange(
            seq=1,
            request=Request("POST", "/containers/create"),
            response=Response(201, body=Body(json.dumps(body).encode())),
        )

    ids = IdMap()
    ids.learn(exchange({"Id": LONG_A}), exchange({"Id": LONG_B}))
    rewritten = ids.rewrite(Request("GET", f"/containers/{LONG_A[:12]}/json"))
    assert rewritten.target == f"/containers/{LONG_B[:12]}/json"
    assert ids.rewrite_text(f"x {LONG_A}") == f"x {LONG_B}"
