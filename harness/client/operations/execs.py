"""Exec operations: create, start (hijacked), resize, inspect."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, overload

from harness.client.core import ClientCore
from harness.client.encoding import Query, json_body
from harness.client.hijack import HijackedConnection


class ExecOperations(ClientCore):
    """``/containers/{id}/exec`` and ``/exec/{id}/...``."""

    def container_exec(self, id: str, config: Mapping[str, Any]) -> dict[str, Any]:
        """Create an exec instance in a container; returns ``{"Id": ...}``."""
        result: dict[str, Any] = self.call_json(
            "POST", f"/containers/{id}/exec", json=config
        )
        return result

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
        """Start an exec instance.

        Detached, the daemon answers 200 with no body and this returns None.
        Otherwise the connection is hijacked and returned; ``tty`` says
        whether its bytes are raw (TTY) or stdcopy frames.

        Args:
            id: the exec instance.
            detach: run in the background.
            tty: allocate a TTY; must match the exec's creation.
            console_size: ``(height, width)``, used from API 1.42 with a TTY.
        """
        body: dict[str, Any] = {"Detach": detach, "Tty": tty}
        if console_size is not None:
            body["ConsoleSize"] = list(console_size)

        if detach:
            self.request("POST", f"/exec/{id}/start", json=body)
            return None
        return self.hijack(
            f"/exec/{id}/start",
            body=json_body(body),
            content_type="application/json",
            tty=tty,
        )

    def exec_resize(self, id: str, *, h: int, w: int) -> None:
        """Resize the TTY of an exec instance (height and width in characters)."""
        query = Query()
        query.integer("h", h)
        query.integer("w", w)
        self.request("POST", f"/exec/{id}/resize", query)

    def exec_inspect(self, id: str) -> dict[str, Any]:
        """Return low-level information about an exec instance."""
        result: dict[str, Any] = self.call_json("GET", f"/exec/{id}/json")
        return result
