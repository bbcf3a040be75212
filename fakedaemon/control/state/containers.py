"""Containers in a dump: configuration, state, output, files, mounts, endpoints.

A container is rebuilt as it was, without the checks and defaults of a
create. Its files are the difference from its image's. A container that was
running (or waiting to restart) starts again once every container is in
place, and keeps its endpoints, start time and process id. When a dumped
endpoint belongs to a container that no longer runs, the load drops it and
gives its address back to the pool.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...engine.containers import Container
from ...engine.filesystem import Filesystem
from ...engine.filesystem_dump import apply_tree, decode_bytes, dump_tree, encode_bytes
from ...engine.health import MAX_LOG_ENTRIES, Health, HealthResult
from ...engine.networks import Attachment, Endpoint, Network, Pool
from ...engine.output import StdinPipe
from ...engine.volumes import MountPoint
from ...errors import DaemonError

if TYPE_CHECKING:
    from ...engine.engine import Engine

logger = logging.getLogger("fakedaemon")

STATE_FIELDS = (
    "status",
    "running",
    "paused",
    "restarting",
    "oom_killed",
    "dead",
    "pid",
    "exit_code",
    "error",
    "started_ns",
    "finished_ns",
)
"""The fields of ``State`` that a dump keeps."""

_MOUNT_FIELDS = (
    "type",
    "destination",
    "rw",
    "mode",
    "name",
    "source",
    "propagation",
    "copy_data",
    "labels",
    "driver_options",
)
_ATTACHMENT_FIELDS = (
    "network_id",
    "aliases",
    "ipam_config",
    "links",
    "driver_opts",
    "mac_request",
    "gw_priority",
    "by_connect",
)
_ENDPOINT_FIELDS = ("endpoint_id", "mac_address", "address", "prefix_len", "gateway")


def dump_containers(engine: Engine) -> list[dict[str, Any]]:
    """Return every container, oldest first."""
    return [
        _dump_container(engine, container)
        for container in reversed(engine.containers.all())
    ]


def _dump_container(engine: Engine, container: Container) -> dict[str, Any]:
    image = engine.images.by_id(container.image_id)
    base = image.filesystem if image is not None else None
    return {
        "id": container.id,
        "name": container.name,
        "created_ns": container.created_ns,
        "path": container.path,
        "args": container.args,
        "config": container.config,
        "host_config": container.host_config,
        "image_id": container.image_id,
        "platform": container.platform,
        "restart_count": container.restart_count,
        "exits": container.exits,
        "stopped_by_user": container.stopped_by_user,
        "state": {name: getattr(container.state, name) for name in STATE_FIELDS},
        "logs": [
            {
                "stream": entry.stream,
                "time_ns": entry.time_ns,
                **encode_bytes(entry.data),
            }
            for entry in container.log.entries()
        ],
        "files": {
            "base": image.id if image is not None else None,
            "entries": dump_tree(container.filesystem, base),
        },
        "mounts": [
            {name: getattr(mount, name) for name in _MOUNT_FIELDS}
            for mount in container.mounts
        ],
        "networks": {
            name: _dump_attachment(attachment)
            for name, attachment in container.networks.items()
        },
        "health": _dump_health(container),
    }


def _dump_health(container: Container) -> dict[str, Any] | None:
    health = container.health
    if health is None:
        return None
    return {
        "status": health.status,
        "failing_streak": health.failing_streak,
        "log": [
            {
                "start_ns": result.start_ns,
                "end_ns": result.end_ns,
                "exit_code": result.exit_code,
                "output": result.output,
            }
            for result in health.log
        ],
    }


def _load_health(container: Container, item: Mapping[str, Any] | None) -> None:
    """Restore ``State.Health``; a container started by the load resets it."""
    if not item:
        return
    health = Health()
    health.status = str(item.get("status") or health.status)
    health.failing_streak = int(item.get("failing_streak") or 0)
    health.log = tuple(
        HealthResult(
            start_ns=int(entry["start_ns"]),
            end_ns=int(entry["end_ns"]),
            exit_code=int(entry["exit_code"]),
            output=str(entry.get("output") or ""),
        )
        for entry in item.get("log") or []
    )[-MAX_LOG_ENTRIES:]
    container.health = health


def _dump_attachment(attachment: Attachment) -> dict[str, Any]:
    item = {name: getattr(attachment, name) for name in _ATTACHMENT_FIELDS}
    endpoint = attachment.endpoint
    item["endpoint"] = (
        None
        if endpoint is None
        else {name: getattr(endpoint, name) for name in _ENDPOINT_FIELDS}
    )
    return item


def load_containers(engine: Engine, items: list[Mapping[str, Any]]) -> None:
    """Store the containers of a dump, then start those that were running."""
    running: list[tuple[Container, Mapping[str, Any]]] = []
    for item in items:
        container = _load_container(engine, item)
        state = item["state"]
        if state.get("running") or state.get("restarting"):
            running.append((container, state))
    for container, state in running:
        _start_again(engine, container, state)


def _load_container(engine: Engine, item: Mapping[str, Any]) -> Container:
    config = dict(item["config"])
    container = Container(
        id=str(item["id"]),
        name=str(item["name"]),
        created_ns=int(item["created_ns"]),
        path=str(item["path"]),
        args=[str(arg) for arg in item.get("args") or []],
        config=config,
        host_config=dict(item["host_config"]),
        image_id=str(item["image_id"]),
        filesystem=_files_of(engine, item),
        platform=str(item.get("platform") or "linux"),
        restart_count=int(item.get("restart_count") or 0),
        exits=int(item.get("exits") or 0),
        stopped_by_user=bool(item.get("stopped_by_user")),
        mounts=[MountPoint(**mount) for mount in item.get("mounts") or []],
    )

    state = item["state"]
    for name in STATE_FIELDS:
        if name in state:
            setattr(container.state, name, state[name])
    # A container that runs again is started below, from a stopped state.
    container.state.running = container.state.paused = False
    container.state.restarting = False

    for entry in item.get("logs") or []:
        container.log.append(
            str(entry["stream"]), int(entry["time_ns"]), decode_bytes(entry)
        )
    _load_health(container, item.get("health"))
    if config.get("OpenStdin"):
        container.stdin = StdinPipe()
    keep_endpoints = bool(state.get("running"))
    for name, settings in (item.get("networks") or {}).items():
        container.networks[str(name)] = _load_attachment(
            engine, container, settings, keep_endpoints
        )
    engine.containers.restore(container)
    return container


def _files_of(engine: Engine, item: Mapping[str, Any]) -> Filesystem:
    image = engine.images.by_id(str(item["image_id"]))
    files = item.get("files") or {}
    if files.get("base") and image is not None:
        filesystem = image.filesystem.child()
    else:
        filesystem = Filesystem(engine.clock.time)
    apply_tree(filesystem, files.get("entries") or [])
    return filesystem


def _load_attachment(
    engine: Engine,
    container: Container,
    item: Mapping[str, Any],
    keep_endpoint: bool,
) -> Attachment:
    attachment = Attachment(
        **{name: item[name] for name in _ATTACHMENT_FIELDS if name in item}
    )
    endpoint = item.get("endpoint")
    if not endpoint:
        return attachment
    store = engine.networks
    network = store.find(attachment.network_id)
    if network is None:
        return attachment
    with store.lock:
        pool = _pool_of(network, str(endpoint["address"]))
        if not keep_endpoint:
            if pool is not None:
                number = int(ipaddress.ip_address(str(endpoint["address"])))
                pool.allocated.discard(number)
            return attachment
        fields = {name: endpoint[name] for name in _ENDPOINT_FIELDS}
        restored = Endpoint(
            container_id=container.id,
            container_name=container.name.lstrip("/"),
            pool=pool,
            **fields,
        )
        attachment.endpoint = restored
        network.endpoints[container.id] = restored
        if pool is not None:
            pool.allocated.add(int(ipaddress.ip_address(restored.address)))
    return attachment


def _pool_of(network: Network, address: str) -> Pool | None:
    if not address:
        return None
    ip = ipaddress.ip_address(address)
    for pool in network.pools:
        if pool.subnet.version == ip.version and ip in pool.subnet:
            return pool
    return None


def _start_again(
    engine: Engine, container: Container, state: Mapping[str, Any]
) -> None:
    store = engine.containers
    try:
        store.start(container.id)
    except DaemonError as error:
        logger.error(
            "failed to start container %s again after a state load: %s",
            container.short_id,
            error.message,
        )
        engine.networks.forget(container)
        return
    with store.changed:
        container.state.started_ns = int(state.get("started_ns") or 0)
        pid = int(state.get("pid") or 0)
        if pid and container.process is not None:
            container.state.pid = container.process.pid = pid
    if state.get("paused"):
        store.pause(container.id)
