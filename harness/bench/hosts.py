"""HTTP clients for the daemons under test, and clean-up on the real Engine."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import tarfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import SplitResult, urlsplit

import httpx

logger = logging.getLogger("harness")

BENCH_LABEL = "fakedaemon.bench"
"""The label on every container and image the suite creates, so it can remove them."""


def http_client(host: str, timeout: float = 120.0) -> httpx.Client:
    """Return a keep-alive httpx client for ``unix:///PATH`` or ``tcp://HOST:PORT``.

    Raises:
        ValueError: ``host`` has another scheme.
    """
    parts = urlsplit(host)
    if parts.scheme == "unix" and parts.path:
        transport = httpx.HTTPTransport(uds=parts.path)
        return httpx.Client(
            transport=transport, base_url="http://docker", timeout=timeout
        )
    if parts.scheme == "tcp" and parts.hostname and _port_is_valid(parts):
        return httpx.Client(base_url=f"http://{parts.netloc}", timeout=timeout)
    raise ValueError(
        f"invalid daemon address {host!r}: use unix:///PATH or tcp://HOST:PORT"
    )


def _port_is_valid(parts: SplitResult) -> bool:
    """Return whether ``parts`` has no port or a number from 0 to 65535 as one.

    ``SplitResult.port`` raises ValueError for any other port.
    """
    try:
        return parts.port is None or parts.port >= 0
    except ValueError:
        return False


def check_engine(host: str) -> None:
    """Check that the daemon at ``host`` responds and has the image the suite runs.

    Raises:
        ValueError: the address is invalid, the daemon cannot be reached or
            does not respond to ``/_ping`` with 200, or it has no
            ``busybox:latest`` image.
    """
    try:
        with http_client(host, timeout=10) as client:
            ping = client.get("/_ping")
            image = client.get("/images/busybox:latest/json")
    except httpx.HTTPError as error:
        raise ValueError(f"cannot reach the daemon at {host}: {error}") from error
    if ping.status_code != 200:
        raise ValueError(
            f"the daemon at {host} responded to /_ping with {ping.status_code}"
        )
    if image.status_code == 404:
        raise ValueError(
            f"the daemon at {host} has no busybox:latest image, which the suite "
            "runs its containers from: load it there first"
        )
    if image.status_code != 200:
        raise ValueError(
            f"the daemon at {host} responded to the busybox:latest inspect with "
            f"{image.status_code}: {image.text.strip()}"
        )


@contextmanager
def cleaning_up(clean: Callable[[], object], action: str) -> Iterator[None]:
    """Run ``clean`` after the block without hiding an error the block raised.

    When the block raised, a failure of ``clean`` is logged as a warning
    naming ``action``, and the block's error propagates. Otherwise a failure
    of ``clean`` propagates.
    """
    try:
        yield
    except BaseException:
        try:
            clean()
        except Exception as error:  # noqa: BLE001 - the block's error matters more
            logger.warning("%s failed: %s", action, error)
        raise
    clean()


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


def load_labelled_images(
    client: httpx.Client, labels_by_tag: dict[str, dict[str, str]]
) -> None:
    """Load one image per tag: busybox's layers and configuration, with labels.

    Each image gets its labels and ``BENCH_LABEL`` in its configuration, as
    ``control.images.add`` merges a configuration over busybox's, so each
    has its own id and adds no layer. All go in one ``POST /images/load``
    of an archive made from ``GET /images/busybox:latest/get``. On a real
    Engine 20.10 with the vfs driver, 200 images load in about 0.3 s, while
    a build or a commit takes about a second per image there.

    Raises:
        RuntimeError: the Engine reported an error while loading.
    """
    saved = client.get("/images/busybox:latest/get")
    saved.raise_for_status()
    with tarfile.open(fileobj=io.BytesIO(saved.content)) as source:
        manifest = json.loads(_member_bytes(source, "manifest.json"))[0]
        config = json.loads(_member_bytes(source, manifest["Config"]))
        layers = [(name, _member_bytes(source, name)) for name in manifest["Layers"]]
    archive_bytes = io.BytesIO()
    with tarfile.open(fileobj=archive_bytes, mode="w") as archive:
        for name, data in layers:
            _add_member(archive, name, data)
        entries = []
        for tag, labels in labels_by_tag.items():
            config["config"]["Labels"] = {BENCH_LABEL: "1", **labels}
            data = json.dumps(config).encode()
            name = hashlib.sha256(data).hexdigest() + ".json"
            _add_member(archive, name, data)
            entries.append(
                {"Config": name, "RepoTags": [tag], "Layers": manifest["Layers"]}
            )
        _add_member(archive, "manifest.json", json.dumps(entries).encode())
    response = client.post(
        "/images/load",
        params={"quiet": "1"},
        content=archive_bytes.getvalue(),
        headers={"Content-Type": "application/x-tar"},
    )
    response.raise_for_status()
    for line in response.text.splitlines():
        message = json.loads(line) if line.strip() else {}
        if "error" in message:
            raise RuntimeError(f"loading the bench images failed: {message['error']}")


def _member_bytes(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)
    if member is None:
        raise RuntimeError(f"the saved busybox archive has no file {name!r}")
    return member.read()


def _add_member(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    entry = tarfile.TarInfo(name)
    entry.size = len(data)
    archive.addfile(entry, io.BytesIO(data))


def remove_bench_images(client: httpx.Client) -> int:
    """Remove every image that carries ``BENCH_LABEL``; return the count."""
    filters = json.dumps({"label": [BENCH_LABEL]})
    response = client.get("/images/json", params={"filters": filters})
    response.raise_for_status()
    removed = 0
    for image in response.json():
        answer = client.delete(f"/images/{image['Id']}", params={"force": "1"})
        if answer.status_code in (200, 404):
            removed += 1
        else:
            logger.warning(
                "failed to remove image %s: %s %s",
                image["Id"],
                answer.status_code,
                answer.text,
            )
    return removed
