"""Networks in a dump: the predefined, user and swarm networks and their pools.

A pool lists the addresses it has given out, service virtual IPs and task
addresses among them. Endpoints belong to the containers' part of the dump,
since a container's attachment contains its endpoint.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...engine.networks import Network, Pool

if TYPE_CHECKING:
    from ...engine.engine import Engine


def dump_networks(engine: Engine) -> list[dict[str, Any]]:
    """Return every network, predefined ones first, then by creation."""
    return [_dump_network(network) for network in engine.networks.all()]


def _dump_network(network: Network) -> dict[str, Any]:
    return {
        "id": network.id,
        "name": network.name,
        "driver": network.driver,
        "created_ns": network.created_ns,
        "scope": network.scope,
        "internal": network.internal,
        "attachable": network.attachable,
        "ingress": network.ingress,
        "enable_ipv6": network.enable_ipv6,
        "ipam_driver": network.ipam_driver,
        "ipam_options": network.ipam_options,
        "ipam_config": network.ipam_config,
        "options": network.options,
        "labels": network.labels,
        "predefined": network.predefined,
        "user_subnets": network.user_subnets,
        "pools": [
            {
                "subnet": str(pool.subnet),
                "gateway": str(pool.gateway) if pool.gateway is not None else None,
                "ip_range": str(pool.ip_range) if pool.ip_range is not None else None,
                "allocated": [
                    str(ipaddress.ip_address(number))
                    for number in sorted(pool.allocated)
                ],
            }
            for pool in network.pools
        ],
    }


def load_networks(engine: Engine, items: list[Mapping[str, Any]]) -> None:
    """Replace the networks of a reset engine with those of a dump.

    A predefined network dumped without an id keeps the id and creation
    time the engine gave it, as dockerd makes the default bridge again at
    each start.
    """
    store = engine.networks
    current = {network.name: network for network in store.all() if network.predefined}
    networks = [_load_network(item, current) for item in items]
    loaded = {network.name for network in networks if network.predefined}
    networks += [network for name, network in current.items() if name not in loaded]
    store.restore(networks)
    for network in networks:
        if network.predefined and network.name == "bridge":
            engine.bridge_network_id = network.id


def _load_network(item: Mapping[str, Any], current: Mapping[str, Network]) -> Network:
    name = str(item["name"])
    predefined = bool(item.get("predefined"))
    network_id = str(item.get("id") or "")
    created_ns = item.get("created_ns")
    if not network_id:
        if not predefined or name not in current:
            raise ValueError(f"invalid state: network {name!r} has no id")
        # A network made again at the start gets a new id and creation time.
        network_id = current[name].id
        created_ns = current[name].created_ns
    ipam_config = item.get("ipam_config")
    ipam_options = item.get("ipam_options")
    return Network(
        id=network_id,
        name=name,
        driver=str(item["driver"]),
        created_ns=int(created_ns or 0),
        scope=str(item.get("scope") or "local"),
        internal=bool(item.get("internal")),
        attachable=bool(item.get("attachable")),
        ingress=bool(item.get("ingress")),
        enable_ipv6=bool(item.get("enable_ipv6")),
        ipam_driver=str(item.get("ipam_driver") or "default"),
        ipam_options=None if ipam_options is None else dict(ipam_options),
        ipam_config=None if ipam_config is None else [dict(c) for c in ipam_config],
        options=dict(item.get("options") or {}),
        labels=dict(item.get("labels") or {}),
        predefined=predefined,
        pools=[_load_pool(pool) for pool in item.get("pools") or []],
        user_subnets=bool(item.get("user_subnets")),
    )


def _load_pool(item: Mapping[str, Any]) -> Pool:
    gateway = item.get("gateway")
    ip_range = item.get("ip_range")
    return Pool(
        subnet=ipaddress.ip_network(str(item["subnet"]), strict=False),
        gateway=ipaddress.ip_address(str(gateway)) if gateway else None,
        ip_range=ipaddress.ip_network(str(ip_range), strict=False)
        if ip_range
        else None,
        allocated={
            int(ipaddress.ip_address(str(a))) for a in item.get("allocated") or []
        },
    )
