"""System operations: ping, version, info, auth, events, data usage, session."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from harness.client.core import ClientCore, PingResult, clean_path
from harness.client.encoding import Filters, Query
from harness.client.hijack import HijackedConnection
from harness.client.responses import raise_for_response
from harness.client.streams import Stream

EVENTS_ACCEPT = (
    "application/jsonl, application/x-ndjson;q=0.9, application/json-seq;q=0.5"
)
"""The Accept header the moby client sends for ``/events`` (API 1.52 formats)."""


class SystemOperations(ClientCore):
    """``/_ping``, ``/version``, ``/info``, ``/auth``, ``/events``, ``/system/df``."""

    def system_ping(self) -> PingResult:
        """Ping the daemon: ``HEAD /_ping``, then ``GET`` if that fails."""
        return self.ping()

    def system_ping_head(self) -> PingResult:
        """Send ``HEAD /_ping`` only, with no GET fallback."""
        path = clean_path(self.host.base_path + "/_ping")
        response = self._send("HEAD", path, Query())
        raise_for_response(
            response, request_url=self.display_url(path, Query()), read_body=False
        )
        return PingResult.from_headers(response.headers)

    def system_version(self) -> dict[str, Any]:
        """Return the daemon's version information (``GET /version``)."""
        result: dict[str, Any] = self.call_json("GET", "/version")
        return result

    def system_info(self) -> dict[str, Any]:
        """Return system-wide information (``GET /info``)."""
        result: dict[str, Any] = self.call_json("GET", "/info")
        return result

    def system_auth(self, auth_config: Mapping[str, Any]) -> dict[str, Any]:
        """Check registry credentials (``POST /auth``) and return the status."""
        result: dict[str, Any] = self.call_json("POST", "/auth", json=auth_config)
        return result

    def system_events(
        self,
        *,
        since: str | None = None,
        until: str | None = None,
        filters: Filters | None = None,
    ) -> Stream[dict[str, Any]]:
        """Stream events (``GET /events``) until ``until`` or until closed.

        ``since`` and ``until`` are Unix times as ``sec[.nsec]`` strings. The
        decoder follows the response's Content-Type: concatenated JSON, JSON
        Lines, NDJSON or JSON text sequences.
        """
        query = Query()
        query.set("since", since)
        query.set("until", until)
        query.set("filters", self.filters_param(filters))
        response = self.call_stream(
            "GET", "/events", query, headers={"Accept": EVENTS_ACCEPT}
        )
        media_type = response.headers.get("Content-Type", "")
        return self.json_stream(
            response, record_separator=media_type.startswith("application/json-seq")
        )

    def system_data_usage(
        self, *, types: Iterable[str] | None = None, verbose: bool = False
    ) -> dict[str, Any]:
        """Return disk usage (``GET /system/df``), optionally only some ``types``."""
        query = Query()
        query.extend("type", types)
        query.flag("verbose", verbose)
        result: dict[str, Any] = self.call_json("GET", "/system/df", query)
        return result

    def session(self) -> HijackedConnection:
        """Open an interactive session (``POST /session``, upgraded to ``h2c``).

        Deprecated by the Engine API in 1.53; BuildKit used it for file sync.
        """
        return self.hijack("/session", protocol="h2c", tty=True)
