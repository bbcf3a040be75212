"""Networks: the predefined and user networks, their addresses and endpoints.

A normal Engine starts with three networks: ``bridge`` (172.17.0.0/16,
gateway 172.17.0.1), ``host`` and ``none``. Networks created without a
subnet get a free pool of dockerd's default address pools (172.17.0.0/16 to
172.31.0.0/16, then 192.168.0.0/16 cut into /20s), searched from the one
after the pool handed out last, so the first user network gets
172.18.0.0/16 and the next one 172.19.0.0/16 even when the first is gone.
Addresses are handed out lowest first when a container starts and given
back when it stops or disconnects.
"""

from __future__ import annotations

import ipaddress
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import Conflict, DaemonError, Forbidden, InvalidParameter, NotFound
from .revision import Tracked

if TYPE_CHECKING:
    from .containers import Container
    from .engine import Engine

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

PREDEFINED = ("bridge", "host", "none")
"""The networks every daemon has; they cannot be created or removed."""

BRIDGE_SUBNET = "172.17.0.0/16"
BRIDGE_GATEWAY = "172.17.0.1"

_DEFAULT_BRIDGE_OPTIONS = {
    "com.docker.network.bridge.default_bridge": "true",
    "com.docker.network.bridge.enable_icc": "true",
    "com.docker.network.bridge.enable_ip_masquerade": "true",
    "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
    "com.docker.network.bridge.name": "docker0",
    "com.docker.network.driver.mtu": "1500",
}
_LOCAL_DRIVERS = ("bridge", "macvlan", "ipvlan")
_SINGLETON_DRIVERS = {"host": "host", "null": "none"}


def _default_pools() -> list[ipaddress.IPv4Network]:
    pools = [ipaddress.IPv4Network(f"172.{second}.0.0/16") for second in range(17, 32)]
    pools += [
        ipaddress.IPv4Network(f"192.168.{third}.0/20") for third in range(0, 256, 16)
    ]
    return pools


class _Legacy(DaemonError):
    # Engine 20.10 reported IPAM errors without an errdefs kind, hence 500.
    status = 500


