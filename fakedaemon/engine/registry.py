"""A simulated registry: pulls that need no network and give the same image everywhere.

Every well-formed reference names an image. Its configuration comes from the
catalogue, and its id is the sha256 of its canonical config JSON, as Docker's
image id is the digest of the config. Layer and manifest digests are derived
the same way, so a reference yields the same ids on every run and machine.
Options make pulls fail as a daemon without network or an unknown repository
does. A pull streams dockerd's JSON progress messages.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import DaemonError, InvalidParameter, NotFound, Unauthorized
from ..rigs import get_rig
from .catalogue import BaseImage, EmptyLayer, Layer, base_image
from .images import HistoryEntry, Image, ImageStore
from .references import (
    DEFAULT_DOMAIN,
    Reference,
    parse_digest,
    parse_normalized,
    short_id,
)

if TYPE_CHECKING:
    from ..config import DaemonConfig

CONFIG_MEDIA_TYPE = "application/vnd.docker.container.image.v1+json"
MANIFEST_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
LAYER_MEDIA_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"

_PLATFORM_PART = re.compile(r"[A-Za-z0-9_-]+")
_ARCHITECTURE_ALIASES = {
    "x86_64": ("amd64", ""),
    "x86-64": ("amd64", ""),
    "aarch64": ("arm64", ""),
    "armhf": ("arm", "v7"),
    "armel": ("arm", "v6"),
}


@dataclass(frozen=True, slots=True)
class Platform:
    """An ``os[/architecture[/variant]]`` platform."""

    os: str
    architecture: str
    variant: str = ""

    def __str__(self) -> str:
        text = f"{self.os}/{self.architecture}"
        return f"{text}/{self.variant}" if self.variant else text


def parse_platform(text: str, default_architecture: str) -> Platform:
    """Parse the ``platform`` parameter of a pull as containerd does.

    Raises:
        InvalidParameter: ``"x": cannot parse platform specifier: invalid
            argument`` for a malformed value (400).
    """
    parts = text.split("/")
    if len(parts) > 3 or not all(_PLATFORM_PART.fullmatch(part) for part in parts):
        raise InvalidParameter(
            f'"{text}": cannot parse platform specifier: invalid argument'
        )
    operating_system = parts[0].lower()
    architecture = parts[1].lower() if len(parts) > 1 else default_architecture
    variant = parts[2].lower() if len(parts) > 2 else ""
    architecture, alias_variant = _ARCHITECTURE_ALIASES.get(
        architecture, (architecture, "")
    )
    return Platform(operating_system, architecture, variant or alias_variant)


@dataclass(frozen=True, slots=True)
class RemoteLayer:
    """A layer as the registry serves it."""

    diff_id: str
    blob_digest: str
    size: int
    compressed_size: int


@dataclass(frozen=True, slots=True)
class RemoteImage:
    """An image as the registry serves it: config, layers and manifest digest."""

    reference: Reference
    base: BaseImage
    config_document: dict[str, Any]
    image_id: str
    manifest_digest: str
    layers: tuple[RemoteLayer, ...]
    platform: Platform

    def to_image(self) -> Image:
        """Build the local image a pull of this remote image stores."""
        created_ns = _parse_time_ns(self.base.created)
        history = [
            HistoryEntry(
                created_ns=created_ns,
                created_by=step.created_by,
                comment=step.comment,
                empty_layer=isinstance(step, EmptyLayer),
            )
            for step in self.base.steps
        ]
        return Image(
            id=self.image_id,
            config=json.loads(json.dumps(self.base.config)),
            created_ns=created_ns,
            architecture=self.platform.architecture,
            os=self.platform.os,
            variant=self.platform.variant,
            layers=[layer.diff_id for layer in self.layers],
            layer_sizes=[layer.size for layer in self.layers],
            history=history,
            filesystem=self.base.filesystem(),
            source=str(self.reference),
        )


class Registry:
    """The registries a daemon pulls from, simulated in memory.

    Args:
        config: the daemon's settings; ``offline``, ``deny`` and
            ``architecture`` are read from it.
        offline: make every pull fail as a daemon without network does.
        deny: references whose pulls fail: a repository (``x``, ``user/app``)
            fails with "pull access denied", a ``name:tag`` with "manifest
            unknown".
        architecture: the architecture of pulled images without a platform.
        offline_reason: the transport error shown after ``Get "<url>":``.
    """

    def __init__(
        self,
        config: DaemonConfig | None = None,
        *,
        offline: bool | None = None,
        deny: Iterable[str] | None = None,
        architecture: str | None = None,
        offline_reason: str | None = None,
    ) -> None:
        self.offline = (
            offline if offline is not None else bool(config and config.offline)
        )
        denied: Iterable[str] = []
        if deny is not None:
            denied = deny
        elif config is not None:
            denied = config.deny
        self.denied: set[str] = {str(parse_normalized(text)) for text in denied}
        self.architecture = architecture or (config.architecture if config else "amd64")
        if offline_reason is None and config is not None:
            offline_reason = get_rig(config.rig).registry_error
        self.offline_reason = offline_reason

    def deny(self, reference: str) -> None:
        """Make pulls of ``reference`` (a repository or ``name:tag``) fail."""
        self.denied.add(str(parse_normalized(reference)))

    def allow(self, reference: str) -> None:
        """Undo ``deny`` for ``reference``."""
        self.denied.discard(str(parse_normalized(reference)))

    def resolve(
        self, reference: Reference, platform: Platform | None = None
    ) -> RemoteImage:
        """Return the image the registry serves for ``reference``.

        Raises:
            DaemonError: the transport error of an offline daemon (500).
            NotFound: "pull access denied" for a denied repository, or
                "manifest unknown" for a denied tag (404).
        """
        self.check_reachable(reference)
        target = platform or Platform("linux", self.architecture)
        return _build_remote(reference, target)

    def check_reachable(self, reference: Reference) -> None:
        """Raise the error a pull of ``reference`` meets before any download."""
        if self.offline:
            raise DaemonError(self._offline_message(reference.domain))
        if str(reference.trimmed()) in self.denied:
            raise NotFound(
                f"pull access denied for {reference.familiar_name}, repository "
                "does not exist or may require 'docker login': denied: requested "
                "access to the resource is denied"
            )
        tagged = reference.trimmed().with_tag(reference.tag) if reference.tag else None
        if tagged is not None and str(tagged) in self.denied:
            raise NotFound(
                f"manifest for {tagged.familiar()} not found: manifest unknown: "
                "manifest unknown"
            )

    def login(self, server: str, username: str) -> None:
        """Check credentials for ``server`` as ``POST /auth`` does.

        The simulated registries accept any user; offline, the login fails
        as a daemon that cannot reach the registry fails it.
        """
        address = server.removeprefix("https://").removeprefix("http://")
        domain = address.split("/", 1)[0]
        if domain in ("index.docker.io", "docker.io", ""):
            domain = DEFAULT_DOMAIN
        if self.offline:
            raise DaemonError(self._offline_message(domain))
        if not username:
            raise Unauthorized(
                'Get "https://registry-1.docker.io/v2/": unauthorized: incorrect '
                "username or password"
            )

    def _offline_message(self, domain: str) -> str:
        endpoint, reason = self._offline_endpoint(domain)
        return f'Get "{endpoint}": {reason}'

    def offline_reason_for(self, domain: str) -> str:
        """Return the transport error of a request to ``domain`` while offline."""
        return self._offline_endpoint(domain)[1]

    def _offline_endpoint(self, domain: str) -> tuple[str, str]:
        host, _, port = domain.partition(":")
        if domain == DEFAULT_DOMAIN:
            endpoint, host = "https://registry-1.docker.io/v2/", "registry-1.docker.io"
        elif host == "localhost" or host.startswith("127."):
            # dockerd treats loopback registries as insecure, so it uses http.
            endpoint = f"http://{domain}/v2/"
        else:
            endpoint = f"https://{domain}/v2/"
        if host == "localhost" or host.startswith("127."):
            # Go's HTTP client never sends loopback requests through a proxy.
            address = "127.0.0.1" if host == "localhost" else host
            reason = f"dial tcp {address}:{port or '443'}: connect: connection refused"
        elif self.offline_reason is not None:
            reason = self.offline_reason
        else:
            reason = f"dial tcp: lookup {host}: no such host"
        return endpoint, reason

    def start_pull(
        self,
        store: ImageStore,
        from_image: str,
        tag: str = "",
        platform: str = "",
    ) -> PullSession:
        """Check a pull request and return the session that streams it.

        Everything that fails before dockerd writes its first progress
        message raises here, so the caller can return a plain HTTP error.

        Raises:
            InvalidParameter: for a malformed reference, tag or platform.
            DaemonError, NotFound: as ``check_reachable``.
        """
        if not from_image:
            # dockerd takes an empty `fromImage` for an import from `fromSrc`.
            raise DaemonError('Get "http:": http: no Host in request URL')
        rules = store.rules
        reference = parse_normalized(
            from_image, name_in_lowercase_error=rules.name_in_lowercase_error
        )
        if tag:
            try:
                reference = reference.trimmed().with_digest(parse_digest(tag))
            except InvalidParameter:
                reference = reference.with_tag(tag)
        reference = reference.with_default_tag()
        target = (
            parse_platform(platform, self.architecture)
            if platform
            else Platform("linux", self.architecture)
        )
        self.check_reachable(reference)
        return PullSession(self, store, reference, target)

    def install(self, store: ImageStore, reference: str) -> Image:
        """Pull ``reference`` into ``store`` without progress output or checks.

        Used for the images present when a daemon starts, so neither the
        offline mode nor the deny list apply.
        """
        parsed = parse_normalized(reference).with_default_tag()
        remote = _build_remote(parsed, Platform("linux", self.architecture))
        image, _ = store.add(remote.to_image(), _stored_references(remote))
        return image

    def build_image(self, reference: str, platform: Platform) -> Image:
        """Return a new image as a pull of ``reference`` for ``platform`` makes it.

        Nothing is stored and no check of the pull applies. A state load uses
        it to rebuild a pulled image's files.
        """
        parsed = parse_normalized(reference).with_default_tag()
        return _build_remote(parsed, platform).to_image()

    def search(self, term: str, limit: int = 25) -> list[dict[str, Any]]:
        """Return Docker Hub search results for ``term`` from the catalogue.

        Every catalogue image whose name contains ``term`` is an official
        image; a ``term`` that is a repository name outside the catalogue
        finds that repository as a user image with no stars.

        Raises:
            DaemonError: the transport error of an offline daemon (500).
        """
        if self.offline:
            reason = (
                self.offline_reason or "dial tcp: lookup index.docker.io: no such host"
            )
            raise DaemonError(
                f'Get "https://index.docker.io/v1/search?q={term}&n={limit}": {reason}'
            )
        descriptions = {
            "alpine": ("A minimal Docker image based on Alpine Linux with a "
                       "complete package index and only 5 MB in size!", 11000),
            "busybox": ("Busybox base image.", 3300),
            "debian": ("Debian is a Linux distribution that's composed entirely "
                       "of free and open-source software.", 5200),
            "golang": ("Go (golang) is a general purpose, higher-level, "
                       "imperative programming language.", 4800),
            "hello-world": ("Hello World! (an example of minimal Dockerization)",
                            2300),
            "nginx": ("Official build of Nginx.", 20000),
            "node": ("Node.js is a JavaScript-based platform for server-side and "
                     "networking applications.", 13000),
            "postgres": ("The PostgreSQL object-relational database system "
                         "provides reliability and data integrity.", 13500),
            "python": ("Python is an interpreted, interactive, object-oriented, "
                       "open-source programming language.", 9800),
            "redis": ("Redis is the world’s fastest data platform for caching, "
                      "vector search, and NoSQL databases.", 12900),
            "ubuntu": ("Ubuntu is a Debian-based Linux operating system based on "
                       "free software.", 17000),
        }  # fmt: skip
        needle = term.lower().removeprefix("library/")
        results = [
            {
                "star_count": stars,
                "is_official": True,
                "name": name,
                "is_automated": False,
                "description": description,
            }
            for name, (description, stars) in sorted(
                descriptions.items(), key=lambda item: -item[1][1]
            )
            if needle in name
        ]
        if (
            needle
            and needle not in descriptions
            and re.fullmatch(
                r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)?",
                needle,
            )
        ):
            results.append(
                {
                    "star_count": 0,
                    "is_official": False,
                    "name": needle,
                    "is_automated": False,
                    "description": "",
                }
            )
        return results[:limit]

    def manifest_of(self, image: Image) -> tuple[bytes, list[tuple[str, str, int]]]:
        """Return the manifest a push of ``image`` uploads, and its layers.

        Each layer is ``(diff_id, blob digest, compressed size)``; the
        manifest is indented as the Docker distribution library writes it.
        """
        layers = []
        for diff_id, size in zip(image.layers, image.layer_sizes, strict=True):
            blob = _sha256(f"blob\n{diff_id}".encode())
            layers.append((diff_id, blob, max(1, size * 2 // 5)))
        document = {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {
                "mediaType": CONFIG_MEDIA_TYPE,
                "size": len(_canonical(image.config)),
                "digest": image.id,
            },
            "layers": [
                {"mediaType": LAYER_MEDIA_TYPE, "size": size, "digest": blob}
                for _, blob, size in layers
            ],
        }
        return json.dumps(document, indent=3).encode(), layers

    def pushed_layers(self, repository: Reference) -> set[str]:
        """Return the diff ids the registry stores for ``repository``.

        A repository contains the layers pushed to it and, for a name the
        catalogue serves, the layers a pull of it downloads.
        """
        pushed: dict[str, set[str]] = self.__dict__.setdefault("_pushed", {})
        held = set(pushed.get(str(repository.trimmed()), set()))
        if repository.domain == DEFAULT_DOMAIN:
            served = _build_remote(
                repository.trimmed().with_tag("latest"),
                Platform("linux", self.architecture),
            )
            held.update(layer.diff_id for layer in served.layers)
        return held

    def record_push(self, repository: Reference, diff_ids: Iterable[str]) -> None:
        """Remember that ``diff_ids`` now exist in ``repository``."""
        pushed: dict[str, set[str]] = self.__dict__.setdefault("_pushed", {})
        pushed.setdefault(str(repository.trimmed()), set()).update(diff_ids)

    def pushes(self) -> dict[str, list[str]]:
        """Return the diff ids pushed to each repository, both sorted."""
        pushed: dict[str, set[str]] = self.__dict__.get("_pushed", {})
        return {name: sorted(pushed[name]) for name in sorted(pushed)}

    def distribution(self, reference: Reference) -> dict[str, Any]:
        """Return ``GET /distribution/{name}/json``: descriptor and platforms.

        Raises:
            DaemonError, NotFound: as ``check_reachable``.
        """
        remote = self.resolve(reference.with_default_tag())
        manifest = {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {
                "mediaType": CONFIG_MEDIA_TYPE,
                "size": len(_canonical(remote.config_document)),
                "digest": remote.image_id,
            },
            "layers": [
                {
                    "mediaType": LAYER_MEDIA_TYPE,
                    "size": layer.compressed_size,
                    "digest": layer.blob_digest,
                }
                for layer in remote.layers
            ],
        }
        platform: dict[str, Any] = {
            "architecture": remote.platform.architecture,
            "os": remote.platform.os,
        }
        if remote.platform.variant:
            platform["variant"] = remote.platform.variant
        return {
            "Descriptor": {
                "mediaType": MANIFEST_MEDIA_TYPE,
                "digest": remote.manifest_digest,
                "size": len(_canonical(manifest)),
            },
            "Platforms": [platform],
        }

    def push_messages(
        self,
        store: ImageStore,
        repository: Reference,
        tag: str,
        *,
        progress_text: bool = True,
    ) -> Iterator[dict[str, Any]]:
        """Yield dockerd's progress messages for a push of ``repository``.

        Without ``tag`` every tag of the repository goes. Errors come
        in-band after the first message, as dockerd writes them.
        ``progress_text`` adds the deprecated ``progress`` bar string.
        """
        yield {"status": f"The push refers to repository [{repository.trimmed()}]"}
        if self.offline:
            yield _error_message(self._offline_message(repository.domain))
            return
        if str(repository.trimmed()) in self.denied:
            yield _error_message("denied: requested access to the resource is denied")
            return
        if tag:
            targets = [repository.trimmed().with_tag(tag)]
            if store.resolve_reference(targets[0]) is None:
                yield _error_message(f"tag does not exist: {targets[0].familiar()}")
                return
        else:
            targets = [
                reference
                for image in store.images()
                for reference in store.references(image.id)
                if reference.name == repository.name and reference.tag
            ]
            if not targets:
                yield _error_message(
                    "An image does not exist locally with the tag: "
                    f"{repository.familiar_name}"
                )
                return
        for target in sorted(targets, key=str):
            image = store.resolve_reference(target)
            if image is not None:
                yield from self._push_one(store, target, image, progress_text)

    def _push_one(
        self, store: ImageStore, target: Reference, image: Image, progress_text: bool
    ) -> Iterator[dict[str, Any]]:
        manifest, layers = self.manifest_of(image)
        held = self.pushed_layers(target)
        top_first = list(reversed(layers))
        for diff_id, _, _ in top_first:
            yield _progress("Preparing", short_id(diff_id))
        for diff_id, _, size in top_first:
            layer_id = short_id(diff_id)
            if diff_id in held:
                yield _progress("Layer already exists", layer_id)
                continue
            for current in (max(1, size // 2), size):
                yield _progress("Pushing", layer_id, current, size, progress_text)
            yield _progress("Pushed", layer_id)
        self.record_push(target, [diff_id for diff_id, _, _ in layers])
        manifest_digest = _sha256(manifest)
        tag = target.tag or "latest"
        yield {"status": f"{tag}: digest: {manifest_digest} size: {len(manifest)}"}
        yield {
            "progressDetail": {},
            "aux": {"Tag": tag, "Digest": manifest_digest, "Size": len(manifest)},
        }
        store.add(image, [target.trimmed().with_digest(manifest_digest)])
        store.publish(image, "push", target.familiar(), target.familiar_name)


class PullSession:
    """One accepted pull: ``messages()`` streams its progress and stores the image."""

    def __init__(
        self,
        registry: Registry,
        store: ImageStore,
        reference: Reference,
        platform: Platform,
    ) -> None:
        self.registry = registry
        self.store = store
        self.reference = reference
        self.platform = platform

    def messages(self, *, progress_text: bool = True) -> Iterator[dict[str, Any]]:
        """Yield dockerd's progress messages and store the image at the end.

        Args:
            progress_text: include the deprecated ``progress`` bar string
                (sent up to Engine 28.x).

        Errors after the first message come as an in-band error message, as
        dockerd writes them once the stream has started.
        """
        reference = self.reference
        tag_or_digest = reference.tag or reference.digest or ""
        yield {
            "status": f"Pulling from {reference.path}",
            "id": tag_or_digest,
        }
        if self.platform.os != "linux":
            yield _error_message(
                f"no matching manifest for {self.platform} in the manifest list entries"
            )
            return

        remote = _build_remote(reference, self.platform)
        if self.store.by_id(remote.image_id) is None:
            yield from self._layer_messages(remote, progress_text)

        image, changed = self.store.add(remote.to_image(), _stored_references(remote))
        yield {"status": f"Digest: {remote.manifest_digest}"}
        if changed:
            status = f"Status: Downloaded newer image for {reference.familiar()}"
        else:
            status = f"Status: Image is up to date for {reference.familiar()}"
        yield {"status": status}
        self.store.publish(image, "pull", reference.familiar(), reference.familiar_name)

    def _layer_messages(
        self, remote: RemoteImage, progress_text: bool
    ) -> Iterator[dict[str, Any]]:
        fresh: list[RemoteLayer] = []
        for layer in remote.layers:
            layer_id = short_id(layer.blob_digest)
            if self.store.has_layer(layer.diff_id):
                yield _progress("Already exists", layer_id)
            else:
                fresh.append(layer)
                yield _progress("Pulling fs layer", layer_id)
        # dockerd downloads three layers at a time; the others wait.
        for layer in fresh[3:]:
            yield _progress("Waiting", short_id(layer.blob_digest))
        for layer in fresh:
            layer_id = short_id(layer.blob_digest)
            total = layer.compressed_size
            for current in (max(1, total // 3), max(1, 2 * total // 3), total):
                yield _progress("Downloading", layer_id, current, total, progress_text)
            yield _progress("Verifying Checksum", layer_id)
            yield _progress("Download complete", layer_id)
        for layer in fresh:
            layer_id = short_id(layer.blob_digest)
            total = layer.compressed_size
            for current in (max(1, total // 2), total):
                yield _progress("Extracting", layer_id, current, total, progress_text)
            yield _progress("Pull complete", layer_id)


def _error_message(message: str) -> dict[str, Any]:
    return {"errorDetail": {"message": message}, "error": message}


def _progress(
    status: str,
    layer_id: str,
    current: int | None = None,
    total: int | None = None,
    progress_text: bool = True,
) -> dict[str, Any]:
    message: dict[str, Any] = {"status": status, "progressDetail": {}}
    if current is not None and total is not None:
        message["progressDetail"] = {"current": current, "total": total}
        if progress_text:
            message["progress"] = progress_bar(current, total)
    message["id"] = layer_id
    return message


def progress_bar(current: int, total: int) -> str:
    """Format the ``progress`` text of a JSON progress message as dockerd does.

    dockerd renders it for a 200-column terminal: a 50-character bar, then
    current and total sizes in decimal units with four significant digits.
    """
    if current <= 0 and total <= 0:
        return ""
    if total <= 0:
        return f"{human_size(current):>8}"
    percentage = min(int(current / total * 100) // 2, 50)
    bar = "[" + "=" * percentage + ">" + " " * (50 - percentage) + "] "
    if current > total:
        return bar + f"{human_size(current):>8}"
    return bar + f"{human_size(current):>8}/{human_size(total)}"


def human_size(size: float) -> str:
    """Format bytes as go-units' ``HumanSize``: ``1.982MB``, ``32.77kB``."""
    units = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
    index = 0
    while size >= 1000 and index < len(units) - 1:
        size /= 1000
        index += 1
    return f"{size:.4g}{units[index]}"


