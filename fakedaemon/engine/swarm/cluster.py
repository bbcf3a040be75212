"""Swarm mode of one daemon: the cluster's life from init to leave.

The daemon is the single node of its swarm, always a manager and the raft
leader. The error messages for a node outside a swarm, a locked swarm and a
manager are worded as Engine 26.1 words them.
"""

from __future__ import annotations

import base64
import copy
import threading
from typing import TYPE_CHECKING, Any

from ...errors import Conflict, DaemonError, InvalidParameter, Unauthorized, Unavailable
from . import identifiers
from .lookup import merge_defaults

if TYPE_CHECKING:
    from ..engine import Engine
    from .nodes import NodeStore
    from .objects import Cluster, Meta
    from .orchestrator import Orchestrator
    from .overlay import OverlayNetworks
    from .secrets import BlobStore
    from .services import ServiceStore
    from .tasks import TaskStore

NOT_A_MANAGER = (
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm '
    'join" to connect this node to swarm and try again.'
)
NOT_IN_SWARM = "This node is not part of a swarm"
ALREADY_IN_SWARM = (
    'This node is already part of a swarm. Use "docker swarm leave" to leave this '
    "swarm and join another one."
)
SWARM_LOCKED = (
    "Swarm is encrypted and needs to be unlocked before it can be used. Please "
    'use "docker swarm unlock" to unlock it.'
)
LEAVE_LOCKED = (
    "Swarm is encrypted and locked. Please unlock it first or use `--force` to "
    "ignore this message."
)
LEAVE_LAST_MANAGER = (
    "You are attempting to leave the swarm on a node that is participating as a "
    "manager. Removing the last manager erases all current state of the swarm. "
    "Use `--force` to ignore this message. "
)
OUT_OF_SEQUENCE = "rpc error: code = Unknown desc = update out of sequence"

DEFAULT_PORT = 2377

SWARM_STATES = frozenset(("inactive", "active", "locked"))
"""The local node states that this engine's swarm can be in."""


def default_cluster_spec() -> dict[str, Any]:
    """Return the cluster spec a new swarm gets, as Engine 26.1 fills it."""
    return {
        "Name": "default",
        "Labels": {},
        "Orchestration": {"TaskHistoryRetentionLimit": 5},
        "Raft": {
            "SnapshotInterval": 10000,
            "KeepOldSnapshots": 0,
            "LogEntriesForSlowFollowers": 500,
            "ElectionTick": 10,
            "HeartbeatTick": 1,
        },
        "Dispatcher": {"HeartbeatPeriod": 5_000_000_000},
        "CAConfig": {"NodeCertExpiry": 7_776_000_000_000_000},
        "TaskDefaults": {},
        "EncryptionConfig": {"AutoLockManagers": False},
    }


class _SwarmError(DaemonError):
    # Errors that dockerd passes on from SwarmKit without an errdefs kind.
    status = 500


def split_address(address: str, default_port: int = DEFAULT_PORT) -> tuple[str, int]:
    """Split ``host[:port]`` (an interface name, IPv4 or IPv6 host).

    Raises:
        InvalidParameter: an empty address or a port that is not a number.
    """
    if not address:
        raise InvalidParameter(f'invalid ListenAddr "{address}": invalid empty address')
    host, separator, port_text = address.rpartition(":")
    if not separator or "]" in port_text:
        return address.strip("[]"), default_port
    if not port_text.isdigit():
        raise InvalidParameter(
            f'invalid ListenAddr "{address}": invalid port "{port_text}"'
        )
    return host.strip("[]"), int(port_text)


INIT_NODE_INDEX = 9
INIT_CLUSTER_INDEX = 10


class _Stores:
    """The object stores of one swarm, created together."""

    def __init__(self, swarm: Swarm) -> None:
        from .nodes import NodeStore
        from .overlay import OverlayNetworks
        from .secrets import BlobStore
        from .services import ServiceStore
        from .tasks import TaskStore

        self.nodes = NodeStore(swarm)
        self.services = ServiceStore(swarm)
        self.tasks = TaskStore(swarm)
        self.secrets = BlobStore(swarm, "secret")
        self.configs = BlobStore(swarm, "config")
        self.overlay = OverlayNetworks(swarm)


