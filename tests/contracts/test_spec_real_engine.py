"""Responses of a real Docker Engine checked against its own API version.

Set FAKEDAEMON_REAL_ENGINE to the engine's address (``unix:///path`` or
``http://127.0.0.1:PORT``); the engine's maximum API version picks the
specification.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from contracts.spec import Specification, load_version
from contracts.spec.routing import split_version_prefix

pytestmark = pytest.mark.real_engine

# Read-only requests. Each one returns 200 on a fresh engine with
# busybox:latest pulled.
READ_ONLY_PATHS = [
    "/_ping",
    "/version",
    "/info",
    "/images/json",
    "/containers/json?all=1",
    "/volumes",
    "/networks",
    "/images/busybox:latest/json",
    "/images/busybox:latest/history",
    "/system/df",
]


def engine_address() -> str:
    address = os.environ.get("FAKEDAEMON_REAL_ENGINE", "")
    if not address:
        reason = "FAKEDAEMON_REAL_ENGINE is not set"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true requires a real Engine)")
        pytest.skip(reason)
    return address


@pytest.fixture(scope="module")
def engine() -> Iterator[httpx.Client]:
    address = engine_address()
    if address.startswith("unix://"):
        transport = httpx.HTTPTransport(uds=address.removeprefix("unix://"))
        client = httpx.Client(transport=transport, base_url="http://docker")
    else:
        client = httpx.Client(base_url=address.replace("tcp://", "http://"))
    with client:
        yield client


@pytest.fixture(scope="module")
def engine_spec(engine: httpx.Client, upstream: Path) -> Specification:
    version = engine.get("/version").json()["ApiVersion"]
    return load_version(upstream, version)


def versioned(spec: Specification, path: str) -> str:
    _, bare = split_version_prefix(path)
    return f"/v{spec.version}{bare}"


@pytest.mark.parametrize("path", READ_ONLY_PATHS)
def test_real_response_conforms(
    engine: httpx.Client, engine_spec: Specification, path: str
) -> None:
    url = versioned(engine_spec, path)
    response = engine.get(url)
    assert response.status_code == 200
    engine_spec.validate_response(
        "GET", url, response.status_code, response.headers, response.content
    )


def test_real_ping_head(engine: httpx.Client, engine_spec: Specification) -> None:
    response = engine.head("/_ping")
    engine_spec.validate_response(
        "HEAD", "/_ping", response.status_code, response.headers, response.content
    )


def test_real_not_found_conforms(
    engine: httpx.Client, engine_spec: Specification
) -> None:
    url = versioned(engine_spec, "/containers/no-such-container-here/json")
    response = engine.get(url)
    assert response.status_code == 404
    engine_spec.validate_response(
        "GET", url, 404, response.headers, response.content, strict=True
    )


def test_real_version_strict(engine: httpx.Client, engine_spec: Specification) -> None:
    url = versioned(engine_spec, "/version")
    response = engine.get(url)
    engine_spec.validate_response(
        "GET",
        url,
        response.status_code,
        response.headers,
        response.content,
        strict=True,
        nil_collections=False,
    )
