"""Volume operations (``/volumes/...``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.client.core import ClientCore
from harness.client.encoding import Filters, Query


class VolumeOperations(ClientCore):
    """Create, list, inspect, update and remove volumes."""

    def volume_list(self, *, filters: Filters | None = None) -> dict[str, Any]:
        """List volumes; returns ``{"Volumes": [...], "Warnings": [...]}``."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        result: dict[str, Any] = self.call_json("GET", "/volumes", query)
        return result

    def volume_create(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Create a volume (``Name``, ``Driver``, ``DriverOpts``, ``Labels``)."""
        result: dict[str, Any] = self.call_json("POST", "/volumes/create", json=config)
        return result

    def volume_inspect(self, name: str) -> dict[str, Any]:
        """Return a volume's details."""
        result: dict[str, Any] = self.call_json("GET", f"/volumes/{name}")
        return result

    def volume_update(
        self, name: str, *, version: int, spec: Mapping[str, Any]
    ) -> None:
        """Update a cluster volume (API 1.42); ``version`` is its object version."""
        query = Query()
        query.integer("version", version)
        self.request("PUT", f"/volumes/{name}", query, json={"Spec": spec})

    def volume_delete(self, name: str, *, force: bool = False) -> None:
        """Remove a volume."""
        query = Query()
        query.flag("force", force)
        self.request("DELETE", f"/volumes/{name}", query)

    def volume_prune(self, *, filters: Filters | None = None) -> dict[str, Any]:
        """Remove unused volumes; returns the names and the space reclaimed."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        result: dict[str, Any] = self.call_json("POST", "/volumes/prune", query)
        return result
