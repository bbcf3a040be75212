"""Volumes: named and anonymous volumes, their data and the mounts that use them.

Each volume owns an in-memory ``Filesystem``. The filesystem layer has no
mount points, so a container cannot see a volume's tree directly.
NOTE: the volume's content is copied into the container's filesystem at the
mount path when the container starts, and copied back when its process ends
(unless the mount is read-only). Containers that run at the same time
therefore do not see each other's writes until one of them exits, and the
last one to exit wins.
"""

from __future__ import annotations

import builtins
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..clock import format_rfc3339_nano
from ..errors import Conflict, InvalidParameter, NotFound, Unavailable
from .filesystem import Filesystem, FilesystemError
from .revision import Tracked

if TYPE_CHECKING:
    from .containers import Container
    from .engine import Engine

VOLUMES_ROOT = "/var/lib/docker/volumes"
"""The directory of dockerd's local volumes, each at ``<root>/<name>/_data``."""

ANONYMOUS_LABEL = "com.docker.volume.anonymous"
"""The label Engine 23.0 and later put on volumes created without a name."""

_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
# The options of the `local` driver; `size` needs a quota-capable backing
# filesystem, which this daemon does not claim to have.
_LOCAL_OPTIONS = ("type", "device", "o")
_BIND_MODES = frozenset(
    "ro rw z Z nocopy private rprivate shared rshared slave rslave consistent "
    "cached delegated".split()
)


@dataclass
class Volume:
    """One volume; the store's lock guards its fields."""

    name: str
    driver: str
    labels: dict[str, str] | None
    options: dict[str, str] | None
    created_ns: int
    anonymous: bool
    filesystem: Filesystem

    @property
    def mountpoint(self) -> str:
        """The host path dockerd reports for the volume's data."""
        return f"{VOLUMES_ROOT}/{self.name}/_data"

    def size(self) -> int:
        """Return the bytes of file data the volume holds."""
        return volume_size(self)

    def document(self) -> dict[str, Any]:
        """Return the volume as ``GET /volumes/{name}`` shows it."""
        # dockerd formats CreatedAt with time.RFC3339: whole seconds.
        created = format_rfc3339_nano(self.created_ns - self.created_ns % 10**9)
        return {
            "CreatedAt": created,
            "Driver": self.driver,
            "Labels": dict(self.labels) if self.labels is not None else None,
            "Mountpoint": self.mountpoint,
            "Name": self.name,
            "Options": dict(self.options) if self.options is not None else None,
            "Scope": "local",
        }


@dataclass
class MountPoint(Tracked):
    """One entry of a container's ``Mounts``: a volume, bind or tmpfs mount."""

    type: str
    destination: str
    rw: bool = True
    mode: str = ""
    name: str = ""
    source: str = ""
    propagation: str = ""
    copy_data: bool = True
    labels: dict[str, str] | None = None
    driver_options: dict[str, str] | None = None

    def document(self) -> dict[str, Any]:
        """Return the entry of ``Mounts`` in container inspect."""
        document: dict[str, Any] = {"Type": self.type}
        if self.type == "volume":
            document["Name"] = self.name
            document["Source"] = f"{VOLUMES_ROOT}/{self.name}/_data"
        else:
            document["Source"] = self.source
        document["Destination"] = self.destination
        if self.type == "volume":
            document["Driver"] = "local"
        document["Mode"] = self.mode
        document["RW"] = self.rw
        document["Propagation"] = self.propagation
        return document


@dataclass
class _Usage:
    """The ids of the containers that reference one volume, mounted or not."""

    containers: set[str] = field(default_factory=set)


