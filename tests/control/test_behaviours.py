"""Behaviours: scripted container processes chosen by image or command."""

from __future__ import annotations

import math

import httpx
import pytest

from fakedaemon import Daemon
from fakedaemon.control import Behaviours
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
