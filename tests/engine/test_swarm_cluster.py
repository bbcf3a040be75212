"""The swarm's life: init, update, tokens, autolock, join and leave."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakedaemon import DaemonConfig
from fakedaemon.engine.engine import Engine
from fakedaemon.engine.swarm import identifiers
from fakedaemon.errors import (
    Conflict,
    DaemonError,
    InvalidParameter,
    Unauthorized,
    Unavailable,
)

INIT = {"ListenAddr": "127.0.0.1:2377", "AdvertiseAddr": "127.0.0.1"}


@pytest.fixture
def engine() -> Iterator[Engine]:
    created = Engine(DaemonConfig(seed=7))
    try:
        yield created
    finally:
        created.close()


def test_inactive_rejects_inspect(engine: Engine) -> None:
    with pytest.raises(Unavailable) as raised:
        engine.swarm.inspect()
    assert raised.value.message.startswith("This node is not a swarm manager.")


def test_init_returns_node_id(engine: Engine) -> None:
    node_id = engine.swarm.init(INIT)
    assert len(node_id) == 25
    assert engine.swarm.node_id == node_id
    assert engine.swarm.ping_state() == "active/manager"


def test_init_without_listen_address(engine: Engine) -> None:
    with pytest.raises(InvalidParameter) as raised:
        engine.swarm.init({})
    assert raised.value.message == 'invalid ListenAddr "": invalid empty address'


def test_init_twice(engine: Engine) -> None:
    engine.swarm.init(INIT)
    with pytest.raises(Unavailable) as raised:
        engine.swarm.init(INIT)
    assert "already part of a swarm" in raised.value.message


def test_force_new_cluster_keeps_node(engine: Engine) -> None:
    node_id = engine.swarm.init(INIT)
    assert engine.swarm.init({**INIT, "ForceNewCluster": True}) == node_id


def test_default_spec(engine: Engine) -> None:
    engine.swarm.init(INIT)
    cluster = engine.swarm.inspect()
    assert cluster.spec["Orchestration"] == {"TaskHistoryRetentionLimit": 5}
    assert cluster.spec["Dispatcher"] == {"HeartbeatPeriod": 5_000_000_000}
    assert cluster.spec["CAConfig"] == {"NodeCertExpiry": 7_776_000_000_000_000}
    assert cluster.spec["Raft"]["SnapshotInterval"] == 10000
    assert cluster.default_addr_pool == ["10.0.0.0/8"]
    assert cluster.subnet_size == 24
    assert cluster.data_path_port == 4789


def test_init_spec_overrides(engine: Engine) -> None:
    engine.swarm.init(
        {**INIT, "Spec": {"Orchestration": {"TaskHistoryRetentionLimit": 2}}}
    )
    spec = engine.swarm.inspect().spec
    assert spec["Orchestration"]["TaskHistoryRetentionLimit"] == 2
    assert spec["Raft"]["ElectionTick"] == 10


def test_join_tokens_shape(engine: Engine) -> None:
    engine.swarm.init(INIT)
    with engine.swarm.lock:
        tokens = engine.swarm.join_tokens()
    assert identifiers.is_join_token(tokens["Worker"])
    assert identifiers.is_join_token(tokens["Manager"])
    assert tokens["Worker"].rsplit("-", 1)[0] == tokens["Manager"].rsplit("-", 1)[0]


def test_update_out_of_sequence(engine: Engine) -> None:
    engine.swarm.init(INIT)
    cluster = engine.swarm.inspect()
    with pytest.raises(DaemonError) as raised:
        engine.swarm.update(cluster.meta.index + 5, cluster.spec)
    assert raised.value.status == 500
    assert raised.value.message == (
        "rpc error: code = Unknown desc = update out of sequence"
    )


def test_update_rotates_worker_token(engine: Engine) -> None:
    engine.swarm.init(INIT)
    with engine.swarm.lock:
        before = engine.swarm.join_tokens()
    cluster = engine.swarm.inspect()
    engine.swarm.update(cluster.meta.index, cluster.spec, rotate_worker_token=True)
    with engine.swarm.lock:
        after = engine.swarm.join_tokens()
    assert after["Worker"] != before["Worker"]
    assert after["Manager"] == before["Manager"]
    assert engine.swarm.inspect().meta.index > cluster.meta.index


def test_autolock_unlock_key(engine: Engine) -> None:
    engine.swarm.init(INIT)
    assert engine.swarm.get_unlock_key() == ""
    cluster = engine.swarm.inspect()
    spec = cluster.spec
    spec["EncryptionConfig"] = {"AutoLockManagers": True}
    engine.swarm.update(cluster.meta.index, spec)
    key = engine.swarm.get_unlock_key()
    assert key.startswith("SWMKEY-1-")
    assert identifiers.parse_unlock_key(key) is not None


def test_unlock_when_not_locked(engine: Engine) -> None:
    engine.swarm.init({**INIT, "AutoLockManagers": True})
    with pytest.raises(Conflict) as raised:
        engine.swarm.unlock(engine.swarm.get_unlock_key())
    assert raised.value.message == "swarm is not locked"


def test_locked_after_restart(engine: Engine) -> None:
    engine.swarm.init({**INIT, "AutoLockManagers": True})
    key = engine.swarm.get_unlock_key()
    assert engine.swarm.simulate_restart()
    assert engine.swarm.ping_state() == "locked"
    with pytest.raises(Unavailable) as raised:
        engine.swarm.inspect()
    assert "needs to be unlocked" in raised.value.message
    with pytest.raises(Unauthorized):
        engine.swarm.unlock(identifiers.unlock_key(engine.ids))
    with pytest.raises(DaemonError) as malformed:
        engine.swarm.unlock("nope")
    assert malformed.value.message == "invalid key string"
    engine.swarm.unlock(key)
    assert engine.swarm.ping_state() == "active/manager"


def test_restart_without_autolock(engine: Engine) -> None:
    engine.swarm.init(INIT)
    assert not engine.swarm.simulate_restart()


def test_leave_locked_needs_force(engine: Engine) -> None:
    engine.swarm.init({**INIT, "AutoLockManagers": True})
    engine.swarm.simulate_restart()
    with pytest.raises(Unavailable) as raised:
        engine.swarm.leave(False)
    assert raised.value.message.startswith("Swarm is encrypted and locked.")
    engine.swarm.leave(True)
    assert engine.swarm.state == "inactive"


def test_join_unreachable_manager(engine: Engine) -> None:
    token = identifiers.join_token(
        identifiers.ca_digest(engine.ids), identifiers.token_secret(engine.ids)
    )
    with pytest.raises(Unavailable) as raised:
        engine.swarm.join(
            {
                "ListenAddr": "0.0.0.0:2377",
                "RemoteAddrs": ["127.0.0.1:1"],
                "JoinToken": token,
            }
        )
    assert "dial tcp 127.0.0.1:1: connect: connection refused" in raised.value.message


def test_join_checks(engine: Engine) -> None:
    with pytest.raises(InvalidParameter) as no_remote:
        engine.swarm.join({"ListenAddr": "0.0.0.0:2377", "RemoteAddrs": []})
    assert no_remote.value.message == "at least 1 RemoteAddr is required to join"
    with pytest.raises(DaemonError) as bad_token:
        engine.swarm.join(
            {"ListenAddr": "0.0.0.0", "RemoteAddrs": ["a:1"], "JoinToken": "x"}
        )
    assert bad_token.value.message == "invalid join token"


def test_leave_needs_force(engine: Engine) -> None:
    engine.swarm.init(INIT)
    with pytest.raises(Unavailable) as raised:
        engine.swarm.leave(False)
    assert "Removing the last manager erases" in raised.value.message


def test_leave_clears_state(engine: Engine) -> None:
    engine.swarm.init(INIT)
    engine.swarm.leave(True)
    assert engine.swarm.state == "inactive"
    assert [n.name for n in engine.networks.all()] == ["bridge", "host", "none"]
    with pytest.raises(Unavailable) as raised:
        engine.swarm.leave(True)
    assert raised.value.message == "This node is not part of a swarm"


def test_ingress_network(engine: Engine) -> None:
    engine.swarm.init(INIT)
    ingress = engine.networks.get("ingress")
    assert ingress.scope == "swarm"
    assert ingress.ingress
    assert ingress.ipam_config == [{"Subnet": "10.0.0.0/24", "Gateway": "10.0.0.1"}]
    assert ingress.options == {"com.docker.network.driver.overlay.vxlanid_list": "4096"}


def test_overlay_network_subnets(engine: Engine) -> None:
    engine.swarm.init(INIT)
    network, warning = engine.networks.create({"Name": "ov", "Driver": "overlay"})
    assert warning == ""
    assert network.ipam_config == [{"Subnet": "10.0.1.0/24", "Gateway": "10.0.1.1"}]
    assert len(network.id) == 25
    with pytest.raises(Conflict):
        engine.networks.create({"Name": "ov", "Driver": "overlay"})


def test_reset_leaves_swarm(engine: Engine) -> None:
    engine.swarm.init(INIT)
    engine.reset()
    assert engine.swarm.state == "inactive"


def test_swarm_events(engine: Engine) -> None:
    node_id = engine.swarm.init(INIT)
    events = [e for e in engine.events.snapshot() if e.type == "node"]
    assert [(e.action, e.actor_id, e.scope) for e in events] == [
        ("create", node_id, "swarm")
    ]