class Swarm:
    """The swarm state of one engine: ``inactive``, ``active`` or ``locked``.

    Every store of swarm objects shares ``lock``; ``index`` counts writes the
    way the raft store's version index does.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.lock = threading.RLock()
        self.state = "inactive"
        self.cluster: Cluster | None = None
        self.node_id = ""
        self.listen_addr = ""
        self.advertise_addr = ""
        self.data_path_addr = ""
        self.index = 0
        self._stores: _Stores | None = None
        self._stores_lock = threading.Lock()
        self.orchestrator: Orchestrator | None = None

    # Stores --------------------------------------------------------------

    def _created_stores(self) -> _Stores:
        """Return the object stores, created on first use.

        A daemon that never uses swarm mode does not load their modules.
        The lock of its own is taken for nothing else, so no caller that
        holds other locks can wait on it for long.
        """
        stores = self._stores
        if stores is None:
            with self._stores_lock:
                if self._stores is None:
                    self._stores = _Stores(self)
                stores = self._stores
        return stores

    @property
    def nodes(self) -> NodeStore:
        """The nodes: this daemon's own, once it is in a swarm."""
        return self._created_stores().nodes

    @property
    def services(self) -> ServiceStore:
        """The services."""
        return self._created_stores().services

    @property
    def tasks(self) -> TaskStore:
        """The tasks of the services."""
        return self._created_stores().tasks

    @property
    def secrets(self) -> BlobStore:
        """The secrets."""
        return self._created_stores().secrets

    @property
    def configs(self) -> BlobStore:
        """The configs."""
        return self._created_stores().configs

    @property
    def overlay(self) -> OverlayNetworks:
        """The overlay networks of the swarm, ``ingress`` among them."""
        return self._created_stores().overlay

    # State ---------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether this node is an active manager of a swarm."""
        return self.state == "active"

    def ping_state(self) -> str:
        """Return the ``Swarm`` header of ``/_ping``."""
        if self.state == "active":
            return "active/manager"
        return self.state

    def require_manager(self) -> None:
        """Raise dockerd's 503 unless this node is an active manager."""
        if self.state == "locked":
            raise Unavailable(SWARM_LOCKED)
        if self.state != "active":
            raise Unavailable(NOT_A_MANAGER)

    def next_meta(self) -> Meta:
        """Return the meta of a new object: a fresh id and the next index."""
        from .objects import Meta

        now = self.engine.clock.time_ns()
        self.index += 1
        return Meta(identifiers.object_id(self.engine.ids), self.index, now, now)

    def write(self) -> None:
        """Record a write that leaves no object to carry its index (a removal)."""
        self.index += 1

    def touch(self, meta: Meta) -> None:
        """Record a write of the object with ``meta``."""
        self.index += 1
        meta.index = self.index
        meta.updated_ns = self.engine.clock.time_ns()

    def check_version(self, meta: Meta, version: int) -> None:
        """Raise SwarmKit's error when ``version`` is not the object's index."""
        if meta.index != version:
            raise _SwarmError(OUT_OF_SEQUENCE)

    def publish(
        self,
        kind: str,
        action: str,
        object_id: str,
        name: str,
        extra: dict[str, str] | None = None,
    ) -> None:
        """Publish a swarm-scoped event for a node, service, secret or config."""
        attributes = {"name": name}
        attributes.update(extra or {})
        self.engine.events.publish(kind, action, object_id, attributes, scope="swarm")

    # Init, join, leave ---------------------------------------------------------

    def init(self, request: dict[str, Any]) -> str:
        """Create a new single-node swarm and return the node's id.

        Raises:
            Unavailable: this node is already part of a swarm.
            InvalidParameter: a missing or malformed listen address.
        """
        with self.lock:
            if self.state != "inactive" and not request.get("ForceNewCluster"):
                raise Unavailable(ALREADY_IN_SWARM)
            listen_host, listen_port = split_address(request.get("ListenAddr") or "")
            advertise = request.get("AdvertiseAddr") or ""
            if advertise:
                advertise_host, _ = split_address(advertise, listen_port)
            elif listen_host in ("0.0.0.0", "::", ""):
                # NOTE: dockerd picks the address of the host's only interface
                # here; the fake advertises the loopback address instead.
                advertise_host = "127.0.0.1"
            else:
                advertise_host = listen_host
            if self.state != "inactive":
                # --force-new-cluster keeps the objects and starts a new raft.
                return self.node_id
            self.listen_addr = f"{listen_host}:{listen_port}"
            self.advertise_addr = advertise_host
            self.data_path_addr = request.get("DataPathAddr") or ""
            # A new swarm starts a new raft log.
            self.index = 0
            self._create_cluster(request)
            node = self.nodes.create_self(
                advertise_host,
                f"{advertise_host}:{listen_port}",
                request.get("Availability") or "active",
            )
            # Engines 20.10 and 26.1 write a new node last at index 9, once
            # it is ready, and the cluster at 10, once its root CA is stored.
            assert self.cluster is not None
            node.meta.index = INIT_NODE_INDEX
            self.cluster.meta.index = INIT_CLUSTER_INDEX
            self.index = INIT_CLUSTER_INDEX
            self.node_id = node.meta.id
            self.state = "active"
            self.overlay.create_ingress()
        self.publish("node", "create", node.meta.id, node_name(self))
        self._start_orchestrator()
        return node.meta.id

    def _create_cluster(self, request: dict[str, Any]) -> None:
        from .objects import Cluster

        ids = self.engine.ids
        spec = merge_defaults(default_cluster_spec(), request.get("Spec") or {})
        if request.get("AutoLockManagers"):
            spec["EncryptionConfig"]["AutoLockManagers"] = True
        pool = request.get("DefaultAddrPool") or ["10.0.0.0/8"]
        cluster = Cluster(
            meta=self.next_meta(),
            spec=spec,
            ca_digest=identifiers.ca_digest(ids),
            worker_secret=identifiers.token_secret(ids),
            manager_secret=identifiers.token_secret(ids),
            trust_root=_certificate(bytes.fromhex(ids.hex_id(600))),
            issuer_public_key=_public_key(bytes.fromhex(ids.hex_id(130))),
            default_addr_pool=list(pool),
            subnet_size=int(request.get("SubnetSize") or 24),
            data_path_port=int(request.get("DataPathPort") or 4789),
        )
        if spec["EncryptionConfig"].get("AutoLockManagers"):
            cluster.unlock_key = identifiers.unlock_key(ids)
        self.cluster = cluster

    def join(self, request: dict[str, Any]) -> None:
        """Answer a join as a node that cannot reach the remote manager.

        Raises:
            Unavailable: this node is in a swarm, or the manager is unreachable.
            InvalidParameter: a missing listen or remote address.
        """
        with self.lock:
            if self.state != "inactive":
                raise Unavailable(ALREADY_IN_SWARM)
        split_address(request.get("ListenAddr") or "")
        remotes = request.get("RemoteAddrs") or []
        if not remotes:
            raise InvalidParameter("at least 1 RemoteAddr is required to join")
        if not identifiers.is_join_token(request.get("JoinToken") or ""):
            raise _SwarmError("invalid join token")
        host, port = split_address(remotes[0])
        # NOTE: dockerd retries the dial for about 10 seconds before it gives
        # up; the fake answers at once, since it never reaches any manager.
        raise Unavailable(
            "rpc error: code = Unavailable desc = connection error: desc = "
            f'"transport: Error while dialing: dial tcp {host}:{port}: connect: '
            'connection refused"'
        )

    def leave(self, force: bool) -> None:
        """Leave the swarm: remove its services' containers and all its state.

        Raises:
            Unavailable: not in a swarm, or the last manager leaving without
                ``force``.
        """
        with self.lock:
            if self.state == "inactive":
                raise Unavailable(NOT_IN_SWARM)
            if self.state == "locked" and not force:
                raise Unavailable(LEAVE_LOCKED)
            if not force:
                raise Unavailable(LEAVE_LAST_MANAGER)
        self._stop_orchestrator()
        for container_id in self.tasks.container_ids():
            self.tasks.remove_container(container_id)
        with self.lock:
            self.overlay.remove_all()
            self.state = "inactive"
            self.cluster = None
            self.node_id = ""
            self.listen_addr = self.advertise_addr = self.data_path_addr = ""
            self.nodes.clear()
            self.services.clear()
            self.tasks.clear()
            self.secrets.clear()
            self.configs.clear()

    def close(self) -> None:
        """Stop the orchestrator (the daemon is shutting down or resetting)."""
        self._stop_orchestrator()

    def resume(self) -> None:
        """Start the orchestrator of a swarm that a state load brought back."""
        if self.state != "inactive":
            self._start_orchestrator()

    def _start_orchestrator(self) -> None:
        from .orchestrator import Orchestrator

        self._stop_orchestrator()
        self.orchestrator = Orchestrator(self)
        self.orchestrator.start()

    def _stop_orchestrator(self) -> None:
        orchestrator = self.orchestrator
        self.orchestrator = None
        if orchestrator is not None:
            orchestrator.stop()

    def wake(self) -> None:
        """Ask the orchestrator to reconcile now (after a change of state)."""
        orchestrator = self.orchestrator
        if orchestrator is not None:
            orchestrator.wake()

    # Inspect, update, lock ------------------------------------------------------

    def inspect(self) -> Cluster:
        """Return the cluster object (a copy).

        Raises:
            Unavailable: this node is not an active manager.
        """
        with self.lock:
            self.require_manager()
            assert self.cluster is not None
            return copy.deepcopy(self.cluster)

    def update(
        self,
        version: int,
        spec: dict[str, Any],
        *,
        rotate_worker_token: bool = False,
        rotate_manager_token: bool = False,
        rotate_unlock_key: bool = False,
    ) -> None:
        """Replace the cluster spec and rotate the requested secrets."""
        ids = self.engine.ids
        with self.lock:
            self.require_manager()
            cluster = self.cluster
            assert cluster is not None
            self.check_version(cluster.meta, version)
            cluster.spec = merge_defaults(default_cluster_spec(), spec)
            if rotate_worker_token:
                cluster.worker_secret = identifiers.token_secret(ids)
            if rotate_manager_token:
                cluster.manager_secret = identifiers.token_secret(ids)
            autolock = bool(cluster.spec["EncryptionConfig"].get("AutoLockManagers"))
            if not autolock:
                cluster.unlock_key = ""
            elif rotate_unlock_key or not cluster.unlock_key:
                cluster.unlock_key = identifiers.unlock_key(ids)
            self.touch(cluster.meta)

    def get_unlock_key(self) -> str:
        """Return the unlock key, or "" when autolock is off."""
        with self.lock:
            self.require_manager()
            assert self.cluster is not None
            return self.cluster.unlock_key

    def unlock(self, key: str) -> None:
        """Unlock a locked swarm with its unlock key.

        Raises:
            Conflict: the swarm is not locked.
            Unauthorized: the key is not the swarm's key.
        """
        with self.lock:
            if self.state == "active":
                raise Conflict("swarm is not locked")
            if self.state != "locked":
                raise Unavailable(NOT_A_MANAGER)
            if identifiers.parse_unlock_key(key) is None:
                raise _SwarmError("invalid key string")
            assert self.cluster is not None
            if key != self.cluster.unlock_key:
                raise Unauthorized("swarm could not be unlocked: invalid key provided")
            self.state = "active"
        self.wake()

    def simulate_restart(self) -> bool:
        """Lock the swarm as a daemon restart does when autolock is on.

        A real Engine loads its swarm state at start and stays locked until
        ``POST /swarm/unlock``; the fake never restarts, so tests call this
        to reach that state.

        Returns:
            Whether the swarm is now locked.
        """
        with self.lock:
            if self.state != "active" or self.cluster is None:
                return False
            if not self.cluster.spec["EncryptionConfig"].get("AutoLockManagers"):
                return False
            self.state = "locked"
            return True

    def join_tokens(self) -> dict[str, str]:
        """Return the worker and manager join tokens."""
        cluster = self.cluster
        assert cluster is not None
        return {
            "Worker": identifiers.join_token(cluster.ca_digest, cluster.worker_secret),
            "Manager": identifiers.join_token(
                cluster.ca_digest, cluster.manager_secret
            ),
        }


def node_name(swarm: Swarm) -> str:
    """Return the node's hostname, the name its events carry."""
    return swarm.engine.config.name


def _certificate(der: bytes) -> str:
    encoded = base64.b64encode(der).decode("ascii")
    lines = [encoded[i : i + 64] for i in range(0, len(encoded), 64)]
    return (
        "-----BEGIN CERTIFICATE-----\n"
        + "\n".join(lines)
        + "\n-----END CERTIFICATE-----\n"
    )


def _public_key(point: bytes) -> str:
    # The DER prefix of a P-256 public key, as the swarm CA's key is.
    prefix = base64.b64decode("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")
    return base64.b64encode(prefix + b"\x04" + point[:64]).decode("ascii")
