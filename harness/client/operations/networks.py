"""Network operations (``/networks/...``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.client.core import ClientCore
from harness.client.encoding import Filters, Query


class NetworkOperations(ClientCore):
    """Create, list, inspect, connect, disconnect and remove networks."""

    def network_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List networks."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        result: list[dict[str, Any]] = self.call_json("GET", "/networks", query)
        return result

    def network_inspect(
        self, id: str, *, verbose: bool = False, scope: str | None = None
    ) -> dict[str, Any]:
        """Return a network's details."""
        query = Query()
        query.flag("verbose", verbose)
        query.set("scope", scope)
        result: dict[str, Any] = self.call_json("GET", f"/networks/{id}", query)
        return result

    def network_delete(self, id: str) -> None:
        """Remove a network."""
        self.request("DELETE", f"/networks/{id}")

    def network_create(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Create a network; returns ``{"Id": ..., "Warning": ...}``."""
        result: dict[str, Any] = self.call_json("POST", "/networks/create", json=config)
        return result

    def network_connect(
        self,
        id: str,
        *,
        container: str,
        endpoint_config: Mapping[str, Any] | None = None,
    ) -> None:
        """Connect a container to a network."""
        body: dict[str, Any] = {"Container": container}
        if endpoint_config is not None:
            body["EndpointConfig"] = endpoint_config
        self.request("POST", f"/networks/{id}/connect", json=body)

    def network_disconnect(
        self, id: str, *, container: str, force: bool = False
    ) -> None:
        """Disconnect a container from a network."""
        body = {"Container": container, "Force": force}
        self.request("POST", f"/networks/{id}/disconnect", json=body)

    def network_prune(self, *, filters: Filters | None = None) -> dict[str, Any]:
        """Remove unused networks; returns their names."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        result: dict[str, Any] = self.call_json("POST", "/networks/prune", query)
        return result
