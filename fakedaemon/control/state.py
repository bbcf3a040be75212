"""Dump a daemon's state as JSON and load it back into a reset engine."""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from ..engine.events import Event
from ..engine.filesystem import Filesystem, normalize
from ..engine.health import MAX_LOG_ENTRIES, Health, HealthResult
from ..engine.references import parse_normalized
from .images import ImageDefinition

if TYPE_CHECKING:
    from ..engine.containers import Container
    from ..engine.engine import Engine
    from .images import ImageRegistrations

logger = logging.getLogger("fakedaemon")

FORMAT = 1
"""The version of the dump format; ``load`` rejects other versions."""

_STATE_FIELDS = (
    "status",
    "running",
    "paused",
    "restarting",
    "oom_killed",
    "dead",
    "exit_code",
    "error",
    "started_ns",
    "finished_ns",
)


def dump_state(engine: Engine, registrations: ImageRegistrations) -> dict[str, Any]:
    """Return the engine's images, containers, events and clock as JSON values."""
    registered_ids = {d.image_id for d in registrations.definitions}
    images = []
    for image in reversed(engine.images.images()):
        if image.id in registered_ids:
            continue
        references = [str(ref) for ref in engine.images.references(image.id)]
        images.append({"id": image.id, "references": references})
    return {
        "format": FORMAT,
        "engine": engine.profile.name,
        "clock": {"time": engine.clock.time(), "frozen": engine.clock.frozen},
        "images": images,
        "registered_images": [d.to_json() for d in registrations.definitions],
        "containers": [
            _dump_container(container)
            for container in reversed(engine.containers.all())
        ],
        "events": [_dump_event(event) for event in engine.events.snapshot()],
    }


def _dump_container(container: Container) -> dict[str, Any]:
    state = container.state
    return {
        "id": container.id,
        "name": container.name,
        "created_ns": container.created_ns,
        "config": container.config,
        "host_config": container.host_config,
        "image_id": container.image_id,
        "platform": container.platform,
        "restart_count": container.restart_count,
        "exits": container.exits,
        "state": {name: getattr(state, name) for name in _STATE_FIELDS},
        "logs": [
            {
                "stream": entry.stream,
                "time_ns": entry.time_ns,
                "data": base64.b64encode(entry.data).decode(),
            }
            for entry in container.log.entries()
        ],
        "changes": _dump_changes(container.filesystem),
        "health": _dump_health(container),
    }


def _dump_changes(fs: Filesystem) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    for change in fs.changes():
        if change.kind == 2 or not fs.lexists(change.path):
            changes.append({"path": change.path, "kind": "deleted"})
            continue
        stat = fs.lstat(change.path)
        entry: dict[str, Any] = {"path": change.path, "kind": stat.kind}
        entry["mode"] = stat.mode
        if stat.kind == "file":
            entry["data"] = base64.b64encode(fs.read_file(change.path)).decode()
        elif stat.kind == "symlink":
            entry["target"] = stat.link_target
        changes.append(entry)
    return changes


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


def _dump_event(event: Event) -> dict[str, Any]:
    return asdict(event)


def load_state(
    engine: Engine, registrations: ImageRegistrations, document: Mapping[str, Any]
) -> None:
    """Replace a freshly reset engine's state with ``document``.

    Containers that were running start again: their simulated processes
    begin from the start, because a process's progress is not part of the
    dump.

    Raises:
        ValueError: the document is not a dump of a supported format.
    """
    if document.get("format") != FORMAT:
        raise ValueError(
            f"unsupported state format {document.get('format')!r}: expected {FORMAT}"
        )
    registrations.clear()
    for item in document.get("registered_images") or []:
        definition = ImageDefinition.from_json(item)
        registrations.install(definition)
        registrations.adopt(definition)
    for item in document.get("images") or []:
        _load_image(engine, item)
    running: list[str] = []
    for item in document.get("containers") or []:
        if _load_container(engine, item):
            running.append(str(item["id"]))
    for container_id in running:
        engine.containers.start(container_id)
    _load_events(engine, document.get("events") or [])
    clock = document.get("clock") or {}
    if clock.get("frozen"):
        engine.clock.freeze(float(clock["time"]))


