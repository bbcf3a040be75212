"""Plugin operations (``/plugins/...``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.client.core import Body, ClientCore
from harness.client.encoding import Filters, Query, encode_registry_auth
from harness.client.streams import Stream

AuthConfig = Mapping[str, str]


class PluginOperations(ClientCore):
    """Install, configure, enable, disable, upgrade, push and remove plugins."""

    def plugin_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List installed plugins."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        result: list[dict[str, Any]] = self.call_json("GET", "/plugins", query)
        return result

    def get_plugin_privileges(self, *, remote: str) -> list[dict[str, Any]]:
        """Return the privileges that the plugin at ``remote`` requests."""
        query = Query()
        query.set("remote", remote)
        result: list[dict[str, Any]] = self.call_json(
            "GET", "/plugins/privileges", query
        )
        return result

    def plugin_pull(
        self,
        *,
        remote: str,
        name: str | None = None,
        privileges: Sequence[Mapping[str, Any]] = (),
        registry_auth: AuthConfig | None = None,
    ) -> Stream[dict[str, Any]]:
        """Pull and install a plugin, granting ``privileges``; streams progress."""
        query = Query()
        query.set("remote", remote)
        query.set("name", name)
        response = self.call_stream(
            "POST",
            "/plugins/pull",
            query,
            json=list(privileges),
            headers={"X-Registry-Auth": encode_registry_auth(registry_auth)},
        )
        return self.progress_stream(response)

    def plugin_inspect(self, name: str) -> dict[str, Any]:
        """Return a plugin's details."""
        result: dict[str, Any] = self.call_json("GET", f"/plugins/{name}/json")
        return result

    def plugin_delete(self, name: str, *, force: bool = False) -> dict[str, Any]:
        """Remove a plugin; returns the removed plugin."""
        query = Query()
        query.flag("force", force)
        result: dict[str, Any] = self.call_json("DELETE", f"/plugins/{name}", query)
        return result

    def plugin_enable(self, name: str, *, timeout: int | None = None) -> None:
        """Enable a plugin; ``timeout`` is in seconds."""
        query = Query()
        query.integer("timeout", timeout)
        self.request("POST", f"/plugins/{name}/enable", query)

    def plugin_disable(self, name: str, *, force: bool = False) -> None:
        """Disable a plugin."""
        query = Query()
        query.flag("force", force)
        self.request("POST", f"/plugins/{name}/disable", query)

    def plugin_upgrade(
        self,
        name: str,
        *,
        remote: str,
        privileges: Sequence[Mapping[str, Any]] = (),
        registry_auth: AuthConfig | None = None,
    ) -> Stream[dict[str, Any]]:
        """Upgrade a plugin to the image at ``remote``; streams progress."""
        query = Query()
        query.set("remote", remote)
        response = self.call_stream(
            "POST",
            f"/plugins/{name}/upgrade",
            query,
            json=list(privileges),
            headers={"X-Registry-Auth": encode_registry_auth(registry_auth)},
        )
        return self.progress_stream(response)

    def plugin_create(self, *, name: str, tar_context: Body) -> None:
        """Create a plugin from a tar of its rootfs and ``config.json``."""
        query = Query()
        query.set("name", name)
        self.request(
            "POST",
            "/plugins/create",
            query,
            content=tar_context,
            headers={"Content-Type": "application/x-tar"},
        )

    def plugin_push(
        self, name: str, *, registry_auth: AuthConfig | None = None
    ) -> Stream[dict[str, Any]]:
        """Push a plugin to its registry; streams progress."""
        response = self.call_stream(
            "POST",
            f"/plugins/{name}/push",
            headers={"X-Registry-Auth": encode_registry_auth(registry_auth)},
        )
        return self.progress_stream(response)

    def plugin_set(self, name: str, settings: Iterable[str]) -> None:
        """Set plugin settings, each as ``key=value``."""
        self.request("POST", f"/plugins/{name}/set", json=list(settings))
