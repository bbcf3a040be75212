"""Make images from a filesystem and a configuration: build steps and commits.

An image's id is the sha256 of its canonical config JSON, as Docker's is the
digest of the image config. A new layer's diff id is the sha256 of its tar.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...clock import format_rfc3339_nano
from ..images import HistoryEntry, Image
from .layers import content_size, diff_tar, digest

if TYPE_CHECKING:
    from ..engine import Engine
    from ..filesystem import Filesystem


@dataclass(slots=True)
class ImageDraft:
    """The next image: its parent's layers and history plus the step's changes."""

    config: dict[str, Any]
    layers: list[str] = field(default_factory=list)
    layer_sizes: list[int] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    parent: str = ""
    author: str = ""
    architecture: str = "amd64"
    os: str = "linux"

    @classmethod
    def from_image(cls, image: Image | None, architecture: str) -> ImageDraft:
        """Start from ``image`` (None for ``scratch``)."""
        if image is None:
            return cls(config={}, architecture=architecture)
        return cls(
            config=copy.deepcopy(image.config),
            layers=list(image.layers),
            layer_sizes=list(image.layer_sizes),
            history=list(image.history),
            parent=image.id,
            author=image.author,
            architecture=image.architecture,
            os=image.os,
        )


def add_layer(engine: Engine, draft: ImageDraft, fs: Filesystem) -> str:
    """Record what ``fs`` changed against its parent as a new layer of ``draft``."""
    data = diff_tar(fs)
    diff_id = digest(data)
    engine.images.store_layer_data(diff_id, data)
    draft.layers.append(diff_id)
    draft.layer_sizes.append(content_size(data))
    return diff_id


def create_image(
    engine: Engine,
    draft: ImageDraft,
    fs: Filesystem,
    *,
    container_id: str = "",
    container_config: dict[str, Any] | None = None,
    comment: str = "",
) -> Image:
    """Store the image ``draft`` describes, with ``fs`` as its files."""
    created_ns = engine.clock.time_ns()
    created = format_rfc3339_nano(created_ns)
    history = []
    for entry in draft.history:
        item: dict[str, Any] = {
            "created": format_rfc3339_nano(entry.created_ns),
            "created_by": entry.created_by,
        }
        if entry.author:
            item["author"] = entry.author
        if entry.comment:
            item["comment"] = entry.comment
        if entry.empty_layer:
            item["empty_layer"] = True
        history.append(item)
    document: dict[str, Any] = {
        "architecture": draft.architecture,
        "config": draft.config,
        "created": created,
        "docker_version": engine.profile.engine_version,
        "history": history,
        "os": draft.os,
        "rootfs": {"type": "layers", "diff_ids": list(draft.layers)},
    }
    if draft.author:
        document["author"] = draft.author
    if comment:
        document["comment"] = comment
    if container_id:
        document["container"] = container_id
        document["container_config"] = container_config or {}
    if draft.parent:
        document["parent"] = draft.parent
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    image = Image(
        id=digest(canonical.encode()),
        config=copy.deepcopy(draft.config),
        created_ns=created_ns,
        architecture=draft.architecture,
        os=draft.os,
        layers=list(draft.layers),
        layer_sizes=list(draft.layer_sizes),
        history=list(draft.history),
        parent=draft.parent,
        comment=comment,
        docker_version=engine.profile.engine_version,
        author=draft.author,
        container=container_id,
        container_config=copy.deepcopy(container_config),
        filesystem=fs,
    )
    stored, _ = engine.images.add(image)
    # The exact config bytes give the same id when the image is saved.
    engine.images.store_layer_data(image.id, canonical.encode())
    return stored
