"""The image store: images, their references, lookups, tags, deletion and prune.

The rules follow dockerd's graph-driver image service (``daemon/images``):
how a name or an id finds an image, which references a delete removes and
in what order, the conflicts it reports, and which images a prune deletes.
"""

from __future__ import annotations

import builtins
import hashlib
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from ..clock import Clock
from ..errors import Conflict, DaemonError, InvalidParameter, NoSuchImage
from ..ids import IdSource
from .events import EventLog
from .filesystem import Filesystem
from .references import (
    DigestReference,
    InvalidReference,
    Reference,
    is_id_prefix,
    parse_any,
    parse_normalized,
    short_id,
)

__all__ = [
    "ContainerUse",
    "ContainersUsing",
    "HistoryEntry",
    "Image",
    "ImageRules",
    "ImageStore",
    "ImageSummary",
    "PruneReport",
]


class ContainerUse(NamedTuple):
    """A container that uses an image, as the image delete rules need it."""

    id: str
    running: bool


ContainersUsing = Callable[[str], Sequence[ContainerUse]]
"""Return the containers whose image is the given image id."""


@dataclass(frozen=True, slots=True)
class ImageRules:
    """Image behaviour that changed between Docker Engine releases."""

    # distribution/reference 0.5 (Engine 24 and later) names the repository
    # in "repository name (library/X) must be lowercase".
    name_in_lowercase_error: bool = True
    # Engine 20.10 resolves `sha256:<short prefix>`; 25.0 and later need the
    # whole digest after `sha256:` (a bare hex prefix works in both).
    digest_prefix_lookup: bool = False
    # Engine 20.10 looks up the tag target before parsing the new name, returns
    # 500 for a malformed name and rejects digests with "refusing to create a
    # tag with a digest reference". Later engines return 400 "cannot import
    # digest reference" and treat an empty `repo` as a no-op.
    legacy_tag_errors: bool = False
    # Engine 20.10 writes "Invalid filter", later engines "invalid filter",
    # and only 25.0 and later accept `until` when listing images.
    legacy_filters: bool = False
    # Engine 20.10 prefixes inspect lookup errors with "no such image: <name>: ".
    wrap_inspect_errors: bool = False

    @classmethod
    def for_profile(cls, profile_name: str) -> ImageRules:
        """Return the rules of an engine profile name such as ``20.10``."""
        if profile_name == "20.10":
            return cls(
                name_in_lowercase_error=False,
                digest_prefix_lookup=True,
                legacy_tag_errors=True,
                legacy_filters=True,
                wrap_inspect_errors=True,
            )
        return cls()


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One step of an image's history, as its config's ``history`` records it."""

    created_ns: int
    created_by: str
    comment: str = ""
    empty_layer: bool = False
    author: str = ""


@dataclass(slots=True)
class Image:
    """An image: configuration, layers, metadata and the files of its root."""

    id: str
    config: dict[str, Any]
    created_ns: int
    architecture: str = "amd64"
    os: str = "linux"
    variant: str = ""
    os_version: str = ""
    layers: list[str] = field(default_factory=list)
    layer_sizes: list[int] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    parent: str = ""
    comment: str = ""
    docker_version: str = ""
    author: str = ""
    container: str = ""
    container_config: dict[str, Any] | None = None
    filesystem: Filesystem = field(default_factory=Filesystem)
    repo_tags: list[str] = field(default_factory=list)
    repo_digests: list[str] = field(default_factory=list)
    last_tag_ns: int | None = None
    # The reference a pull stored this image from (empty for images made
    # here), so a state load can rebuild its files from the registry.
    source: str = ""

    @property
    def size(self) -> int:
        """The size of all layers in bytes (dockerd's ``Size``)."""
        return sum(self.layer_sizes)

    @property
    def labels(self) -> dict[str, str]:
        """The image's labels (empty when it has none)."""
        labels = self.config.get("Labels") or {}
        return dict(labels)

    def chain_ids(self) -> list[str]:
        """Return the chain id of each layer, bottom first.

        A chain id names a layer together with every layer below it:
        ``chain(0) = diff(0)``, ``chain(n) = sha256(chain(n-1) + " " + diff(n))``.
        """
        chains: list[str] = []
        for diff_id in self.layers:
            if not chains:
                chains.append(diff_id)
                continue
            text = f"{chains[-1]} {diff_id}".encode()
            chains.append("sha256:" + hashlib.sha256(text).hexdigest())
        return chains


@dataclass(frozen=True, slots=True)
class ImageSummary:
    """One image of a listing, with the references the filters left visible."""

    image: Image
    repo_tags: list[str]
    repo_digests: list[str]


@dataclass(slots=True)
class PruneReport:
    """What a prune removed (``ImagesDeleted``) and the bytes it freed."""

    images_deleted: list[dict[str, str]] = field(default_factory=list)
    space_reclaimed: int = 0


class _DeleteConflict(Conflict):
    def __init__(self, image_id: str, message: str, *, hard: bool, used: bool) -> None:
        forced = "cannot be forced" if hard else "must be forced"
        super().__init__(
            f"conflict: unable to delete {short_id(image_id)} ({forced}) - {message}"
        )
        self.used = used


# Conflict kinds of an image delete, as bits (dockerd's conflictType).
_CHILD = 1
_RUNNING = 2
_REFERENCE = 4
_STOPPED = 8
_HARD = _CHILD | _RUNNING
_SOFT = _REFERENCE | _STOPPED


def _no_containers(image_id: str) -> Sequence[ContainerUse]:
    return ()


class ImageStore:
    """The daemon's images and the references that name them; thread-safe."""

    def __init__(
        self,
        clock: Clock,
        ids: IdSource,
        events: EventLog,
        *,
        rules: ImageRules | None = None,
    ) -> None:
        self.clock = clock
        self.ids = ids
        self.events = events
        self.rules = rules or ImageRules()
        self.lock = threading.RLock()
        self._images: dict[str, Image] = {}
        # Full reference text (``docker.io/library/busybox:latest``) to id.
        self._references: dict[str, str] = {}
        self._parsed: dict[str, Reference] = {}
        # Each reference as users write it (``busybox:latest``), which every
        # listing shows.
        self._familiar: dict[str, str] = {}
        # Indexes kept in step with the two maps above under ``lock``, so a
        # listing looks up each image's references and children in constant
        # time instead of scanning every reference and image.
        self._references_by_image: dict[str, set[str]] = {}
        # Child ids as dict keys keep the order in which the images were added.
        self._children_by_parent: dict[str, dict[str, None]] = {}

    # Lookups -------------------------------------------------------------

    def get(self, text: str) -> Image:
        """Find an image by name, name:tag, name@digest, id or unique id prefix.

        Raises:
            InvalidReference: for a malformed name (400).
            NoSuchImage: when nothing matches, or an id prefix is ambiguous,
                as dockerd reports both (404).
        """
        with self.lock:
            return self._get(text)

    def _get(self, text: str) -> Image:
        parsed = parse_any(
            text, name_in_lowercase_error=self.rules.name_in_lowercase_error
        )
        if isinstance(parsed, DigestReference):
            image = self._images.get(parsed.digest)
            if image is None:
                raise NoSuchImage(parsed.digest)
            return image

        image_id = self._references.get(str(parsed.with_default_tag()))
        if image_id is not None:
            return self._images[image_id]

        found = self._search_id(text)
        if found is not None:
            return found
        raise NoSuchImage(parsed.with_default_tag().familiar())

    def _search_id(self, text: str) -> Image | None:
        prefix = text
        if prefix.startswith("sha256:"):
            if not self.rules.digest_prefix_lookup:
                return None
            prefix = prefix.removeprefix("sha256:")
        if not prefix or any(char not in "0123456789abcdef" for char in prefix):
            return None
        matches = [
            image for image in self._images.values() if image.id[7:].startswith(prefix)
        ]
        # An ambiguous prefix finds nothing, as dockerd's digest set lookup.
        return matches[0] if len(matches) == 1 else None

    def find(self, text: str) -> Image | None:
        """Return the image ``text`` names, or None when there is none."""
        try:
            return self.get(text)
        except NoSuchImage:
            return None

    def by_id(self, image_id: str) -> Image | None:
        """Return the image with the full id ``sha256:<hex>``, if present."""
        with self.lock:
            return self._images.get(image_id)

    def resolve_reference(self, reference: Reference) -> Image | None:
        """Return the image a full reference points to, if any."""
        with self.lock:
            image_id = self._references.get(str(reference))
            return self._images.get(image_id) if image_id else None

    def count(self) -> int:
        """Return the number of images."""
        with self.lock:
            return len(self._images)

    def has_layer(self, diff_id: str) -> bool:
        """Return whether any image has a layer with ``diff_id``."""
        with self.lock:
            return any(diff_id in image.layers for image in self._images.values())

    def images(self) -> list[Image]:
        """Return every image, newest first."""
        with self.lock:
            return sorted(
                self._images.values(), key=lambda image: image.created_ns, reverse=True
            )

    def references(self, image_id: str) -> list[Reference]:
        """Return the references to ``image_id``, sorted as dockerd sorts them."""
        with self.lock:
            return self._references_of(image_id)

    def _references_of(self, image_id: str) -> list[Reference]:
        texts = self._references_by_image.get(image_id)
        if not texts:
            return []
        return [self._parsed[text] for text in sorted(texts)]

    def children(self, image_id: str) -> list[Image]:
        """Return the images whose parent is ``image_id``."""
        with self.lock:
            return self._children_of(image_id)

    # Changes -------------------------------------------------------------

    def add(
        self,
        image: Image,
        references: Iterable[Reference] = (),
        *,
        tag_time: bool = True,
    ) -> tuple[Image, bool]:
        """Store ``image`` (or find the stored one with its id) and point references.

        A reference that named another image moves to this one, as a pull or
        a build does. Publishes no event; callers publish the one that fits.
        ``tag_time=False`` leaves ``LastTagTime`` alone, as an image load does.

        Returns:
            The stored image and whether any reference changed.
        """
        with self.lock:
            stored = self._images.get(image.id)
            if stored is None:
                stored = self._images[image.id] = image
                if image.parent:
                    children = self._children_by_parent.setdefault(image.parent, {})
                    children[image.id] = None
            changed = False
            for reference in references:
                changed |= self._set_reference(reference, stored.id)
            if changed and tag_time:
                stored.last_tag_ns = self.clock.time_ns()
            self._refresh(stored.id)
            return stored, changed

    def _set_reference(self, reference: Reference, image_id: str) -> bool:
        text = str(reference)
        previous = self._references.get(text)
        if previous == image_id:
            return False
        if previous is not None:
            self._unindex_reference(text, previous)
        self._references[text] = image_id
        self._parsed[text] = reference
        self._familiar[text] = reference.familiar()
        self._references_by_image.setdefault(image_id, set()).add(text)
        if previous is not None and previous in self._images:
            self._refresh(previous)
        return True

    def _remove_reference(self, reference: Reference) -> None:
        text = str(reference)
        image_id = self._references.pop(text, None)
        self._parsed.pop(text, None)
        self._familiar.pop(text, None)
        if image_id is not None:
            self._unindex_reference(text, image_id)
        if image_id is not None and image_id in self._images:
            self._refresh(image_id)

    def _unindex_reference(self, text: str, image_id: str) -> None:
        texts = self._references_by_image.get(image_id)
        if texts is not None:
            texts.discard(text)
            if not texts:
                del self._references_by_image[image_id]

    def _refresh(self, image_id: str) -> None:
        image = self._images[image_id]
        references = self._references_of(image_id)
        image.repo_tags = [ref.familiar() for ref in references if ref.tag]
        image.repo_digests = [
            ref.familiar() for ref in references if ref.digest and not ref.tag
        ]

    def publish(self, image: Image, action: str, actor_id: str, name: str) -> None:
        """Publish an image event with the image's labels and ``name``."""
        attributes = dict(image.labels) if image.id in self._images else {}
        attributes["name"] = name
        self.events.publish("image", action, actor_id, attributes)

    def tag(self, source: str, repository: str, tag: str = "") -> Image | None:
        """Point ``repository[:tag]`` at the image ``source`` names.

        Returns:
            The tagged image, or None when ``repository`` is empty, which
            Engine 25.0 and later treat as a request that does nothing.

        Raises:
            InvalidReference: for a malformed name or tag (400).
            DaemonError: for the same on Engine 20.10, which returns 500.
            NoSuchImage: when ``source`` names no image.
        """
        with self.lock:
            if self.rules.legacy_tag_errors:
                image = self._get(source)
                try:
                    reference = self._tag_reference(repository, tag)
                except InvalidReference as error:
                    if error.message.startswith("refusing"):
                        raise
                    raise DaemonError(error.message) from None
            else:
                if not repository:
                    return None
                reference = self._tag_reference(repository, tag)
                image = self._get(source)

            self._set_reference(reference, image.id)
            image.last_tag_ns = self.clock.time_ns()
            self._refresh(image.id)
            self.publish(image, "tag", image.id, reference.familiar())
            return image

    def _tag_reference(self, repository: str, tag: str) -> Reference:
        reference = parse_normalized(
            repository, name_in_lowercase_error=self.rules.name_in_lowercase_error
        )
        if reference.digest is not None:
            if self.rules.legacy_tag_errors:
                raise InvalidReference(
                    "refusing to create a tag with a digest reference"
                )
            raise InvalidReference("cannot import digest reference")
        if reference.familiar_name == "sha256":
            # A repository named after the digest algorithm would make
            # `sha256:<hex>` ambiguous between a tag and an image id.
            raise InvalidReference(
                "refusing to create an ambiguous tag using digest algorithm as name"
            )
        if tag:
            reference = reference.trimmed().with_tag(tag)
        return reference.with_default_tag()

    # Delete --------------------------------------------------------------

    def delete(
        self,
        text: str,
        *,
        force: bool = False,
        prune: bool = True,
        containers_using: ContainersUsing | None = None,
    ) -> list[dict[str, str]]:
        """Remove a reference or an image as ``DELETE /images/{name}`` does.

        Args:
            text: a name (removes that reference first) or an id.
            force: remove even when references or stopped containers remain.
            prune: also delete untagged parents (``noprune`` unset).
            containers_using: the containers of an image id.

        Returns:
            ``{"Untagged": ...}`` and ``{"Deleted": ...}`` records in
            dockerd's order.

        Raises:
            Conflict: with dockerd's message when the image is in use (409).
            NoSuchImage: when ``text`` names no image.
        """
        using = containers_using or _no_containers
        with self.lock:
            image = self._get(text)
            records: list[dict[str, str]] = []
            references = self._references_of(image.id)
            removed_repository_reference = False

            if not is_id_prefix(image.id, text):
                # A name was given: remove that reference first.
                if not force and _is_single_reference(references):
                    containers = using(image.id)
                    if containers:
                        raise Conflict(
                            "conflict: unable to remove repository reference "
                            f'"{text}" (must force) - container '
                            f"{containers[0].id[:12]} is using its referenced image "
                            f"{short_id(image.id)}"
                        )
                named = parse_normalized(
                    text, name_in_lowercase_error=self.rules.name_in_lowercase_error
                ).with_default_tag()
                if str(named) not in self._references:
                    raise NoSuchImage(named.familiar())
                self._remove_reference(named)
                records.append({"Untagged": named.familiar()})
                self.publish(image, "untag", image.id, image.id)

                references = self._references_of(image.id)
                if named.digest is None:
                    references = self._drop_digests_of(named, references, records)
                if references:
                    return records
                removed_repository_reference = True
            elif _is_single_reference(references):
                # An id was given and only one name points to it: the name
                # goes too, unless a hard conflict (or without force, a
                # stopped container) stops the delete.
                mask = _HARD if force else _HARD | _STOPPED
                conflict = self._conflict(image, mask, using)
                if conflict is not None:
                    raise conflict
                for reference in references:
                    self._remove_reference(reference)
                    records.append({"Untagged": reference.familiar()})
                    self.publish(image, "untag", image.id, image.id)

            self._delete_image(
                image.id, records, force, prune, removed_repository_reference, using
            )
            return records

    def _drop_digests_of(
        self,
        named: Reference,
        references: list[Reference],
        records: list[dict[str, str]],
    ) -> list[Reference]:
        # With no tag of the repository left, its digest references go too.
        if any(ref.tag and ref.name == named.name for ref in references):
            return references
        remaining = []
        for reference in references:
            if reference.digest and not reference.tag and reference.name == named.name:
                self._remove_reference(reference)
                records.append({"Untagged": reference.familiar()})
            else:
                remaining.append(reference)
        return remaining

    def _conflict(
        self, image: Image, mask: int, using: ContainersUsing
    ) -> _DeleteConflict | None:
        if mask & _CHILD and self._children_of(image.id):
            return _DeleteConflict(
                image.id, "image has dependent child images", hard=True, used=False
            )
        containers = using(image.id)
        running = [c for c in containers if c.running]
        if mask & _RUNNING and running:
            return _DeleteConflict(
                image.id,
                f"image is being used by running container {running[0].id[:12]}",
                hard=True,
                used=True,
            )
        if mask & _REFERENCE and self._references_of(image.id):
            return _DeleteConflict(
                image.id,
                "image is referenced in multiple repositories",
                hard=False,
                used=False,
            )
        stopped = [c for c in containers if not c.running]
        if mask & _STOPPED and stopped:
            return _DeleteConflict(
                image.id,
                f"image is being used by stopped container {stopped[0].id[:12]}",
                hard=False,
                used=True,
            )
        return None

    def _children_of(self, image_id: str) -> list[Image]:
        children = self._children_by_parent.get(image_id, {})
        return [self._images[child] for child in children]

    def _is_dangling(self, image_id: str) -> bool:
        return not self._references_of(image_id) and not self._children_of(image_id)

    def _delete_image(
        self,
        image_id: str,
        records: list[dict[str, str]],
        force: bool,
        prune: bool,
        quiet: bool,
        using: ContainersUsing,
    ) -> None:
        image = self._images[image_id]
        mask = _HARD if force else _HARD | _SOFT
        conflict = self._conflict(image, mask, using)
        if conflict is not None:
            # After removing a name, a conflict only matters when it leaves
            # an unused image that nothing names.
            if quiet and (not self._is_dangling(image_id) or conflict.used):
                return
            raise conflict

        for reference in self._references_of(image_id):
            self._remove_reference(reference)
            records.append({"Untagged": reference.familiar()})
            self.publish(image, "untag", image_id, image_id)

        removed_layers = self._release_layers(image)
        del self._images[image_id]
        siblings = self._children_by_parent.get(image.parent)
        if siblings is not None:
            siblings.pop(image_id, None)
            if not siblings:
                del self._children_by_parent[image.parent]
        self.events.publish("image", "delete", image_id, {"name": image_id})
        records.append({"Deleted": image_id})
        records.extend({"Deleted": chain} for chain in removed_layers)

        parent = image.parent
        if prune and parent and parent in self._images:
            self._delete_image(parent, records, False, True, True, using)

    def _release_layers(self, image: Image) -> list[str]:
        # Layers go top first until one that another image still uses.
        in_use = {
            chain
            for other in self._images.values()
            if other.id != image.id
            for chain in other.chain_ids()
        }
        removed = []
        for chain in reversed(image.chain_ids()):
            if chain in in_use:
                break
            removed.append(chain)
        return removed

    def layer_size(self, chain_id: str) -> int:
        """Return the size of the layer with ``chain_id`` (0 when unknown)."""
        with self.lock:
            for image in self._images.values():
                for index, chain in enumerate(image.chain_ids()):
                    if chain == chain_id:
                        return image.layer_sizes[index]
            return 0

    # Listing, prune, history --------------------------------------------

    def list(
        self,
        *,
        all: bool = False,
        filters: Mapping[str, Sequence[str]] | None = None,
    ) -> builtins.list[ImageSummary]:
        """List images as ``GET /images/json``, newest first.

        Args:
            all: include intermediate images (untagged parents).
            filters: dangling, label, before, since, reference, until.

        Raises:
            InvalidParameter: for an unknown filter or a bad value (400).
            NoSuchImage: when ``before`` or ``since`` names no image.
            DaemonError: for a malformed ``reference`` pattern (500).
        """
        values = {key: list(items) for key, items in (filters or {}).items()}
        allowed = (
            LIST_FILTERS - {"until"} if self.rules.legacy_filters else LIST_FILTERS
        )
        legacy = self.rules.legacy_filters
        _check_filter_keys(values, allowed, legacy)
        dangling = _dangling_value(values, legacy)
        until_ns = _parse_until(values.get("until", []), self.clock.time_ns())

        with self.lock:
            before_ns = self._bound(values.get("before", []), min)
            since_ns = self._bound(values.get("since", []), max)
            summaries = []
            for image in self.images():
                summary = self._summarize(
                    image, values, all, dangling, before_ns, since_ns, until_ns
                )
                if summary is not None:
                    summaries.append(summary)
            return summaries

    def _bound(
        self, names: builtins.list[str], pick: Callable[[Iterable[int]], int]
    ) -> int | None:
        if not names:
            return None
        return pick(self._get(name).created_ns for name in names)

    def _summarize(
        self,
        image: Image,
        values: dict[str, builtins.list[str]],
        all: bool,
        dangling: bool | None,
        before_ns: int | None,
        since_ns: int | None,
        until_ns: int | None,
    ) -> ImageSummary | None:
        if dangling and self._children_of(image.id):
            return None
        if before_ns is not None and image.created_ns >= before_ns:
            return None
        if since_ns is not None and image.created_ns <= since_ns:
            return None
        if until_ns is not None and image.created_ns >= until_ns:
            return None
        if "label" in values and not _match_labels(
            values["label"], image.config.get("Labels") or {}
        ):
            return None

        tags: builtins.list[str] = []
        digests: builtins.list[str] = []
        patterns = values.get("reference")
        for text in sorted(self._references_by_image.get(image.id, ())):
            reference = self._parsed[text]
            if patterns and not _match_reference(patterns, reference):
                continue
            if reference.digest:
                digests.append(self._familiar[text])
            if reference.tag:
                tags.append(self._familiar[text])

        if not tags and not digests:
            if not (all or not self._children_of(image.id)):
                return None
            if dangling is False or "reference" in values:
                return None
        elif dangling and tags:
            return None
        return ImageSummary(image, tags, digests)

    def shared_sizes(self) -> dict[str, int]:
        """Return, by image id, the bytes of its layers that other images also use.

        Each layer is counted once per image that has it, so the whole store
        costs one pass over its layers instead of one per image.
        """
        with self.lock:
            chains = {image.id: image.chain_ids() for image in self._images.values()}
            users: dict[str, int] = {}
            for image_chains in chains.values():
                for chain in set(image_chains):
                    users[chain] = users.get(chain, 0) + 1
            return {
                image.id: sum(
                    size
                    for chain, size in zip(
                        chains[image.id], image.layer_sizes, strict=True
                    )
                    if users[chain] > 1
                )
                for image in self._images.values()
            }

    def prune(
        self,
        filters: Mapping[str, Sequence[str]] | None = None,
        *,
        containers_using: ContainersUsing | None = None,
    ) -> PruneReport:
        """Delete unused images as ``POST /images/prune`` does.

        Without ``dangling=false`` only images that nothing names go; with it,
        every image that no container uses. Images in use are skipped quietly.

        Raises:
            InvalidParameter: for an unknown filter or a bad value (400).
        """
        values = {key: list(items) for key, items in (filters or {}).items()}
        legacy = self.rules.legacy_filters
        _check_filter_keys(values, PRUNE_FILTERS, legacy)
        dangling_only = _prune_dangling_only(values, legacy)
        until_ns = _parse_until(values.get("until", []), self.clock.time_ns())

        report = PruneReport()
        with self.lock:
            sizes = {
                chain: size
                for image in self._images.values()
                for chain, size in zip(
                    image.chain_ids(), image.layer_sizes, strict=True
                )
            }
            for image in self.images():
                if image.id not in self._images:
                    continue
                if dangling_only and self._children_of(image.id):
                    continue
                if until_ns is not None and image.created_ns >= until_ns:
                    continue
                if not _match_labels(values.get("label", []), image.labels):
                    continue
                if values.get("label!") and _match_labels(
                    values["label!"], image.labels, any_of=True
                ):
                    continue
                report.images_deleted.extend(
                    self._prune_one(image, dangling_only, containers_using)
                )
            report.space_reclaimed = sum(
                sizes.get(record.get("Deleted", ""), 0)
                for record in report.images_deleted
            )
        self.events.publish(
            "image", "prune", "", {"reclaimed": str(report.space_reclaimed)}
        )
        return report

    def _prune_one(
        self, image: Image, dangling_only: bool, using: ContainersUsing | None
    ) -> builtins.list[dict[str, str]]:
        references = self._references_of(image.id)
        if references:
            if dangling_only and any(ref.tag for ref in references):
                return []
            targets = [str(ref) for ref in references]
        else:
            targets = [image.id[7:]]
        deleted: builtins.list[dict[str, str]] = []
        for target in targets:
            try:
                deleted.extend(self.delete(target, containers_using=using))
            except (Conflict, NoSuchImage):
                continue
        return deleted

    def history(self, text: str) -> builtins.list[dict[str, Any]]:
        """Return ``GET /images/{name}/history`` entries, newest first."""
        with self.lock:
            image = self._get(text)
            entries: builtins.list[dict[str, Any]] = []
            layer_index = 0
            for step in image.history:
                size = 0
                if not step.empty_layer and layer_index < len(image.layer_sizes):
                    size = image.layer_sizes[layer_index]
                    layer_index += 1
                entries.insert(
                    0,
                    {
                        "Comment": step.comment,
                        "Created": step.created_ns // 1_000_000_000,
                        "CreatedBy": step.created_by,
                        "Id": "<missing>",
                        "Size": size,
                        "Tags": None,
                    },
                )
            current: Image | None = image
            for entry in entries:
                if current is None:
                    break
                entry["Id"] = current.id
                entry["Tags"] = list(current.repo_tags) or None
                current = self._images.get(current.parent) if current.parent else None
            return entries

    def reset(self) -> None:
        """Forget every image and reference."""
        with self.lock:
            self._images.clear()
            self._references.clear()
            self._parsed.clear()
            self._familiar.clear()
            self._references_by_image.clear()
            self._children_by_parent.clear()

    def store_layer_data(self, diff_id: str, data: bytes) -> None:
        """Keep the tar of the layer ``diff_id`` for ``docker save`` and push."""
        with self.lock:
            self.__dict__.setdefault("_layer_data", {})[diff_id] = data

    def layer_data(self, diff_id: str) -> bytes | None:
        """Return the tar kept for the layer ``diff_id``, or None."""
        with self.lock:
            stored: dict[str, bytes] = self.__dict__.get("_layer_data", {})
            return stored.get(diff_id)


def _is_single_reference(references: list[Reference]) -> bool:
    # True when at most one tag and digests of that same repository name
    # the image, so removing the name may leave the image unnamed.
    if len(references) <= 1:
        return len(references) == 1
    single: Reference | None = None
    digest_names: set[str] = set()
    for reference in references:
        if reference.digest and not reference.tag:
            digest_names.add(reference.name)
        elif single is None:
            single = reference
        else:
            return False
    if single is None:
        single = references[0]
    return len(digest_names) == 1 and single.name in digest_names


def _prune_dangling_only(values: dict[str, list[str]], legacy: bool) -> bool:
    dangling = values.get("dangling")
    if not dangling:
        return True
    if "false" in dangling or "0" in dangling:
        return False
    if "true" in dangling or "1" in dangling:
        return True
    raise _invalid_filter(f"dangling=[{' '.join(dangling)}]", legacy)


LIST_FILTERS = frozenset(("before", "dangling", "label", "reference", "since", "until"))
"""Filter keys of ``GET /images/json``; Engine 20.10 lacks ``until``."""

PRUNE_FILTERS = frozenset(("dangling", "label", "label!", "until"))
"""Filter keys of ``POST /images/prune``."""

_TRUE_WORDS = ("1", "true")
_FALSE_WORDS = ("0", "false")


def _invalid_filter(detail: str, legacy: bool) -> InvalidParameter:
    word = "Invalid" if legacy else "invalid"
    return InvalidParameter(f"{word} filter '{detail}'")


def _check_filter_keys(
    values: Mapping[str, Sequence[str]], allowed: Iterable[str], legacy: bool
) -> None:
    permitted = set(allowed)
    for key in values:
        if key not in permitted:
            raise _invalid_filter(key, legacy)


def _dangling_value(values: Mapping[str, Sequence[str]], legacy: bool) -> bool | None:
    given = list(values.get("dangling", ()))
    if not given:
        return None
    lowered = [value.lower() for value in given]
    valid = all(value in _TRUE_WORDS + _FALSE_WORDS for value in lowered)
    # Engine 25.0 and later reject two values; 20.10 took one of them.
    if not valid or (len(lowered) > 1 and not legacy):
        raise _invalid_filter(f"dangling=[{' '.join(given)}]", legacy)
    return any(value in _TRUE_WORDS for value in lowered)


def _match_labels(
    entries: Sequence[str], labels: Mapping[str, str], *, any_of: bool = False
) -> bool:
    """Return whether ``labels`` satisfy all (or with ``any_of``, one) entries."""
    if not entries:
        return True
    results = []
    for entry in entries:
        key, separator, value = entry.partition("=")
        if key not in labels:
            results.append(False)
        else:
            results.append(not separator or labels[key] == value)
    return any(results) if any_of else all(results)


def _match_reference(patterns: Sequence[str], reference: Reference) -> bool:
    # dockerd's FamiliarMatch: Go's path.Match on the familiar string, then
    # on the familiar name alone.
    for pattern in patterns:
        if go_path_match(pattern, reference.familiar()):
            return True
        if go_path_match(pattern, reference.familiar_name):
            return True
    return False


def go_path_match(pattern: str, name: str) -> bool:
    """Match ``name`` against a shell pattern as Go's ``path.Match`` does.

    ``*`` and ``?`` do not match ``/``, classes negate with ``^`` and a
    backslash escapes the next character.

    Raises:
        DaemonError: ``syntax error in pattern`` (dockerd answers 500).
    """
    return _compile_go_pattern(pattern).fullmatch(name) is not None


def _compile_go_pattern(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            parts.append("[^/]*")
        elif char == "?":
            parts.append("[^/]")
        elif char == "\\":
            index += 1
            if index >= len(pattern):
                raise DaemonError(_BAD_PATTERN)
            parts.append(re.escape(pattern[index]))
        elif char == "[":
            index, text = _go_class(pattern, index + 1)
            parts.append(text)
            continue
        else:
            parts.append(re.escape(char))
        index += 1
    return re.compile("".join(parts), re.DOTALL)


_BAD_PATTERN = "syntax error in pattern"


def _go_class(pattern: str, index: int) -> tuple[int, str]:
    negate = index < len(pattern) and pattern[index] == "^"
    if negate:
        index += 1
    items: list[str] = []
    while True:
        if index >= len(pattern):
            raise DaemonError(_BAD_PATTERN)
        char = pattern[index]
        if char == "]" and items:
            index += 1
            break
        low, index = _class_char(pattern, index)
        if index < len(pattern) and pattern[index] == "-":
            high, index = _class_char(pattern, index + 1)
            if high < low:
                raise DaemonError(_BAD_PATTERN)
            items.append(f"{re.escape(low)}-{re.escape(high)}")
        else:
            items.append(re.escape(low))
    body = "".join(items)
    return index, f"[^/{body}]" if negate else f"[{body}]"


def _class_char(pattern: str, index: int) -> tuple[str, int]:
    if index >= len(pattern) or pattern[index] in "-]":
        raise DaemonError(_BAD_PATTERN)
    if pattern[index] == "\\":
        index += 1
        if index >= len(pattern):
            raise DaemonError(_BAD_PATTERN)
    return pattern[index], index + 1


_DURATION = re.compile(r"([0-9]+(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
_UNIX_TIME = re.compile(r"([0-9]+)(?:\.([0-9]{1,9}))?")


def _parse_until(values: Sequence[str], now_ns: int) -> int | None:
    """Parse an ``until`` value as dockerd's ``GetTimestamp``, in nanoseconds.

    Accepts a Go duration before now (``10m``, ``1h30m``), Unix seconds with
    an optional fraction, and RFC 3339 dates and times.

    Raises:
        DaemonError: ``failed to parse value as time or duration`` (500).
    """
    if not values:
        return None
    text = values[0]
    duration = _parse_go_duration(text)
    if duration is not None:
        return now_ns - duration
    unix = _UNIX_TIME.fullmatch(text)
    if unix:
        fraction = (unix.group(2) or "").ljust(9, "0")
        return int(unix.group(1)) * 1_000_000_000 + int(fraction)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DaemonError(
            f'failed to parse value as time or duration: "{text}"'
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1_000_000_000)


def _parse_go_duration(text: str) -> int | None:
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    if not body:
        return None
    position = 0
    total = 0.0
    while position < len(body):
        match = _DURATION.match(body, position)
        if match is None:
            return None
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        position = match.end()
    return sign * int(total)