class VolumeStore:
    """Every volume of one engine, guarded by one lock."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.RLock()
        self._volumes: dict[str, Volume] = {}
        self._usage: dict[str, _Usage] = {}

    # Lookup ------------------------------------------------------------------

    def get(self, name: str) -> Volume:
        """Return the volume called ``name``; 404 as dockerd words it."""
        with self._lock:
            volume = self._volumes.get(name)
        if volume is None:
            raise NotFound(f"get {name}: no such volume")
        return volume

    def all(self) -> builtins.list[Volume]:
        """Return every volume, sorted by name.

        dockerd lists volumes in map order, which varies between calls; a
        fixed order keeps tests reproducible.
        """
        with self._lock:
            return sorted(self._volumes.values(), key=lambda volume: volume.name)

    def list(self) -> builtins.list[Volume]:
        """Return every volume, sorted by name (the same as ``all``)."""
        return self.all()

    def users(self, name: str) -> builtins.list[str]:
        """Return the ids of the containers that reference volume ``name``."""
        with self._lock:
            usage = self._usage.get(name)
            return sorted(usage.containers) if usage else []

    def in_use(self, name: str) -> bool:
        """Return whether a container references volume ``name``."""
        return bool(self.users(name))

    # Create, remove, prune -----------------------------------------------------

    def create(
        self,
        name: str = "",
        driver: str = "",
        labels: dict[str, str] | None = None,
        options: dict[str, str] | None = None,
        *,
        anonymous: bool | None = None,
    ) -> Volume:
        """Create a volume, or return the existing one of the same name.

        An empty ``name`` creates an anonymous volume with a generated name.
        Engine 23.0 and later label it with ``com.docker.volume.anonymous``.
        """
        engine = self._engine
        generated = not name
        if generated:
            name = engine.ids.hex_id()
        driver = driver or "local"
        if driver != "local":
            # NOTE: dockerd spends about 30 seconds looking for the plugin
            # before it returns this error, but this daemon returns it at once.
            raise NotFound(
                f"create {name}: error looking up volume plugin {driver}: "
                f'plugin "{driver}" not found'
            )
        _check_name(name)
        with self._lock:
            existing = self._volumes.get(name)
            if existing is not None:
                if engine.profile.legacy_messages:
                    # Engine 20.10 publishes `create` again for an existing name.
                    self._publish(existing, "create")
                return existing
        for key in sorted(options or {}):
            if key not in _LOCAL_OPTIONS:
                raise InvalidParameter(f'create {name}: invalid option: "{key}"')
        is_anonymous = generated if anonymous is None else anonymous
        stored_labels = dict(labels) if labels else None
        if is_anonymous and generated and _labels_anonymous(engine):
            stored_labels = dict(stored_labels or {})
            stored_labels[ANONYMOUS_LABEL] = ""
        volume = Volume(
            name=name,
            driver=driver,
            labels=stored_labels,
            options=dict(options) if options is not None else None,
            created_ns=engine.clock.time_ns(),
            anonymous=is_anonymous,
            filesystem=Filesystem(engine.clock.time),
        )
        with self._lock:
            existing = self._volumes.get(name)
            if existing is not None:
                return existing
            self._volumes[name] = volume
        self._publish(volume, "create")
        return volume

    def restore(self, volume: Volume) -> None:
        """Add a volume rebuilt from a state dump, without an event.

        Raises:
            Conflict: a volume of that name exists.
        """
        with self._lock:
            if volume.name in self._volumes:
                raise Conflict(f"volume {volume.name} exists")
            self._volumes[volume.name] = volume

    def remove(self, name: str, force: bool = False) -> None:
        """Remove a volume; 409 while a container uses it.

        ``force`` turns a missing volume into success, as dockerd does, but
        does not remove a volume in use.
        """
        with self._lock:
            volume = self._volumes.get(name)
            if volume is None:
                if force:
                    return
                raise NotFound(f"get {name}: no such volume")
            users = self.users(name)
            if users:
                raise Conflict(
                    f"remove {name}: volume is in use - [{', '.join(users)}]"
                )
            del self._volumes[name]
            self._usage.pop(name, None)
        self._publish(volume, "destroy")

    def prune(
        self, *, all_volumes: bool, matches_labels: Any = None
    ) -> tuple[builtins.list[str], int]:
        """Remove unused volumes and return their names and the bytes freed.

        Without ``all_volumes`` only anonymous volumes go, as from API 1.42.
        ``matches_labels`` is a predicate over a volume's labels.
        """
        removed: builtins.list[str] = []
        reclaimed = 0
        for volume in self.all():
            if not all_volumes and not volume.anonymous:
                continue
            if matches_labels is not None and not matches_labels(volume.labels):
                continue
            size = volume_size(volume)
            try:
                self.remove(volume.name)
            except (Conflict, NotFound):
                continue
            removed.append(volume.name)
            reclaimed += size
        return removed, reclaimed

    def update(self, name: str) -> None:
        """Reject an update: only cluster volumes can change, and need swarm."""
        raise Unavailable(
            "volume update only valid for cluster volumes, but swarm is unavailable"
        )

    # Container mounts ------------------------------------------------------------

    def mounts_for(
        self, config: dict[str, Any], host_config: dict[str, Any]
    ) -> builtins.list[MountPoint]:
        """Parse a create request's Binds, Mounts and Volumes into mount points.

        Named volumes that do not exist yet are created, and each path of
        ``Config.Volumes`` that no other mount covers gets an anonymous
        volume, as dockerd does when it creates the container.
        """
        mounts: builtins.list[MountPoint] = []
        for spec in host_config.get("Binds") or []:
            mounts.append(_parse_bind(spec))
        for entry in host_config.get("Mounts") or []:
            mounts.append(_parse_mount(entry))
        seen: set[str] = set()
        for mount in mounts:
            if mount.destination in seen:
                raise InvalidParameter(f"Duplicate mount point: {mount.destination}")
            seen.add(mount.destination)
        for path in sorted(config.get("Volumes") or {}):
            destination = _clean_path(path)
            if destination in seen:
                continue
            seen.add(destination)
            mounts.append(MountPoint("volume", destination, mode="", rw=True))
        for mount in mounts:
            if mount.type != "volume":
                continue
            volume = self.create(
                mount.name,
                labels=mount.labels,
                options=mount.driver_options,
                anonymous=not mount.name,
            )
            mount.name = volume.name
        return mounts

    def register(self, container: Container, mounts: Iterable[MountPoint]) -> None:
        """Record that ``container`` uses the volumes of ``mounts``."""
        with self._lock:
            for mount in mounts:
                if mount.type == "volume":
                    usage = self._usage.setdefault(mount.name, _Usage())
                    usage.containers.add(container.id)

    def mount_all(self, container: Container, mounts: Iterable[MountPoint]) -> None:
        """Copy each volume's content into ``container`` and publish ``mount``.

        An empty volume first receives what the image has at the mount path,
        unless the mount sets ``nocopy``.
        """
        # NOTE: a volume is copied in at start and back at stop, so two
        # containers running at once do not see each other's writes, unlike
        # dockerd's one shared directory.
        for mount in mounts:
            if mount.type != "volume":
                continue
            volume = self._find(mount.name)
            if volume is None:
                continue
            target = container.filesystem
            if not target.is_dir(mount.destination):
                if target.lexists(mount.destination):
                    continue
                target.mkdir(mount.destination, parents=True)
            source = volume.filesystem
            if not source.listdir("/") and mount.copy_data:
                _copy_tree(target, mount.destination, source, "/")
            _copy_tree(source, "/", target, mount.destination)
            self._publish(
                volume,
                "mount",
                {
                    "container": container.id,
                    "destination": mount.destination,
                    "propagation": mount.propagation,
                    "read/write": "true" if mount.rw else "false",
                },
            )

    def unmount_all(self, container: Container, mounts: Iterable[MountPoint]) -> None:
        """Copy writable mounts back into their volumes and publish ``unmount``."""
        for mount in mounts:
            if mount.type != "volume":
                continue
            volume = self._find(mount.name)
            if volume is None:
                continue
            if mount.rw and container.filesystem.is_dir(mount.destination):
                _copy_tree(
                    container.filesystem, mount.destination, volume.filesystem, "/"
                )
            self._publish(volume, "unmount", {"container": container.id})

    def release(
        self, container: Container, mounts: Iterable[MountPoint], *, remove: bool
    ) -> None:
        """Forget ``container``'s use of its volumes after it is removed.

        With ``remove`` (``DELETE /containers/{id}?v=1`` and auto-remove) the
        container's anonymous volumes go too, unless another container uses
        them.
        """
        anonymous: builtins.list[str] = []
        with self._lock:
            for mount in mounts:
                if mount.type != "volume":
                    continue
                usage = self._usage.get(mount.name)
                if usage is not None:
                    usage.containers.discard(container.id)
                volume = self._volumes.get(mount.name)
                if remove and volume is not None and volume.anonymous:
                    anonymous.append(mount.name)
        for name in anonymous:
            try:
                self.remove(name)
            except (Conflict, NotFound):
                continue

    # Helpers ---------------------------------------------------------------------

    def _find(self, name: str) -> Volume | None:
        with self._lock:
            return self._volumes.get(name)

    def _publish(
        self, volume: Volume, action: str, extra: dict[str, str] | None = None
    ) -> None:
        attributes = dict(extra or {})
        attributes["driver"] = volume.driver
        self._engine.events.publish("volume", action, volume.name, attributes)


def volume_size(volume: Volume) -> int:
    """Return the bytes of file data in ``volume``."""
    total = 0
    pending = ["/"]
    filesystem = volume.filesystem
    while pending:
        directory = pending.pop()
        for entry in filesystem.listdir(directory):
            path = directory.rstrip("/") + "/" + entry
            if filesystem.is_symlink(path):
                continue
            if filesystem.is_dir(path):
                pending.append(path)
            else:
                total += filesystem.stat(path).size
    return total


def _labels_anonymous(engine: Engine) -> bool:
    # Engine 23.0 (API 1.42) started labelling anonymous volumes, so that
    # prune could tell them from named ones.
    return engine.profile.max_api.at_least("1.42")


def _check_name(name: str) -> None:
    if len(name) == 1:
        raise InvalidParameter(
            f"create {name}: volume name is too short, names should be at least "
            "two alphanumeric characters"
        )
    if not _NAME.match(name):
        raise InvalidParameter(
            f'create {name}: "{name}" includes invalid characters for a local '
            'volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you '
            "intended to pass a host directory, use absolute path"
        )


def _clean_path(path: str) -> str:
    cleaned = "/" + "/".join(part for part in path.split("/") if part)
    return cleaned


class _SpecError(InvalidParameter):
    # dockerd reports a malformed bind specification with status 500, since
    # the error carries no errdefs kind.
    status = 500


def _parse_bind(spec: str) -> MountPoint:
    """Parse one ``HostConfig.Binds`` entry (``source:destination[:mode]``)."""
    parts = spec.split(":")
    if len(parts) == 1:
        source, destination, mode = "", parts[0], ""
    elif len(parts) == 2:
        source, destination, mode = parts[0], parts[1], ""
    else:
        source, destination, mode = parts[0], parts[1], ":".join(parts[2:])
    if not destination.startswith("/"):
        kind = "bind" if source.startswith("/") else "volume"
        raise _SpecError(
            f"invalid volume specification: '{spec}': invalid mount config for "
            f"type \"{kind}\": invalid mount path: '{destination}' mount path "
            "must be absolute"
        )
    flags = [flag for flag in mode.split(",") if flag] if mode else []
    for flag in flags:
        if flag not in _BIND_MODES:
            raise _SpecError(f"invalid mode: {mode}")
    read_only = "ro" in flags
    destination = _clean_path(destination)
    if source.startswith("/"):
        # NOTE: bind mounts are recorded for inspect only; no host directory
        # is read or written, so the container sees its own files there.
        return MountPoint(
            "bind",
            destination,
            rw=not read_only,
            mode=mode,
            source=_clean_path(source),
            propagation="rprivate",
        )
    return MountPoint(
        "volume",
        destination,
        rw=not read_only,
        mode=mode or "z",
        name=source,
        copy_data="nocopy" not in flags,
    )


def _parse_mount(entry: Any) -> MountPoint:
    """Parse one ``HostConfig.Mounts`` entry."""
    if not isinstance(entry, dict):
        raise InvalidParameter("invalid JSON: mount must be a JSON object")
    kind = entry.get("Type") or ""
    target = entry.get("Target") or ""
    read_only = bool(entry.get("ReadOnly"))
    if kind not in ("volume", "bind", "tmpfs"):
        raise InvalidParameter(
            f'invalid mount config for type "{kind}": mount type unknown'
        )
    if not target.startswith("/"):
        if not target:
            raise InvalidParameter(
                f'invalid mount config for type "{kind}": field Target must '
                "not be empty"
            )
        raise InvalidParameter(
            f'invalid mount config for type "{kind}": invalid mount path: '
            f"'{target}' mount path must be absolute"
        )
    destination = _clean_path(target)
    if kind == "tmpfs":
        return MountPoint("tmpfs", destination, rw=not read_only)
    source = entry.get("Source") or ""
    if kind == "bind":
        return MountPoint(
            "bind",
            destination,
            rw=not read_only,
            source=source,
            propagation="rprivate",
        )
    options = entry.get("VolumeOptions") or {}
    driver_config = options.get("DriverConfig") or {}
    return MountPoint(
        "volume",
        destination,
        rw=not read_only,
        mode="z",
        name=source,
        copy_data=not options.get("NoCopy"),
        labels=options.get("Labels") or None,
        driver_options=driver_config.get("Options") or None,
    )


def _copy_tree(
    source: Filesystem, source_path: str, target: Filesystem, target_path: str
) -> None:
    """Replace the content of ``target_path`` with that of ``source_path``."""
    try:
        archive = source.to_tar(source_path.rstrip("/") + "/.")
        for entry in target.listdir(target_path):
            target.remove(target_path.rstrip("/") + "/" + entry, recursive=True)
        target.extract_tar(target_path, archive)
    except FilesystemError:
        # A mount path that is a file or a dangling link in the image has
        # nothing to copy; dockerd would fail the mount in the same case.
        return