def _sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _canonical(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def _parse_time_ns(text: str) -> int:
    moment = datetime.fromisoformat(text)
    return int(moment.timestamp()) * 1_000_000_000


def _build_remote(reference: Reference, platform: Platform) -> RemoteImage:
    base = base_image(reference.path)
    # The top layer is specific to the tag (or digest), so different tags of
    # one repository are different images, unless it is a shared base layer.
    variation = reference.digest or reference.tag or "latest"
    layer_specs = base.layers
    layers = []
    for index, layer in enumerate(layer_specs):
        key = layer.key
        if index == len(layer_specs) - 1 and not layer.shared:
            key = f"{key} {reference.name}:{variation}"
        layers.append(_remote_layer(layer, key, platform))

    history = [_history_entry(step, base.created) for step in base.steps]
    document: dict[str, Any] = {
        "architecture": platform.architecture,
        "config": base.config,
        "created": base.created,
        "history": history,
        "os": platform.os,
        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in layers]},
    }
    if platform.variant:
        document["variant"] = platform.variant
    config_bytes = _canonical(document)
    image_id = _sha256(config_bytes)

    if reference.digest is not None:
        manifest_digest = reference.digest
    else:
        manifest = {
            "schemaVersion": 2,
            "mediaType": MANIFEST_MEDIA_TYPE,
            "config": {
                "mediaType": CONFIG_MEDIA_TYPE,
                "size": len(config_bytes),
                "digest": image_id,
            },
            "layers": [
                {
                    "mediaType": LAYER_MEDIA_TYPE,
                    "size": layer.compressed_size,
                    "digest": layer.blob_digest,
                }
                for layer in layers
            ],
        }
        manifest_digest = _sha256(_canonical(manifest))
    return RemoteImage(
        reference=reference,
        base=base,
        config_document=document,
        image_id=image_id,
        manifest_digest=manifest_digest,
        layers=tuple(layers),
        platform=platform,
    )


def _remote_layer(layer: Layer, key: str, platform: Platform) -> RemoteLayer:
    diff_id = _sha256(f"layer\n{key}\n{platform}".encode())
    blob_digest = _sha256(f"blob\n{diff_id}".encode())
    return RemoteLayer(diff_id, blob_digest, layer.size, max(1, layer.size * 2 // 5))


def _history_entry(step: Layer | EmptyLayer, created: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"created": created, "created_by": step.created_by}
    if step.comment:
        entry["comment"] = step.comment
    if isinstance(step, EmptyLayer):
        entry["empty_layer"] = True
    return entry


def _stored_references(remote: RemoteImage) -> list[Reference]:
    # A pull records the tag it asked for and the repository digest.
    reference = remote.reference
    stored = []
    if reference.tag is not None:
        stored.append(reference.trimmed().with_tag(reference.tag))
    stored.append(reference.trimmed().with_digest(remote.manifest_digest))
    return stored
