"""The Engine API operations as a typing Protocol.

Code that drives a Docker daemon can accept any :class:`APIClient`, so a test
can hand it :class:`harness.client.Client` or a stand-in. One method per
operation id of the v1.55 specification, in the specification's order, named
in snake case.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol, overload, runtime_checkable

if TYPE_CHECKING:
    from harness.client.core import Body, PingResult
    from harness.client.encoding import Filters
    from harness.client.hijack import HijackedConnection
    from harness.client.streams import Stream, StreamType
    from harness.client.websocket import WebSocketConnection

    AuthConfig = Mapping[str, str]


@runtime_checkable
class APIClient(Protocol):
    """The Engine API operations a client offers."""

    def container_list(
        self,
        *,
        all: bool = False,
        limit: int | None = None,
        size: bool = False,
        filters: Filters | None = None,
    ) -> list[dict[str, Any]]:
        """List containers (``GET /containers/json``); only running unless ``all``."""

    def container_create(
        self,
        config: Mapping[str, Any],
        *,
        name: str | None = None,
        platform: str | None = None,
        host_config: Mapping[str, Any] | None = None,
        networking_config: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a container; returns ``{"Id": ..., "Warnings": [...]}``."""

    def container_inspect(self, id: str, *, size: bool = False) -> dict[str, Any]:
        """Return low-level information about a container."""

    def container_top(self, id: str, *, ps_args: str | None = None) -> dict[str, Any]:
        """List the processes in a container (``Titles`` and ``Processes``)."""

    def container_logs(
        self,
        id: str,
        *,
        follow: bool = False,
        stdout: bool = False,
        stderr: bool = False,
        since: int | str | None = None,
        until: int | str | None = None,
        timestamps: bool = False,
        tail: str | None = None,
        tty: bool | None = None,
    ) -> Stream[tuple[StreamType, bytes]]:
        """Stream a container's logs as ``(stream, payload)`` pairs."""

    def container_changes(self, id: str) -> list[dict[str, Any]]:
        """List filesystem changes of a container (``Path`` and ``Kind``)."""

    def container_export(self, id: str) -> Stream[bytes]:
        """Stream a container's filesystem as a tar archive."""

    @overload
    def container_stats(
        self, id: str, *, stream: Literal[True], one_shot: bool = ...
    ) -> Stream[dict[str, Any]]: ...

    @overload
    def container_stats(
        self, id: str, *, stream: Literal[False] = ..., one_shot: bool = ...
    ) -> dict[str, Any]: ...

    def container_stats(
        self, id: str, *, stream: bool = False, one_shot: bool = False
    ) -> Stream[dict[str, Any]] | dict[str, Any]:
        """Return one stats sample, or stream samples with ``stream=True``."""

    def container_resize(self, id: str, *, h: int, w: int) -> None:
        """Resize a container's TTY (height and width in characters)."""

    def container_start(self, id: str, *, detach_keys: str | None = None) -> None:
        """Start a container; one already running (304) counts as success."""

    def container_stop(
        self, id: str, *, signal: str | None = None, t: int | None = None
    ) -> None:
        """Stop a container; one already stopped (304) counts as success."""

    def container_restart(
        self, id: str, *, signal: str | None = None, t: int | None = None
    ) -> None:
        """Restart a container, waiting ``t`` seconds for it to stop first."""

    def container_kill(self, id: str, *, signal: str | None = None) -> None:
        """Send a signal (default ``SIGKILL``) to a container."""

    def container_update(self, id: str, update: Mapping[str, Any]) -> dict[str, Any]:
        """Change a container's resources or restart policy; returns warnings."""

    def container_rename(self, id: str, *, name: str) -> None:
        """Rename a container."""

    def container_pause(self, id: str) -> None:
        """Pause (freeze) all processes of a container."""

    def container_unpause(self, id: str) -> None:
        """Resume a paused container."""

    def container_attach(
        self,
        id: str,
        *,
        stream: bool = True,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        logs: bool = False,
        detach_keys: str | None = None,
        tty: bool = False,
    ) -> HijackedConnection:
        """Attach to a container over a hijacked connection."""

    def container_attach_websocket(
        self,
        id: str,
        *,
        stream: bool = True,
        stdin: bool = False,
        stdout: bool = True,
        stderr: bool = True,
        logs: bool = False,
        detach_keys: str | None = None,
    ) -> WebSocketConnection:
        """Attach to a container over a WebSocket."""

    def container_wait(
        self, id: str, *, condition: str | None = None
    ) -> dict[str, Any]:
        """Block until a container meets ``condition`` and return its exit status."""

    def container_delete(
        self, id: str, *, v: bool = False, force: bool = False, link: bool = False
    ) -> None:
        """Remove a container; ``v`` also removes its anonymous volumes."""

    def container_archive_info(self, id: str, *, path: str) -> dict[str, Any]:
        """Return the stat of ``path`` inside a container (``HEAD .../archive``)."""

    def container_archive(
        self, id: str, *, path: str
    ) -> tuple[dict[str, Any], Stream[bytes]]:
        """Return the stat of ``path`` and a tar stream of it."""

    def put_container_archive(
        self,
        id: str,
        archive: Body,
        *,
        path: str,
        no_overwrite_dir_non_dir: bool = False,
        copy_uid_gid: bool = False,
    ) -> None:
        """Extract a tar archive into directory ``path`` of a container."""

    def container_prune(self, *, filters: Filters | None = None) -> dict[str, Any]:
        """Remove stopped containers; returns the ids and the space reclaimed."""

    def image_list(
        self,
        *,
        all: bool = False,
        filters: Filters | None = None,
        shared_size: bool = False,
        digests: bool = False,
        manifests: bool = False,
        identity: bool = False,
    ) -> list[dict[str, Any]]:
        """List images (``GET /images/json``)."""

    def image_build(
        self,
        context: Body | None = None,
        *,
        dockerfile: str | None = None,
        tags: Iterable[str] | None = None,
        extrahosts: str | None = None,
        remote: str | None = None,
        q: bool = False,
        nocache: bool = False,
        cachefrom: Iterable[str] | None = None,
        pull: str | None = None,
        rm: bool | None = None,
        forcerm: bool = False,
        memory: int | None = None,
        memswap: int | None = None,
        cpushares: int | None = None,
        cpusetcpus: str | None = None,
        cpuperiod: int | None = None,
        cpuquota: int | None = None,
        buildargs: Mapping[str, str | None] | None = None,
        shmsize: int | None = None,
        squash: bool = False,
        labels: Mapping[str, str] | None = None,
        networkmode: str | None = None,
        platform: str | None = None,
        target: str | None = None,
        outputs: str | None = None,
        version: str | None = None,
        registry_config: Mapping[str, AuthConfig] | None = None,
    ) -> Stream[dict[str, Any]]:
        """Build an image from a tar ``context`` and stream the build output."""

    def build_prune(
        self,
        *,
        reserved_space: int | None = None,
        max_used_space: int | None = None,
        min_free_space: int | None = None,
        all: bool = False,
        filters: Filters | None = None,
    ) -> dict[str, Any]:
        """Remove build cache; returns the deleted ids and the space reclaimed."""

    def image_create(
        self,
        *,
        from_image: str | None = None,
        from_src: str | None = None,
        repo: str | None = None,
        tag: str | None = None,
        message: str | None = None,
        changes: Iterable[str] | None = None,
        platform: str | None = None,
        input_image: Body | None = None,
        registry_auth: AuthConfig | None = None,
    ) -> Stream[dict[str, Any]]:
        """Pull (``from_image``) or import (``from_src``) an image; streams progress."""

    def image_inspect(
        self, name: str, *, manifests: bool = False, platform: str | None = None
    ) -> dict[str, Any]:
        """Return low-level information about an image."""

    def image_attestations(
        self,
        name: str,
        *,
        platforms: Iterable[str] | None = None,
        types: Iterable[str] | None = None,
        statement: bool = False,
    ) -> dict[str, Any]:
        """Return an image's attestations (API 1.55)."""

    def image_history(
        self, name: str, *, platform: str | None = None
    ) -> list[dict[str, Any]]:
        """Return the layers an image was built from, newest first."""

    def image_push(
        self,
        name: str,
        *,
        tag: str | None = None,
        platform: str | None = None,
        registry_auth: AuthConfig | None = None,
    ) -> Stream[dict[str, Any]]:
        """Push an image, streaming progress."""

    def image_tag(
        self, name: str, *, repo: str | None = None, tag: str | None = None
    ) -> None:
        """Tag image ``name`` as ``repo:tag``."""

    def image_delete(
        self,
        name: str,
        *,
        force: bool = False,
        noprune: bool = False,
        platforms: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Remove an image; returns the ``Untagged`` and ``Deleted`` entries."""

    def image_search(
        self, term: str, *, limit: int | None = None, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Search Docker Hub (through the daemon) for images."""

    def image_prune(self, *, filters: Filters | None = None) -> dict[str, Any]:
        """Remove unused images; returns what was deleted and the space reclaimed."""

    def system_auth(self, auth_config: Mapping[str, Any]) -> dict[str, Any]:
        """Check registry credentials (``POST /auth``) and return the status."""

    def system_info(self) -> dict[str, Any]:
        """Return system-wide information (``GET /info``)."""

    def system_version(self) -> dict[str, Any]:
        """Return the daemon's version information (``GET /version``)."""

    def system_ping(self) -> PingResult:
        """Ping the daemon: ``HEAD /_ping``, then ``GET`` if that fails."""

    def system_ping_head(self) -> PingResult:
        """Send ``HEAD /_ping`` only, with no GET fallback."""

    def image_commit(
        self,
        *,
        container: str,
        repo: str | None = None,
        tag: str | None = None,
        comment: str | None = None,
        author: str | None = None,
        pause: bool | None = None,
        changes: Iterable[str] | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create an image from a container's changes; returns ``{"Id": ...}``."""

    def system_events(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        filters: Filters | None = None,
    ) -> Stream[dict[str, Any]]:
        """Stream events (``GET /events``) until ``until`` or until closed."""

    def system_data_usage(
        self, *, types: Iterable[str] | None = None, verbose: bool = False
    ) -> dict[str, Any]:
        """Return disk usage (``GET /system/df``), optionally only some ``types``."""

    def image_get(
        self, name: str, *, platforms: Iterable[str] | None = None
    ) -> Stream[bytes]:
        """Stream one image (with its tags) as a tar archive."""

    def image_get_all(
        self,
        *,
        names: Iterable[str] | None = None,
        platforms: Iterable[str] | None = None,
    ) -> Stream[bytes]:
        """Stream several images as one tar archive."""

    def image_load(
        self,
        tarball: Body,
        *,
        quiet: bool = False,
        platforms: Iterable[str] | None = None,
    ) -> Stream[dict[str, Any]]:
        """Load images from a tar archive, streaming progress messages."""

    def container_exec(self, id: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """Create an exec instance in a container; returns ``{"Id": ...}``."""

    @overload
    def exec_start(
        self,
        id: str,
        *,
        detach: Literal[True],
        tty: bool = ...,
        console_size: tuple[int, int] | None = ...,
    ) -> None: ...

    @overload
    def exec_start(
        self,
        id: str,
        *,
        detach: Literal[False] = ...,
        tty: bool = ...,
        console_size: tuple[int, int] | None = ...,
    ) -> HijackedConnection: ...

    def exec_start(
        self,
        id: str,
        *,
        detach: bool = False,
        tty: bool = False,
        console_size: tuple[int, int] | None = None,
    ) -> HijackedConnection | None:
        """Start an exec instance."""

    def exec_resize(self, id: str, *, h: int, w: int) -> None:
        """Resize the TTY of an exec instance (height and width in characters)."""

    def exec_inspect(self, id: str) -> dict[str, Any]:
        """Return low-level information about an exec instance."""

    def volume_list(self, *, filters: Filters | None = None) -> dict[str, Any]:
        """List volumes; returns ``{"Volumes": [...], "Warnings": [...]}``."""

    def volume_create(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Create a volume (``Name``, ``Driver``, ``DriverOpts``, ``Labels``)."""

    def volume_inspect(self, name: str) -> dict[str, Any]:
        """Return a volume's details."""

    def volume_update(
        self, name: str, *, version: int, spec: Mapping[str, Any]
    ) -> None:
        """Update a cluster volume (API 1.42); ``version`` is its object version."""

    def volume_delete(self, name: str, *, force: bool = False) -> None:
        """Remove a volume."""

    def volume_prune(self, *, filters: Filters | None = None) -> dict[str, Any]:
        """Remove unused volumes; returns the names and the space reclaimed."""

    def network_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List networks."""

    def network_inspect(
        self, id: str, *, verbose: bool = False, scope: str | None = None
    ) -> dict[str, Any]:
        """Return a network's details."""

    def network_delete(self, id: str) -> None:
        """Remove a network."""

    def network_create(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Create a network; returns ``{"Id": ..., "Warning": ...}``."""

    def network_connect(
        self,
        id: str,
        *,
        container: str,
        endpoint_config: Mapping[str, Any] | None = None,
    ) -> None:
        """Connect a container to a network."""

    def network_disconnect(
        self, id: str, *, container: str, force: bool = False
    ) -> None:
        """Disconnect a container from a network."""

    def network_prune(self, *, filters: Filters | None = None) -> dict[str, Any]:
        """Remove unused networks; returns their names."""

    def plugin_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List installed plugins."""

    def get_plugin_privileges(self, *, remote: str) -> list[dict[str, Any]]:
        """Return the privileges that the plugin at ``remote`` requests."""

    def plugin_pull(
        self,
        *,
        remote: str,
        name: str | None = None,
        privileges: Sequence[Mapping[str, Any]] = (),
        registry_auth: AuthConfig | None = None,
    ) -> Stream[dict[str, Any]]:
        """Pull and install a plugin, granting ``privileges``; streams progress."""

    def plugin_inspect(self, name: str) -> dict[str, Any]:
        """Return a plugin's details."""

    def plugin_delete(self, name: str, *, force: bool = False) -> dict[str, Any]:
        """Remove a plugin; returns the removed plugin."""

    def plugin_enable(self, name: str, *, timeout: int | None = None) -> None:
        """Enable a plugin; ``timeout`` is in seconds."""

    def plugin_disable(self, name: str, *, force: bool = False) -> None:
        """Disable a plugin."""

    def plugin_upgrade(
        self,
        name: str,
        *,
        remote: str,
        privileges: Sequence[Mapping[str, Any]] = (),
        registry_auth: AuthConfig | None = None,
    ) -> Stream[dict[str, Any]]:
        """Upgrade a plugin to the image at ``remote``; streams progress."""

    def plugin_create(self, *, name: str, tar_context: Body) -> None:
        """Create a plugin from a tar of its rootfs and ``config.json``."""

    def plugin_push(
        self, name: str, *, registry_auth: AuthConfig | None = None
    ) -> Stream[dict[str, Any]]:
        """Push a plugin to its registry; streams progress."""

    def plugin_set(self, name: str, settings: Iterable[str]) -> None:
        """Set plugin settings, each as ``key=value``."""

    def node_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List swarm nodes."""

    def node_inspect(self, id: str) -> dict[str, Any]:
        """Return a node's details."""

    def node_delete(self, id: str, *, force: bool = False) -> None:
        """Remove a node from the swarm."""

    def node_update(self, id: str, spec: Mapping[str, Any], *, version: int) -> None:
        """Update a node's spec; ``version`` is its object version."""

    def swarm_inspect(self) -> dict[str, Any]:
        """Return the swarm's details."""

    def swarm_init(self, request: Mapping[str, Any]) -> str:
        """Initialise a swarm; returns the node id."""

    def swarm_join(self, request: Mapping[str, Any]) -> None:
        """Join an existing swarm."""

    def swarm_leave(self, *, force: bool = False) -> None:
        """Leave the swarm."""

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

    def swarm_unlockkey(self) -> dict[str, Any]:
        """Return the swarm's unlock key."""

    def swarm_unlock(self, *, unlock_key: str) -> None:
        """Unlock a locked manager."""

    def service_list(
        self, *, filters: Filters | None = None, status: bool = False
    ) -> list[dict[str, Any]]:
        """List services; ``status`` adds running and desired task counts."""

    def service_create(
        self, spec: Mapping[str, Any], *, registry_auth: AuthConfig | None = None
    ) -> dict[str, Any]:
        """Create a service; returns ``{"ID": ..., "Warnings": [...]}``."""

    def service_inspect(
        self, id: str, *, insert_defaults: bool = False
    ) -> dict[str, Any]:
        """Return a service's details."""

    def service_delete(self, id: str) -> None:
        """Remove a service."""

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

    def task_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List swarm tasks."""

    def task_inspect(self, id: str) -> dict[str, Any]:
        """Return a task's details."""

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

    def secret_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List secrets."""

    def secret_create(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Create a secret; returns ``{"ID": ...}``."""

    def secret_inspect(self, id: str) -> dict[str, Any]:
        """Return a secret's details (never its data)."""

    def secret_delete(self, id: str) -> None:
        """Remove a secret."""

    def secret_update(self, id: str, spec: Mapping[str, Any], *, version: int) -> None:
        """Update a secret's labels; ``version`` is its object version."""

    def config_list(self, *, filters: Filters | None = None) -> list[dict[str, Any]]:
        """List configs."""

    def config_create(self, spec: Mapping[str, Any]) -> dict[str, Any]:
        """Create a config; returns ``{"ID": ...}``."""

    def config_inspect(self, id: str) -> dict[str, Any]:
        """Return a config's details."""

    def config_delete(self, id: str) -> None:
        """Remove a config."""

    def config_update(self, id: str, spec: Mapping[str, Any], *, version: int) -> None:
        """Update a config's labels; ``version`` is its object version."""

    def distribution_inspect(
        self, name: str, *, registry_auth: AuthConfig | None = None
    ) -> dict[str, Any]:
        """Return an image's manifest descriptor and platforms from its registry."""

    def session(self) -> HijackedConnection:
        """Open an interactive session (``POST /session``, upgraded to ``h2c``)."""