def _load_image(engine: Engine, item: Mapping[str, Any]) -> None:
    references = list(item.get("references") or [])
    if not references:
        # NOTE: an image without a name (dangling) cannot be rebuilt from a
        # reference, so a load skips it.
        logger.info("state load skipped unnamed image %s", item.get("id"))
        return
    installed = engine.registry.install(engine.images, references[0])
    for text in references[1:]:
        reference = parse_normalized(text)
        if reference.tag:
            engine.images.tag(installed.id, reference.familiar_name, reference.tag)
    if installed.id != item.get("id"):
        # NOTE: images made by build, commit or load are rebuilt from their
        # first reference as the registry serves it, so their id differs.
        logger.info(
            "state load rebuilt %s as %s, not %s",
            references[0],
            installed.id,
            item.get("id"),
        )


def _load_container(engine: Engine, item: Mapping[str, Any]) -> bool:
    """Recreate one container; return whether it was running."""
    store = engine.containers
    config = dict(item["config"])
    image_id = str(item.get("image_id") or "")
    if image_id and engine.images.by_id(image_id) is not None:
        config["Image"] = image_id
    container = store.create(
        config,
        dict(item.get("host_config") or {}),
        name=str(item["name"]).lstrip("/"),
        platform=item.get("platform") or None,
    )
    store.replace_id(container, str(item["id"]))
    container.config["Image"] = item["config"].get("Image", config["Image"])
    container.created_ns = int(item["created_ns"])
    container.restart_count = int(item.get("restart_count") or 0)
    container.exits = int(item.get("exits") or 0)
    _load_changes(container.filesystem, item.get("changes") or [])
    for entry in item.get("logs") or []:
        container.log.append(
            entry["stream"], int(entry["time_ns"]), base64.b64decode(entry["data"])
        )
    _load_health(container, item.get("health"))
    state = dict(item.get("state") or {})
    was_running = bool(state.get("running"))
    if not was_running:
        for name in _STATE_FIELDS:
            if name in state:
                setattr(container.state, name, state[name])
    return was_running


def _load_changes(fs: Filesystem, changes: list[Mapping[str, Any]]) -> None:
    for change in changes:
        path = normalize(str(change["path"]))
        kind = change["kind"]
        if kind == "deleted":
            if fs.lexists(path):
                fs.remove(path, recursive=True)
            continue
        parent = path.rsplit("/", 1)[0] or "/"
        if not fs.is_dir(parent):
            fs.mkdir(parent, parents=True)
        mode = int(change.get("mode", 0o644))
        if kind == "dir":
            if not fs.is_dir(path):
                fs.mkdir(path, parents=True, mode=mode)
        elif kind == "symlink":
            if fs.lexists(path):
                fs.remove(path, recursive=True)
            fs.symlink(str(change["target"]), path)
        else:
            if fs.is_symlink(path):
                fs.remove(path)
            fs.write_file(path, base64.b64decode(change["data"]), mode=mode)
            fs.chmod(path, mode)


def _load_events(engine: Engine, items: list[Mapping[str, Any]]) -> None:
    events = [
        Event(
            type=str(item["type"]),
            action=str(item["action"]),
            actor_id=str(item["actor_id"]),
            attributes=dict(item.get("attributes") or {}),
            scope=str(item.get("scope") or "local"),
            time_ns=int(item["time_ns"]),
        )
        for item in items
    ]
    log = engine.events
    # EventLog stamps published events with the current time; a load keeps
    # the recorded times, so it fills the buffer directly.
    with log._condition:
        log._events.clear()
        log._events.extend(events)
        log._sequence += len(events)
        log._condition.notify_all()
