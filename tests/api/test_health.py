"""Health checks over the API: inspect, the list, its filter, create, per version."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine

SECOND = 1_000_000_000
START = 1_700_000_000.0


def frozen_engine(profile: str) -> Engine:
    engine = Engine(DaemonConfig(engine=profile))
    engine.clock.freeze(START)
    return engine


@pytest.fixture
def engine() -> Iterator[Engine]:
    created = frozen_engine("26.1")
    try:
        yield created
    finally:
        created.close()


@pytest.fixture
def client(engine: Engine) -> Client:
    return Client(APIApp(engine))


def create(client: Client, version: str = "1.45", **config: Any) -> str:
    body = {"Image": "busybox", "Cmd": ["sleep", "1000"], **config}
    response = client.post(f"/v{version}/containers/create", json=body)
    assert response.status_code == 201, response.data
    container_id: str = response.json["Id"]
    return container_id


def run(client: Client, test: list[str], **health: int) -> str:
    container_id = create(client, Healthcheck={"Test": test, **health})
    started = client.post(f"/v1.45/containers/{container_id}/start")
    assert started.status_code == 204, started.data
    return container_id


def state(client: Client, container_id: str, version: str = "1.45") -> Any:
    return client.get(f"/v{version}/containers/{container_id}/json").json["State"]


def listed(client: Client, query: str = "", version: str = "1.45") -> Any:
    return client.get(f"/v{version}/containers/json?all=1{query}").json


def health_filter(value: str) -> str:
    return "&filters=" + quote(json.dumps({"health": [value]}))


# Inspect ----------------------------------------------------------------------


@pytest.mark.parametrize("version", ["1.24", "1.41", "1.45"])
def test_inspect_health_every_version(
    client: Client, engine: Engine, version: str
) -> None:
    container_id = run(client, ["CMD-SHELL", "echo ok"], Interval=SECOND)
    engine.clock.advance(1)
    document = state(client, container_id, version)
    assert list(document)[-1] == "Health"
    assert document["Health"] == {
        "Status": "healthy",
        "FailingStreak": 0,
        "Log": [
            {
                "Start": "2023-11-14T22:13:21Z",
                "End": "2023-11-14T22:13:21Z",
                "ExitCode": 0,
                "Output": "ok\n",
            }
        ],
    }


def test_inspect_no_health_before_start(client: Client) -> None:
    container_id = create(client, Healthcheck={"Test": ["CMD", "true"]})
    assert "Health" not in state(client, container_id)


def test_inspect_no_health_for_none(client: Client) -> None:
    container_id = run(client, ["NONE"])
    document = client.get(f"/v1.45/containers/{container_id}/json").json
    assert "Health" not in document["State"]
    assert document["Config"]["Healthcheck"] == {"Test": ["NONE"]}


def test_inspect_starting_has_empty_log(client: Client) -> None:
    container_id = run(client, ["CMD", "true"])
    assert state(client, container_id)["Health"] == {
        "Status": "starting",
        "FailingStreak": 0,
        "Log": [],
    }


def test_check_exec_inspectable(client: Client, engine: Engine) -> None:
    container_id = run(client, ["CMD-SHELL", "exit 3"], Interval=SECOND)
    engine.clock.advance(1)
    died = [e for e in engine.events.snapshot() if e.action == "exec_die"]
    exec_id = died[0].attributes["execID"]
    document = client.get(f"/v1.45/exec/{exec_id}/json").json
    assert document["ExitCode"] == 3
    assert document["Running"] is False
    assert document["ProcessConfig"] == {
        "tty": False,
        "entrypoint": "/bin/sh",
        "arguments": ["-c", "exit 3"],
        "privileged": False,
    }
    assert document["OpenStdout"] is True
    assert document["OpenStderr"] is True
    assert document["OpenStdin"] is False
    assert document["ContainerID"] == container_id


# The list ---------------------------------------------------------------------


def test_list_status_suffix(client: Client, engine: Engine) -> None:
    engine.behaviours.add_health(results=[{"exit_code": 0}, {"exit_code": 1}])
    container_id = run(client, ["CMD", "probe"], Interval=SECOND, Retries=1)
    statuses = [listed(client)[0]["Status"]]
    engine.clock.advance(1)
    statuses.append(listed(client)[0]["Status"])
    engine.clock.advance(1)
    statuses.append(listed(client)[0]["Status"])
    client.post(f"/v1.45/containers/{container_id}/pause")
    statuses.append(listed(client)[0]["Status"])
    client.post(f"/v1.45/containers/{container_id}/unpause")
    client.post(f"/v1.45/containers/{container_id}/stop")
    statuses.append(listed(client)[0]["Status"])
    assert statuses == [
        "Up Less than a second (health: starting)",
        "Up 1 second (healthy)",
        "Up 2 seconds (unhealthy)",
        "Up 2 seconds (Paused)",
        "Exited (143) Less than a second ago",
    ]


@pytest.mark.parametrize("version", ["1.24", "1.45"])
def test_list_health_filter(client: Client, engine: Engine, version: str) -> None:
    healthy = run(client, ["CMD", "true"], Interval=SECOND)
    failing = run(client, ["CMD", "false"], Interval=SECOND, Retries=1)
    starting = run(client, ["CMD", "true"])
    plain = create(client)
    engine.clock.advance(1)

    def ids(value: str) -> set[str]:
        found = listed(client, health_filter(value), version)
        return {entry["Id"] for entry in found}

    assert ids("healthy") == {healthy}
    assert ids("unhealthy") == {failing}
    assert ids("starting") == {starting}
    assert ids("none") == {plain}


def test_list_filter_stopped_unhealthy(client: Client, engine: Engine) -> None:
    container_id = run(client, ["CMD", "true"], Interval=SECOND)
    engine.clock.advance(1)
    client.post(f"/v1.45/containers/{container_id}/stop")
    found = listed(client, health_filter("unhealthy"))
    assert [entry["Id"] for entry in found] == [container_id]
    running_only = client.get(
        "/v1.45/containers/json?" + health_filter("unhealthy")[1:]
    ).json
    assert running_only == []


def test_list_summary_health_from_1_52() -> None:
    engine = frozen_engine("29.x")
    try:
        client = Client(APIApp(engine))
        container_id = run(client, ["CMD", "false"], Interval=SECOND)
        plain = create(client)
        engine.clock.advance(1)
        by_id = {entry["Id"]: entry for entry in listed(client, version="1.52")}
        assert by_id[container_id]["Health"] == {
            "Status": "starting",
            "FailingStreak": 1,
        }
        assert by_id[plain]["Health"] == {"Status": "none", "FailingStreak": 0}
        older = listed(client, version="1.51")
        assert all("Health" not in entry for entry in older)
    finally:
        engine.close()


# Create -----------------------------------------------------------------------


def test_start_interval_dropped_before_1_44(client: Client) -> None:
    check = {"Test": ["CMD", "true"], "StartInterval": 10}
    container_id = create(client, "1.43", Healthcheck=check)
    config = client.get(f"/v1.45/containers/{container_id}/json").json["Config"]
    assert config["Healthcheck"] == {"Test": ["CMD", "true"]}


def test_start_interval_checked_from_1_44(client: Client) -> None:
    check = {"Test": ["CMD", "true"], "StartInterval": 10}
    response = client.post(
        "/v1.44/containers/create", json={"Image": "busybox", "Healthcheck": check}
    )
    assert response.status_code == 400
    assert response.json == {
        "message": "StartInterval in Healthcheck cannot be less than 1ms"
    }
    kept = create(
        client, "1.44", Healthcheck={"Test": ["CMD", "true"], "StartInterval": SECOND}
    )
    config = client.get(f"/v1.45/containers/{kept}/json").json["Config"]
    assert config["Healthcheck"] == {"Test": ["CMD", "true"], "StartInterval": SECOND}


def test_start_interval_unknown_to_20_10() -> None:
    engine = frozen_engine("20.10")
    try:
        client = Client(APIApp(engine))
        check = {"Test": ["CMD", "true"], "StartInterval": 10}
        container_id = create(client, "1.41", Healthcheck=check)
        document = client.get(f"/v1.41/containers/{container_id}/json").json
        assert document["Config"]["Healthcheck"] == {"Test": ["CMD", "true"]}
    finally:
        engine.close()


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"Interval": 5}, "Interval in Healthcheck cannot be less than 1ms"),
        ({"Interval": -1}, "Interval in Healthcheck cannot be less than 1ms"),
        ({"Timeout": -5}, "Timeout in Healthcheck cannot be less than 1ms"),
        ({"Retries": -1}, "Retries in Healthcheck cannot be negative"),
        ({"StartPeriod": 10}, "StartPeriod in Healthcheck cannot be less than 1ms"),
        (
            {"Retries": -1, "StartPeriod": -1},
            "Retries in Healthcheck cannot be negative",
        ),
        (
            {"Timeout": -1, "Retries": -1},
            "Timeout in Healthcheck cannot be less than 1ms",
        ),
    ],
)
@pytest.mark.parametrize("version", ["1.24", "1.45"])
def test_create_rejects_durations(
    client: Client, check: dict[str, int], message: str, version: str
) -> None:
    response = client.post(
        f"/v{version}/containers/create",
        json={"Image": "busybox", "Healthcheck": check},
    )
    assert response.status_code == 400
    assert response.json == {"message": message}


def test_image_check_merged(client: Client, engine: Engine) -> None:
    source = create(client, Cmd=["sh"])
    changes = quote("HEALTHCHECK --interval=1s --retries=4 CMD false")
    committed = client.post(
        f"/v1.45/commit?container={source}&repo=hc&tag=1&changes={changes}"
    )
    assert committed.status_code == 201, committed.data
    container_id = create(
        client, Image="hc:1", Healthcheck={"Test": ["CMD", "true"], "Interval": 0}
    )
    config = client.get(f"/v1.45/containers/{container_id}/json").json["Config"]
    assert config["Healthcheck"] == {
        "Test": ["CMD", "true"],
        "Interval": SECOND,
        "Retries": 4,
    }
    client.post(f"/v1.45/containers/{container_id}/start")
    engine.clock.advance(1)
    assert state(client, container_id)["Health"]["Status"] == "healthy"


def test_events_of_a_check(client: Client, engine: Engine) -> None:
    container_id = run(client, ["CMD", "true"], Interval=SECOND)
    engine.clock.advance(1)
    # The stream ends when the daemon's clock passes `until`.
    engine.clock.unfreeze()
    until = engine.clock.time_ns() // SECOND + 1
    response = client.get(f"/v1.45/events?since=0&until={until}")
    events = [json.loads(line) for line in response.data.splitlines()]
    mine = [event for event in events if event["Actor"]["ID"] == container_id]
    assert [event["Action"] for event in mine][-4:] == [
        "exec_create: true ",
        "exec_start: true ",
        "exec_die",
        "health_status: healthy",
    ]
    assert mine[-1]["Actor"]["Attributes"] == {
        "image": "busybox",
        "name": mine[0]["Actor"]["Attributes"]["name"],
    }


def test_inspect_while_checks_run() -> None:
    # Checks every millisecond on a running clock while inspect reads the log.
    engine = Engine(DaemonConfig(engine="26.1"))
    try:
        client = Client(APIApp(engine))
        container_id = run(client, ["CMD", "true"], Interval=1_000_000)
        lengths = set()
        for _ in range(300):
            document = state(client, container_id)
            lengths.add(len(document["Health"]["Log"]))
        assert lengths <= {0, 1, 2, 3, 4, 5}
        assert document["Health"]["Status"] == "healthy"
    finally:
        engine.close()
