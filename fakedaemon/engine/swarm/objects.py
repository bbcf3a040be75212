"""The records of swarm state: cluster, nodes, services, tasks, secrets, configs.

Specs are kept in their wire form (the dicts of the Engine API), already
normalised the way the Engine stores them, so serializing is mostly copying.
The swarm's lock guards every field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Meta:
    """The id, version and times every stored swarm object carries."""

    id: str
    index: int
    created_ns: int
    updated_ns: int


@dataclass
class Cluster:
    """The cluster object: its spec, join tokens, unlock key and CA."""

    meta: Meta
    spec: dict[str, Any]
    ca_digest: str
    worker_secret: str
    manager_secret: str
    trust_root: str
    issuer_public_key: str
    unlock_key: str = ""
    default_addr_pool: list[str] = field(default_factory=lambda: ["10.0.0.0/8"])
    subnet_size: int = 24
    data_path_port: int = 4789


@dataclass
class Node:
    """A node of the swarm; the fake has exactly one, the daemon itself."""

    meta: Meta
    spec: dict[str, Any]
    addr: str
    manager_addr: str
    leader: bool = True


@dataclass
class Service:
    """A service: its spec, the previous spec and the state of its update."""

    meta: Meta
    spec: dict[str, Any]
    endpoint: dict[str, Any]
    previous_spec: dict[str, Any] | None = None
    update_status: dict[str, Any] | None = None
    # Bumped whenever the task template changes, so tasks made from an
    # older template are replaced by the rolling update.
    template_version: int = 1
    removed: bool = False
    # Rolling update pacing: a batch is starting, and when the next may start.
    batch_running: bool = False
    next_batch_ns: int = 0


@dataclass
class Task:
    """A task: one slot of a service, run by one simulated container."""

    meta: Meta
    service_id: str
    service_name: str
    slot: int
    node_id: str
    spec: dict[str, Any]
    template_version: int
    state: str = "new"
    message: str = "created"
    err: str = ""
    timestamp_ns: int = 0
    desired: str = "running"
    container_id: str = ""
    pid: int = 0
    exit_code: int = 0
    # Clock time at which the task may take its next step.
    next_step_ns: int = 0
    # A restarted task waits in ``ready`` until this clock time (its delay).
    release_ns: int = 0
    # Network attachments: (network id, address with prefix length).
    attachments: list[tuple[str, str]] = field(default_factory=list)
    restarts: int = 0
    # Set when the restart policy let the task end for good: its slot
    # stays filled, so the orchestrator starts no new task there.
    retired: bool = False

    @property
    def name(self) -> str:
        """The task's name: ``service.slot`` or ``service.node`` for global tasks."""
        middle = str(self.slot) if self.slot else self.node_id
        return f"{self.service_name}.{middle}"

    @property
    def container_name(self) -> str:
        """The name of the task's container: ``service.slot.taskid``."""
        return f"{self.name}.{self.meta.id}"

    @property
    def finished(self) -> bool:
        """Whether the task reached a final state."""
        return self.state in FINAL_STATES


@dataclass
class Blob:
    """A secret or a config: its spec (with base64 ``Data``) and raw bytes."""

    meta: Meta
    spec: dict[str, Any]
    data: bytes


TASK_STATES = (
    "new",
    "allocated",
    "pending",
    "assigned",
    "accepted",
    "preparing",
    "ready",
    "starting",
    "running",
    "complete",
    "shutdown",
    "failed",
    "rejected",
    "remove",
    "orphaned",
)
"""Every task state SwarmKit defines, in the order a task moves through them."""

FINAL_STATES = frozenset(("complete", "shutdown", "failed", "rejected", "orphaned"))
