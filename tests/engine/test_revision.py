"""Revisions of containers and the Tracked records they adopt."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from fakedaemon.config import DaemonConfig
from fakedaemon.engine import containers, health, networks, volumes
from fakedaemon.engine.containers import Container, State
from fakedaemon.engine.engine import Engine
from fakedaemon.engine.health import Health, HealthResult
from fakedaemon.engine.networks import Attachment, Endpoint
from fakedaemon.engine.revision import Revision, Tracked
from fakedaemon.engine.volumes import MountPoint


@pytest.fixture
def engine() -> Iterator[Engine]:
    created = Engine(DaemonConfig())
    try:
        yield created
    finally:
        created.close()


def create(engine: Engine, name: str) -> Container:
    return engine.containers.create(
        {"Image": "busybox", "Cmd": ["sleep", "1000"]}, None, name=name
    )


def bare_container(**fields: Any) -> Container:
    """Return a container record that no store holds, without a filesystem."""
    return Container(
        id="c" * 64,
        name="/web",
        created_ns=0,
        path="sleep",
        args=["1000"],
        config={},
        host_config={},
        image_id="sha256:" + "i" * 64,
        filesystem=None,  # type: ignore[arg-type]
        **fields,
    )


def endpoint(address: str) -> Endpoint:
    return Endpoint(
        container_id="c" * 64,
        container_name="web",
        endpoint_id="e" * 64,
        mac_address="02:42:ac:11:00:02",
        address=address,
        prefix_len=16,
        gateway="172.17.0.1",
        pool=None,
    )


def test_revision_numbers_only_grow() -> None:
    revision = Revision()
    assert revision.number == 1
    seen = [revision.number]
    for _ in range(3):
        revision.mark_changed()
        seen.append(revision.number)
    assert seen == [1, 2, 3, 4]


def test_revisions_count_apart() -> None:
    first = Revision()
    second = Revision()
    first.mark_changed()
    first.mark_changed()
    assert first.number == 3
    assert second.number == 1


def test_shared_counter_never_repeats() -> None:
    counter = itertools.count(1)
    first = Revision(counter)
    second = Revision(counter)
    seen = [first.number, second.number]
    for revision in (first, second, second, first):
        revision.mark_changed()
        seen.append(revision.number)
    assert len(set(seen)) == len(seen)


def test_unadopted_record_moves_nothing() -> None:
    revision = Revision()
    state = State()
    state.status = "running"
    state.mark_changed()
    assert revision.number == 1
    assert state.status == "running"


def test_adopted_record_moves_its_revision() -> None:
    revision = Revision()
    other = Revision()
    state = State()
    state.adopt(revision)
    state.exit_code = 3
    assert revision.number == 2
    assert other.number == 1
    assert state.exit_code == 3


def test_same_immutable_value_keeps_revision() -> None:
    revision = Revision()
    state = State()
    state.adopt(revision)
    state.status = "created"
    state.running = False
    assert revision.number == 1


def test_untracked_attribute_keeps_revision() -> None:
    revision = Revision()
    record = Health()
    record.adopt(revision)
    record.monitor = None
    record.probe_ids.append("a" * 64)
    assert revision.number == 1
    record.failing_streak = 2
    assert revision.number == 2
    # Inspect shows the log, so a check's result moves the revision too.
    record.log = (HealthResult(1, 2, 0, "ok"),)
    assert revision.number == 3


def test_assigned_child_is_adopted() -> None:
    revision = Revision()
    attachment = Attachment(network_id="n" * 64)
    attachment.adopt(revision)
    child = endpoint("172.17.0.2")
    attachment.endpoint = child
    moved = revision.number
    assert moved > 1
    child.address = "172.17.0.3"
    assert revision.number > moved


def test_adopt_reaches_nested_records() -> None:
    revision = Revision()
    opened = endpoint("172.17.0.2")
    attachment = Attachment(network_id="n" * 64, endpoint=opened)
    mount = MountPoint("volume", "/data", name="data")
    record = Health()
    container = bare_container(
        mounts=[mount], networks={"bridge": attachment}, health=record
    )
    container.adopt(revision)
    changes: list[tuple[Tracked, str, object]] = [
        (container.state, "pid", 42),
        (record, "status", "healthy"),
        (mount, "rw", False),
        (attachment, "aliases", ["web"]),
        (opened, "gateway", ""),
    ]
    for target, name, value in changes:
        before = revision.number
        setattr(target, name, value)
        assert revision.number > before, (type(target).__name__, name)


def test_mark_changed_adopts_records_in_place() -> None:
    revision = Revision()
    container = bare_container()
    container.adopt(revision)
    attachment = Attachment(network_id="n" * 64)
    mount = MountPoint("tmpfs", "/run")
    container.networks["backend"] = attachment
    container.mounts.append(mount)
    container.mark_changed()
    marked = revision.number
    assert marked > 1
    attachment.by_connect = True
    assert revision.number > marked
    marked = revision.number
    mount.rw = False
    assert revision.number > marked


def test_children_name_every_tracked_field() -> None:
    """Every dataclass field whose annotation names a Tracked class is a child."""
    tracked_names = {
        record.__name__
        for module in (containers, health, networks, volumes)
        for record in vars(module).values()
        if isinstance(record, type) and issubclass(record, Tracked)
    }
    assert {"Container", "State", "Health", "Attachment", "Endpoint"} <= tracked_names
    for record in (Container, State, Attachment, Endpoint, MountPoint):
        for field in dataclasses.fields(record):
            annotation = str(field.type)
            if any(name in annotation for name in tracked_names):
                assert field.name in record._children, (record.__name__, field.name)


def test_store_adopts_created_container(engine: Engine) -> None:
    container = create(engine, "web")
    created = container.revision_number()
    assert created is not None
    container.state.error = "changed"
    assert (container.revision_number() or 0) > created


def test_change_leaves_other_containers(engine: Engine) -> None:
    other = Engine(DaemonConfig())
    try:
        mine = create(engine, "web")
        neighbour = create(engine, "db")
        elsewhere = create(other, "web")
        before = (neighbour.revision_number(), elsewhere.revision_number())
        engine.containers.start(mine.id)
        engine.containers.rename(mine.id, "frontend")
        engine.containers.stop(mine.id)
        assert neighbour.revision_number() == before[0]
        assert elsewhere.revision_number() == before[1]
    finally:
        other.close()


def test_connect_adopts_new_endpoint(engine: Engine) -> None:
    store = engine.containers
    engine.networks.create({"Name": "backend"})
    container = create(engine, "web")
    store.start(container.id)
    engine.networks.connect("backend", container, None)
    opened = container.networks["backend"].endpoint
    assert opened is not None
    before = container.revision_number()
    assert before is not None
    opened.mac_address = "02:42:ac:12:00:09"
    assert (container.revision_number() or 0) > before
