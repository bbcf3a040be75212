"""HTTP clients for the daemons under test, and clean-up on the real Engine."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

import httpx

logger = logging.getLogger("harness")

BENCH_LABEL = "fakedaemon.bench"
"""The label on every container the suite creates, so it can remove them all."""


def http_client(host: str, timeout: float = 120.0) -> httpx.Client:
    """Return a keep-alive httpx client for ``unix:///PATH`` or ``tcp://HOST:PORT``.

    Raises:
        ValueError: ``host`` has another scheme.
    """
    parts = urlsplit(host)
    if parts.scheme == "unix":
        transport = httpx.HTTPTransport(uds=parts.path)
        return httpx.Client(
            transport=transport, base_url="http://docker", timeout=timeout
        )
    if parts.scheme == "tcp":
        return httpx.Client(base_url=f"http://{parts.netloc}", timeout=timeout)
    raise ValueError(
        f"invalid daemon address {host!r}: use unix:///PATH or tcp://HOST:PORT"
    )


def create_container(
    client: httpx.Client,
    command: list[str],
    labels: dict[str, str] | None = None,
    name: str | None = None,
) -> str:
    """Create a ``busybox`` container labelled for clean-up; return its id."""
    body: dict[str, Any] = {
        "Image": "busybox:latest",
        "Cmd": command,
        "Labels": {BENCH_LABEL: "1", **(labels or {})},
    }
    params = {"name": name} if name else None
    response = client.post("/containers/create", json=body, params=params)
    response.raise_for_status()
    container_id: str = response.json()["Id"]
    return container_id


def run_removed(client: httpx.Client, command: list[str]) -> None:
    """Create, start, wait for and remove a container, as ``docker run --rm`` does."""
    container_id = create_container(client, command)
    client.post(f"/containers/{container_id}/start").raise_for_status()
    client.post(f"/containers/{container_id}/wait").raise_for_status()
    client.delete(f"/containers/{container_id}").raise_for_status()


def remove_bench_containers(client: httpx.Client) -> int:
    """Force-remove every container that carries ``BENCH_LABEL``; return the count."""
    filters = json.dumps({"label": [BENCH_LABEL]})
    response = client.get("/containers/json", params={"all": "1", "filters": filters})
    response.raise_for_status()
    removed = 0
    for container in response.json():
        answer = client.delete(
            f"/containers/{container['Id']}", params={"force": "1", "v": "1"}
        )
        if answer.status_code in (204, 404):
            removed += 1
        else:
            logger.warning(
                "failed to remove container %s: %s %s",
                container["Id"],
                answer.status_code,
                answer.text,
            )
    return removed
