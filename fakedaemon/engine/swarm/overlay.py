"""Overlay networks of a swarm: ``ingress`` and the ones users create.

Swarm networks take their subnets from the cluster's default address pool
(10.0.0.0/8 cut into /24s unless ``swarm init`` said otherwise), lowest
free first, so ``ingress`` gets 10.0.0.0/24 and the first user network
10.0.1.0/24. Each gets a VXLAN id counting up from 4096.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from ...errors import Conflict, Forbidden, InvalidParameter
from . import identifiers
from .cluster import NOT_A_MANAGER

if TYPE_CHECKING:
    from ..networks import Network
    from .cluster import Swarm

VXLAN_OPTION = "com.docker.network.driver.overlay.vxlanid_list"
_FIRST_VXLAN = 4096


class OverlayNetworks:
    """Creates and removes the overlay networks of one swarm."""

    def __init__(self, swarm: Swarm) -> None:
        self._swarm = swarm
        self._ids: list[str] = []
        self._next_vxlan = _FIRST_VXLAN

    def create_ingress(self) -> Network:
        """Create the ``ingress`` network that publishes service ports."""
        return self._create(
            {"Name": "ingress", "Driver": "overlay", "Ingress": True}, ingress=True
        )

    def create(self, request: dict[str, Any]) -> Network:
        """Create an overlay network from a ``POST /networks/create`` body.

        Raises:
            Forbidden: this node is not a swarm manager.
            Conflict: the name is taken.
        """
        swarm = self._swarm
        with swarm.lock:
            if not swarm.active:
                raise Forbidden(NOT_A_MANAGER)
            return self._create(request, ingress=bool(request.get("Ingress")))

    def _create(self, request: dict[str, Any], *, ingress: bool) -> Network:
        from ..networks import Network, Pool

        store = self._swarm.engine.networks
        name = request.get("Name") or ""
        existing = store.find(name)
        if existing is not None and existing.name == name:
            raise Conflict(f"network with name {name} already exists")
        configs = (request.get("IPAM") or {}).get("Config") or []
        subnet, gateway = self._subnet(configs)
        vxlan = self._next_vxlan
        self._next_vxlan += 1
        options = {VXLAN_OPTION: str(vxlan)}
        options.update(request.get("Options") or {})
        network = Network(
            id=identifiers.object_id(self._swarm.engine.ids),
            name=name,
            driver="overlay",
            created_ns=self._swarm.engine.clock.time_ns(),
            scope="swarm",
            internal=bool(request.get("Internal")),
            attachable=bool(request.get("Attachable")),
            ingress=ingress,
            enable_ipv6=bool(request.get("EnableIPv6")),
            ipam_config=[{"Subnet": str(subnet), "Gateway": str(gateway)}],
            options=options,
            labels=dict(request.get("Labels") or {}),
            pools=[Pool(subnet, gateway)],
            user_subnets=bool(configs),
        )
        store.adopt(network)
        self._ids.append(network.id)
        return network

    def _subnet(
        self, configs: list[dict[str, Any]]
    ) -> tuple[ipaddress.IPv4Network, ipaddress.IPv4Address]:
        if configs:
            text = configs[0].get("Subnet") or ""
            try:
                subnet = ipaddress.IPv4Network(text, strict=False)
            except ValueError:
                raise InvalidParameter(f"invalid subnet {text}") from None
            gateway_text = configs[0].get("Gateway") or ""
            gateway = (
                ipaddress.IPv4Address(gateway_text)
                if gateway_text
                else next(subnet.hosts())
            )
            return subnet, gateway
        cluster = self._swarm.cluster
        assert cluster is not None
        taken = [
            pool.subnet
            for network in self._swarm.engine.networks.all()
            for pool in network.pools
        ]
        for pool_text in cluster.default_addr_pool:
            pool = ipaddress.IPv4Network(pool_text, strict=False)
            for candidate in pool.subnets(new_prefix=cluster.subnet_size):
                if any(candidate.overlaps(other) for other in taken):
                    continue
                return candidate, next(candidate.hosts())
        raise Forbidden("could not find an available IP while allocating VIP")

    def ingress(self) -> Network | None:
        """Return the ``ingress`` network, if it still exists."""
        for network in self._swarm.engine.networks.all():
            if network.ingress and network.id in self._ids:
                return network
        return None

    def ids(self) -> list[str]:
        """Return the ids of the swarm's networks, oldest first."""
        return list(self._ids)

    @property
    def next_vxlan(self) -> int:
        """The VXLAN id the next network gets."""
        return self._next_vxlan

    def restore(self, ids: list[str], next_vxlan: int) -> None:
        """Take over the networks of a state dump, already in the network store."""
        self._ids = list(ids)
        self._next_vxlan = next_vxlan

    def remove_all(self) -> None:
        """Remove every swarm network (the swarm is being left)."""
        store = self._swarm.engine.networks
        for network_id in self._ids:
            store.discard(network_id)
        self._ids.clear()
        self._next_vxlan = _FIRST_VXLAN
