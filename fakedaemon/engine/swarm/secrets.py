"""Secrets and configs: named blobs that services mount into their tasks.

The two kinds behave alike. They differ in their size limit, in whether
inspect shows the data (configs do, secrets never), and in how an update
that touches the data is detected.
"""

from __future__ import annotations

import base64
import builtins
import copy
import re
from typing import TYPE_CHECKING, Any

from ...errors import Conflict, DaemonError
from .lookup import find, invalid_argument
from .objects import Blob

if TYPE_CHECKING:
    from ...api.filters import Filters
    from .cluster import Swarm

BLOB_FILTERS = ("id", "label", "name", "names")
_NAME = re.compile(r"^[a-zA-Z0-9](?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$")
# SwarmKit's limits: secrets below 500 KiB, configs below 1000 KiB.
_MAX_SIZE = {"secret": 500 * 1024, "config": 1000 * 1024}


class _Unknown(DaemonError):
    status = 500


def check_object_name(name: str) -> None:
    """Raise SwarmKit's error for a secret or config name it rejects."""
    if len(name) > 64 or not _NAME.match(name):
        raise invalid_argument(
            "invalid name, only 64 [a-zA-Z0-9-_.] characters allowed, and the "
            "start and end character must be [a-zA-Z0-9]"
        )


class BlobStore:
    """The secrets (or the configs) of one swarm; the swarm's lock guards them."""

    def __init__(self, swarm: Swarm, kind: str) -> None:
        self._swarm = swarm
        self.kind = kind
        self._blobs: dict[str, Blob] = {}

    def clear(self) -> None:
        """Forget every object (the swarm was left)."""
        self._blobs.clear()

    def all(self) -> builtins.list[Blob]:
        """Return the object records; the caller holds the lock."""
        return list(self._blobs.values())

    def restore(self, blobs: builtins.list[Blob]) -> None:
        """Replace the objects with records of a state dump; the caller locks."""
        self._blobs = {blob.meta.id: blob for blob in blobs}

    def create(self, spec: dict[str, Any], data: bytes) -> str:
        """Store a new secret or config and return its id.

        Raises:
            InvalidParameter: a bad name or size.
            Conflict: the name is taken.
        """
        kind = self.kind
        name = spec.get("Name") or ""
        check_object_name(name)
        driver = (spec.get("Driver") or {}).get("Name") or ""
        if kind == "secret" and driver:
            raise _Unknown(
                f'rpc error: code = Unknown desc = plugin "{driver}" not found'
            )
        limit = _MAX_SIZE[kind]
        if not 0 < len(data) < limit:
            raise invalid_argument(
                f"{kind} data must be larger than 0 and less than {limit} bytes"
            )
        stored = {"Name": name, "Labels": dict(spec.get("Labels") or {})}
        if kind == "config":
            stored["Data"] = base64.b64encode(data).decode("ascii")
        for key in ("Driver", "Templating"):
            if spec.get(key):
                stored[key] = copy.deepcopy(spec[key])
        swarm = self._swarm
        with swarm.lock:
            swarm.require_manager()
            if any(b.spec["Name"] == name for b in self._blobs.values()):
                raise Conflict(
                    f"rpc error: code = AlreadyExists desc = {kind} {name} already "
                    "exists"
                )
            blob = Blob(swarm.next_meta(), stored, data)
            self._blobs[blob.meta.id] = blob
        swarm.publish(kind, "create", blob.meta.id, name)
        return blob.meta.id

    def _find(self, reference: str) -> Blob:
        return find(
            self.kind,
            reference,
            self._blobs.values(),
            lambda blob: blob.meta.id,
            lambda blob: str(blob.spec["Name"]),
        )

    def get(self, reference: str) -> Blob:
        """Return a copy of the object ``reference`` names."""
        with self._swarm.lock:
            self._swarm.require_manager()
            return copy.deepcopy(self._find(reference))

    def find_for_service(self, reference: str) -> Blob | None:
        """Return the object a service names by id, or None; the caller locks."""
        return self._blobs.get(reference)

    def list(self, filters: Filters) -> builtins.list[Blob]:
        """Return copies of the objects that pass ``filters``, by id."""
        with self._swarm.lock:
            self._swarm.require_manager()
            chosen = []
            for blob in sorted(self._blobs.values(), key=lambda b: b.meta.id):
                name = str(blob.spec["Name"])
                if filters.contains("id") and not any(
                    blob.meta.id.startswith(value) for value in filters.get("id")
                ):
                    continue
                if filters.contains("name") and not any(
                    name.startswith(value) for value in filters.get("name")
                ):
                    continue
                if not filters.match_exact("names", name):
                    continue
                if not filters.match_labels(blob.spec.get("Labels")):
                    continue
                chosen.append(copy.deepcopy(blob))
            return chosen

    def update(
        self, reference: str, version: int, spec: dict[str, Any], data: bytes | None
    ) -> None:
        """Change the labels of an object; any other change is rejected."""
        swarm = self._swarm
        with swarm.lock:
            swarm.require_manager()
            blob = self._find(reference)
            if self.kind == "secret":
                # The Engines accept a secret's own data sent back, as by a
                # client that edits the inspected spec. Data left out stays.
                changed = data is not None and data != blob.data
            else:
                changed = (data or b"") != blob.data
            if changed or (spec.get("Name") or "") != blob.spec["Name"]:
                raise invalid_argument("only updates to Labels are allowed")
            # SwarmKit checks the change before the version.
            swarm.check_version(blob.meta, version)
            blob.spec["Labels"] = dict(spec.get("Labels") or {})
            swarm.touch(blob.meta)
            name = str(blob.spec["Name"])
        swarm.publish(self.kind, "update", blob.meta.id, name)

    def remove(self, reference: str) -> None:
        """Remove an object no service uses."""
        swarm = self._swarm
        with swarm.lock:
            swarm.require_manager()
            blob = self._find(reference)
            users = swarm.services.names_using(self.kind, blob.meta.id)
            if users:
                plural = "s" if len(users) > 1 else ""
                raise invalid_argument(
                    f"{self.kind} '{blob.spec['Name']}' is in use by the following "
                    f"service{plural}: {', '.join(users)}"
                )
            del self._blobs[blob.meta.id]
            swarm.write()
        swarm.publish(self.kind, "remove", blob.meta.id, str(blob.spec["Name"]))
