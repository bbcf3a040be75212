"""Secrets, configs and nodes of a swarm."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakedaemon import DaemonConfig
from fakedaemon.api.filters import Filters
from fakedaemon.engine.engine import Engine
from fakedaemon.errors import Conflict, DaemonError, InvalidParameter, NotFound

INIT = {"ListenAddr": "127.0.0.1:2377", "AdvertiseAddr": "127.0.0.1"}


@pytest.fixture
def engine() -> Iterator[Engine]:
    created = Engine(DaemonConfig())
    created.swarm.init(INIT)
    try:
        yield created
    finally:
        created.close()


def test_secret_hides_data(engine: Engine) -> None:
    secret_id = engine.swarm.secrets.create({"Name": "s1", "Labels": {"a": "b"}}, b"x")
    secret = engine.swarm.secrets.get("s1")
    assert secret.meta.id == secret_id
    assert secret.spec == {"Name": "s1", "Labels": {"a": "b"}}
    assert secret.data == b"x"


def test_config_shows_data(engine: Engine) -> None:
    engine.swarm.configs.create({"Name": "c1"}, b"hello")
    assert engine.swarm.configs.get("c1").spec["Data"] == "aGVsbG8="


def test_config_templating_kept(engine: Engine) -> None:
    engine.swarm.configs.create({"Name": "t", "Templating": {"Name": "golang"}}, b"x")
    assert engine.swarm.configs.get("t").spec["Templating"] == {"Name": "golang"}


def test_duplicate_name(engine: Engine) -> None:
    engine.swarm.secrets.create({"Name": "s1"}, b"x")
    with pytest.raises(Conflict) as raised:
        engine.swarm.secrets.create({"Name": "s1"}, b"x")
    assert raised.value.message == (
        "rpc error: code = AlreadyExists desc = secret s1 already exists"
    )


@pytest.mark.parametrize("name", ["bad name!", "-x", "x" * 65])
def test_invalid_name(engine: Engine, name: str) -> None:
    with pytest.raises(InvalidParameter) as raised:
        engine.swarm.secrets.create({"Name": name}, b"x")
    assert "invalid name, only 64 [a-zA-Z0-9-_.] characters" in raised.value.message


def test_empty_data(engine: Engine) -> None:
    with pytest.raises(InvalidParameter) as secret:
        engine.swarm.secrets.create({"Name": "s"}, b"")
    assert secret.value.message.endswith(
        "secret data must be larger than 0 and less than 512000 bytes"
    )
    with pytest.raises(InvalidParameter) as config:
        engine.swarm.configs.create({"Name": "c"}, b"")
    assert config.value.message.endswith(
        "config data must be larger than 0 and less than 1024000 bytes"
    )


def test_secret_driver_missing(engine: Engine) -> None:
    with pytest.raises(DaemonError) as raised:
        engine.swarm.secrets.create({"Name": "s", "Driver": {"Name": "vault"}}, b"x")
    assert raised.value.status == 500
    assert raised.value.message.endswith('plugin "vault" not found')


def test_update_labels_only(engine: Engine) -> None:
    engine.swarm.secrets.create({"Name": "s1"}, b"x")
    secret = engine.swarm.secrets.get("s1")
    engine.swarm.secrets.update(
        "s1", secret.meta.index, {"Name": "s1", "Labels": {"n": "1"}}, None
    )
    updated = engine.swarm.secrets.get("s1")
    assert updated.spec["Labels"] == {"n": "1"}
    assert updated.meta.index > secret.meta.index
    with pytest.raises(InvalidParameter) as data:
        engine.swarm.secrets.update("s1", updated.meta.index, {"Name": "s1"}, b"y")
    assert data.value.message.endswith("only updates to Labels are allowed")
    with pytest.raises(InvalidParameter):
        engine.swarm.secrets.update("s1", updated.meta.index, {"Name": "s2"}, None)


def test_config_update_same_data(engine: Engine) -> None:
    engine.swarm.configs.create({"Name": "c1"}, b"x")
    config = engine.swarm.configs.get("c1")
    engine.swarm.configs.update("c1", config.meta.index, {"Name": "c1"}, b"x")
    changed = engine.swarm.configs.get("c1")
    with pytest.raises(InvalidParameter):
        engine.swarm.configs.update("c1", changed.meta.index, {"Name": "c1"}, b"y")


def test_remove_in_use(engine: Engine) -> None:
    secret_id = engine.swarm.secrets.create({"Name": "s1"}, b"x")
    engine.swarm.services.create(
        {
            "Name": "web",
            "TaskTemplate": {
                "ContainerSpec": {
                    "Image": "busybox",
                    "Secrets": [{"SecretID": secret_id, "SecretName": "s1"}],
                }
            },
        }
    )
    with pytest.raises(InvalidParameter) as raised:
        engine.swarm.secrets.remove("s1")
    assert raised.value.message == (
        "rpc error: code = InvalidArgument desc = secret 's1' is in use by the "
        "following service: web"
    )
    engine.swarm.services.remove("web")
    engine.swarm.secrets.remove("s1")
    with pytest.raises(NotFound) as gone:
        engine.swarm.secrets.get("s1")
    assert gone.value.message == "secret s1 not found"


def test_missing_reference(engine: Engine) -> None:
    with pytest.raises(InvalidParameter) as raised:
        engine.swarm.services.create(
            {
                "Name": "web",
                "TaskTemplate": {
                    "ContainerSpec": {
                        "Image": "busybox",
                        "Configs": [{"ConfigID": "nope", "ConfigName": "nope"}],
                    }
                },
            }
        )
    assert raised.value.message.endswith("config not found: nope")


def test_list_filters(engine: Engine) -> None:
    engine.swarm.secrets.create({"Name": "alpha", "Labels": {"k": "v"}}, b"x")
    engine.swarm.secrets.create({"Name": "beta"}, b"x")

    def names(**filters: list[str]) -> list[str]:
        found = engine.swarm.secrets.list(Filters(filters))
        return sorted(b.spec["Name"] for b in found)

    assert names() == ["alpha", "beta"]
    assert names(name=["al"]) == ["alpha"]
    assert names(names=["al"]) == []
    assert names(names=["beta"]) == ["beta"]
    assert names(label=["k=v"]) == ["alpha"]


def test_blob_events(engine: Engine) -> None:
    secret_id = engine.swarm.secrets.create({"Name": "s1"}, b"x")
    engine.swarm.secrets.remove(secret_id)
    events = [e for e in engine.events.snapshot() if e.type == "secret"]
    assert [(e.action, e.attributes, e.scope) for e in events] == [
        ("create", {"name": "s1"}, "swarm"),
        ("remove", {"name": "s1"}, "swarm"),
    ]


def test_node_update(engine: Engine) -> None:
    node = engine.swarm.nodes.get(engine.swarm.node_id)
    spec = {"Labels": {"zone": "a"}, "Role": "manager", "Availability": "drain"}
    engine.swarm.nodes.update(node.meta.id, node.meta.index, spec)
    updated = engine.swarm.nodes.get(node.meta.id)
    assert updated.spec == spec
    found = engine.swarm.nodes.list(Filters({"node.label": ["zone=a"]}))
    assert [n.meta.id for n in found] == [node.meta.id]


def test_node_demote_last_manager(engine: Engine) -> None:
    node = engine.swarm.nodes.get(engine.swarm.node_id)
    spec = {"Labels": {}, "Role": "worker", "Availability": "active"}
    with pytest.raises(InvalidParameter) as raised:
        engine.swarm.nodes.update(node.meta.id, node.meta.index, spec)
    assert raised.value.message.endswith(
        "attempting to demote the last manager of the swarm"
    )


def test_node_remove_rejected(engine: Engine) -> None:
    node_id = engine.swarm.node_id
    with pytest.raises(InvalidParameter) as raised:
        engine.swarm.nodes.remove(node_id, True)
    assert raised.value.message == (
        f"rpc error: code = FailedPrecondition desc = node {node_id} is a cluster "
        "manager and is a member of the raft cluster. It must be demoted to "
        "worker before removal"
    )


def test_node_filters(engine: Engine) -> None:
    assert len(engine.swarm.nodes.list(Filters({"role": ["manager"]}))) == 1
    assert engine.swarm.nodes.list(Filters({"role": ["worker"]})) == []
    assert len(engine.swarm.nodes.list(Filters({"name": ["fake"]}))) == 1
    with pytest.raises(InvalidParameter):
        engine.swarm.nodes.list(Filters({"role": ["boss"]}))


def test_drained_node_stops_tasks(engine: Engine) -> None:
    import time

    engine.swarm.services.create(
        {
            "Name": "g",
            "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Args": ["top"]}},
            "Mode": {"Global": {}},
        }
    )
    node = engine.swarm.nodes.get(engine.swarm.node_id)
    spec = {"Labels": {}, "Role": "manager", "Availability": "drain"}
    engine.swarm.nodes.update(node.meta.id, node.meta.index, spec)
    time.sleep(0.5)
    tasks = engine.swarm.tasks.list(Filters({"desired-state": ["running"]}))
    assert tasks == []
