"""The dump document: its format version, its parts and the order of a load.

A dump holds the clock, the daemon's id, images with their layers,
registered images, the registry's pushed layers, volumes, networks,
containers, swarm mode and the events. Exec instances are left out,
because dockerd does not keep them across a restart. The daemon has no
build cache besides the intermediate images of the classic builder, and
those are dumped as images.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...engine.events import Event
from .containers import dump_containers, load_containers
from .images import dump_images, load_images
from .networks import dump_networks, load_networks
from .swarm import dump_swarm, load_swarm
from .volumes import dump_volumes, load_volumes

if TYPE_CHECKING:
    from ...engine.engine import Engine
    from ...engine.images import Image
    from ..images import ImageRegistrations

FORMAT = 2
"""The version of the dump format; ``load_state`` reads this version only.

Format 1 named images by reference and had no volumes, networks, mounts,
endpoints or swarm, so a load of it could not give containers what they
had. It is rejected with a message that explains this.
"""


def check_format(document: Mapping[str, Any]) -> None:
    """Check that ``document`` is a dump this version reads.

    Raises:
        ValueError: it is not an object, or of another format.
    """
    if not isinstance(document, Mapping):
        raise ValueError("invalid state: the document is not a JSON object")
    found = document.get("format")
    if found is None:
        raise ValueError("invalid state: the document has no 'format' field")
    if found == 1:
        raise ValueError(
            "unsupported state format 1, written by an earlier fakedaemon: this "
            f"version reads format {FORMAT}, and format 1 lacks the image contents, "
            "volumes, networks and swarm that a load needs"
        )
    if found != FORMAT:
        raise ValueError(f"unsupported state format {found!r}: expected {FORMAT}")


def dump_state(engine: Engine, registrations: ImageRegistrations) -> dict[str, Any]:
    """Return the engine's whole state as JSON values.

    The values may share objects with the engine, so a caller that keeps
    them copies them first (``Control.dump`` does).
    """
    document: dict[str, Any] = {
        "format": FORMAT,
        "engine": engine.profile.name,
        "daemon_id": engine.daemon_id,
        "clock": {"time": engine.clock.time(), "frozen": engine.clock.frozen},
    }
    document.update(dump_images(engine, registrations))
    document["volumes"] = dump_volumes(engine)
    document["networks"] = dump_networks(engine)
    document["containers"] = dump_containers(engine)
    document["swarm"] = dump_swarm(engine)
    document["events"] = [_dump_event(event) for event in engine.events.snapshot()]
    return document


def _dump_event(event: Event) -> dict[str, Any]:
    return {
        "type": event.type,
        "action": event.action,
        "actor_id": event.actor_id,
        "attributes": event.attributes,
        "scope": event.scope,
        "time_ns": event.time_ns,
    }


def load_state(
    engine: Engine,
    registrations: ImageRegistrations,
    document: Mapping[str, Any],
    reusable: Mapping[str, Image] | None = None,
) -> None:
    """Fill a reset engine, whose image store is empty, with ``document``.

    ``reusable`` maps image ids to images the caller held before the reset.
    An image's id is the digest of its content, so one with the id of a
    dumped image is taken as it is instead of being rebuilt.

    Containers that were running start again, from the beginning of their
    process, because a process's progress is not part of the dump. They
    keep their start time, process id and network addresses.

    Raises:
        ValueError: the document is not a dump of this format.
        KeyError, TypeError: a part of the document is missing or malformed.
    """
    check_format(document)
    clock = document.get("clock") or {}
    if clock.get("frozen"):
        # Before anything starts, so restarted processes wait on this clock.
        engine.clock.freeze(float(clock["time"]))
    if document.get("daemon_id"):
        engine.daemon_id = str(document["daemon_id"])
    load_images(engine, registrations, document, reusable or {})
    load_volumes(engine, document.get("volumes") or [])
    load_networks(engine, document.get("networks") or [])
    load_containers(engine, document.get("containers") or [])
    load_swarm(engine, document.get("swarm"))
    engine.events.restore(
        [
            Event(
                type=str(item["type"]),
                action=str(item["action"]),
                actor_id=str(item["actor_id"]),
                attributes=dict(item.get("attributes") or {}),
                scope=str(item.get("scope") or "local"),
                time_ns=int(item["time_ns"]),
            )
            for item in document.get("events") or []
        ]
    )
