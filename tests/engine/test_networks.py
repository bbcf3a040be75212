"""Tests for the network store: creation, addresses, connect and disconnect."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from fakedaemon.config import DaemonConfig
from fakedaemon.engine.containers import Container
from fakedaemon.engine.engine import Engine
from fakedaemon.errors import (
    Conflict,
    DaemonError,
    Forbidden,
    InvalidParameter,
    NotFound,
)

from .. import polling


@pytest.fixture
def engine() -> Iterator[Engine]:
    running = Engine(DaemonConfig())
    yield running
    running.close()


def run(engine: Engine, network: str = "bridge", **settings: Any) -> Container:
    container = engine.containers.create(
        {"Image": "busybox", "Cmd": ["sleep", "300"]},
        {"NetworkMode": network},
        networking_config=settings or None,
    )
    engine.containers.start(container.id)
    return container


def test_predefined_networks(engine: Engine) -> None:
    names = [network.name for network in engine.networks.all()]
    assert names == ["bridge", "host", "none"]
    bridge = engine.networks.get("bridge")
    assert bridge.ipam_config == [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]


def test_first_user_network_pool(engine: Engine) -> None:
    first, _ = engine.networks.create({"Name": "one"})
    second, _ = engine.networks.create({"Name": "two"})
    assert first.ipam_config == [{"Subnet": "172.18.0.0/16", "Gateway": "172.18.0.1"}]
    assert second.ipam_config == [{"Subnet": "172.19.0.0/16", "Gateway": "172.19.0.1"}]


def test_removed_pool_waits_its_turn(engine: Engine) -> None:
    # Engine 20.10 gave 172.21, 172.22, then 172.23 after both were removed.
    engine.networks.create({"Name": "one"})
    engine.networks.remove("one")
    again, _ = engine.networks.create({"Name": "again"})
    assert again.ipam_config == [{"Subnet": "172.19.0.0/16", "Gateway": "172.19.0.1"}]


def test_pool_search_wraps_around(engine: Engine) -> None:
    created = [engine.networks.create({"Name": f"n{index}"})[0] for index in range(30)]
    for network in created[1:]:
        engine.networks.remove(network.name)
    wrapped, _ = engine.networks.create({"Name": "wrapped"})
    # 172.17 is the bridge's and 172.18 is still in use by n0.
    assert wrapped.ipam_config == [{"Subnet": "172.19.0.0/16", "Gateway": "172.19.0.1"}]


def test_user_subnet_hides_gateway(engine: Engine) -> None:
    network, _ = engine.networks.create(
        {"Name": "net1", "IPAM": {"Config": [{"Subnet": "10.10.0.0/24"}]}}
    )
    assert network.ipam_config == [{"Subnet": "10.10.0.0/24"}]


def test_duplicate_name(engine: Engine) -> None:
    engine.networks.create({"Name": "net1"})
    with pytest.raises(Conflict) as raised:
        engine.networks.create({"Name": "net1"})
    assert raised.value.message == "network with name net1 already exists"


def test_duplicate_name_legacy_warns() -> None:
    engine = Engine(DaemonConfig(engine="20.10"))
    first, _ = engine.networks.create({"Name": "net1"})
    _, warning = engine.networks.create({"Name": "net1"})
    assert warning == f"Network with name net1 (id : {first.id}) already exists"
    with pytest.raises(InvalidParameter) as raised:
        engine.networks.get("net1")
    assert raised.value.message == (
        "2 matches found based on name: network net1 is ambiguous"
    )
    engine.close()


@pytest.mark.parametrize(
    ("request_body", "error", "message"),
    [
        (
            {"Name": "bridge"},
            Forbidden,
            "operation is not permitted on predefined bridge network ",
        ),
        ({"Name": ""}, InvalidParameter, "invalid name: "),
        ({"Name": "x", "Driver": "nope"}, NotFound, 'plugin "nope" not found'),
        (
            {"Name": "x", "Driver": "host"},
            Forbidden,
            'only one instance of "host" network is allowed',
        ),
        (
            {"Name": "x", "IPAM": {"Config": [{"Subnet": "bogus"}]}},
            InvalidParameter,
            "invalid network config:\ninvalid subnet bogus: invalid CIDR block "
            "notation",
        ),
        (
            {
                "Name": "x",
                "IPAM": {"Config": [{"Subnet": "10.2.0.0/24", "Gateway": "10.3.0.1"}]},
            },
            InvalidParameter,
            "invalid network config:\ninvalid gateway 10.3.0.1: parent subnet "
            "10.2.0.0/24 doesn't contain this address",
        ),
        (
            {"Name": "x", "IPAM": {"Config": [{"Subnet": "172.17.5.0/24"}]}},
            Forbidden,
            "Pool overlaps with other one on this address space",
        ),
    ],
)
def test_create_rejects(
    engine: Engine,
    request_body: dict[str, Any],
    error: type[DaemonError],
    message: str,
) -> None:
    with pytest.raises(error) as raised:
        engine.networks.create(request_body)
    assert raised.value.message == message


def test_remove_predefined(engine: Engine) -> None:
    with pytest.raises(Forbidden) as raised:
        engine.networks.remove("bridge")
    assert raised.value.message == (
        "bridge is a pre-defined network and cannot be removed"
    )


def test_get_missing(engine: Engine) -> None:
    with pytest.raises(NotFound) as raised:
        engine.networks.get("nope")
    assert raised.value.message == "network nope not found"


def test_get_by_prefix(engine: Engine) -> None:
    network, _ = engine.networks.create({"Name": "net1"})
    assert engine.networks.get(network.id[:12]) is network


def test_bridge_address_on_start(engine: Engine) -> None:
    container = run(engine)
    endpoint = container.networks["bridge"].endpoint
    assert endpoint is not None
    assert endpoint.address == "172.17.0.2"
    assert endpoint.gateway == "172.17.0.1"
    assert endpoint.mac_address == "02:42:ac:11:00:02"


def test_addresses_are_released(engine: Engine) -> None:
    first = run(engine)
    engine.containers.stop(first.id, timeout=0)
    assert first.networks["bridge"].endpoint is None
    second = run(engine)
    endpoint = second.networks["bridge"].endpoint
    assert endpoint is not None
    assert endpoint.address == "172.17.0.2"


def test_remove_with_active_endpoint(engine: Engine) -> None:
    network, _ = engine.networks.create({"Name": "net1"})
    run(engine, "net1")
    with pytest.raises(Forbidden) as raised:
        engine.networks.remove("net1")
    assert raised.value.message == (
        f"error while removing network: network net1 id {network.id} has active "
        "endpoints"
    )


def test_connect_requested_address(engine: Engine) -> None:
    engine.networks.create(
        {"Name": "net1", "IPAM": {"Config": [{"Subnet": "10.10.0.0/24"}]}}
    )
    container = run(engine)
    engine.networks.connect(
        "net1", container, {"IPAMConfig": {"IPv4Address": "10.10.0.9"}}
    )
    endpoint = container.networks["net1"].endpoint
    assert endpoint is not None
    assert endpoint.address == "10.10.0.9"
    assert engine.networks.get("net1").endpoints[container.id] is endpoint


def test_connect_address_in_use(engine: Engine) -> None:
    engine.networks.create(
        {"Name": "net1", "IPAM": {"Config": [{"Subnet": "10.10.0.0/24"}]}}
    )
    first = run(engine)
    second = run(engine)
    settings = {"IPAMConfig": {"IPv4Address": "10.10.0.9"}}
    engine.networks.connect("net1", first, settings)
    with pytest.raises(Forbidden) as raised:
        engine.networks.connect("net1", second, settings)
    assert raised.value.message == "Address already in use"


def test_connect_address_without_user_subnet(engine: Engine) -> None:
    engine.networks.create({"Name": "net1"})
    container = run(engine)
    with pytest.raises(InvalidParameter) as raised:
        engine.networks.connect(
            "net1", container, {"IPAMConfig": {"IPv4Address": "172.18.0.9"}}
        )
    assert "user configured subnets" in raised.value.message


def test_connect_twice(engine: Engine) -> None:
    engine.networks.create({"Name": "net1"})
    container = run(engine, "net1")
    with pytest.raises(Forbidden) as raised:
        engine.networks.connect("net1", container, None)
    name = container.name.lstrip("/")
    assert raised.value.message == (
        f"endpoint with name {name} already exists in network net1"
    )


def test_connect_host_network(engine: Engine) -> None:
    container = run(engine)
    with pytest.raises(InvalidParameter) as raised:
        engine.networks.connect("host", container, None)
    assert raised.value.message == (
        "container cannot be disconnected from host network or connected to "
        "host network"
    )


def test_disconnect_not_connected(engine: Engine) -> None:
    engine.networks.create({"Name": "net1"})
    container = run(engine)
    with pytest.raises(DaemonError) as raised:
        engine.networks.disconnect("net1", container)
    assert raised.value.status == 500
    assert raised.value.message == (
        f"container {container.id} is not connected to network net1"
    )


def test_disconnect_releases_address(engine: Engine) -> None:
    network, _ = engine.networks.create({"Name": "net1"})
    container = run(engine)
    engine.networks.connect("net1", container, None)
    engine.networks.disconnect("net1", container)
    assert "net1" not in container.networks
    assert network.endpoints == {}
    assert network.pools[0].allocated == set()


def test_start_after_network_removed(engine: Engine) -> None:
    engine.networks.create({"Name": "net1"})
    container = engine.containers.create(
        {"Image": "busybox", "Cmd": ["sleep", "300"]}, {"NetworkMode": "net1"}
    )
    engine.networks.remove("net1")
    with pytest.raises(NotFound) as raised:
        engine.containers.start(container.id)
    assert raised.value.message == (
        "could not find a network matching network mode net1: network net1 not found"
    )


def test_create_unknown_network(engine: Engine) -> None:
    with pytest.raises(NotFound):
        engine.containers.create(
            {"Image": "busybox", "Cmd": ["true"]}, {"NetworkMode": "nope"}
        )


def test_aliases_on_default_bridge(engine: Engine) -> None:
    with pytest.raises(InvalidParameter) as raised:
        run(engine, EndpointsConfig={"bridge": {"Aliases": ["web"]}})
    assert "only supported for user-defined networks" in raised.value.message


def test_prune_keeps_used(engine: Engine) -> None:
    engine.networks.create({"Name": "idle"})
    engine.networks.create({"Name": "busy"})
    run(engine, "busy")
    assert engine.networks.prune() == ["idle"]


def test_events(engine: Engine) -> None:
    engine.networks.create({"Name": "net1"})
    container = run(engine, "net1")
    engine.containers.stop(container.id, timeout=0)
    engine.networks.remove("net1")
    actions = [
        event.action for event in engine.events.snapshot() if event.type == "network"
    ]
    assert actions == ["create", "connect", "disconnect", "destroy"]


def test_restart_to_removed_network_exits(engine: Engine) -> None:
    """A restart that finds its network removed leaves the container exited."""
    engine.clock.freeze()
    engine.networks.create({"Name": "backend"})
    store = engine.containers
    container = store.create(
        {"Image": "busybox", "Cmd": ["sh", "-c", "exit 3"]},
        {"NetworkMode": "backend", "RestartPolicy": {"Name": "always"}},
    )
    store.start(container.id)
    assert polling.eventually(lambda: container.state.restarting, 5)
    # The exit released the endpoint, so nothing keeps the network.
    engine.networks.remove("backend")

    engine.clock.advance(1)

    state = container.state
    assert polling.eventually(lambda: not state.restarting, 5)
    assert state.status == "exited"
    assert not state.running
    assert state.exit_code == 3
    assert state.error == "network backend not found"
    assert container.restart_count == 1


def test_connect_and_disconnect_take_container_lock(engine: Engine) -> None:
    """Inspect reads a container's networks under the container store's lock."""
    engine.networks.create({"Name": "backend"})
    store = engine.containers
    container = store.create({"Image": "busybox", "Cmd": ["true"]}, None)

    def change_while_locked(change: Callable[[], None]) -> bool:
        """Return whether ``change`` waited for the lock that this thread holds."""
        done = threading.Event()

        def run() -> None:
            change()
            done.set()

        with store.changed:
            thread = threading.Thread(target=run)
            thread.start()
            waited = not done.wait(0.2)
        thread.join(5)
        return waited and done.is_set()

    assert change_while_locked(
        lambda: engine.networks.connect("backend", container, None)
    )
    assert "backend" in container.networks
    assert change_while_locked(lambda: engine.networks.disconnect("backend", container))
    assert "backend" not in container.networks
