"""Tests for the volume store: names, removal, prune and volume data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine
from fakedaemon.engine.volumes import ANONYMOUS_LABEL
from fakedaemon.errors import Conflict, InvalidParameter, NotFound, Unavailable


@pytest.fixture
def engine() -> Iterator[Engine]:
    running = Engine(DaemonConfig())
    yield running
    running.close()


def run_to_exit(engine: Engine, container_id: str) -> None:
    engine.containers.start(container_id)
    container = engine.containers.get(container_id)
    engine.containers.wait(container, "not-running")


def test_create_generates_anonymous_name(engine: Engine) -> None:
    volume = engine.volumes.create()
    assert len(volume.name) == 64
    assert volume.anonymous
    assert volume.labels == {ANONYMOUS_LABEL: ""}


def test_create_legacy_engine_has_no_label() -> None:
    engine = Engine(DaemonConfig(engine="20.10"))
    volume = engine.volumes.create()
    assert volume.labels is None
    engine.close()


def test_create_existing_returns_it(engine: Engine) -> None:
    first = engine.volumes.create("data", labels={"a": "b"})
    second = engine.volumes.create("data", labels={"x": "y"})
    assert second is first
    assert second.labels == {"a": "b"}


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("a", "volume name is too short"),
        ("a/b", "includes invalid characters for a local volume name"),
        ("-x", "includes invalid characters for a local volume name"),
    ],
)
def test_create_invalid_name(engine: Engine, name: str, fragment: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        engine.volumes.create(name)
    assert raised.value.message.startswith(f"create {name}: ")
    assert fragment in raised.value.message


def test_create_unknown_driver(engine: Engine) -> None:
    with pytest.raises(NotFound) as raised:
        engine.volumes.create("data", driver="other")
    assert raised.value.message == (
        'create data: error looking up volume plugin other: plugin "other" not found'
    )


def test_create_invalid_option(engine: Engine) -> None:
    with pytest.raises(InvalidParameter) as raised:
        engine.volumes.create("data", options={"bogus": "1"})
    assert raised.value.message == 'create data: invalid option: "bogus"'


def test_document_shape(engine: Engine) -> None:
    document = engine.volumes.create("data").document()
    assert document["Mountpoint"] == "/var/lib/docker/volumes/data/_data"
    assert document["Scope"] == "local"
    assert document["CreatedAt"].endswith("Z")
    assert "." not in document["CreatedAt"]


def test_get_missing(engine: Engine) -> None:
    with pytest.raises(NotFound) as raised:
        engine.volumes.get("nope")
    assert raised.value.message == "get nope: no such volume"


def test_remove_missing_with_force(engine: Engine) -> None:
    engine.volumes.remove("nope", force=True)
    with pytest.raises(NotFound):
        engine.volumes.remove("nope")


def test_remove_in_use(engine: Engine) -> None:
    container = engine.containers.create(
        {"Image": "busybox", "Cmd": ["true"]}, {"Binds": ["data:/data"]}
    )
    with pytest.raises(Conflict) as raised:
        engine.volumes.remove("data", force=True)
    assert raised.value.message == (f"remove data: volume is in use - [{container.id}]")


def test_prune_keeps_named_by_default(engine: Engine) -> None:
    engine.volumes.create("named")
    anonymous = engine.volumes.create()
    removed, reclaimed = engine.volumes.prune(all_volumes=False)
    assert removed == [anonymous.name]
    assert reclaimed == 0
    assert [volume.name for volume in engine.volumes.all()] == ["named"]


def test_prune_all_skips_used(engine: Engine) -> None:
    engine.volumes.create("idle")
    engine.containers.create(
        {"Image": "busybox", "Cmd": ["true"]}, {"Binds": ["busy:/data"]}
    )
    removed, _ = engine.volumes.prune(all_volumes=True)
    assert removed == ["idle"]


def test_update_needs_swarm(engine: Engine) -> None:
    with pytest.raises(Unavailable):
        engine.volumes.update("data")


def test_config_volumes_are_anonymous(engine: Engine) -> None:
    container = engine.containers.create(
        {"Image": "busybox", "Cmd": ["true"], "Volumes": {"/cache": {}}}, None
    )
    (mount,) = container.mounts
    assert mount.destination == "/cache"
    assert engine.volumes.get(mount.name).anonymous


def test_bind_modes(engine: Engine) -> None:
    container = engine.containers.create(
        {"Image": "busybox", "Cmd": ["true"]},
        {"Binds": ["data:/data:ro", "/srv:/srv"]},
    )
    documents = [mount.document() for mount in container.mounts]
    assert documents[0]["Mode"] == "ro"
    assert documents[0]["RW"] is False
    assert documents[1]["Type"] == "bind"
    assert documents[1]["Propagation"] == "rprivate"


def test_bind_relative_destination(engine: Engine) -> None:
    with pytest.raises(InvalidParameter) as raised:
        engine.containers.create(
            {"Image": "busybox", "Cmd": ["true"]}, {"Binds": ["data:rel"]}
        )
    assert raised.value.status == 500
    assert "'rel' mount path must be absolute" in raised.value.message


def test_duplicate_mount_point(engine: Engine) -> None:
    with pytest.raises(InvalidParameter) as raised:
        engine.containers.create(
            {"Image": "busybox", "Cmd": ["true"]}, {"Binds": ["a1:/d", "b1:/d"]}
        )
    assert raised.value.message == "Duplicate mount point: /d"


def test_data_survives_containers(engine: Engine) -> None:
    writer = engine.containers.create(
        {"Image": "busybox", "Cmd": ["sh", "-c", "echo kept > /data/file"]},
        {"Binds": ["data:/data"]},
    )
    run_to_exit(engine, writer.id)
    volume = engine.volumes.get("data")
    assert volume.filesystem.read_file("/file") == b"kept\n"
    reader = engine.containers.create(
        {"Image": "busybox", "Cmd": ["cat", "/data/file"]},
        {"Binds": ["data:/data"]},
    )
    run_to_exit(engine, reader.id)
    assert reader.filesystem.read_file("/data/file") == b"kept\n"


def test_read_only_mount_keeps_volume(engine: Engine) -> None:
    container = engine.containers.create(
        {"Image": "busybox", "Cmd": ["sh", "-c", "echo x > /data/file"]},
        {"Binds": ["data:/data:ro"]},
    )
    run_to_exit(engine, container.id)
    assert engine.volumes.get("data").filesystem.listdir("/") == []


def test_remove_container_with_volumes(engine: Engine) -> None:
    container = engine.containers.create(
        {"Image": "busybox", "Cmd": ["true"], "Volumes": {"/cache": {}}},
        {"Binds": ["named:/named"]},
    )
    anonymous = next(m.name for m in container.mounts if m.destination == "/cache")
    engine.containers.remove(container.id, remove_volumes=True)
    names = [volume.name for volume in engine.volumes.all()]
    assert names == ["named"]
    assert anonymous not in names


def test_events_follow_lifecycle(engine: Engine) -> None:
    container = engine.containers.create(
        {"Image": "busybox", "Cmd": ["true"]}, {"Binds": ["data:/data"]}
    )
    run_to_exit(engine, container.id)
    engine.containers.remove(container.id)
    engine.volumes.remove("data")
    actions = [
        event.action for event in engine.events.snapshot() if event.type == "volume"
    ]
    assert actions == ["create", "mount", "unmount", "destroy"]
