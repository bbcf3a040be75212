"""Image archives: ``docker save`` output and ``docker load`` input.

A saved archive contains each image's config JSON, its layer tars and a
``manifest.json`` naming them with the image's tags. Engine 25.0 and later
write it as an OCI image layout (``oci-layout``, ``index.json`` and
``blobs/sha256/``) with ``manifest.json`` and ``repositories`` beside it;
Engine 20.10 writes the older layout of ``<id>.json`` and one directory per
layer. Loading reads either.

Layers of images this daemon built, committed or loaded keep their real
tars, so their saved config is the one their id was computed from. Pulled
images have layers that exist only as digests; their archive carries all
files in the first layer and rewrites the config's ``diff_ids`` to match,
which gives the saved image a different id than the pulled one.
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import tarfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..clock import format_rfc3339_nano
from ..errors import DaemonError, InvalidParameter, NoSuchImage
from .builder.commit import CHANGE_INSTRUCTIONS
from .builder.committing import ImageDraft, create_image
from .builder.dockerfile import parse_change
from .builder.instructions import StepState, apply_metadata
from .builder.layers import apply_layer, content_size, digest, empty_tar, full_tar
from .filesystem import Filesystem, InvalidArchive
from .images import HistoryEntry, Image, ImageStore
from .references import (
    DigestReference,
    Reference,
    is_id_prefix,
    parse_any,
    parse_normalized,
    short_id,
)
from .registry import progress_bar

if TYPE_CHECKING:
    from .engine import Engine

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"


@dataclass(frozen=True, slots=True)
class ExportedImage:
    """An image as an archive carries it: config bytes and layer tars."""

    image: Image
    config: bytes
    layers: list[bytes]

    @property
    def id(self) -> str:
        """The image id the archive gives: the digest of the config."""
        return digest(self.config)


def export_image(store: ImageStore, image: Image) -> ExportedImage:
    """Return the config and layer tars that represent ``image`` in an archive."""
    stored = [store.layer_data(diff_id) for diff_id in image.layers]
    config = store.layer_data(image.id)
    if config is not None and all(data is not None for data in stored):
        return ExportedImage(image, config, [data for data in stored if data])

    layers = _rebuilt_layers(store, image, stored)
    document = _config_document(image, [digest(data) for data in layers])
    text = json.dumps(document, separators=(",", ":"), sort_keys=True)
    return ExportedImage(image, text.encode(), layers)


def _rebuilt_layers(
    store: ImageStore, image: Image, stored: list[bytes | None]
) -> list[bytes]:
    if not image.layers:
        return []
    missing = [index for index, data in enumerate(stored) if data is None]
    if missing == list(range(len(missing))):
        # Only the base layers (from a pull) lack tars: the ancestor with
        # exactly those layers gives their files in one tar.
        base = _ancestor_with_layers(store, image, image.layers[: len(missing)])
        if base is not None:
            rest = [data for data in stored[len(missing) :] if data is not None]
            padding = [empty_tar()] * (len(missing) - 1)
            return [full_tar(base.filesystem), *padding, *rest]
    return [full_tar(image.filesystem)] + [empty_tar()] * (len(image.layers) - 1)


def _ancestor_with_layers(
    store: ImageStore, image: Image, layers: list[str]
) -> Image | None:
    current: Image | None = image
    while current is not None:
        if current.layers == layers:
            return current
        current = store.by_id(current.parent) if current.parent else None
    return None


def _config_document(image: Image, diff_ids: list[str]) -> dict[str, Any]:
    history: list[dict[str, Any]] = []
    for entry in image.history:
        item: dict[str, Any] = {
            "created": format_rfc3339_nano(entry.created_ns),
            "created_by": entry.created_by,
        }
        if entry.comment:
            item["comment"] = entry.comment
        if entry.empty_layer:
            item["empty_layer"] = True
        history.append(item)
    document: dict[str, Any] = {
        "architecture": image.architecture,
        "config": image.config,
        "created": format_rfc3339_nano(image.created_ns),
        "history": history,
        "os": image.os,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    if image.variant:
        document["variant"] = image.variant
    if image.author:
        document["author"] = image.author
    if image.comment:
        document["comment"] = image.comment
    if image.docker_version:
        document["docker_version"] = image.docker_version
    return document


# Save -------------------------------------------------------------------------


def save_images(engine: Engine, names: Sequence[str], *, oci_layout: bool) -> bytes:
    """Return the ``docker save`` archive of the images ``names`` name.

    A repository name without a tag saves every tag of that repository; an
    id saves the image without tags.

    Raises:
        NoSuchImage: when a name matches no image (404).
    """
    store = engine.images
    selected: dict[str, list[str]] = {}
    images: dict[str, Image] = {}
    for name in names:
        for image, tag in _resolve(store, name):
            images[image.id] = image
            tags = selected.setdefault(image.id, [])
            if tag and tag not in tags:
                tags.append(tag)
    exported = [export_image(store, images[image_id]) for image_id in selected]
    for item in exported:
        store.publish(item.image, "save", item.image.id, item.image.id)
    if oci_layout:
        return _oci_archive(exported, selected)
    return _legacy_archive(exported, selected)


def _resolve(store: ImageStore, name: str) -> list[tuple[Image, str]]:
    try:
        image = store.get(name)
    except NoSuchImage:
        # dockerd names the image as the request gave it, without a tag.
        raise NoSuchImage(name) from None
    if is_id_prefix(image.id, name):
        return [(image, "")]
    parsed = parse_any(name)
    if isinstance(parsed, DigestReference) or parsed.digest is not None:
        return [(image, "")]
    if parsed.tag is None:
        # A repository name alone saves all of its tags.
        found = [
            (candidate, reference.familiar())
            for candidate in store.images()
            for reference in store.references(candidate.id)
            if reference.name == parsed.name and reference.tag
        ]
        if found:
            return found
    return [(image, parsed.with_default_tag().familiar())]


def _oci_archive(exported: list[ExportedImage], tags: dict[str, list[str]]) -> bytes:
    files: dict[str, bytes] = {}
    index_entries: list[dict[str, Any]] = []
    manifest_entries: list[dict[str, Any]] = []
    repositories: dict[str, dict[str, str]] = {}
    for item in exported:
        config_digest = item.id
        files[_blob(config_digest)] = item.config
        layer_descriptors = []
        layer_paths = []
        sources: dict[str, Any] = {}
        # Engines 25.0 and later still write each layer's legacy v1 json, now
        # as a blob of its own that nothing in the layout refers to.
        for legacy in _v1_documents(item):
            files[_blob(digest(legacy))] = legacy
        for data in item.layers:
            layer_digest = digest(data)
            files[_blob(layer_digest)] = data
            descriptor = {
                "mediaType": OCI_LAYER,
                "digest": layer_digest,
                "size": len(data),
            }
            layer_descriptors.append(descriptor)
            layer_paths.append(_blob(layer_digest))
            sources[layer_digest] = {
                "mediaType": OCI_LAYER,
                "size": len(data),
                "digest": layer_digest,
            }
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": OCI_CONFIG,
                "digest": config_digest,
                "size": len(item.config),
            },
            "layers": layer_descriptors,
        }
        manifest_bytes = json.dumps(manifest, separators=(",", ":")).encode()
        manifest_digest = digest(manifest_bytes)
        files[_blob(manifest_digest)] = manifest_bytes
        image_tags = tags.get(item.image.id, [])
        base: dict[str, Any] = {
            "mediaType": OCI_MANIFEST,
            "digest": manifest_digest,
            "size": len(manifest_bytes),
        }
        if not image_tags:
            index_entries.append(dict(base))
        for tag in image_tags:
            reference = parse_normalized(tag)
            entry = dict(base)
            entry["annotations"] = {
                "io.containerd.image.name": str(reference),
                "org.opencontainers.image.ref.name": reference.tag or "latest",
            }
            index_entries.append(entry)
            _add_repository(repositories, reference, layer_paths)
        manifest_entries.append(
            {
                "Config": _blob(config_digest),
                "RepoTags": list(image_tags) or None,
                "Layers": layer_paths,
                "LayerSources": sources or None,
            }
        )
        if not sources:
            del manifest_entries[-1]["LayerSources"]
    files["index.json"] = _compact(
        {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": index_entries}
    )
    files["manifest.json"] = _compact(manifest_entries)
    files["oci-layout"] = b'{"imageLayoutVersion": "1.0.0"}'
    if repositories:
        files["repositories"] = _compact(repositories)
    return _tar(files, directories=("blobs", "blobs/sha256"))


def _v1_documents(item: ExportedImage) -> list[bytes]:
    """Return the legacy v1 json of each layer of an image, bottom first.

    The top layer's document is the image config without its root file
    system and history, as dockerd's ``MakeV1ConfigFromConfig`` makes it.
    """
    config = json.loads(item.config)
    documents: list[bytes] = []
    parent = ""
    for index, data in enumerate(item.layers):
        v1_id = hashlib.sha256(f"{parent} {digest(data)}".encode()).hexdigest()
        legacy: dict[str, Any] = {"id": v1_id}
        if parent:
            legacy["parent"] = parent
        if index == len(item.layers) - 1:
            legacy.update(
                (key, value)
                for key, value in config.items()
                if key not in ("rootfs", "history", "id", "parent")
            )
        else:
            legacy["created"] = config.get("created", "")
        documents.append(_compact(legacy))
        parent = v1_id
    return documents


def _add_repository(
    repositories: dict[str, dict[str, str]],
    reference: Reference,
    layer_paths: list[str],
) -> None:
    if not layer_paths:
        return
    top = posixpath.basename(posixpath.dirname(layer_paths[-1]))
    if top == "sha256" or not top:
        top = posixpath.basename(layer_paths[-1])
    repositories.setdefault(reference.familiar_name, {})[reference.tag or "latest"] = (
        top
    )


def _legacy_archive(exported: list[ExportedImage], tags: dict[str, list[str]]) -> bytes:
    files: dict[str, bytes] = {}
    directories: list[str] = []
    manifest_entries: list[dict[str, Any]] = []
    repositories: dict[str, dict[str, str]] = {}
    for item in exported:
        config_name = f"{item.id[7:]}.json"
        files[config_name] = item.config
        parent = ""
        layer_paths = []
        document = json.loads(item.config)
        for data in item.layers:
            v1_id = hashlib.sha256(f"{parent} {digest(data)}".encode()).hexdigest()
            directories.append(v1_id)
            legacy: dict[str, Any] = {"id": v1_id}
            if parent:
                legacy["parent"] = parent
            legacy["created"] = document.get("created", "")
            legacy["os"] = document.get("os", "linux")
            files[f"{v1_id}/VERSION"] = b"1.0"
            files[f"{v1_id}/json"] = _compact(legacy)
            files[f"{v1_id}/layer.tar"] = data
            layer_paths.append(f"{v1_id}/layer.tar")
            parent = v1_id
        image_tags = tags.get(item.image.id, [])
        for tag in image_tags:
            reference = parse_normalized(tag)
            if parent:
                repositories.setdefault(reference.familiar_name, {})[
                    reference.tag or "latest"
                ] = parent
        manifest_entries.append(
            {
                "Config": config_name,
                "RepoTags": list(image_tags) or None,
                "Layers": layer_paths,
            }
        )
    files["manifest.json"] = _compact(manifest_entries)
    if repositories:
        files["repositories"] = _compact(repositories)
    return _tar(files, directories=tuple(directories))


def _blob(digest_text: str) -> str:
    return "blobs/sha256/" + digest_text.removeprefix("sha256:")


def _compact(document: Any) -> bytes:
    return json.dumps(document, separators=(",", ":")).encode()


def _tar(files: dict[str, bytes], directories: Sequence[str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for directory in directories:
            info = tarfile.TarInfo(directory + "/")
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
        for name in sorted(files):
            data = files[name]
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


# Load -------------------------------------------------------------------------


class ArchiveLoad:
    """One ``POST /images/load``: reads the archive, then streams its messages.

    Reading happens in ``messages()``, so a malformed archive is reported
    in-band, as dockerd does once the response has started.
    """

    def __init__(self, engine: Engine, data: bytes, *, quiet: bool) -> None:
        self.engine = engine
        self.data = data
        self.quiet = quiet

    def messages(self) -> Iterator[dict[str, Any]]:
        """Yield the load's progress and ``Loaded image`` messages."""
        try:
            yield from self._load()
        except (DaemonError, InvalidArchive) as error:
            yield {"errorDetail": {"message": error.message}, "error": error.message}

    def _load(self) -> Iterator[dict[str, Any]]:
        try:
            files = _read_archive(self.data)
        except DaemonError as error:
            if self.engine.profile.legacy_messages:
                # Engine 20.10 unpacked the archive in a child process.
                raise error.prefixed(
                    "Error processing tar file(exit status 1)"
                ) from None
            raise
        if "manifest.json" not in files:
            raise DaemonError(
                "open /var/lib/docker/tmp/docker-import/manifest.json: "
                "no such file or directory"
            )
        try:
            entries = json.loads(files["manifest.json"])
        except ValueError as error:
            raise DaemonError(f"invalid manifest.json: {error}") from None
        for entry in entries:
            yield from self._load_entry(files, entry)

    def _load_entry(
        self, files: dict[str, bytes], entry: dict[str, Any]
    ) -> Iterator[dict[str, Any]]:
        store = self.engine.images
        config_bytes = _member(files, entry.get("Config", ""))
        document = json.loads(config_bytes)
        expected = list((document.get("rootfs") or {}).get("diff_ids") or [])
        layer_paths = list(entry.get("Layers") or [])
        if len(expected) != len(layer_paths):
            raise DaemonError(
                f"invalid manifest, layers length mismatch: expected {len(expected)}, "
                f"got {len(layer_paths)}"
            )
        fs = Filesystem(self.engine.clock.time)
        sizes = []
        for index, path in enumerate(layer_paths):
            data = _decompress(_member(files, path))
            diff_id = digest(data)
            if diff_id != expected[index]:
                raise DaemonError(
                    f"invalid diffID for layer {index}: expected "
                    f'"{expected[index]}", got "{diff_id}"'
                )
            if not self.quiet and not store.has_layer(diff_id):
                total = len(data)
                yield {
                    "status": "Loading layer",
                    "progressDetail": {"current": total, "total": total},
                    "progress": progress_bar(total, total),
                    "id": short_id(diff_id),
                }
            apply_layer(fs, data)
            store.store_layer_data(diff_id, data)
            sizes.append(content_size(data))

        image_id = digest(config_bytes)
        tags = [
            parse_normalized(tag).with_default_tag()
            for tag in entry.get("RepoTags") or []
        ]
        same = _existing_export(store, tags, image_id)
        if same is not None:
            image = same
        else:
            store.store_layer_data(image_id, config_bytes)
            image = _image_from_config(image_id, document, expected, sizes, fs)
            image, _ = store.add(image)
        for reference in tags:
            previous = store.resolve_reference(reference)
            if previous is not None and previous.id != image.id:
                yield {
                    "stream": f"The image {reference.familiar()} already exists, "
                    f"renaming the old one with ID {previous.id} to empty string\n"
                }
            store.add(image, [reference], tag_time=False)
            store.publish(image, "tag", image.id, reference.familiar())
        store.publish(image, "load", image.id, image.id)
        if tags:
            for reference in tags:
                yield {"stream": f"Loaded image: {reference.familiar()}\n"}
        else:
            yield {"stream": f"Loaded image ID: {image.id}\n"}


