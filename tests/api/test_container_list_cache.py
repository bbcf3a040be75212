"""The container list's cache of encoded summaries, across changes of state.

Each check lists the containers at every API version, with and without
``size``, and compares the body byte for byte with the list encoded as one
document from ``summary_document``, as the route encoded it before it kept
encoded summaries. A second check compares filtered listings with the
same listings made with an empty cache.
"""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import quote

import pytest
from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.api.call import Call
from fakedaemon.api.jsonenc import dump_line
from fakedaemon.api.routers import containers as container_routes
from fakedaemon.api.serializers.containers import summary_document
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.containers import Container
from fakedaemon.engine.engine import Engine
from fakedaemon.versions import APIVersion

SECOND = 1_000_000_000
START = 1_700_000_000.0
MAX_API = {"20.10": 41, "29.x": 55}
FILTERS = (
    {"label": ["tier=db"]},
    {"name": ["web"]},
    {"status": ["running", "paused"]},
    {"health": ["healthy"]},
    {"network": ["backend"]},
    {"ancestor": ["busybox"]},
)


@pytest.fixture(params=["20.10", "29.x"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    profile = str(request.param)
    created = Engine(DaemonConfig(engine=profile, min_api_version="1.24"))
    created.clock.freeze(START)
    try:
        yield created
    finally:
        created.close()


@pytest.fixture
def client(engine: Engine) -> Client:
    return Client(APIApp(engine))


def versions(engine: Engine) -> list[str]:
    return [f"1.{minor}" for minor in range(24, MAX_API[engine.profile.name] + 1)]


def reference_body(engine: Engine, version: str, size: bool) -> bytes:
    """Encode ``GET /containers/json?all=1`` as one document, without the cache."""
    call = cast(Call, SimpleNamespace(engine=engine))
    now = engine.clock.time_ns()
    documents: list[dict[str, Any]] = []
    for container in engine.containers.all():
        documents.append(
            summary_document(
                container,
                APIVersion.parse(version),
                container_routes.image_name(call, container),
                now,
                container_routes.container_size(call, container) if size else None,
                dns_names_always=not engine.profile.legacy_host_config,
            )
        )
    return dump_line(documents)


def assert_lists_match(
    client: Client, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compare every version's listing, twice, with the reference encoding.

    The second listing of a version must take every summary from the cache.
    """
    encoded: list[str] = []

    def counted(container: Container, *args: Any, **kwargs: Any) -> Any:
        encoded.append(container.id)
        return encode(container, *args, **kwargs)

    encode = container_routes.encoded_summary
    monkeypatch.setattr(container_routes, "encoded_summary", counted)
    for version in versions(engine):
        for size in (False, True):
            query = "all=1&size=1" if size else "all=1"
            expected = reference_body(engine, version, size)
            for attempt in range(2):
                encoded.clear()
                response = client.get(f"/v{version}/containers/json?{query}")
                assert response.status_code == 200, response.data
                assert response.data == expected, (version, size)
                if attempt:
                    assert encoded == [], (version, size)
    monkeypatch.setattr(container_routes, "encoded_summary", encode)


def assert_filters_match(
    client: Client, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    """Compare filtered listings with the same listings made without a cache."""
    queries = [f"all=1&filters={quote(json.dumps(value))}" for value in FILTERS]
    queries += ["limit=2", "all=1&limit=3&size=1", "all=0"]
    cached = [client.get(f"/v{version}/containers/json?{q}").data for q in queries]
    with monkeypatch.context() as patch:
        patch.setattr(container_routes, "_summary_table", lambda *_: {})
        fresh = [client.get(f"/v{version}/containers/json?{q}").data for q in queries]
    for query, cached_body, fresh_body in zip(queries, cached, fresh, strict=True):
        assert cached_body == fresh_body, query


def post(client: Client, path: str, **body: Any) -> Any:
    response = client.post(f"/v1.41{path}", json=body or None)
    assert response.status_code in (200, 201, 204), (path, response.data)
    return response.json if response.data else None


def create(client: Client, name: str, **config: Any) -> str:
    body = {"Image": "busybox", "Cmd": ["sleep", "1000"], **config}
    document = post(client, f"/containers/create?name={name}", **body)
    container_id: str = document["Id"]
    return container_id


def test_list_cache_follows_changes(
    client: Client, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    newest = versions(engine)[-1]

    def check() -> None:
        assert_lists_match(client, engine, monkeypatch)
        assert_filters_match(client, monkeypatch, newest)

    post(client, "/images/busybox/tag?repo=alias&tag=v1")
    web = create(client, "web", Labels={"tier": "web"})
    db = create(client, "db", Image="alias:v1", Labels={"tier": "db"})
    engine.behaviours.add_health(results=[{"exit_code": 0}, {"exit_code": 1}])
    checked = create(
        client,
        "checked",
        Healthcheck={"Test": ["CMD", "probe"], "Interval": SECOND, "Retries": 1},
    )
    check()

    post(client, f"/containers/{web}/start")
    check()
    engine.clock.advance(3)
    check()

    post(client, f"/containers/{web}/rename?name=frontend")
    check()

    post(client, "/networks/create", Name="backend")
    post(client, "/networks/backend/connect", Container=db)
    check()
    post(client, "/networks/backend/connect", Container=web)
    check()
    post(client, "/networks/backend/disconnect", Container=web)
    check()
    post(client, "/networks/backend/disconnect", Container=db)
    check()
    post(client, "/networks/backend/connect", Container=db)
    check()

    post(client, f"/containers/{checked}/start")
    check()
    engine.clock.advance(1)
    check()
    engine.clock.advance(1)
    check()

    # The list shows the image id once the name no longer points at the
    # container's image, and the name again once it does.
    response = client.delete("/v1.41/images/alias:v1")
    assert response.status_code == 200, response.data
    check()
    post(client, "/images/busybox/tag?repo=alias&tag=v1")
    check()
    post(client, "/commit?container=checked&repo=alias&tag=v1")
    check()

    post(client, f"/containers/{web}/pause")
    check()
    post(client, f"/containers/{web}/unpause")
    check()
    post(client, f"/containers/{checked}/kill")
    check()
    post(client, f"/containers/{web}/stop?t=0")
    engine.clock.advance(90)
    check()
    post(client, f"/containers/{db}/start")
    post(client, f"/containers/{db}/restart?t=0")
    check()
    response = client.put(
        f"/v1.41/containers/{db}/archive?path=/tmp",
        data=_tar_with_file("grown.txt", b"x" * 5000),
    )
    assert response.status_code == 200, response.data
    check()
    response = client.delete(f"/v1.41/containers/{checked}?force=1")
    assert response.status_code == 204, response.data
    check()


def test_list_cache_stores_entries(client: Client, engine: Engine) -> None:
    create(client, "one")
    create(client, "two")
    client.get("/v1.41/containers/json?all=1")
    store = engine.containers
    table = container_routes._summary_table(store, store.revision.number)
    assert len(table) == 2


def _tar_with_file(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        member = tarfile.TarInfo(name)
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()