@dataclass
class Pool:
    """One subnet of a network and the addresses allocated from it."""

    subnet: IPNetwork
    gateway: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    ip_range: IPNetwork | None = None
    allocated: set[int] = field(default_factory=set)

    def contains(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        """Return whether ``address`` may be given out from this pool."""
        return address in (self.ip_range or self.subnet)

    def reserved(self) -> set[int]:
        """Return the addresses never given to containers."""
        reserved = {int(self.subnet.network_address)}
        if self.subnet.version == 4:
            reserved.add(int(self.subnet.broadcast_address))
        if self.gateway is not None:
            reserved.add(int(self.gateway))
        return reserved

    def allocate(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        """Take the lowest free address; None when the pool is exhausted."""
        span = self.ip_range or self.subnet
        taken = self.allocated | self.reserved()
        start = int(span.network_address)
        end = int(span.broadcast_address)
        for number in range(start, end + 1):
            if number not in taken:
                self.allocated.add(number)
                return ipaddress.ip_address(number)
        return None


@dataclass(slots=True)
class Endpoint(Tracked):
    """A running container's place on a network."""

    container_id: str
    container_name: str
    endpoint_id: str
    mac_address: str
    address: str
    prefix_len: int
    gateway: str
    pool: Pool | None

    def document(self) -> dict[str, str]:
        """Return the entry of the network's ``Containers`` map."""
        ipv4 = f"{self.address}/{self.prefix_len}" if self.address else ""
        return {
            "Name": self.container_name,
            "EndpointID": self.endpoint_id,
            "MacAddress": self.mac_address,
            "IPv4Address": ipv4,
            "IPv6Address": "",
        }


@dataclass(slots=True)
class Attachment(Tracked):
    """A container's configuration for one network (``EndpointSettings``)."""

    network_id: str
    aliases: list[str] | None = None
    ipam_config: dict[str, Any] | None = None
    links: list[str] | None = None
    driver_opts: dict[str, str] | None = None
    mac_request: str = ""
    gw_priority: int = 0
    by_connect: bool = False
    endpoint: Endpoint | None = None

    _children: ClassVar[frozenset[str]] = frozenset({"endpoint"})


@dataclass
class Network:
    """One network; the store's lock guards its fields."""

    id: str
    name: str
    driver: str
    created_ns: int
    scope: str = "local"
    internal: bool = False
    attachable: bool = False
    ingress: bool = False
    enable_ipv6: bool = False
    ipam_driver: str = "default"
    ipam_options: dict[str, str] | None = None
    ipam_config: list[dict[str, Any]] | None = None
    options: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    predefined: bool = False
    pools: list[Pool] = field(default_factory=list)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    user_subnets: bool = False

    @property
    def user_defined(self) -> bool:
        """Whether containers get aliases and DNS names on this network."""
        return not self.predefined


class NetworkStore:
    """Every network of one engine, guarded by one lock."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.RLock()
        self._networks: dict[str, Network] = {}
        # libnetwork looks for a free default pool from the one after the
        # last it handed out, so a network created after a removal gets a
        # new subnet rather than the one just freed.
        self._next_pool = 0
        created = engine.started_ns
        bridge = Network(
            id=engine.bridge_network_id,
            name="bridge",
            driver="bridge",
            created_ns=created,
            options=dict(_DEFAULT_BRIDGE_OPTIONS),
            ipam_config=[{"Subnet": BRIDGE_SUBNET, "Gateway": BRIDGE_GATEWAY}],
            predefined=True,
            pools=[
                Pool(
                    ipaddress.IPv4Network(BRIDGE_SUBNET),
                    ipaddress.IPv4Address(BRIDGE_GATEWAY),
                )
            ],
        )
        host = Network(engine.ids.hex_id(), "host", "host", created, predefined=True)
        none = Network(engine.ids.hex_id(), "none", "null", created, predefined=True)
        # dockerd started with --bridge=none has no default bridge network.
        predefined = (bridge, host, none) if engine.rig.bridge else (host, none)
        for network in predefined:
            self._networks[network.id] = network

    @property
    def lock(self) -> threading.RLock:
        """The lock that guards every network and endpoint."""
        return self._lock

    # Lookup ------------------------------------------------------------------

    def all(self) -> list[Network]:
        """Return every network, predefined ones first, then by creation."""
        with self._lock:
            return sorted(
                self._networks.values(),
                key=lambda n: (not n.predefined, n.created_ns, n.name),
            )

    def get(self, reference: str) -> Network:
        """Find a network by full id, name, or unique id prefix."""
        with self._lock:
            found = self._networks.get(reference)
            if found is not None:
                return found
            named = [n for n in self._networks.values() if n.name == reference]
            if len(named) == 1:
                return named[0]
            if len(named) > 1:
                raise InvalidParameter(
                    f"{len(named)} matches found based on name: network "
                    f"{reference} is ambiguous"
                )
            if reference:
                prefixed = [
                    n for n in self._networks.values() if n.id.startswith(reference)
                ]
                if len(prefixed) == 1:
                    return prefixed[0]
                if len(prefixed) > 1:
                    raise InvalidParameter(
                        f"{len(prefixed)} matches found based on ID prefix: "
                        f"network {reference} is ambiguous"
                    )
        raise NotFound(f"network {reference} not found")

    def find(self, reference: str) -> Network | None:
        """Return the network ``reference`` names, or None."""
        try:
            return self.get(reference)
        except (NotFound, InvalidParameter):
            return None

    # Create, remove, prune -----------------------------------------------------

    def create(self, request: dict[str, Any]) -> tuple[Network, str]:
        """Create a network from a ``POST /networks/create`` body.

        Returns:
            The network and the warning dockerd returns with it.
        """
        engine = self._engine
        name = request.get("Name") or ""
        driver = request.get("Driver") or "bridge"
        modern = engine.profile.max_api.at_least("1.44")
        if not name:
            if not modern:
                raise _Legacy("invalid name: ")
            raise InvalidParameter("invalid name: ")
        if name in (*PREDEFINED, "default"):
            raise Forbidden(f"operation is not permitted on predefined {name} network ")
        if driver in _SINGLETON_DRIVERS:
            raise Forbidden(f'only one instance of "{driver}" network is allowed')
        if driver == "overlay":
            # Overlay networks belong to the swarm, so outside one this fails
            # with 403.
            return engine.swarm.overlay.create(request), ""
        if driver not in _LOCAL_DRIVERS:
            raise NotFound(f'plugin "{driver}" not found')
        ipam = request.get("IPAM") or {}
        with self._lock:
            warning = ""
            duplicate = next(
                (n for n in self._networks.values() if n.name == name), None
            )
            # Engine 25.0 (API 1.44) rejects every duplicate name; before, only
            # a request with CheckDuplicate did, others got a warning.
            if duplicate is not None:
                if modern or request.get("CheckDuplicate"):
                    raise Conflict(f"network with name {name} already exists")
                warning = (
                    f"Network with name {name} (id : {duplicate.id}) already exists"
                )
            # Go decodes a null element of the list into an empty config.
            configs = [config or {} for config in ipam.get("Config") or []]
            pools, shown, user_subnets = self._pools(configs, modern)
            network = Network(
                id=engine.ids.hex_id(),
                name=name,
                driver=driver,
                created_ns=engine.clock.time_ns(),
                internal=bool(request.get("Internal")),
                attachable=bool(request.get("Attachable")),
                ingress=bool(request.get("Ingress")),
                enable_ipv6=bool(request.get("EnableIPv6")),
                ipam_driver=ipam.get("Driver") or "default",
                ipam_options=ipam.get("Options") or None,
                ipam_config=shown,
                options=dict(request.get("Options") or {}),
                labels=dict(request.get("Labels") or {}),
                pools=pools,
                user_subnets=user_subnets,
            )
            self._networks[network.id] = network
        self._publish(network, "create")
        return network, warning

    def _pools(
        self, configs: list[dict[str, Any]], modern: bool
    ) -> tuple[list[Pool], list[dict[str, Any]], bool]:
        """Build a new network's pools from its IPAM configs, or pick a free one."""
        taken = [pool.subnet for n in self._networks.values() for pool in n.pools]
        pools: list[Pool] = []
        shown: list[dict[str, Any]] = []
        for config in configs:
            pool, document = _pool_from_config(config, modern)
            for subnet in taken:
                if subnet.version == pool.subnet.version and subnet.overlaps(
                    pool.subnet
                ):
                    raise Forbidden(
                        "Pool overlaps with other one on this address space"
                    )
            taken.append(pool.subnet)
            pools.append(pool)
            shown.append(document)
        if any(pool.subnet.version == 4 for pool in pools):
            return pools, shown, True
        defaults = _default_pools()
        start = self._next_pool
        for offset in range(len(defaults)):
            candidate = defaults[(start + offset) % len(defaults)]
            if any(s.version == 4 and s.overlaps(candidate) for s in taken):
                continue
            self._next_pool = (start + offset + 1) % len(defaults)
            gateway = next(candidate.hosts())
            pools.insert(0, Pool(candidate, gateway))
            shown.insert(0, {"Subnet": str(candidate), "Gateway": str(gateway)})
            return pools, shown, bool(configs)
        raise Forbidden(
            "could not find an available, non-overlapping IPv4 address pool "
            "among the defaults to assign to the network"
        )

    def restore(self, networks: list[Network]) -> None:
        """Replace every network, the predefined ones too, with ``networks``.

        A state load rebuilds them, and their endpoints come back with the
        containers, so no event is published. The search for a free default
        pool starts from the first again, as it does when dockerd restarts.
        """
        with self._lock:
            self._networks = {network.id: network for network in networks}
            self._next_pool = 0

    def adopt(self, network: Network) -> None:
        """Add a network created by the swarm (an overlay network)."""
        with self._lock:
            self._networks[network.id] = network
        self._publish(network, "create")

    def discard(self, network_id: str) -> None:
        """Drop a swarm network when the swarm is left, whatever its endpoints."""
        with self._lock:
            network = self._networks.pop(network_id, None)
        if network is not None:
            self._publish(network, "destroy")

    def remove(self, reference: str) -> None:
        """Remove a network; 403 for predefined ones and for active endpoints."""
        network = self.get(reference)
        if network.scope == "swarm":
            # A service's network is in use even while no task runs on it.
            self._engine.swarm.services.check_network_unused(network.id)
        with self._lock:
            if network.predefined:
                raise Forbidden(
                    f"{network.name} is a pre-defined network and cannot be removed"
                )
            if network.endpoints:
                raise Forbidden(
                    f"error while removing network: network {network.name} id "
                    f"{network.id} has active endpoints"
                )
            self._networks.pop(network.id, None)
        self._publish(network, "destroy")

    def prune(self, keep: Any = None) -> list[str]:
        """Remove user networks without endpoints; return their names.

        ``keep`` is a predicate over a network; networks it accepts stay.
        """
        removed: list[str] = []
        for network in self.all():
            if network.predefined or network.endpoints:
                continue
            if keep is not None and keep(network):
                continue
            try:
                self.remove(network.id)
            except (Forbidden, NotFound):
                continue
            removed.append(network.name)
        return removed

    # Containers ------------------------------------------------------------------

    def attachments_for(
        self, host_config: dict[str, Any], networking_config: dict[str, Any] | None
    ) -> dict[str, Attachment]:
        """Return a new container's attachments from its network mode and config.

        Raises:
            NotFound: the network mode names no network.
            InvalidParameter: endpoint settings the network cannot honour.
        """
        mode = host_config.get("NetworkMode") or "bridge"
        endpoints = dict((networking_config or {}).get("EndpointsConfig") or {})
        if mode.startswith("container:"):
            return {}
        name = "bridge" if mode == "default" else mode
        if name == "bridge" and not self._engine.rig.bridge:
            # Under --bridge=none the default mode names no network; the
            # container starts with its network disabled (see _launch).
            first = endpoints.pop(name, None) or endpoints.pop("default", None)
            return {name: _attachment_from("", first or {})}
        network = self.get(name)
        attachments: dict[str, Attachment] = {}
        # The CLI names the mode's own endpoint "default" when no --network
        # was given.
        first = (
            endpoints.pop(name, None)
            or endpoints.pop(network.id, None)
            or endpoints.pop("default", None)
        )
        attachments[network.name] = self._attachment(network, first or {})
        for reference, settings in endpoints.items():
            other = self.get(reference)
            if network.name in ("host", "none") or other.name in ("host", "none"):
                continue
            attachments[other.name] = self._attachment(other, settings or {})
        return attachments

    def _attachment(self, network: Network, settings: dict[str, Any]) -> Attachment:
        aliases = settings.get("Aliases") or None
        if aliases and not network.user_defined:
            raise InvalidParameter(
                "network-scoped aliases are only supported for user-defined networks"
            )
        ipam_config = settings.get("IPAMConfig") or None
        if ipam_config:
            self._check_requested_address(network, ipam_config)
        return _attachment_from(network.id, settings)

    def _check_requested_address(
        self, network: Network, ipam_config: dict[str, Any]
    ) -> None:
        requested = ipam_config.get("IPv4Address") or ""
        if not requested:
            return
        modern = self._engine.profile.max_api.at_least("1.44")
        if not network.user_subnets:
            raise InvalidParameter(
                "invalid endpoint settings:\nuser specified IP address is "
                "supported only when connecting to networks with user "
                "configured subnets"
            )
        try:
            address = ipaddress.IPv4Address(requested)
        except ValueError:
            if not modern:
                raise _Legacy(f"Invalid IPv4 address: {requested})") from None
            raise InvalidParameter(
                f"invalid endpoint settings:\n* invalid IPv4 address: {requested}\n"
                "* no configured subnet or ip-range contain the IP address "
                f"{requested}"
            ) from None
        if not any(pool.contains(address) for pool in network.pools):
            if not modern:
                raise _Legacy(
                    f"Invalid address {requested}: It does not belong to any of "
                    "this network's subnets"
                )
            raise InvalidParameter(
                "invalid endpoint settings:\nno configured subnet or ip-range "
                f"contain the IP address {requested}"
            )

    def connect_all(self, container: Container) -> None:
        """Give a starting container an endpoint on each of its networks.

        Raises:
            NotFound: one of its networks was removed since it was created.
        """
        started: list[tuple[Network, Attachment]] = []
        with self._lock:
            for name, attachment in container.networks.items():
                if container.config.get("NetworkDisabled"):
                    continue
                network = self._networks.get(attachment.network_id) or self.find(name)
                if network is None:
                    self._release(container)
                    message = f"network {name} not found"
                    if self._engine.profile.max_api.at_least("1.44"):
                        message = (
                            "could not find a network matching network mode "
                            f"{name}: {message}"
                        )
                    container.state.exit_code = 128
                    container.state.error = f"network {name} not found"
                    raise NotFound(message)
                attachment.network_id = network.id
                self._open(network, attachment, container)
                started.append((network, attachment))
        for network, _ in started:
            self._publish(network, "connect", {"container": container.id})

    def disconnect_all(self, container: Container) -> None:
        """Release a stopped container's endpoints and addresses."""
        with self._lock:
            closed = self._release(container)
        for network in closed:
            self._publish(network, "disconnect", {"container": container.id})

    def _release(self, container: Container) -> list[Network]:
        closed: list[Network] = []
        for attachment in container.networks.values():
            network = self._networks.get(attachment.network_id)
            if attachment.endpoint is None:
                continue
            self._close(network, attachment, container)
            if network is not None:
                closed.append(network)
        return closed

    def forget(self, container: Container) -> None:
        """Drop what remains of a removed container's endpoints."""
        with self._lock:
            self._release(container)

    def connect(
        self, reference: str, container: Container, settings: dict[str, Any] | None
    ) -> None:
        """Connect ``container`` to a network (``POST /networks/{id}/connect``).

        As in dockerd, a container that is not running keeps the request
        even for a network that does not exist (its start fails then), and
        a second request for the same network changes nothing.
        """
        # The container store's lock guards the container's networks, and
        # inspect and listings read them under it. It is taken before this
        # store's lock, in the order a container's start takes the two.
        with self._engine.containers.changed:
            self._connect(reference, container, settings)

    def _connect(
        self, reference: str, container: Container, settings: dict[str, Any] | None
    ) -> None:
        settings = settings or {}
        network = self.find(reference)
        if network is None:
            with self._lock:
                if not container.state.running:
                    attachment = _attachment_from("", settings)
                    attachment.by_connect = True
                    container.networks[reference] = attachment
                    container.mark_changed()
                    return
            raise NotFound(f"network {reference} not found")
        mode = container.host_config.get("NetworkMode") or "bridge"
        if network.name == "host" or mode == "host" and network.name == "host":
            raise InvalidParameter(
                "container cannot be disconnected from host network or connected "
                "to host network"
            )
        if mode == "host" or mode.startswith("container:"):
            raise InvalidParameter(
                "container sharing network namespace with another container or "
                "host cannot be connected to any other network"
            )
        with self._lock:
            if network.name == "none" or "none" in container.networks:
                raise InvalidParameter(
                    "container cannot be connected to multiple networks with one "
                    "of the networks in private (none) mode"
                )
            existing = container.networks.get(network.name)
            if existing is not None and not container.state.running:
                return
            if existing is not None and existing.endpoint is not None:
                raise Forbidden(
                    f"endpoint with name {container.name.lstrip('/')} already "
                    f"exists in network {network.name}"
                )
            attachment = self._attachment(network, settings)
            attachment.by_connect = True
            requested = (attachment.ipam_config or {}).get("IPv4Address")
            if requested and container.state.running:
                self._check_free(network, requested)
            container.networks[network.name] = attachment
            container.mark_changed()
            if not container.state.running:
                return
            self._open(network, attachment, container)
        self._publish(network, "connect", {"container": container.id})

    def disconnect(self, reference: str, container: Container) -> None:
        """Disconnect ``container`` from a network."""
        with self._engine.containers.changed:
            self._disconnect(reference, container)

    def _disconnect(self, reference: str, container: Container) -> None:
        network = self.find(reference)
        name = network.name if network is not None else reference
        if name == "host":
            raise InvalidParameter(
                "container cannot be disconnected from host network or connected "
                "to host network"
            )
        with self._lock:
            attachment = container.networks.get(name)
            if network is None and attachment is None:
                raise NotFound(f"network {reference} not found")
            if attachment is None:
                word = "network" if container.state.running else "the network"
                raise DaemonError(
                    f"container {container.id} is not connected to {word} {name}"
                )
            del container.networks[name]
            container.mark_changed()
            if attachment.endpoint is None:
                return
            self._close(network, attachment, container)
        if network is not None:
            self._publish(network, "disconnect", {"container": container.id})

    def disconnect_missing(self, reference: str, container_reference: str) -> None:
        """Handle a forced disconnect of a container that does not exist."""
        self.get(reference)
        raise NotFound(f"endpoint {container_reference} not found")

    # Endpoints -------------------------------------------------------------------

    def _check_free(self, network: Network, requested: str) -> None:
        address = ipaddress.ip_address(requested)
        for pool in network.pools:
            if pool.contains(address) and (
                int(address) in pool.allocated or int(address) in pool.reserved()
            ):
                raise Forbidden("Address already in use")

    def _open(
        self, network: Network, attachment: Attachment, container: Container
    ) -> None:
        """Create the endpoint of a running container; the caller holds the lock."""
        if attachment.endpoint is not None:
            return
        address = ""
        prefix = 0
        gateway = ""
        chosen: Pool | None = None
        requested = (attachment.ipam_config or {}).get("IPv4Address") or ""
        if requested:
            self._check_free(network, requested)
        for pool in network.pools:
            if pool.subnet.version != 4:
                continue
            if requested:
                wanted = ipaddress.IPv4Address(requested)
                if not pool.contains(wanted):
                    continue
                pool.allocated.add(int(wanted))
                picked: Any = wanted
            else:
                picked = pool.allocate()
                if picked is None:
                    raise Forbidden(
                        "no available IPv4 addresses on this network's address pools"
                    )
            address = str(picked)
            prefix = pool.subnet.prefixlen
            chosen = pool
            if pool.gateway is not None and not self._hides_gateway(network):
                gateway = str(pool.gateway)
            break
        mac = attachment.mac_request or (_mac_for(address) if address else "")
        endpoint = Endpoint(
            container_id=container.id,
            container_name=container.name.lstrip("/"),
            endpoint_id=self._engine.ids.hex_id(),
            mac_address=mac,
            address=address,
            prefix_len=prefix,
            gateway=gateway,
            pool=chosen,
        )
        attachment.endpoint = endpoint
        network.endpoints[container.id] = endpoint

    def _hides_gateway(self, network: Network) -> bool:
        # Engine 26.0 stopped giving containers on internal networks a
        # default gateway.
        return network.internal and self._engine.profile.max_api.at_least("1.45")

    def _close(
        self, network: Network | None, attachment: Attachment, container: Container
    ) -> None:
        endpoint = attachment.endpoint
        if endpoint is None:
            return
        if endpoint.pool is not None and endpoint.address:
            endpoint.pool.allocated.discard(int(ipaddress.ip_address(endpoint.address)))
        attachment.endpoint = None
        if network is not None:
            network.endpoints.pop(container.id, None)

    def _publish(
        self, network: Network, action: str, extra: dict[str, str] | None = None
    ) -> None:
        attributes = dict(extra or {})
        attributes["name"] = network.name
        attributes["type"] = network.driver
        self._engine.events.publish("network", action, network.id, attributes)


def _attachment_from(network_id: str, settings: dict[str, Any]) -> Attachment:
    """Return the endpoint settings of a request for the network ``network_id``.

    An empty ``network_id`` keeps settings for a network that does not exist
    (yet), as dockerd keeps them for a container that is not running.
    """
    aliases = settings.get("Aliases") or None
    ipam_config = settings.get("IPAMConfig") or None
    return Attachment(
        network_id=network_id,
        aliases=list(aliases) if aliases else None,
        ipam_config=dict(ipam_config) if ipam_config else None,
        links=settings.get("Links") or None,
        driver_opts=settings.get("DriverOpts") or None,
        mac_request=settings.get("MacAddress") or "",
        gw_priority=int(settings.get("GwPriority") or 0),
    )


def _pool_from_config(
    config: dict[str, Any], modern: bool
) -> tuple[Pool, dict[str, Any]]:
    """Parse one IPAM config entry; raise as the Engine words each mistake."""
    subnet_text = config.get("Subnet") or ""
    try:
        subnet = ipaddress.ip_network(subnet_text, strict=False)
    except ValueError:
        if not modern:
            raise _Legacy(
                f"Invalid subnet {subnet_text} : invalid CIDR address: {subnet_text}"
            ) from None
        raise InvalidParameter(
            f"invalid network config:\ninvalid subnet {subnet_text}: invalid CIDR "
            "block notation"
        ) from None
    document: dict[str, Any] = {"Subnet": subnet_text}
    ip_range: IPNetwork | None = None
    range_text = config.get("IPRange") or ""
    if range_text:
        try:
            ip_range = ipaddress.ip_network(range_text, strict=False)
        except ValueError:
            raise InvalidParameter(
                f"invalid network config:\ninvalid ip-range {range_text}: invalid "
                "CIDR block notation"
            ) from None
        inside = (
            ip_range.version == subnet.version
            and ip_range.network_address in subnet
            and ip_range.broadcast_address in subnet
        )
        if not inside:
            raise InvalidParameter(
                f"invalid network config:\ninvalid ip-range {range_text}: parent "
                f"subnet {subnet_text} doesn't contain ip-range"
            )
        document["IPRange"] = range_text
    gateway_text = config.get("Gateway") or ""
    gateway: Any = None
    if gateway_text:
        try:
            gateway = ipaddress.ip_address(gateway_text)
        except ValueError:
            raise InvalidParameter(
                f"invalid network config:\ninvalid gateway {gateway_text}: invalid "
                "IP address"
            ) from None
        if gateway not in subnet:
            if not modern:
                raise _Legacy(
                    f"failed to allocate gateway ({gateway_text}): Requested "
                    "address is out of range"
                )
            raise InvalidParameter(
                f"invalid network config:\ninvalid gateway {gateway_text}: parent "
                f"subnet {subnet_text} doesn't contain this address"
            )
        document["Gateway"] = gateway_text
    elif subnet.num_addresses > 2:
        # dockerd takes the subnet's first address as gateway without
        # showing it in the network's IPAM config.
        gateway = next(subnet.hosts())
    aux = config.get("AuxiliaryAddresses") or config.get("AuxAddress")
    if aux:
        document["AuxiliaryAddresses"] = dict(aux)
    return Pool(subnet, gateway, ip_range), document


def _mac_for(address: str) -> str:
    """Return the MAC dockerd before 28.0 derives from an IPv4 address."""
    parts = [int(part) for part in address.split(".")]
    return "02:42:" + ":".join(f"{part:02x}" for part in parts)


def filter_match(pattern: str, value: str) -> bool:
    """Match a filter value as dockerd's ``Match``: exact, else regex search."""
    if pattern == value:
        return True
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return False