def _existing_export(
    store: ImageStore, tags: list[Reference], image_id: str
) -> Image | None:
    # A pulled image comes back from its own archive with a rewritten config;
    # the image that archive was made from is the one to keep.
    existing = store.by_id(image_id)
    if existing is not None:
        return existing
    for reference in tags:
        current = store.resolve_reference(reference)
        if current is not None and export_image(store, current).id == image_id:
            return current
    return None


def _image_from_config(
    image_id: str,
    document: dict[str, Any],
    diff_ids: list[str],
    sizes: list[int],
    fs: Filesystem,
) -> Image:
    created_ns = _parse_time_ns(document.get("created", ""))
    history = [
        HistoryEntry(
            created_ns=_parse_time_ns(item.get("created", "")),
            created_by=item.get("created_by", ""),
            comment=item.get("comment", ""),
            empty_layer=bool(item.get("empty_layer")),
            author=item.get("author", ""),
        )
        for item in document.get("history") or []
    ]
    return Image(
        id=image_id,
        config=dict(document.get("config") or {}),
        created_ns=created_ns,
        architecture=document.get("architecture", "amd64"),
        os=document.get("os", "linux"),
        variant=document.get("variant", ""),
        os_version=document.get("os.version", ""),
        layers=diff_ids,
        layer_sizes=sizes,
        history=history,
        comment=document.get("comment", ""),
        docker_version=document.get("docker_version", ""),
        author=document.get("author", ""),
        container=document.get("container", ""),
        container_config=document.get("container_config"),
        filesystem=fs,
    )


