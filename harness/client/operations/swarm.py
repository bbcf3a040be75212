"""Swarm-mode operations: swarm, nodes, services, tasks, secrets, configs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.client.core import ClientCore
from harness.client.encoding import Filters, Query, encode_registry_auth
from harness.client.streams import Stream, StreamType

AuthConfig = Mapping[str, str]


class SwarmOperations(ClientCore):
    """``/swarm``, ``/nodes``, ``/services``, ``/tasks``, ``/secrets``, ``/configs``."""

    # -- swarm ------------------------------------------------------------------

    def swarm_inspect(self) -> dict[str, Any]:
        """Return the swarm's details."""
        result: dict[str, Any] = self.call_json("GET", "/swarm")
        return result

    def swarm_init(self, request: Mapping[str, Any]) -> str:
        """Initialise a swarm; returns the node id."""
        result: str = self.call_json("POST", "/swarm/init", json=request)
        return result

    def swarm_join(self, request: Mapping[str, Any]) -> None:
        """Join an existing swarm."""
        self.request("POST", "/swarm/join", json=request)

    def swarm_leave(self, *, force: bool = False) -> None:
        """Leave the swarm."""
        query = Query()
        query.flag("force", force)
        self.request("POST", "/swarm/leave", query)

    def swarm_update(
        self,
        spec: Mapping[str, Any],
        *,
        version: int,
        rotate_worker_token: bool = False,
        rotate_manager_token: bool = False,
        rotate_manager_unlock_key: bool = False,
    ) -> None:
        """Update the swarm's spec; ``version`` is its object version."""
        query = Query()
        query.integer("version", version)
        query.explicit_flag("rotateWorkerToken", rotate_worker_token or None)
        query.explicit_flag("rotateManagerToken", rotate_manager_token or None)
        query.explicit_flag("rotateManagerUnlockKey", rotate_manager_unlock_key or None)
        self.request("POST", "/swarm/update", query, json=spec)

    def swarm_unlockkey(self) -> dict[str, Any]:
        """Return the swarm's unlock key."""
        result: dict[str, Any] = self.call_json("GET", "/swarm/unlockkey")
        return result

    def swarm_unlock(self, *, unlock_key: str) -> None:
        """Unlock a locked manager."""
        self.request("POST", "/swarm/unlock", json={"UnlockKey": unlock_key})

    # -- nodes --------------------------------------------------------------------

    def node_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List swarm nodes."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        result: list[dict[str, Any]] = self.call_json("GET", "/nodes", query)
        return result

    def node_inspect(self, id: str) -> dict[str, Any]:
        """Return a node's details."""
        result: dict[str, Any] = self.call_json("GET", f"/nodes/{id}")
        return result

    def node_delete(self, id: str, *, force: bool = False) -> None:
        """Remove a node from the swarm."""
        query = Query()
        query.flag("force", force)
        self.request("DELETE", f"/nodes/{id}", query)

    def node_update(self, id: str, spec: Mapping[str, Any], *, version: int) -> None:
        """Update a node's spec; ``version`` is its object version."""
        query = Query()
        query.integer("version", version)
        self.request("POST", f"/nodes/{id}/update", query, json=spec)

    # -- services -----------------------------------------------------------------

    def service_list(
        self, *, filters: Filters | None = None, status: bool = False
    ) -> list[dict[str, Any]]:
        """List services; ``status`` adds running and desired task counts."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        query.flag("status", status)
        result: list[dict[str, Any]] = self.call_json("GET", "/services", query)
        return result

    def service_create(
        self, spec: Mapping[str, Any], *, registry_auth: AuthConfig | None = None
    ) -> dict[str, Any]:
        """Create a service; returns ``{"ID": ..., "Warnings": [...]}``."""
        headers = {}
        if registry_auth is not None:
            headers["X-Registry-Auth"] = encode_registry_auth(registry_auth)
        result: dict[str, Any] = self.call_json(
            "POST", "/services/create", json=spec, headers=headers
        )
        return result

    def service_inspect(
        self, id: str, *, insert_defaults: bool = False
    ) -> dict[str, Any]:
        """Return a service's details."""
        query = Query()
        query.flag("insertDefaults", insert_defaults)
        result: dict[str, Any] = self.call_json("GET", f"/services/{id}", query)
        return result

    def service_delete(self, id: str) -> None:
        """Remove a service."""
        self.request("DELETE", f"/services/{id}")

    def service_update(
        self,
        id: str,
        spec: Mapping[str, Any],
        *,
        version: int,
        registry_auth_from: str | None = None,
        rollback: str | None = None,
        registry_auth: AuthConfig | None = None,
    ) -> dict[str, Any]:
        """Update a service's spec; returns warnings."""
        query = Query()
        query.integer("version", version)
        query.set("registryAuthFrom", registry_auth_from)
        query.set("rollback", rollback)
        headers = {}
        if registry_auth is not None:
            headers["X-Registry-Auth"] = encode_registry_auth(registry_auth)
        result: dict[str, Any] = self.call_json(
            "POST", f"/services/{id}/update", query, json=spec, headers=headers
        )
        return result

    def service_logs(
        self,
        id: str,
        *,
        details: bool = False,
        follow: bool = False,
        stdout: bool = False,
        stderr: bool = False,
        since: int | str | None = None,
        timestamps: bool = False,
        tail: str | None = None,
        tty: bool | None = None,
    ) -> Stream[tuple[StreamType, bytes]]:
        """Stream a service's logs as ``(stream, payload)`` pairs."""
        query = _logs_query(details, follow, stdout, stderr, since, timestamps, tail)
        return self.frame_stream(
            self.call_stream("GET", f"/services/{id}/logs", query), tty
        )

    # -- tasks --------------------------------------------------------------------

    def task_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List swarm tasks."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        result: list[dict[str, Any]] = self.call_json("GET", "/tasks", query)
        return result

    def task_inspect(self, id: str) -> dict[str, Any]:
        """Return a task's details."""
        result: dict[str, Any] = self.call_json("GET", f"/tasks/{id}")
        return result

    def task_logs(
        self,
        id: str,
        *,
        details: bool = False,
        follow: bool = False,
        stdout: bool = False,
        stderr: bool = False,
        since: int | str | None = None,
        timestamps: bool = False,
        tail: str | None = None,
        tty: bool | None = None,
    ) -> Stream[tuple[StreamType, bytes]]:
        """Stream a task's logs as ``(stream, payload)`` pairs."""
        query = _logs_query(details, follow, stdout, stderr, since, timestamps, tail)
        return self.frame_stream(
            self.call_stream("GET", f"/tasks/{id}/logs", query), tty
        )

    # -- secrets ------------------------------------------------------------------

    def secret_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List secrets."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        result: list[dict[str, Any]] = self.call_json("GET", "/secrets", query)
        return result

    def secret_create(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Create a secret; returns ``{"ID": ...}``."""
        result: dict[str, Any] = self.call_json("POST", "/secrets/create", json=spec)
        return result

    def secret_inspect(self, id: str) -> dict[str, Any]:
        """Return a secret's details (never its data)."""
        result: dict[str, Any] = self.call_json("GET", f"/secrets/{id}")
        return result

    def secret_delete(self, id: str) -> None:
        """Remove a secret."""
        self.request("DELETE", f"/secrets/{id}")

    def secret_update(self, id: str, spec: Mapping[str, Any], *, version: int) -> None:
        """Update a secret's labels; ``version`` is its object version."""
        query = Query()
        query.integer("version", version)
        self.request("POST", f"/secrets/{id}/update", query, json=spec)

    # -- configs ------------------------------------------------------------------

    def config_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List configs."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        result: list[dict[str, Any]] = self.call_json("GET", "/configs", query)
        return result

    def config_create(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Create a config; returns ``{"ID": ...}``."""
        result: dict[str, Any] = self.call_json("POST", "/configs/create", json=spec)
        return result

    def config_inspect(self, id: str) -> dict[str, Any]:
        """Return a config's details."""
        result: dict[str, Any] = self.call_json("GET", f"/configs/{id}")
        return result

    def config_delete(self, id: str) -> None:
        """Remove a config."""
        self.request("DELETE", f"/configs/{id}")

    def config_update(self, id: str, spec: Mapping[str, Any], *, version: int) -> None:
        """Update a config's labels; ``version`` is its object version."""
        query = Query()
        query.integer("version", version)
        self.request("POST", f"/configs/{id}/update", query, json=spec)

    # -- distribution -------------------------------------------------------------

    def distribution_inspect(
        self, name: str, *, registry_auth: AuthConfig | None = None
    ) -> dict[str, Any]:
        """Return an image's manifest descriptor and platforms from its registry."""
        headers = {"X-Registry-Auth": encode_registry_auth(registry_auth)}
        result: dict[str, Any] = self.call_json(
            "GET", f"/distribution/{name}/json", headers=headers
        )
        return result


def _logs_query(
    details: bool,
    follow: bool,
    stdout: bool,
    stderr: bool,
    since: int | str | None,
    timestamps: bool,
    tail: str | None,
) -> Query:
    query = Query()
    query.flag("details", details)
    query.flag("follow", follow)
    query.flag("stdout", stdout)
    query.flag("stderr", stderr)
    query.set("since", None if since is None else str(since))
    query.flag("timestamps", timestamps)
    query.set("tail", tail)
    return query
