"""Swarm documents: the cluster, nodes, services, tasks, secrets and configs.

Each function shapes one record of ``fakedaemon.engine.swarm`` as the Engine
API of the request's version writes it.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ...clock import format_rfc3339_nano
from ...engine.swarm.specs import insert_defaults

if TYPE_CHECKING:
    from ...engine.engine import Engine
    from ...engine.swarm import Swarm
    from ...engine.swarm.objects import Blob, Cluster, Meta, Node, Service, Task
    from ...versions import APIVersion

ISSUER_SUBJECT = "MBMxETAPBgNVBAMTCHN3YXJtLWNh"
"""The DER subject ``CN=swarm-ca`` of every swarm root CA, base64-encoded."""

_ENGINE_PLUGINS = [
    ("Log", "awslogs"),
    ("Log", "fluentd"),
    ("Log", "gcplogs"),
    ("Log", "gelf"),
    ("Log", "journald"),
    ("Log", "json-file"),
    ("Log", "local"),
    ("Log", "splunk"),
    ("Log", "syslog"),
    ("Network", "bridge"),
    ("Network", "host"),
    ("Network", "ipvlan"),
    ("Network", "macvlan"),
    ("Network", "null"),
    ("Network", "overlay"),
    ("Volume", "local"),
]


def _plugins(engine: Engine) -> list[tuple[str, str]]:
    # Engine 20.10 still shipped the logentries log driver.
    if engine.profile.max_api.below("1.42"):
        return sorted([*_ENGINE_PLUGINS, ("Log", "logentries")])
    return _ENGINE_PLUGINS


def _meta(meta: Meta) -> dict[str, Any]:
    return {
        "ID": meta.id,
        "Version": {"Index": meta.index},
        "CreatedAt": format_rfc3339_nano(meta.created_ns),
        "UpdatedAt": format_rfc3339_nano(meta.updated_ns),
    }


def tls_info(cluster: Cluster) -> dict[str, str]:
    """Return the ``TLSInfo`` of the swarm's root CA."""
    return {
        "TrustRoot": cluster.trust_root,
        "CertIssuerSubject": ISSUER_SUBJECT,
        "CertIssuerPublicKey": cluster.issuer_public_key,
    }


def cluster_info(cluster: Cluster, version: APIVersion) -> dict[str, Any]:
    """Return the ``ClusterInfo`` part shared by ``GET /swarm`` and ``/info``."""
    document = _meta(cluster.meta)
    document["Spec"] = copy.deepcopy(cluster.spec)
    document["TLSInfo"] = tls_info(cluster)
    document["RootRotationInProgress"] = False
    # DefaultAddrPool and SubnetSize arrived in API 1.39, DataPathPort in 1.40;
    # Engines 20.10 and 26.1 send them at every API version.
    document["DefaultAddrPool"] = list(cluster.default_addr_pool)
    document["SubnetSize"] = cluster.subnet_size
    document["DataPathPort"] = cluster.data_path_port
    return document


def swarm_document(
    cluster: Cluster, tokens: dict[str, str], version: APIVersion
) -> dict[str, Any]:
    """Return ``GET /swarm``: the cluster and its join tokens."""
    document = cluster_info(cluster, version)
    document["JoinTokens"] = tokens
    return document


def info_document(engine: Engine, version: APIVersion) -> dict[str, Any]:
    """Return the ``Swarm`` object of ``GET /info`` for the swarm's state."""
    swarm: Swarm = engine.swarm
    with swarm.lock:
        state = swarm.state
        if state == "inactive":
            return {
                "NodeID": "",
                "NodeAddr": "",
                "LocalNodeState": "inactive",
                "ControlAvailable": False,
                "Error": "",
                "RemoteManagers": None,
            }
        if state == "locked":
            from ...engine.swarm.cluster import SWARM_LOCKED

            return {
                "NodeID": "",
                "NodeAddr": swarm.advertise_addr,
                "LocalNodeState": "locked",
                "ControlAvailable": False,
                "Error": SWARM_LOCKED,
                "RemoteManagers": None,
            }
        cluster = swarm.cluster
        assert cluster is not None
        nodes, managers = swarm.nodes.count()
        manager_addr = f"{swarm.advertise_addr}:{swarm.listen_addr.rsplit(':', 1)[1]}"
        return {
            "NodeID": swarm.node_id,
            "NodeAddr": swarm.advertise_addr,
            "LocalNodeState": "active",
            "ControlAvailable": True,
            "Error": "",
            "RemoteManagers": [{"NodeID": swarm.node_id, "Addr": manager_addr}],
            "Nodes": nodes,
            "Managers": managers,
            "Cluster": cluster_info(cluster, version),
        }


