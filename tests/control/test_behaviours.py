"""Behaviours: scripted container processes chosen by image or command."""

from __future__ import annotations

import math

import httpx
import pytest

from fakedaemon import Daemon
from fakedaemon.control import Behaviours, ProbeResult
from fakedaemon.engine.process import Exit, Output, Script, Sleep


def run(http: httpx.Client, image: str, command: list[str]) -> tuple[str, int]:
    created = http.post("/containers/create", json={"Image": image, "Cmd": command})
    container_id: str = created.json()["Id"]
    started = http.post(f"/containers/{container_id}/start")
    assert started.status_code == 204, started.text
    waited = http.post(f"/containers/{container_id}/wait").json()
    return container_id, int(waited["StatusCode"])


def test_behaviour_output_and_exit(served: Daemon, http: httpx.Client) -> None:
    served.control.behaviours.add(
        image="busybox", command=["migrate"], stdout="ok\n", stderr="warn\n",
        exit_code=3,
    )  # fmt: skip
    container_id, code = run(http, "busybox", ["migrate"])
    logs = http.get(f"/containers/{container_id}/logs?stdout=1&stderr=1").content
    assert code == 3
    assert (
        logs
        == b"\x01\x00\x00\x00\x00\x00\x00\x03ok\n\x02\x00\x00\x00\x00\x00\x00\x05warn\n"
    )


def test_behaviour_glob_command(served: Daemon) -> None:
    rules = Behaviours()
    rules.add(command="python -m *", stdout="x")
    assert rules.script_for("busybox", ["python", "-m", "app"]) is not None
    assert rules.script_for("busybox", ["python", "app.py"]) is None


def test_behaviour_image_aliases() -> None:
    rules = Behaviours()
    rules.add(image="docker.io/library/busybox:latest", stdout="x")
    assert rules.script_for("busybox", ["sh"]) is not None
    assert rules.script_for("alpine", ["sh"]) is None


def test_behaviour_newest_wins() -> None:
    rules = Behaviours()
    rules.add(image="busybox", exit_code=1)
    rules.add(image="busybox", exit_code=2)
    assert rules.script_for("busybox", ["x"]) == Script([Exit(2)])


def test_behaviour_duration_frozen_clock(served: Daemon, http: httpx.Client) -> None:
    control = served.control
    control.clock.freeze()
    control.behaviours.add(command=["serve"], duration=30, exit_code=0)
    created = http.post(
        "/containers/create", json={"Image": "busybox", "Cmd": ["serve"]}
    )
    container_id = created.json()["Id"]
    http.post(f"/containers/{container_id}/start")
    state = http.get(f"/containers/{container_id}/json").json()["State"]
    assert state["Running"] is True
    control.clock.advance(31)
    waited = http.post(f"/containers/{container_id}/wait").json()
    assert waited["StatusCode"] == 0


def test_behaviour_forever_stops(served: Daemon, http: httpx.Client) -> None:
    served.control.behaviours.add(image="busybox", duration=None)
    created = http.post("/containers/create", json={"Image": "busybox", "Cmd": ["x"]})
    container_id = created.json()["Id"]
    http.post(f"/containers/{container_id}/start")
    assert http.post(f"/containers/{container_id}/stop?t=1").status_code == 204
    state = http.get(f"/containers/{container_id}/json").json()["State"]
    assert state["Running"] is False


def test_behaviour_script_steps() -> None:
    rules = Behaviours()
    script = Script([Output("stdout", b"a"), Sleep(1), Exit(4)])
    rules.add(command=["x"], script=script)
    assert rules.script_for("any", ["x"]) == script


def test_behaviour_counts_uses(served: Daemon, http: httpx.Client) -> None:
    rule = served.control.behaviours.add(command=["job"])
    run(http, "busybox", ["job"])
    assert rule.uses == 1


def test_behaviour_invalid_duration() -> None:
    with pytest.raises(ValueError, match="duration"):
        Behaviours().add(duration=-1)


def test_behaviour_from_json() -> None:
    rules = Behaviours()
    rule = rules.add_from_json({"image": "redis", "forever": True})
    assert math.isinf(rule.duration)
    with pytest.raises(ValueError, match="unknown behaviour settings: speed"):
        rules.add_from_json({"speed": 1})


def test_unscripted_command_still_checked(served: Daemon, http: httpx.Client) -> None:
    served.control.behaviours.add(command=["known"])
    created = http.post(
        "/containers/create", json={"Image": "busybox", "Cmd": ["nope"]}
    )
    started = http.post(f"/containers/{created.json()['Id']}/start")
    assert started.status_code == 400


# Health check behaviours ------------------------------------------------------


def test_health_rule_json() -> None:
    rules = Behaviours()
    rule = rules.add_health(image="web", command="curl *", output="ok\n")
    assert rule.to_json() == {
        "id": rule.id,
        "kind": "health",
        "image": "web",
        "command": "curl *",
        "results": [{"exit_code": 0, "output": "ok\n", "duration": 0.0}],
        "uses": 0,
    }
    assert rules.health_rules == [rule]
    assert rules.rules == []


def test_health_rule_results_repeat_last() -> None:
    rule = Behaviours().add_health(
        results=[ProbeResult(exit_code=1), ProbeResult(exit_code=0, output="up")]
    )
    scripts = [rule.next_script("c1") for _ in range(3)]
    assert scripts[0] == Script([Exit(1)])
    assert scripts[1] == Script([Output("stdout", b"up"), Exit(0)])
    assert scripts[2] == scripts[1]
    assert rule.next_script("c2") == Script([Exit(1)])
    assert rule.uses == 4


def test_health_rule_duration_sleeps() -> None:
    rule = Behaviours().add_health(duration=2.5, exit_code=1)
    assert rule.next_script("c") == Script([Sleep(2.5), Exit(1)])


def test_health_rule_removed_and_cleared() -> None:
    rules = Behaviours()
    process = rules.add(image="busybox")
    health = rules.add_health(image="busybox")
    assert process.id != health.id
    rules.remove(health.id)
    assert rules.health_rules == []
    rules.add_health(image="busybox")
    rules.clear()
    assert rules.health_rules == []
    assert rules.rules == []
    with pytest.raises(KeyError):
        rules.remove(health.id)


def test_health_rule_from_json_rejects_unknown() -> None:
    rules = Behaviours()
    with pytest.raises(ValueError, match="unknown health behaviour settings: stdout"):
        rules.add_health_from_json({"stdout": "x"})
    with pytest.raises(ValueError, match="invalid exit code -1"):
        rules.add_health_from_json({"exit_code": -1})
    rule = rules.add_health_from_json({"results": [{"exit_code": 3}]})
    assert rule.results == (ProbeResult(exit_code=3),)