def _parse_time_ns(text: str) -> int:
    if not text:
        return 0
    head, _, fraction = text.rstrip("Z").partition(".")
    zone = ""
    for sign in ("+", "-"):
        if sign in fraction:
            fraction, _, offset = fraction.partition(sign)
            zone = sign + offset
    try:
        moment = datetime.fromisoformat(head + (zone or "+00:00"))
    except ValueError:
        return 0
    nanos = int((fraction or "0").ljust(9, "0")[:9])
    return int(moment.timestamp()) * 1_000_000_000 + nanos


def _read_archive(data: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for member in tar.getmembers():
                if not member.isfile():
                    continue
                extracted = tar.extractfile(member)
                if extracted is not None:
                    files[posixpath.normpath(member.name).lstrip("/")] = (
                        extracted.read()
                    )
    except (tarfile.TarError, EOFError, OSError):
        raise DaemonError("unexpected EOF") from None
    return files


def _member(files: dict[str, bytes], name: str) -> bytes:
    key = posixpath.normpath(name).lstrip("/")
    if key not in files:
        raise DaemonError(f"open {key}: no such file or directory")
    return files[key]


def _decompress(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        import gzip

        return gzip.decompress(data)
    return data


# Import -------------------------------------------------------------------------


def import_image(
    engine: Engine,
    data: bytes,
    *,
    source: str = "-",
    repository: str = "",
    tag: str = "",
    message: str = "",
    changes: Sequence[str] = (),
) -> Image:
    """Make an image of one layer from a root filesystem tar (``docker import``).

    Data that is not a tar gives an image without files, as dockerd 26.1
    imports it without complaint.

    Raises:
        InvalidReference: for a malformed ``repository`` or ``tag`` (400).
    """
    reference = None
    if repository:
        reference = parse_normalized(repository)
        if tag:
            reference = reference.trimmed().with_tag(tag)
        reference = reference.with_default_tag()
    fs = Filesystem(engine.clock.time)
    try:
        apply_layer(fs, data)
        layer = _decompress(data)
    except (InvalidArchive, OSError, EOFError):
        fs = Filesystem(engine.clock.time)
        layer = empty_tar()
    comment = message or f"Imported from {source}"
    draft = ImageDraft(config={}, architecture=engine.registry.architecture)
    state = StepState(
        image=None,
        draft=draft,
        fs=fs,
        layer_base=fs,
        variables={},
        declared=set(),
        global_args={},
    )
    for line in changes:
        instruction = parse_change(line)
        if instruction.keyword not in CHANGE_INSTRUCTIONS:
            raise InvalidParameter(
                f"{instruction.keyword} is not a valid change command"
            )
        apply_metadata(state, instruction)
    diff_id = digest(layer)
    engine.images.store_layer_data(diff_id, layer)
    draft.layers.append(diff_id)
    draft.layer_sizes.append(content_size(layer))
    draft.history.append(
        HistoryEntry(created_ns=engine.clock.time_ns(), created_by="", comment=comment)
    )
    image = create_image(engine, draft, fs.child(), comment=comment)
    engine.images.publish(image, "import", image.id, image.id)
    if reference is not None:
        engine.images.tag(image.id, str(reference))
    return image
