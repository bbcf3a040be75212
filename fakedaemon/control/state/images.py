"""Images in a dump: metadata, references, files, layer tars and registrations.

Every image is dumped whole, so its id and everything inspect, history and
save show survive a load. Its files are written as the difference from a
tree the load can rebuild: the registry's image for a pulled image or the
base of a registered one, else the parent image, else an empty root.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ...engine.filesystem import Filesystem
from ...engine.filesystem_dump import apply_tree, dump_changes, dump_tree
from ...engine.images import HistoryEntry, Image
from ...engine.references import parse_normalized
from ...engine.registry import Platform
from ..images import ImageDefinition

if TYPE_CHECKING:
    from ...engine.engine import Engine
    from ..images import ImageRegistrations


def dump_images(engine: Engine, registrations: ImageRegistrations) -> dict[str, Any]:
    """Return the ``images``, ``layer_data``, ``registered_images`` and
    ``registry`` parts of a dump."""
    store = engine.images
    registered = {d.image_id: d for d in registrations.definitions}
    images = []
    layer_data: dict[str, str] = {}
    for image in reversed(store.images()):
        images.append(_dump_image(engine, image, registered.get(image.id)))
        for digest in [*image.layers, image.id]:
            data = store.layer_data(digest)
            if data is not None and digest not in layer_data:
                layer_data[digest] = base64.b64encode(data).decode("ascii")
    return {
        "images": images,
        "layer_data": layer_data,
        "registered_images": [d.to_json() for d in registrations.definitions],
        "registry": {"pushed": engine.registry.pushes()},
    }


def _dump_image(
    engine: Engine, image: Image, definition: ImageDefinition | None
) -> dict[str, Any]:
    files: dict[str, Any]
    parent = engine.images.by_id(image.parent) if image.parent else None
    if image.source:
        files = {"source": image.source}
    elif definition is not None:
        files = {"source": definition.base, "entries": dump_changes(image.filesystem)}
    elif parent is not None:
        files = {
            "base": parent.id,
            "entries": dump_tree(image.filesystem, parent.filesystem),
        }
    else:
        files = {"entries": dump_tree(image.filesystem)}
    return {
        "id": image.id,
        "references": [str(ref) for ref in engine.images.references(image.id)],
        "created_ns": image.created_ns,
        "last_tag_ns": image.last_tag_ns,
        "config": image.config,
        "architecture": image.architecture,
        "os": image.os,
        "variant": image.variant,
        "os_version": image.os_version,
        "layers": image.layers,
        "layer_sizes": image.layer_sizes,
        "history": [_dump_step(step) for step in image.history],
        "parent": image.parent,
        "comment": image.comment,
        "docker_version": image.docker_version,
        "author": image.author,
        "container": image.container,
        "container_config": image.container_config,
        "files": files,
    }


def _dump_step(step: HistoryEntry) -> dict[str, Any]:
    return {
        "created_ns": step.created_ns,
        "created_by": step.created_by,
        "comment": step.comment,
        "empty_layer": step.empty_layer,
        "author": step.author,
    }


def load_images(
    engine: Engine,
    registrations: ImageRegistrations,
    document: Mapping[str, Any],
    reusable: Mapping[str, Image],
) -> None:
    """Store the images, layer tars, registrations and pushes of ``document``.

    Raises:
        ValueError: an image's files name a base image the dump lacks.
    """
    store = engine.images
    for digest, text in (document.get("layer_data") or {}).items():
        store.store_layer_data(str(digest), base64.b64decode(text))
    loaded: dict[str, Image] = {}
    pending = list(document.get("images") or [])
    while pending:
        # An image comes after the one its files are based on, whatever
        # order the dump gives them in.
        waiting = []
        for item in pending:
            base = item["files"].get("base")
            if base and base not in loaded:
                waiting.append(item)
                continue
            loaded[item["id"]] = _load_image(engine, item, loaded, reusable)
        if len(waiting) == len(pending):
            missing = waiting[0]["files"]["base"]
            raise ValueError(
                f"invalid state: image {waiting[0]['id']} is based on image "
                f"{missing}, which the dump lacks"
            )
        pending = waiting
    registrations.clear()
    for item in document.get("registered_images") or []:
        definition = ImageDefinition.from_json(item)
        definition.image_id = str(item.get("id") or "")
        registrations.adopt(definition)
    pushed = (document.get("registry") or {}).get("pushed") or {}
    for repository, diff_ids in pushed.items():
        engine.registry.record_push(parse_normalized(repository), diff_ids)


def _load_image(
    engine: Engine,
    item: Mapping[str, Any],
    loaded: Mapping[str, Image],
    reusable: Mapping[str, Image],
) -> Image:
    image = reusable.get(str(item["id"]))
    if image is None:
        image = _image_from(engine, item, loaded)
    references = [parse_normalized(str(text)) for text in item["references"]]
    stored, _ = engine.images.add(image, references)
    last_tag = item.get("last_tag_ns")
    stored.last_tag_ns = None if last_tag is None else int(last_tag)
    return stored


def _image_from(
    engine: Engine, item: Mapping[str, Any], loaded: Mapping[str, Image]
) -> Image:
    history = [
        HistoryEntry(
            created_ns=int(step["created_ns"]),
            created_by=str(step["created_by"]),
            comment=str(step.get("comment") or ""),
            empty_layer=bool(step.get("empty_layer")),
            author=str(step.get("author") or ""),
        )
        for step in item.get("history") or []
    ]
    image = Image(
        id=str(item["id"]),
        config=dict(item["config"] or {}),
        created_ns=int(item["created_ns"]),
        architecture=str(item.get("architecture") or "amd64"),
        os=str(item.get("os") or "linux"),
        variant=str(item.get("variant") or ""),
        os_version=str(item.get("os_version") or ""),
        layers=[str(layer) for layer in item.get("layers") or []],
        layer_sizes=[int(size) for size in item.get("layer_sizes") or []],
        history=history,
        parent=str(item.get("parent") or ""),
        comment=str(item.get("comment") or ""),
        docker_version=str(item.get("docker_version") or ""),
        author=str(item.get("author") or ""),
        container=str(item.get("container") or ""),
        container_config=item.get("container_config"),
    )
    image.filesystem = _files_of(engine, image, item["files"], loaded)
    if item["files"].get("source") and not item["files"].get("entries"):
        image.source = str(item["files"]["source"])
    return image


def _files_of(
    engine: Engine,
    image: Image,
    files: Mapping[str, Any],
    loaded: Mapping[str, Image],
) -> Filesystem:
    entries = files.get("entries") or []
    if files.get("source"):
        # NOTE: these files come from the catalogue of the version that
        # loads the dump, while the id and metadata come from the dump.
        platform = Platform(image.os, image.architecture, image.variant)
        pulled = engine.registry.build_image(str(files["source"]), platform)
        if not entries:
            return pulled.filesystem
        filesystem = pulled.filesystem.child()
    elif files.get("base"):
        filesystem = loaded[str(files["base"])].filesystem.child()
    else:
        filesystem = Filesystem(engine.clock.time)
    apply_tree(filesystem, entries)
    return filesystem
