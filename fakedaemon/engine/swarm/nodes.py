"""Nodes of the swarm: this daemon is the only one, a manager and the leader."""

from __future__ import annotations

import builtins
import copy
from typing import TYPE_CHECKING, Any

from ...errors import InvalidParameter
from .lookup import find
from .objects import Node

if TYPE_CHECKING:
    from ...api.filters import Filters
    from .cluster import Swarm

NODE_FILTERS = ("id", "label", "membership", "name", "node.label", "role")
_AVAILABILITIES = ("active", "pause", "drain")
_ROLES = ("worker", "manager")


class _Precondition(InvalidParameter):
    """SwarmKit's FailedPrecondition, which dockerd returns as a 400."""

    def __init__(self, message: str) -> None:
        super().__init__(f"rpc error: code = FailedPrecondition desc = {message}")


class NodeStore:
    """The nodes of one swarm; the swarm's lock guards them."""

    def __init__(self, swarm: Swarm) -> None:
        self._swarm = swarm
        self._nodes: dict[str, Node] = {}

    def clear(self) -> None:
        """Forget every node (the swarm was left)."""
        self._nodes.clear()

    def all(self) -> builtins.list[Node]:
        """Return the node records; the caller holds the lock."""
        return list(self._nodes.values())

    def restore(self, nodes: builtins.list[Node]) -> None:
        """Replace the nodes with records of a state dump; the caller locks."""
        self._nodes = {node.meta.id: node for node in nodes}

    def create_self(self, addr: str, manager_addr: str, availability: str) -> Node:
        """Add this daemon as the swarm's first node; the caller holds the lock."""
        spec = {"Labels": {}, "Role": "manager", "Availability": availability}
        node = Node(self._swarm.next_meta(), spec, addr, manager_addr)
        self._nodes[node.meta.id] = node
        return node

    def schedulable(self) -> builtins.list[Node]:
        """Return the nodes that take new tasks (availability ``active``)."""
        return [n for n in self._nodes.values() if n.spec["Availability"] == "active"]

    def get(self, reference: str) -> Node:
        """Return a copy of the node ``reference`` names (id, hostname, prefix)."""
        with self._swarm.lock:
            self._swarm.require_manager()
            return copy.deepcopy(self._find(reference))

    def _find(self, reference: str) -> Node:
        hostname = self._swarm.engine.config.name
        return find(
            "node", reference, self._nodes.values(), _node_id, lambda _: hostname
        )

    def list(self, filters: Filters) -> builtins.list[Node]:
        """Return copies of the nodes that pass ``filters``."""
        hostname = self._swarm.engine.config.name
        with self._swarm.lock:
            self._swarm.require_manager()
            nodes = list(self._nodes.values())
            for membership in filters.get("membership"):
                if membership not in ("accepted", "pending"):
                    raise InvalidParameter(f"Invalid membership filter: '{membership}'")
            for role in filters.get("role"):
                if role not in _ROLES:
                    raise InvalidParameter(f"Invalid role filter: '{role}'")
            chosen = []
            for node in nodes:
                if filters.contains("id") and not any(
                    node.meta.id.startswith(value) for value in filters.get("id")
                ):
                    continue
                if filters.contains("name") and not any(
                    hostname.startswith(value) for value in filters.get("name")
                ):
                    continue
                if not filters.match_exact("role", node.spec["Role"]):
                    continue
                if not filters.match_labels(node.spec.get("Labels"), "node.label"):
                    continue
                # NOTE: the ``label`` filter matches engine labels; the fake's
                # node reports none, so any ``label`` filter matches no node.
                if filters.contains("label"):
                    continue
                chosen.append(copy.deepcopy(node))
            return chosen

    def update(self, reference: str, version: int, spec: dict[str, Any]) -> None:
        """Change a node's labels, role or availability.

        Raises:
            InvalidParameter: an unknown role or availability, or demoting
                the last manager.
        """
        availability = spec.get("Availability") or "active"
        role = spec.get("Role") or "worker"
        if availability not in _AVAILABILITIES:
            raise InvalidParameter(f'invalid Availability: "{availability}"')
        if role not in _ROLES:
            raise InvalidParameter(f'invalid Role: "{role}"')
        swarm = self._swarm
        with swarm.lock:
            swarm.require_manager()
            node = self._find(reference)
            swarm.check_version(node.meta, version)
            if role != "manager":
                raise _Precondition(
                    "attempting to demote the last manager of the swarm"
                )
            extra: dict[str, str] = {}
            old = node.spec
            if old["Availability"] != availability:
                extra["availability.old"] = old["Availability"]
                extra["availability.new"] = availability
            node.spec = {
                "Labels": dict(spec.get("Labels") or {}),
                "Role": role,
                "Availability": availability,
            }
            swarm.touch(node.meta)
            node_id = node.meta.id
        swarm.publish("node", "update", node_id, swarm.engine.config.name, extra)
        swarm.wake()

    def remove(self, reference: str, force: bool) -> None:
        """Refuse to remove the swarm's only node, a manager in the raft cluster."""
        with self._swarm.lock:
            self._swarm.require_manager()
            node = self._find(reference)
            raise _Precondition(
                f"node {node.meta.id} is a cluster manager and is a member of the "
                "raft cluster. It must be demoted to worker before removal"
            )

    def count(self) -> tuple[int, int]:
        """Return the number of nodes and of managers."""
        managers = sum(1 for n in self._nodes.values() if n.spec["Role"] == "manager")
        return len(self._nodes), managers


def _node_id(node: Node) -> str:
    return node.meta.id
