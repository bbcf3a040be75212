"""Volumes in a dump: name, driver, labels, options and the files they hold.

Which containers use a volume is not dumped; the containers' mounts
register it again when they load.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...engine.filesystem import Filesystem
from ...engine.filesystem_dump import apply_tree, dump_tree
from ...engine.volumes import Volume

if TYPE_CHECKING:
    from ...engine.engine import Engine


def dump_volumes(engine: Engine) -> list[dict[str, Any]]:
    """Return every volume with its files, sorted by name."""
    return [
        {
            "name": volume.name,
            "driver": volume.driver,
            "labels": volume.labels,
            "options": volume.options,
            "created_ns": volume.created_ns,
            "anonymous": volume.anonymous,
            "files": dump_tree(volume.filesystem),
        }
        for volume in engine.volumes.all()
    ]


def load_volumes(engine: Engine, items: list[Mapping[str, Any]]) -> None:
    """Store the volumes of a dump in an engine that has none."""
    for item in items:
        filesystem = Filesystem(engine.clock.time)
        apply_tree(filesystem, item.get("files") or [])
        labels = item.get("labels")
        options = item.get("options")
        engine.volumes.restore(
            Volume(
                name=str(item["name"]),
                driver=str(item.get("driver") or "local"),
                labels=None if labels is None else dict(labels),
                options=None if options is None else dict(options),
                created_ns=int(item["created_ns"]),
                anonymous=bool(item.get("anonymous")),
                filesystem=filesystem,
            )
        )
