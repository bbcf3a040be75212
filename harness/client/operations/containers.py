"""Container operations (``/containers/...``), except exec."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any, Literal, overload

from harness.client.core import Body, ClientCore
from harness.client.encoding import Filters, Query
from harness.client.errors import ProtocolError
from harness.client.hijack import HijackedConnection
from harness.client.streams import Stream, StreamType
from harness.client.websocket import WebSocketConnection

PATH_STAT_HEADER = "X-Docker-Container-Path-Stat"
"""Header with the base64 JSON stat of an archive path (HEAD/GET archive)."""


def decode_path_stat(value: str | None) -> dict[str, Any]:
    """Decode ``X-Docker-Container-Path-Stat`` (standard base64 of JSON)."""
    if not value:
        return {}
    try:
        result: dict[str, Any] = json.loads(base64.b64decode(value))
    except (ValueError, TypeError) as error:
        raise ProtocolError(f"invalid {PATH_STAT_HEADER} header: {error}") from error
    return result


class ContainerOperations(ClientCore):
    """Create, list, inspect, run and remove containers; logs, archives, attach."""

    def container_list(
        self,
        *,
        all: bool = False,
        limit: int | None = None,
        size: bool = False,
        filters: Filters | None = None,
    ) -> list[dict[str, Any]]:
        """List containers (``GET /containers/json``); only running unless ``all``."""
        query = Query()
        query.flag("all", all)
        query.integer("limit", limit)
        query.flag("size", size)
        query.set("filters", self.filters_param(filters))
        result: list[dict[str, Any]] = self.call_json("GET", "/containers/json", query)
        return result

    def container_create(
        self,
        config: Mapping[str, Any],
        *,
        name: str | None = None,
        platform: str | None = None,
        host_config: Mapping[str, Any] | None = None,
        networking_config: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a container; returns ``{"Id": ..., "Warnings": [...]}``.

        ``host_config`` and ``networking_config``, when given, are sent as the
        body's ``HostConfig`` and ``NetworkingConfig``.
        """
        body = dict(config)
        if host_config is not None:
            body["HostConfig"] = host_config
        if networking_config is not None:
            body["NetworkingConfig"] = networking_config

        query = Query()
        query.set("name", name or None)
        query.set("platform", platform or None)
        result: dict[str, Any] = self.call_json(
            "POST", "/containers/create", query, json=body
        )
        return result

    def container_inspect(self, id: str, *, size: bool = False) -> dict[str, Any]:
        """Return low-level information about a container."""
        query = Query()
        query.flag("size", size)
        result: dict[str, Any] = self.call_json("GET", f"/containers/{id}/json", query)
        return result

    def container_top(self, id: str, *, ps_args: str | None = None) -> dict[str, Any]:
        """List the processes in a container (``Titles`` and ``Processes``)."""
        query = Query()
        query.set("ps_args", ps_args)
        result: dict[str, Any] = self.call_json("GET", f"/containers/{id}/top", query)
        return result

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
        """Stream a container's logs as ``(stream, payload)`` pairs.

        Args:
            id: the container.
            follow: keep streaming new output.
            stdout: include stdout; the daemon needs ``stdout`` or ``stderr``.
            stderr: include stderr.
            since: Unix time (``sec[.nsec]``) of the oldest line.
            until: Unix time of the newest line.
            timestamps: prefix every line with its RFC 3339 time.
            tail: number of lines from the end, or ``all``.
            tty: whether the container has a TTY (raw bytes instead of frames);
                None guesses from the Content-Type, reliable from API 1.42.

        Raises:
            DaemonStreamError: the daemon reported a failure in the stream.
        """
        query = Query()
        query.flag("follow", follow)
        query.flag("stdout", stdout)
        query.flag("stderr", stderr)
        query.set("since", None if since is None else str(since))
        query.set("until", None if until is None else str(until))
        query.flag("timestamps", timestamps)
        query.set("tail", tail)
        response = self.call_stream("GET", f"/containers/{id}/logs", query)
        return self.frame_stream(response, tty)

    def container_changes(self, id: str) -> list[dict[str, Any]]:
        """List filesystem changes of a container (``Path`` and ``Kind``)."""
        result: list[dict[str, Any]] | None = self.call_json(
            "GET", f"/containers/{id}/changes"
        )
        return result or []

    def container_export(self, id: str) -> Stream[bytes]:
        """Stream a container's filesystem as a tar archive."""
        return self.byte_stream(self.call_stream("GET", f"/containers/{id}/export"))

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
        """Return one stats sample, or stream samples with ``stream=True``.

        ``one_shot`` (API 1.41) skips the second sample the daemon otherwise
        waits for to fill ``precpu_stats``.
        """
        query = Query()
        query.explicit_flag("stream", stream)
        query.flag("one-shot", one_shot)
        if stream:
            response = self.call_stream("GET", f"/containers/{id}/stats", query)
            return self.json_stream(response)
        result: dict[str, Any] = self.call_json(
            "GET", f"/containers/{id}/stats", query, timeout=self.stream_timeout()
        )
        return result

    def container_resize(self, id: str, *, h: int, w: int) -> None:
        """Resize a container's TTY (height and width in characters)."""
        query = Query()
        query.integer("h", h)
        query.integer("w", w)
        self.request("POST", f"/containers/{id}/resize", query)

    def container_start(self, id: str, *, detach_keys: str | None = None) -> None:
        """Start a container; one already running (304) counts as success."""
        query = Query()
        query.set("detachKeys", detach_keys)
        self.request("POST", f"/containers/{id}/start", query)

    def container_stop(
        self, id: str, *, signal: str | None = None, t: int | None = None
    ) -> None:
        """Stop a container; one already stopped (304) counts as success.

        ``t`` is the seconds to wait before killing; ``signal`` (API 1.42)
        replaces the container's stop signal.
        """
        query = Query()
        query.set("signal", signal or None)
        query.integer("t", t)
        self.request(
            "POST", f"/containers/{id}/stop", query, timeout=self.stream_timeout()
        )

    def container_restart(
        self, id: str, *, signal: str | None = None, t: int | None = None
    ) -> None:
        """Restart a container, waiting ``t`` seconds for it to stop first."""
        query = Query()
        query.set("signal", signal or None)
        query.integer("t", t)
        self.request(
            "POST", f"/containers/{id}/restart", query, timeout=self.stream_timeout()
        )

    def container_kill(self, id: str, *, signal: str | None = None) -> None:
        """Send a signal (default ``SIGKILL``) to a container."""
        query = Query()
        query.set("signal", signal or None)
        self.request("POST", f"/containers/{id}/kill", query)

    def container_update(self, id: str, update: Mapping[str, Any]) -> dict[str, Any]:
        """Change a container's resources or restart policy; returns warnings."""
        result: dict[str, Any] = self.call_json(
            "POST", f"/containers/{id}/update", json=update
        )
        return result

    def container_rename(self, id: str, *, name: str) -> None:
        """Rename a container."""
        query = Query()
        query.set("name", name)
        self.request("POST", f"/containers/{id}/rename", query)

    def container_pause(self, id: str) -> None:
        """Pause (freeze) all processes of a container."""
        self.request("POST", f"/containers/{id}/pause")

    def container_unpause(self, id: str) -> None:
        """Resume a paused container."""
        self.request("POST", f"/containers/{id}/unpause")

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
        """Attach to a container over a hijacked connection.

        Args:
            id: the container.
            stream: stream output produced from now on.
            stdin: attach stdin, written with ``send_stdin``.
            stdout: attach stdout.
            stderr: attach stderr.
            logs: replay the output produced so far first.
            detach_keys: key sequence that detaches, e.g. ``ctrl-p,ctrl-q``.
            tty: whether the container has a TTY (raw bytes instead of frames).

        Raises:
            UpgradeError: the daemon refused the upgrade (404, 409 ...).
        """
        query = Query()
        query.flag("stream", stream)
        query.flag("stdin", stdin)
        query.flag("stdout", stdout)
        query.flag("stderr", stderr)
        query.flag("logs", logs)
        query.set("detachKeys", detach_keys)
        return self.hijack(f"/containers/{id}/attach", query, tty=tty)

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
        """Attach to a container over a WebSocket.

        Output arrives as whole messages, never multiplexed, whatever the
        container's TTY setting.

        Raises:
            UpgradeError: the daemon refused the handshake (404, 400 ...).
        """
        query = Query()
        query.flag("stream", stream)
        query.flag("stdin", stdin)
        query.flag("stdout", stdout)
        query.flag("stderr", stderr)
        query.flag("logs", logs)
        query.set("detachKeys", detach_keys)
        return self.websocket(f"/containers/{id}/attach/ws", query)

    def container_wait(
        self, id: str, *, condition: str | None = None
    ) -> dict[str, Any]:
        """Block until a container meets ``condition`` and return its exit status.

        ``condition`` is ``not-running`` (default), ``next-exit`` or ``removed``.
        """
        query = Query()
        query.set("condition", condition or None)
        result: dict[str, Any] = self.call_json(
            "POST", f"/containers/{id}/wait", query, timeout=self.stream_timeout()
        )
        return result

    def container_delete(
        self, id: str, *, v: bool = False, force: bool = False, link: bool = False
    ) -> None:
        """Remove a container; ``v`` also removes its anonymous volumes."""
        query = Query()
        query.flag("v", v)
        query.flag("force", force)
        query.flag("link", link)
        self.request("DELETE", f"/containers/{id}", query)

    def container_archive_info(self, id: str, *, path: str) -> dict[str, Any]:
        """Return the stat of ``path`` inside a container (``HEAD .../archive``)."""
        query = Query()
        query.set("path", path)
        response = self.request("HEAD", f"/containers/{id}/archive", query)
        return decode_path_stat(response.headers.get(PATH_STAT_HEADER))

    def container_archive(
        self, id: str, *, path: str
    ) -> tuple[dict[str, Any], Stream[bytes]]:
        """Return the stat of ``path`` and a tar stream of it."""
        query = Query()
        query.set("path", path)
        response = self.call_stream("GET", f"/containers/{id}/archive", query)
        stat = decode_path_stat(response.headers.get(PATH_STAT_HEADER))
        return stat, self.byte_stream(response)

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
        query = Query()
        query.set("path", path)
        query.set("noOverwriteDirNonDir", "true" if no_overwrite_dir_non_dir else None)
        query.set("copyUIDGID", "true" if copy_uid_gid else None)
        self.request(
            "PUT",
            f"/containers/{id}/archive",
            query,
            content=archive,
            headers={"Content-Type": "application/x-tar"},
        )

    def container_prune(self, *, filters: Filters | None = None) -> dict[str, Any]:
        """Remove stopped containers; returns the ids and the space reclaimed."""
        query = Query()
        query.set("filters", self.filters_param(filters))
        result: dict[str, Any] = self.call_json("POST", "/containers/prune", query)
        return result
