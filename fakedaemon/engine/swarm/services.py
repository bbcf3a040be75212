"""Services: create, inspect, list, update, roll back and remove.

The store records what the user asked for; the orchestrator makes the tasks
follow it.
"""

from __future__ import annotations

import builtins
import copy
import ipaddress
from typing import TYPE_CHECKING, Any

from ...errors import DaemonError, InvalidParameter, NotFound
from ..names import generate_name
from . import specs
from .lookup import find, invalid_argument
from .objects import Service

if TYPE_CHECKING:
    from ...api.filters import Filters
    from .cluster import Swarm

SERVICE_FILTERS = ("id", "label", "mode", "name")
_FIRST_DYNAMIC_PORT = 30000


class _Unknown(DaemonError):
    status = 500


class _Precondition(InvalidParameter):
    def __init__(self, message: str) -> None:
        super().__init__(f"rpc error: code = FailedPrecondition desc = {message}")


class ServiceStore:
    """The services of one swarm; the swarm's lock guards them."""

    def __init__(self, swarm: Swarm) -> None:
        self._swarm = swarm
        self._services: dict[str, Service] = {}

    def clear(self) -> None:
        """Forget every service (the swarm was left)."""
        self._services.clear()

    def all(self) -> builtins.list[Service]:
        """Return the live service records; the caller holds the lock."""
        return list(self._services.values())

    def restore(self, services: builtins.list[Service]) -> None:
        """Replace the services with records of a state dump; the caller locks."""
        self._services = {service.meta.id: service for service in services}

    def record(self, service_id: str) -> Service | None:
        """Return the live record of ``service_id``; the caller holds the lock."""
        return self._services.get(service_id)

    def find_record(self, reference: str) -> Service:
        """Return the live record ``reference`` names; the caller holds the lock."""
        return self._find(reference)

    def _find(self, reference: str) -> Service:
        return find(
            "service",
            reference,
            self._services.values(),
            lambda service: service.meta.id,
            lambda service: str(service.spec["Name"]),
        )

    # Create ------------------------------------------------------------------

    def create(self, request: dict[str, Any]) -> str:
        """Create a service from a ``ServiceSpec`` and return its id."""
        spec = specs.normalize(request)
        swarm = self._swarm
        with swarm.lock:
            swarm.require_manager()
            if not spec["Name"]:
                used_names = {f"/{s.spec['Name']}" for s in self._services.values()}
                spec["Name"] = generate_name(swarm.engine.ids, used_names).lstrip("/")
            specs.check_name(spec["Name"])
            self._check_references(spec)
            name = spec["Name"]
            if any(s.spec["Name"] == name for s in self._services.values()):
                from ...errors import Conflict

                raise Conflict(
                    "rpc error: code = AlreadyExists desc = name conflicts with an "
                    f"existing object: service {name} already exists"
                )
            meta = swarm.next_meta()
            endpoint = self._endpoint(meta.id, name, spec, None)
            service = Service(meta, spec, endpoint)
            self._services[meta.id] = service
        swarm.publish("service", "create", meta.id, name)
        swarm.wake()
        return meta.id

    def _check_references(self, spec: dict[str, Any]) -> None:
        """Check secrets, configs and networks; resolve network names to ids."""
        swarm = self._swarm
        container = spec["TaskTemplate"]["ContainerSpec"]
        for kind, store, key in (
            ("secret", swarm.secrets, "Secrets"),
            ("config", swarm.configs, "Configs"),
        ):
            for reference in container.get(key) or []:
                identifier = reference.get(f"{kind.capitalize()}ID") or ""
                if store.find_for_service(identifier) is None:
                    raise invalid_argument(f"{kind} not found: {identifier}")
        for holder in (spec, spec["TaskTemplate"]):
            for attachment in holder.get("Networks") or []:
                target = attachment.get("Target") or ""
                try:
                    network = swarm.engine.networks.get(target)
                except NotFound as missing:
                    raise _Unknown(missing.message) from None
                attachment["Target"] = network.id

    def _endpoint(
        self,
        service_id: str,
        name: str,
        spec: dict[str, Any],
        previous: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Return the service's ``Endpoint``: its ports and virtual IPs."""
        endpoint_spec = copy.deepcopy(spec.get("EndpointSpec") or {})
        ports = []
        for port in endpoint_spec.get("Ports") or []:
            if port["PublishMode"] == "ingress" and not port["PublishedPort"]:
                port["PublishedPort"] = self._free_port(service_id, previous)
            self._check_port(service_id, port)
            ports.append(dict(port))
        endpoint: dict[str, Any] = {
            "Spec": copy.deepcopy(spec.get("EndpointSpec") or {})
        }
        if ports:
            endpoint["Spec"]["Ports"] = [dict(p) for p in ports]
            endpoint["Ports"] = ports
        if endpoint_spec.get("Mode", "vip") != "vip":
            return endpoint
        old_vips = {
            v["NetworkID"]: v["Addr"] for v in (previous or {}).get("VirtualIPs", [])
        }
        network_ids: builtins.list[str] = []
        ingress = self._swarm.overlay.ingress()
        if any(p["PublishMode"] == "ingress" for p in ports) and ingress is not None:
            network_ids.append(ingress.id)
        for holder in (spec["TaskTemplate"], spec):
            for attachment in holder.get("Networks") or []:
                network_ids.append(attachment["Target"])
        vips = []
        for network_id in network_ids:
            address = old_vips.pop(network_id, None) or self._allocate(network_id)
            if address:
                vips.append({"NetworkID": network_id, "Addr": address})
        for network_id, address in old_vips.items():
            self.release(network_id, address)
        if vips:
            endpoint["VirtualIPs"] = vips
        return endpoint

    def _free_port(self, service_id: str, previous: dict[str, Any] | None) -> int:
        used = {
            p["PublishedPort"]
            for s in self._services.values()
            for p in s.endpoint.get("Ports", [])
            if s.meta.id != service_id
        }
        port = _FIRST_DYNAMIC_PORT
        while port in used:
            port += 1
        return port

    def _check_port(self, service_id: str, port: dict[str, Any]) -> None:
        if port["PublishMode"] != "ingress":
            return
        for other in self._services.values():
            if other.meta.id == service_id:
                continue
            for taken in other.endpoint.get("Ports", []):
                if (
                    taken["PublishedPort"] == port["PublishedPort"]
                    and taken["Protocol"] == port["Protocol"]
                    and taken["PublishMode"] == "ingress"
                ):
                    raise invalid_argument(
                        f"port '{port['PublishedPort']}' is already in use by "
                        f"service '{other.spec['Name']}' ({other.meta.id}) as an "
                        "ingress port"
                    )

    def _allocate(self, network_id: str) -> str:
        networks = self._swarm.engine.networks
        network = networks.find(network_id)
        if network is None or network.scope != "swarm":
            return ""
        with networks.lock:
            for pool in network.pools:
                address = pool.allocate()
                if address is not None:
                    return f"{address}/{pool.subnet.prefixlen}"
        return ""

    def release(self, network_id: str, address: str) -> None:
        """Give a virtual IP or task address back to its network's pool."""
        networks = self._swarm.engine.networks
        network = networks.find(network_id)
        if network is None or not address:
            return
        ip = ipaddress.ip_interface(address).ip
        with networks.lock:
            for pool in network.pools:
                pool.allocated.discard(int(ip))

    # Read ----------------------------------------------------------------------

    def get(self, reference: str) -> Service:
        """Return a copy of the service ``reference`` names."""
        with self._swarm.lock:
            self._swarm.require_manager()
            return copy.deepcopy(self._find(reference))

    def list(self, filters: Filters) -> builtins.list[Service]:
        """Return copies of the services that pass ``filters``, by id."""
        with self._swarm.lock:
            self._swarm.require_manager()
            chosen = []
            for service in sorted(self._services.values(), key=lambda s: s.meta.id):
                name = str(service.spec["Name"])
                if filters.contains("id") and not any(
                    service.meta.id.startswith(v) for v in filters.get("id")
                ):
                    continue
                if filters.contains("name") and not any(
                    name.startswith(v) for v in filters.get("name")
                ):
                    continue
                if not filters.match_exact("mode", specs.mode_of(service.spec)):
                    continue
                if not filters.match_labels(service.spec.get("Labels")):
                    continue
                chosen.append(copy.deepcopy(service))
            return chosen

    def status(self, service_id: str) -> dict[str, int]:
        """Return the ``ServiceStatus`` counts of a service."""
        with self._swarm.lock:
            service = self._services.get(service_id)
            tasks = self._swarm.tasks.of_service(service_id)
            running = sum(1 for t in tasks if t.state == "running")
            if service is not None and specs.mode_of(service.spec) == "replicated":
                desired = specs.replicas_of(service.spec)
            else:
                desired = sum(1 for t in tasks if t.desired == "running")
            return {
                "RunningTasks": running,
                "DesiredTasks": desired,
                "CompletedTasks": 0,
            }

    def check_network_unused(self, network_id: str) -> None:
        """Raise SwarmKit's error when a service is attached to ``network_id``."""
        with self._swarm.lock:
            for service in self._services.values():
                holders = (service.spec, service.spec["TaskTemplate"])
                targets = {
                    attachment.get("Target")
                    for holder in holders
                    for attachment in holder.get("Networks") or []
                }
                if network_id in targets:
                    raise _Precondition(
                        f"network {network_id} is in use by service {service.meta.id}"
                    )

    def names_using(self, kind: str, blob_id: str) -> builtins.list[str]:
        """Return the names of the services that mount a secret or config."""
        key = "Secrets" if kind == "secret" else "Configs"
        field = "SecretID" if kind == "secret" else "ConfigID"
        names = []
        for service in self._services.values():
            container = service.spec["TaskTemplate"]["ContainerSpec"]
            if any(ref.get(field) == blob_id for ref in container.get(key) or []):
                names.append(str(service.spec["Name"]))
        return sorted(names)

    # Update, remove ----------------------------------------------------------------

    def update(
        self, reference: str, version: int, request: dict[str, Any], rollback: str
    ) -> None:
        """Replace a service's spec, or roll it back to its previous spec.

        Raises:
            DaemonError: an unknown ``rollback`` value, or a stale ``version``.
            InvalidParameter: a rollback without a previous spec.
            NotImplementedByDaemon: renaming or changing the mode.
        """
        if rollback not in ("", "none", "previous"):
            raise _Unknown(f"unrecognized rollback option {rollback}")
        swarm = self._swarm
        with swarm.lock:
            swarm.require_manager()
            service = self._find(reference)
            swarm.check_version(service.meta, version)
            if rollback == "previous":
                if service.previous_spec is None:
                    raise _Precondition(
                        f"service {service.meta.id} does not have a previous spec"
                    )
                spec = copy.deepcopy(service.previous_spec)
            else:
                spec = specs.normalize(request)
                specs.check_update(service.spec, spec)
                self._check_references(spec)
            specs.check_update(service.spec, spec)
            old = service.spec
            extra: dict[str, str] = {}
            if specs.replicas_of(old) != specs.replicas_of(spec):
                extra = {
                    "replicas.old": str(specs.replicas_of(old)),
                    "replicas.new": str(specs.replicas_of(spec)),
                }
            service.endpoint = self._endpoint(
                service.meta.id, spec["Name"], spec, service.endpoint
            )
            service.previous_spec = old
            service.spec = spec
            state_change: dict[str, str] = {}
            if old["TaskTemplate"] != spec["TaskTemplate"]:
                service.template_version += 1
                now = swarm.engine.clock.time_ns()
                previous_state = (service.update_status or {}).get("State", "")
                if rollback == "previous":
                    status = ("rollback_started", "manually requested rollback")
                else:
                    status = ("updating", "update in progress")
                service.update_status = {
                    "State": status[0],
                    "StartedAt": now,
                    "Message": status[1],
                }
                state_change = {"updatestate.new": status[0]}
                if previous_state:
                    state_change["updatestate.old"] = previous_state
            swarm.touch(service.meta)
            service_id = service.meta.id
            name = str(spec["Name"])
        swarm.publish("service", "update", service_id, name, extra)
        if state_change:
            swarm.publish("service", "update", service_id, name, state_change)
        swarm.wake()

    def finish_update(self, service: Service) -> None:
        """Mark a rolling update (or rollback) complete; the caller holds the lock."""
        status = service.update_status
        if status is None or status["State"] not in ("updating", "rollback_started"):
            return
        if status["State"] == "updating":
            state, message = "completed", "update completed"
        else:
            state, message = "rollback_completed", "rollback completed"
        old_state = status["State"]
        service.update_status = {
            "State": state,
            "StartedAt": status["StartedAt"],
            "CompletedAt": self._swarm.engine.clock.time_ns(),
            "Message": message,
        }
        self._swarm.touch(service.meta)
        self._swarm.publish(
            "service",
            "update",
            service.meta.id,
            str(service.spec["Name"]),
            {"updatestate.old": old_state, "updatestate.new": state},
        )

    def remove(self, reference: str) -> None:
        """Remove a service; the orchestrator removes its tasks and containers."""
        swarm = self._swarm
        with swarm.lock:
            swarm.require_manager()
            service = self._find(reference)
            del self._services[service.meta.id]
            service.removed = True
            swarm.write()
            for vip in service.endpoint.get("VirtualIPs", []):
                self.release(vip["NetworkID"], vip["Addr"])
            swarm.tasks.remove_service(service.meta.id)
        swarm.publish("service", "remove", service.meta.id, str(service.spec["Name"]))
        swarm.wake()