def node_document(node: Node, engine: Engine, cluster: Cluster) -> dict[str, Any]:
    """Return a node as ``GET /nodes/{id}`` shows it."""
    config = engine.config
    architecture = {"amd64": "x86_64", "arm64": "aarch64"}.get(
        config.architecture, config.architecture
    )
    document = _meta(node.meta)
    document["Spec"] = copy.deepcopy(node.spec)
    document["Description"] = {
        "Hostname": config.name,
        "Platform": {"Architecture": architecture, "OS": "linux"},
        "Resources": {
            "NanoCPUs": config.ncpu * 1_000_000_000,
            "MemoryBytes": config.mem_total,
        },
        "Engine": {
            "EngineVersion": engine.profile.engine_version,
            "Plugins": [
                {"Type": kind, "Name": name} for kind, name in _plugins(engine)
            ],
        },
        "TLSInfo": tls_info(cluster),
    }
    document["Status"] = {"State": "ready", "Addr": node.addr}
    if node.spec["Role"] == "manager":
        document["ManagerStatus"] = {
            "Leader": node.leader,
            "Reachability": "reachable",
            "Addr": node.manager_addr,
        }
    return document


def service_document(
    service: Service,
    *,
    insert: bool = False,
    status: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Return a service as ``GET /services/{id}`` shows it."""
    document = _meta(service.meta)
    document["Spec"] = insert_defaults(service.spec) if insert else service.spec
    if service.previous_spec is not None:
        previous = service.previous_spec
        document["PreviousSpec"] = insert_defaults(previous) if insert else previous
    document["Endpoint"] = copy.deepcopy(service.endpoint)
    if service.update_status is not None:
        update = dict(service.update_status)
        update["StartedAt"] = format_rfc3339_nano(update["StartedAt"])
        if "CompletedAt" in update:
            update["CompletedAt"] = format_rfc3339_nano(update["CompletedAt"])
        document["UpdateStatus"] = update
    if status is not None:
        document["ServiceStatus"] = status
    return copy.deepcopy(document)


def task_document(task: Task, engine: Engine, version: APIVersion) -> dict[str, Any]:
    """Return a task as ``GET /tasks/{id}`` shows it."""
    document = _meta(task.meta)
    document["Labels"] = {}
    document["Spec"] = copy.deepcopy(task.spec)
    document["ServiceID"] = task.service_id
    if task.slot:
        document["Slot"] = task.slot
    document["NodeID"] = task.node_id
    status: dict[str, Any] = {
        "Timestamp": format_rfc3339_nano(task.timestamp_ns),
        "State": task.state,
        "Message": task.message,
    }
    if task.err:
        status["Err"] = task.err
    if task.state not in ("new", "pending", "assigned", "accepted") or task.err:
        status["ContainerStatus"] = {
            "ContainerID": task.container_id,
            "PID": task.pid,
            "ExitCode": task.exit_code,
        }
    status["PortStatus"] = {}
    document["Status"] = status
    document["DesiredState"] = task.desired
    attachments = [
        attachment
        for attachment in (
            _attachment(engine, network_id, address)
            for network_id, address in task.attachments
        )
        if attachment is not None
    ]
    if attachments:
        document["NetworksAttachments"] = attachments
    # Cluster volumes (API 1.42) added the task's `Volumes`; Engines that
    # know them send it at every API version.
    if engine.profile.max_api.at_least("1.42"):
        document["Volumes"] = None
    return document


def _attachment(engine: Engine, network_id: str, address: str) -> dict[str, Any] | None:
    network = engine.networks.find(network_id)
    if network is None:
        return None
    spec: dict[str, Any] = {"Name": network.name, "Labels": dict(network.labels)}
    if network.ingress:
        spec["DriverConfiguration"] = {}
        spec["Ingress"] = True
        spec["IPAMOptions"] = {"Driver": {}}
    else:
        spec["DriverConfiguration"] = {"Name": network.driver}
    if network.attachable:
        spec["Attachable"] = True
    spec["Scope"] = "swarm"
    created = format_rfc3339_nano(network.created_ns)
    return {
        "Network": {
            "ID": network.id,
            "Version": {"Index": 1},
            "CreatedAt": created,
            "UpdatedAt": created,
            "Spec": spec,
            "DriverState": {"Name": network.driver, "Options": dict(network.options)},
            "IPAMOptions": {
                "Driver": {"Name": network.ipam_driver},
                "Configs": [dict(entry) for entry in network.ipam_config or []],
            },
        },
        "Addresses": [address],
    }


def blob_document(blob: Blob) -> dict[str, Any]:
    """Return a secret (never its data) or a config (with its data)."""
    document = _meta(blob.meta)
    document["Spec"] = copy.deepcopy(blob.spec)
    return document
