"""Swarm mode in a dump: the cluster, its node, services, tasks, secrets, configs.

The records are dumped field by field, so their versions, update status,
join token secrets and unlock key survive. The swarm's overlay networks are
part of the networks, and its tasks' containers part of the containers.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any

from ...engine.swarm.cluster import SWARM_STATES
from ...engine.swarm.objects import Blob, Cluster, Meta, Node, Service, Task

if TYPE_CHECKING:
    from ...engine.engine import Engine


def dump_swarm(engine: Engine) -> dict[str, Any] | None:
    """Return the swarm's state, or None outside a swarm."""
    swarm = engine.swarm
    with swarm.lock:
        if swarm.state == "inactive" or swarm.cluster is None:
            return None
        return {
            "state": swarm.state,
            "node_id": swarm.node_id,
            "listen_addr": swarm.listen_addr,
            "advertise_addr": swarm.advertise_addr,
            "data_path_addr": swarm.data_path_addr,
            "index": swarm.index,
            "cluster": _record(swarm.cluster),
            "nodes": [_record(node) for node in swarm.nodes.all()],
            "services": [_record(service) for service in swarm.services.all()],
            "tasks": [_record(task) for task in swarm.tasks.all()],
            "secrets": [_dump_blob(blob) for blob in swarm.secrets.all()],
            "configs": [_dump_blob(blob) for blob in swarm.configs.all()],
            "networks": swarm.overlay.ids(),
            "next_vxlan": swarm.overlay.next_vxlan,
        }


def _record(item: Any) -> dict[str, Any]:
    """Return a swarm record's fields, with its ``Meta`` as an object."""
    values = {field.name: getattr(item, field.name) for field in fields(item)}
    values["meta"] = {
        field.name: getattr(item.meta, field.name) for field in fields(Meta)
    }
    return values


def _dump_blob(blob: Blob) -> dict[str, Any]:
    values = _record(blob)
    values["data"] = base64.b64encode(blob.data).decode("ascii")
    return values


def load_swarm(engine: Engine, item: Mapping[str, Any] | None) -> None:
    """Bring back the swarm of a dump into a reset engine, then resume it."""
    if not item:
        return
    state = str(item["state"])
    if state not in SWARM_STATES:
        # The state is also sent as the Swarm header of /_ping.
        known = ", ".join(sorted(SWARM_STATES))
        raise ValueError(f"invalid swarm state {state!r}: use one of {known}")
    swarm = engine.swarm
    with swarm.lock:
        swarm.state = state
        swarm.node_id = str(item["node_id"])
        swarm.listen_addr = str(item.get("listen_addr") or "")
        swarm.advertise_addr = str(item.get("advertise_addr") or "")
        swarm.data_path_addr = str(item.get("data_path_addr") or "")
        swarm.index = int(item["index"])
        swarm.cluster = Cluster(**_fields_of(item["cluster"]))
        swarm.nodes.restore([Node(**_fields_of(n)) for n in item.get("nodes") or []])
        swarm.services.restore(
            [Service(**_fields_of(s)) for s in item.get("services") or []]
        )
        swarm.tasks.restore([_load_task(task) for task in item.get("tasks") or []])
        swarm.secrets.restore([_load_blob(b) for b in item.get("secrets") or []])
        swarm.configs.restore([_load_blob(b) for b in item.get("configs") or []])
        swarm.overlay.restore(
            [str(network_id) for network_id in item.get("networks") or []],
            int(item["next_vxlan"]),
        )
    swarm.resume()


def _fields_of(item: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(item)
    values["meta"] = Meta(**item["meta"])
    return values


def _load_task(item: Mapping[str, Any]) -> Task:
    task = Task(**_fields_of(item))
    # JSON has no tuples: each attachment comes back as a list.
    task.attachments = [
        (str(network), str(address)) for network, address in task.attachments
    ]
    return task


def _load_blob(item: Mapping[str, Any]) -> Blob:
    values = _fields_of(item)
    values["data"] = base64.b64decode(str(item["data"]))
    return Blob(**values)
