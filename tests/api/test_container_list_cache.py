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
import random
import tarfile
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import quote

import pytest
from werkzeug.test import Client

from fakedaemon import Daemon
from fakedaemon.api.app import APIApp
from fakedaemon.api.call import Call
from fakedaemon.api.jsonenc import dump_line
from fakedaemon.api.routers import containers as container_routes
from fakedaemon.api.serializers.containers import summary_document
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.containers import Container, ContainerStore
from fakedaemon.engine.engine import Engine
from fakedaemon.engine.health import UNHEALTHY
from fakedaemon.engine.revision import RevisionCache
from fakedaemon.engine.volumes import MountPoint
from fakedaemon.versions import APIVersion

from .container_changes import RandomChanges

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
        patch.setattr(RevisionCache, "get", lambda *_: None)
        fresh = [client.get(f"/v{version}/containers/json?{q}").data for q in queries]
    for query, cached_body, fresh_body in zip(queries, cached, fresh, strict=True):
        assert cached_body == fresh_body, query


def revision_numbers(engine: Engine) -> dict[str, int | None]:
    return {
        container.id: container.revision_number()
        for container in engine.containers.all()
    }


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
    assert len(engine.containers.listing_cache) == 2


def test_change_encodes_one_summary_again(
    client: Client, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = [create(client, name) for name in ("web", "db", "cache")]
    encoded: list[str] = []
    encode = container_routes.encoded_summary

    def counted(container: Container, *args: Any, **kwargs: Any) -> Any:
        encoded.append(container.id)
        return encode(container, *args, **kwargs)

    monkeypatch.setattr(container_routes, "encoded_summary", counted)
    client.get("/v1.41/containers/json?all=1")
    assert sorted(encoded) == sorted(ids)
    encoded.clear()
    post(client, f"/containers/{ids[1]}/rename?name=store")
    listed = client.get("/v1.41/containers/json?all=1").data
    assert encoded == [ids[1]]
    assert b'"/store"' in listed


def test_list_cache_per_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    first = Daemon(DaemonConfig(min_api_version="1.24"))
    second = Daemon(DaemonConfig(min_api_version="1.24"))
    try:
        for daemon in (first, second):
            daemon.engine.clock.freeze(START)
        first_client = Client(first.app)
        second_client = Client(second.app)
        create(first_client, "web")
        create(first_client, "db")
        other = create(second_client, "web")
        assert_lists_match(first_client, first.engine, monkeypatch)
        store = first.engine.containers
        numbers = revision_numbers(first.engine)
        entries = store.listing_cache.entries()
        assert entries

        # Changes of every kind in the second daemon leave the first
        # daemon's revisions and its cached summaries untouched.
        post(second_client, "/networks/create", Name="backend")
        post(second_client, f"/containers/{other}/start")
        post(second_client, "/networks/backend/connect", Container=other)
        post(second_client, f"/containers/{other}/rename?name=frontend")
        post(second_client, f"/containers/{other}/stop?t=0")
        create(second_client, "cache")
        response = second_client.delete(f"/v1.41/containers/{other}")
        assert response.status_code == 204, response.data

        assert revision_numbers(first.engine) == numbers
        assert store.listing_cache.entries() == entries
        assert_lists_match(first_client, first.engine, monkeypatch)

        # A change in the first daemon moves that container's revision alone.
        other_numbers = revision_numbers(second.engine)
        web = store.get("web")
        post(first_client, "/containers/web/rename?name=frontend")
        moved = revision_numbers(first.engine)
        assert moved.pop(web.id) > numbers.pop(web.id)
        assert moved == numbers
        assert revision_numbers(second.engine) == other_numbers
        assert_lists_match(first_client, first.engine, monkeypatch)
    finally:
        first.stop()
        second.stop()


def test_list_cache_follows_attached_records(
    client: Client, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = engine.containers

    def check_change(change: Callable[[], None], expected_text: bytes) -> None:
        """Apply ``change`` to a listed record and check the lists show it."""
        assert_lists_match(client, engine, monkeypatch)
        numbers = revision_numbers(engine)
        change()
        assert revision_numbers(engine) != numbers
        assert_lists_match(client, engine, monkeypatch)
        listed = client.get("/v1.41/containers/json?all=1").data
        assert expected_text in listed

    web = store.get(create(client, "web"))
    post(client, f"/containers/{web.id}/start")
    post(client, "/networks/create", Name="backend")
    post(client, "/networks/backend/connect", Container=web.id)
    endpoint = web.networks["backend"].endpoint
    assert endpoint is not None

    def change_endpoint() -> None:
        endpoint.mac_address = "02:42:ac:12:00:99"

    check_change(change_endpoint, b'"02:42:ac:12:00:99"')

    engine.behaviours.add_health(results=[{"exit_code": 0}])
    checked = store.get(
        create(
            client,
            "checked",
            Healthcheck={"Test": ["CMD", "probe"], "Interval": SECOND},
        )
    )
    post(client, f"/containers/{checked.id}/start")
    health = checked.health
    assert health is not None

    def change_health() -> None:
        health.status = UNHEALTHY

    check_change(change_health, b"(unhealthy)")

    mount = MountPoint("tmpfs", "/scratch")

    def add_mount() -> None:
        with store.changed:
            web.mounts.append(mount)
            web.mark_changed()

    check_change(add_mount, b'"/scratch"')

    def change_mount() -> None:
        mount.destination = "/moved"

    check_change(change_mount, b'"/moved"')


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_list_cache_random_operations(
    client: Client, engine: Engine, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Random changes, each followed by a cached and a reference listing."""
    chooser = random.Random(seed)
    newest = versions(engine)[-1]
    networks = ["backend", "frontend"]
    for network in networks:
        post(client, "/networks/create", Name=network)
    changes = RandomChanges(client, engine, chooser, networks)

    def create_one() -> None:
        config: dict[str, Any] = {"Labels": {"seed": str(seed)}}
        if chooser.random() < 0.3:
            config["HostConfig"] = {"Binds": [f"{changes.name('data')}:/data"]}
        create(client, changes.name("c"), **config)

    def advance() -> None:
        engine.clock.advance(chooser.randint(1, 5))

    operations = [
        create_one,
        create_one,
        changes.action("start"),
        *changes.common(),
        advance,
    ]
    for step in range(120):
        operation = chooser.choice(operations)
        operation()
        expected = reference_body(engine, newest, False)
        listed = client.get(f"/v{newest}/containers/json?all=1").data
        assert listed == expected, (step, operation.__qualname__)
    assert_filters_match(client, monkeypatch, newest)


def _tar_with_file(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        member = tarfile.TarInfo(name)
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


def test_list_cache_restore_during_listing(monkeypatch: pytest.MonkeyPatch) -> None:
    daemon = Daemon(DaemonConfig(min_api_version="1.24"))
    try:
        client = Client(daemon.app)
        web = create(client, "web")
        # The cache keeps the summary of the created container at the first
        # revision number, the one the restore below gives it again.
        assert client.get("/v1.45/containers/json?all=1").json[0]["State"] == "created"
        post(client, f"/containers/{web}/start")
        post(client, f"/containers/{web}/kill")
        snapshot = daemon.control.snapshot()
        replaced = daemon.engine.containers

        # A restore on another thread replaces the container store just
        # after the listing has read the store's cache.
        def listing_cache(store: ContainerStore) -> RevisionCache:
            cache: RevisionCache = store.__dict__["listing_cache"]
            if store is replaced and daemon.engine.containers is replaced:
                daemon.control.restore(snapshot)
            return cache

        def set_listing_cache(store: ContainerStore, cache: RevisionCache) -> None:
            store.__dict__["listing_cache"] = cache

        with monkeypatch.context() as patch:
            patch.setattr(
                ContainerStore,
                "listing_cache",
                property(listing_cache, set_listing_cache),
                raising=False,
            )
            listed = client.get("/v1.45/containers/json?all=1")
        assert daemon.engine.containers is not replaced
        assert listed.status_code == 200, listed.data
        documents = listed.json
        assert documents[0]["State"] == "exited"
        # The status text follows the clock, which the restore set running.
        expected = json.loads(reference_body(daemon.engine, "1.45", False))
        for document in (*documents, *expected):
            document.pop("Status")
        assert documents == expected
    finally:
        daemon.stop()
