"""Services and the orchestrator: tasks, scaling, restarts and updates."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fakedaemon import DaemonConfig
from fakedaemon.api.filters import Filters
from fakedaemon.engine.engine import Engine
from fakedaemon.engine.swarm.objects import Task
from fakedaemon.errors import (
    Conflict,
    DaemonError,
    InvalidParameter,
    NotFound,
    NotImplementedByDaemon,
)

INIT = {"ListenAddr": "127.0.0.1:2377", "AdvertiseAddr": "127.0.0.1"}


@pytest.fixture
def engine() -> Iterator[Engine]:
    created = Engine(DaemonConfig())
    created.swarm.init(INIT)
    try:
        yield created
    finally:
        created.close()


def service(name: str = "web", replicas: int = 2, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "Name": name,
        "TaskTemplate": {
            "ContainerSpec": {"Image": "busybox", "Args": ["sleep", "300"]}
        },
        "Mode": {"Replicated": {"Replicas": replicas}},
    }
    spec.update(extra)
    return spec


def wait_until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def tasks(engine: Engine, **filters: list[str]) -> list[Task]:
    return engine.swarm.tasks.list(Filters(filters))


def running(engine: Engine, name: str = "web") -> list[Task]:
    return [
        t
        for t in tasks(engine, service=[name])
        if t.state == "running" and t.desired == "running"
    ]


def test_create_runs_replicas(engine: Engine) -> None:
    service_id = engine.swarm.services.create(service(replicas=3))
    wait_until(lambda: len(running(engine)) == 3)
    slots = sorted(t.slot for t in running(engine))
    assert slots == [1, 2, 3]
    task = running(engine)[0]
    container = engine.containers.get(task.container_id)
    assert container.name == f"/web.{task.slot}.{task.meta.id}"
    assert container.labels["com.docker.swarm.service.id"] == service_id
    assert container.labels["com.docker.swarm.service.name"] == "web"
    assert container.labels["com.docker.swarm.task.id"] == task.meta.id
    assert container.labels["com.docker.swarm.task.name"] == container.name[1:]
    assert container.labels["com.docker.swarm.node.id"] == engine.swarm.node_id
    assert container.state.running
    assert task.pid == container.state.pid


def test_steps_follow_clock(engine: Engine) -> None:
    engine.clock.freeze()
    engine.swarm.services.create(service(replicas=1))
    seen: list[str] = []
    for _ in range(12):
        wait_until(lambda: bool(tasks(engine)))
        state = tasks(engine)[0].state
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == "running":
            break
        engine.clock.advance(0.06)
        time.sleep(0.08)
    assert seen[:1] in (["new"], ["pending"])
    assert seen[-4:] == ["preparing", "ready", "starting", "running"]


def test_frozen_clock_holds_tasks(engine: Engine) -> None:
    engine.clock.freeze()
    engine.swarm.services.create(service(replicas=1))
    time.sleep(0.3)
    assert tasks(engine)[0].state in ("new", "pending")
    assert engine.containers.all() == []


def test_scale_down_removes_tasks(engine: Engine) -> None:
    engine.swarm.services.create(service(replicas=3))
    wait_until(lambda: len(running(engine)) == 3)
    record = engine.swarm.services.get("web")
    spec = record.spec
    spec["Mode"] = {"Replicated": {"Replicas": 1}}
    engine.swarm.services.update("web", record.meta.index, spec, "")
    wait_until(lambda: len(tasks(engine)) == 1)
    assert [t.slot for t in tasks(engine)] == [1]
    wait_until(lambda: len(engine.containers.all()) == 1)


def test_global_one_task_per_node(engine: Engine) -> None:
    engine.swarm.services.create(
        {
            "Name": "g",
            "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Args": ["top"]}},
            "Mode": {"Global": {}},
        }
    )
    wait_until(lambda: len(running(engine, "g")) == 1)
    task = running(engine, "g")[0]
    assert task.slot == 0
    assert task.name == f"g.{engine.swarm.node_id}"


def test_exit_is_replaced(engine: Engine) -> None:
    engine.swarm.services.create(
        service(
            replicas=1,
            TaskTemplate={
                "ContainerSpec": {"Image": "busybox", "Command": ["true"]},
                "RestartPolicy": {"Condition": "any", "Delay": 1},
            },
        )
    )
    wait_until(lambda: len([t for t in tasks(engine) if t.state == "complete"]) >= 2)
    done = [t for t in tasks(engine) if t.state == "complete"][0]
    assert done.message == "finished"
    assert done.desired == "shutdown"


def test_on_failure_attempts(engine: Engine) -> None:
    engine.swarm.services.create(
        service(
            replicas=1,
            TaskTemplate={
                "ContainerSpec": {
                    "Image": "busybox",
                    "Command": ["sh", "-c", "exit 3"],
                },
                "RestartPolicy": {
                    "Condition": "on-failure",
                    "Delay": 1,
                    "MaxAttempts": 2,
                },
            },
        )
    )
    wait_until(lambda: len([t for t in tasks(engine) if t.state == "failed"]) == 3)
    time.sleep(0.3)
    listed = tasks(engine)
    assert len(listed) == 3
    assert {t.err for t in listed} == {"task: non-zero exit (3)"}
    assert {t.desired for t in listed} == {"shutdown"}
    assert {t.exit_code for t in listed} == {3}


def test_condition_none_not_replaced(engine: Engine) -> None:
    engine.swarm.services.create(
        service(
            replicas=1,
            TaskTemplate={
                "ContainerSpec": {"Image": "busybox", "Command": ["echo", "hi"]},
                "RestartPolicy": {"Condition": "none"},
            },
        )
    )
    wait_until(lambda: any(t.state == "complete" for t in tasks(engine)))
    time.sleep(0.3)
    assert len(tasks(engine)) == 1
    assert engine.swarm.services.status(engine.swarm.services.get("web").meta.id) == {
        "RunningTasks": 0,
        "DesiredTasks": 1,
        "CompletedTasks": 0,
    }


def test_missing_image_rejected(engine: Engine) -> None:
    engine.swarm.services.create(
        service(
            replicas=1,
            TaskTemplate={"ContainerSpec": {"Image": "busybox:nope"}},
        )
    )
    wait_until(lambda: any(t.state == "rejected" for t in tasks(engine)))
    rejected = [t for t in tasks(engine) if t.state == "rejected"][0]
    assert rejected.err == "No such image: busybox:nope"
    assert rejected.message == "preparing"


def test_rolling_update(engine: Engine) -> None:
    engine.swarm.services.create(service(replicas=2))
    wait_until(lambda: len(running(engine)) == 2)
    record = engine.swarm.services.get("web")
    spec = record.spec
    spec["TaskTemplate"]["ContainerSpec"]["Env"] = ["A=1"]
    engine.swarm.services.update("web", record.meta.index, spec, "")
    wait_until(
        lambda: (
            (engine.swarm.services.get("web").update_status or {}).get("State")
            == "completed"
        )
    )
    current = running(engine)
    assert len(current) == 2
    assert all(t.spec["ContainerSpec"]["Env"] == ["A=1"] for t in current)
    shut = [t for t in tasks(engine) if t.state == "shutdown"]
    assert len(shut) == 2
    updated = engine.swarm.services.get("web")
    assert updated.previous_spec is not None
    assert "Env" not in updated.previous_spec["TaskTemplate"]["ContainerSpec"]


def test_rollback_previous(engine: Engine) -> None:
    engine.swarm.services.create(service(replicas=1))
    record = engine.swarm.services.get("web")
    spec = record.spec
    spec["TaskTemplate"]["ContainerSpec"]["Env"] = ["A=1"]
    engine.swarm.services.update("web", record.meta.index, spec, "")
    record = engine.swarm.services.get("web")
    engine.swarm.services.update("web", record.meta.index, {}, "previous")
    rolled = engine.swarm.services.get("web")
    assert "Env" not in rolled.spec["TaskTemplate"]["ContainerSpec"]
    assert rolled.update_status is not None
    assert rolled.update_status["State"] == "rollback_started"
    assert rolled.update_status["Message"] == "manually requested rollback"
    wait_until(
        lambda: (
            (engine.swarm.services.get("web").update_status or {}).get("State")
            == "rollback_completed"
        )
    )


def test_rollback_without_previous(engine: Engine) -> None:
    service_id = engine.swarm.services.create(service())
    record = engine.swarm.services.get("web")
    with pytest.raises(InvalidParameter) as raised:
        engine.swarm.services.update("web", record.meta.index, {}, "previous")
    assert raised.value.message == (
        "rpc error: code = FailedPrecondition desc = service "
        f"{service_id} does not have a previous spec"
    )


def test_update_errors(engine: Engine) -> None:
    engine.swarm.services.create(service())
    record = engine.swarm.services.get("web")
    with pytest.raises(DaemonError) as stale:
        engine.swarm.services.update("web", record.meta.index + 9, record.spec, "")
    assert stale.value.message.endswith("update out of sequence")
    renamed = dict(record.spec, Name="other")
    with pytest.raises(NotImplementedByDaemon) as rename:
        engine.swarm.services.update("web", record.meta.index, renamed, "")
    assert rename.value.message.endswith("renaming services is not supported")
    moded = dict(record.spec, Mode={"Global": {}})
    with pytest.raises(NotImplementedByDaemon) as mode:
        engine.swarm.services.update("web", record.meta.index, moded, "")
    assert mode.value.message.endswith("service mode change is not allowed")
    with pytest.raises(DaemonError) as option:
        engine.swarm.services.update("web", record.meta.index, record.spec, "bogus")
    assert option.value.message == "unrecognized rollback option bogus"


def test_create_errors(engine: Engine) -> None:
    engine.swarm.services.create(service())
    with pytest.raises(Conflict) as duplicate:
        engine.swarm.services.create(service())
    assert duplicate.value.message.endswith(
        "name conflicts with an existing object: service web already exists"
    )
    with pytest.raises(InvalidParameter) as runtime:
        engine.swarm.services.create({"Name": "x"})
    assert runtime.value.message == "mismatched Runtime and *Spec fields"
    with pytest.raises(InvalidParameter) as name:
        engine.swarm.services.create(service("bad name"))
    assert name.value.message.endswith("name must be valid as a DNS name component")
    with pytest.raises(InvalidParameter) as image:
        engine.swarm.services.create(
            {"Name": "i", "TaskTemplate": {"ContainerSpec": {}}}
        )
    assert image.value.message.endswith("image reference must be provided")
    with pytest.raises(DaemonError) as network:
        engine.swarm.services.create(
            service(
                "n",
                TaskTemplate={
                    "ContainerSpec": {"Image": "busybox"},
                    "Networks": [{"Target": "nope"}],
                },
            )
        )
    assert network.value.status == 500
    assert network.value.message == "network nope not found"


def test_generated_name(engine: Engine) -> None:
    spec = service()
    del spec["Name"]
    service_id = engine.swarm.services.create(spec)
    name = engine.swarm.services.get(service_id).spec["Name"]
    assert "_" in name


def test_published_port_conflict(engine: Engine) -> None:
    ports = {"Ports": [{"TargetPort": 80, "PublishedPort": 8080}]}
    first = engine.swarm.services.create(service("a", EndpointSpec=ports))
    with pytest.raises(InvalidParameter) as raised:
        engine.swarm.services.create(service("b", EndpointSpec=ports))
    assert raised.value.message == (
        "rpc error: code = InvalidArgument desc = port '8080' is already in use "
        f"by service 'a' ({first}) as an ingress port"
    )


def test_endpoint_virtual_ips(engine: Engine) -> None:
    engine.networks.create({"Name": "ov", "Driver": "overlay"})
    engine.swarm.services.create(
        service(
            Networks=[{"Target": "ov"}],
            EndpointSpec={"Ports": [{"TargetPort": 80}]},
        )
    )
    record = engine.swarm.services.get("web")
    assert record.endpoint["Ports"][0]["PublishedPort"] == 30000
    assert record.endpoint["Ports"][0]["PublishMode"] == "ingress"
    networks = [vip["NetworkID"] for vip in record.endpoint["VirtualIPs"]]
    assert networks == [engine.networks.get("ingress").id, engine.networks.get("ov").id]
    assert record.spec["Networks"] == [{"Target": engine.networks.get("ov").id}]
    wait_until(lambda: len(running(engine)) == 2)
    container = engine.containers.get(running(engine)[0].container_id)
    assert sorted(container.networks) == ["ingress", "ov"]


def test_remove_cleans_up(engine: Engine) -> None:
    engine.swarm.services.create(service())
    wait_until(lambda: len(running(engine)) == 2)
    engine.swarm.services.remove("web")
    wait_until(lambda: tasks(engine) == [])
    wait_until(lambda: engine.containers.all() == [])
    with pytest.raises(NotFound) as raised:
        engine.swarm.services.get("web")
    assert raised.value.message == "service web not found"


def test_leave_removes_containers(engine: Engine) -> None:
    engine.swarm.services.create(service())
    wait_until(lambda: len(running(engine)) == 2)
    engine.swarm.leave(True)
    assert engine.containers.all() == []


def test_history_limit(engine: Engine) -> None:
    cluster = engine.swarm.inspect()
    spec = cluster.spec
    spec["Orchestration"] = {"TaskHistoryRetentionLimit": 2}
    engine.swarm.update(cluster.meta.index, spec)
    engine.swarm.services.create(
        service(
            replicas=1,
            TaskTemplate={
                "ContainerSpec": {"Image": "busybox", "Command": ["true"]},
                "RestartPolicy": {"Delay": 1},
            },
        )
    )
    time.sleep(1.5)
    assert len(tasks(engine)) <= 2


def test_secret_file_in_task(engine: Engine) -> None:
    secret_id = engine.swarm.secrets.create({"Name": "pw"}, b"hunter2")
    engine.swarm.services.create(
        service(
            replicas=1,
            TaskTemplate={
                "ContainerSpec": {
                    "Image": "busybox",
                    "Args": ["sleep", "300"],
                    "Secrets": [
                        {
                            "SecretID": secret_id,
                            "SecretName": "pw",
                            "File": {"Name": "pw", "UID": "0", "GID": "0", "Mode": 292},
                        }
                    ],
                }
            },
        )
    )
    wait_until(lambda: len(running(engine)) == 1)
    container = engine.containers.get(running(engine)[0].container_id)
    assert container.filesystem.read_file("/run/secrets/pw") == b"hunter2"


def test_service_filters(engine: Engine) -> None:
    engine.swarm.services.create(service("web", Labels={"tier": "front"}))
    engine.swarm.services.create(
        {
            "Name": "agent",
            "TaskTemplate": {"ContainerSpec": {"Image": "busybox"}},
            "Mode": {"Global": {}},
        }
    )

    def names(**filters: list[str]) -> list[str]:
        found = engine.swarm.services.list(Filters(filters))
        return sorted(s.spec["Name"] for s in found)

    assert names(mode=["global"]) == ["agent"]
    assert names(mode=["replicated"]) == ["web"]
    assert names(name=["we"]) == ["web"]
    assert names(label=["tier=front"]) == ["web"]
    assert names(mode=["bogus"]) == []


def test_task_desired_filter(engine: Engine) -> None:
    engine.swarm.services.create(service())
    with pytest.raises(DaemonError) as raised:
        engine.swarm.tasks.list(Filters({"desired-state": ["bogus"]}))
    assert raised.value.message == "Invalid desired-state filter: 'bogus'"
    wait_until(lambda: len(tasks(engine)) == 2)
    assert len(tasks(engine, **{"desired-state": ["running"]})) == 2
    assert tasks(engine, **{"desired-state": ["shutdown"]}) == []


def test_service_events(engine: Engine) -> None:
    service_id = engine.swarm.services.create(service(replicas=1))
    record = engine.swarm.services.get(service_id)
    spec = record.spec
    spec["Mode"] = {"Replicated": {"Replicas": 2}}
    engine.swarm.services.update(service_id, record.meta.index, spec, "")
    engine.swarm.services.remove(service_id)
    events = [e for e in engine.events.snapshot() if e.type == "service"]
    assert [e.action for e in events] == ["create", "update", "remove"]
    assert events[1].attributes == {
        "name": "web",
        "replicas.old": "1",
        "replicas.new": "2",
    }
    assert {e.scope for e in events} == {"swarm"}


def replacements(
    engine: Engine, update: dict[str, Any]
) -> tuple[list[Task], list[Task]]:
    """Create two replicas, update them with ``update`` and return old and new."""
    engine.swarm.services.create(service(replicas=2, UpdateConfig=update))
    wait_until(lambda: len(running(engine)) == 2)
    record = engine.swarm.services.get("web")
    spec = record.spec
    spec["TaskTemplate"]["ContainerSpec"]["Env"] = ["A=1"]
    engine.swarm.services.update("web", record.meta.index, spec, "")
    wait_until(
        lambda: (
            (engine.swarm.services.get("web").update_status or {}).get("State")
            == "completed"
        )
    )
    listed = sorted(tasks(engine), key=lambda t: t.meta.created_ns)
    old = [t for t in listed if t.state == "shutdown"]
    new = [t for t in listed if t.state == "running"]
    return old, new


def test_stop_first_order(engine: Engine) -> None:
    old, new = replacements(engine, {"Parallelism": 1})
    for before, after in zip(old, new, strict=True):
        started = engine.containers.get(after.container_id).state.started_ns
        assert before.timestamp_ns <= started


def test_start_first_order(engine: Engine) -> None:
    old, new = replacements(engine, {"Parallelism": 1, "Order": "start-first"})
    for before, after in zip(old, new, strict=True):
        started = engine.containers.get(after.container_id).state.started_ns
        assert started <= before.timestamp_ns


def test_update_delay(engine: Engine) -> None:
    old, new = replacements(engine, {"Parallelism": 1, "Delay": 400_000_000})
    first = engine.containers.get(new[0].container_id).state.started_ns
    assert new[1].meta.created_ns - first >= 400_000_000
