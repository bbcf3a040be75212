"""Container inspect's cache of encoded documents, across changes of state.

Each check inspects every container at every API version and compares the
body byte for byte with ``inspect_document`` encoded directly, as the route
encoded it before it kept documents. A second request at the same revision
must come from the cache.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client

from fakedaemon import Daemon
from fakedaemon.api.app import APIApp
from fakedaemon.api.jsonenc import dump_line
from fakedaemon.api.routers import containers as container_routes
from fakedaemon.api.serializers.containers import inspect_document
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine
from fakedaemon.engine.health import HealthResult
from fakedaemon.engine.volumes import MountPoint
from fakedaemon.versions import APIVersion

from .. import polling
from .container_changes import RandomChanges
from .test_container_list_cache import SECOND, START, create, post, versions

START_NS = int(START) * 1_000_000_000


@pytest.fixture(params=["20.10", "29.x"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    created = Engine(DaemonConfig(engine=str(request.param), min_api_version="1.24"))
    created.clock.freeze(START)
    try:
        yield created
    finally:
        created.close()


@pytest.fixture
def client(engine: Engine) -> Client:
    return Client(APIApp(engine))


@pytest.fixture
def encodings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the containers whose inspect document the route encodes."""
    encoded: list[str] = []
    encode = container_routes.inspect_document

    def counted(container: Any, *args: Any, **kwargs: Any) -> Any:
        encoded.append(container.id)
        return encode(container, *args, **kwargs)

    monkeypatch.setattr(container_routes, "inspect_document", counted)
    return encoded


def reference_body(engine: Engine, container_id: str, version: str) -> bytes:
    """Encode the inspect document of ``container_id`` without the cache."""
    store = engine.containers
    with store.changed:
        document = inspect_document(
            store.get(container_id),
            APIVersion.parse(version),
            None,
            engine.rig.storage_driver,
            dns_names_always=not engine.profile.legacy_host_config,
        )
        return dump_line(document)


def assert_inspect_matches(
    client: Client, engine: Engine, encodings: list[str], *, cached: bool = True
) -> None:
    """Inspect every container at every version twice, against the reference.

    The second request of a version must not encode the document again.
    """
    for container in engine.containers.all():
        for version in versions(engine):
            expected = reference_body(engine, container.id, version)
            for attempt in range(2):
                encodings.clear()
                response = client.get(f"/v{version}/containers/{container.id}/json")
                assert response.status_code == 200, response.data
                assert response.data == expected, (container.name, version)
                if attempt and cached:
                    assert encodings == [], (container.name, version)


def test_inspect_cache_follows_changes(
    client: Client, engine: Engine, encodings: list[str]
) -> None:
    def check() -> None:
        assert_inspect_matches(client, engine, encodings)

    web = create(client, "web", Labels={"tier": "web"})
    engine.behaviours.add_health(results=[{"exit_code": 0}, {"exit_code": 1}])
    checked = create(
        client,
        "checked",
        Healthcheck={"Test": ["CMD", "probe"], "Interval": SECOND, "Retries": 1},
    )
    check()

    post(client, f"/containers/{web}/start")
    check()
    post(client, f"/containers/{web}/rename?name=frontend")
    check()
    post(client, f"/containers/{web}/update", RestartPolicy={"Name": "always"})
    check()

    exec_id = post(client, f"/containers/{web}/exec", Cmd=["true"])["Id"]
    check()
    post(client, f"/exec/{exec_id}/start", Detach=True)
    assert polling.eventually(lambda: not engine.containers.get(web).exec_ids, 5)
    check()

    post(client, "/networks/create", Name="backend")
    post(client, "/networks/backend/connect", Container=web)
    check()
    post(client, "/networks/backend/disconnect", Container=web)
    check()

    # Each check appends to the log, which inspect shows in State.Health.
    post(client, f"/containers/{checked}/start")
    check()
    for _ in range(3):
        engine.clock.advance(1)
        check()

    post(client, f"/containers/{web}/pause")
    check()
    post(client, f"/containers/{web}/unpause")
    check()
    post(client, f"/containers/{web}/restart?t=0")
    check()
    post(client, f"/containers/{checked}/kill")
    check()
    post(client, f"/containers/{web}/stop?t=0")
    check()


def test_inspect_cache_in_place_changes(
    client: Client, engine: Engine, encodings: list[str]
) -> None:
    store = engine.containers
    web = store.get(create(client, "web"))
    post(client, f"/containers/{web.id}/start")
    assert_inspect_matches(client, engine, encodings)

    mount = MountPoint("tmpfs", "/scratch")
    with store.changed:
        web.mounts.append(mount)
        web.mark_changed()
    assert b'"/scratch"' in client.get(f"/v1.41/containers/{web.id}/json").data
    mount.destination = "/moved"
    assert b'"/moved"' in client.get(f"/v1.41/containers/{web.id}/json").data
    assert_inspect_matches(client, engine, encodings)

    # A check that changes neither the status nor the streak still adds
    # its result to the log.
    engine.behaviours.add_health(exit_code=0)
    checked = store.get(
        create(client, "checked", Healthcheck={"Test": ["CMD", "probe"]})
    )
    post(client, f"/containers/{checked.id}/start")
    health = checked.health
    assert health is not None
    assert_inspect_matches(client, engine, encodings)
    with store.changed:
        health.log = (*health.log, HealthResult(START_NS, START_NS, 0, "logged"))
    assert b'"logged"' in client.get(f"/v1.41/containers/{checked.id}/json").data
    assert_inspect_matches(client, engine, encodings)


def test_inspect_with_size_is_not_kept(
    client: Client, engine: Engine, encodings: list[str]
) -> None:
    web = create(client, "web")
    for _ in range(2):
        response = client.get(f"/v1.41/containers/{web}/json?size=1")
        assert response.status_code == 200, response.data
        assert "SizeRw" in response.json
    assert encodings == [web, web]
    assert len(engine.containers.inspect_cache) == 0


def test_inspect_cache_is_bounded(
    client: Client, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(container_routes, "INSPECT_CACHE_ENTRIES", 3)
    ids = [create(client, f"c{number}") for number in range(5)]
    for container_id in ids:
        client.get(f"/v1.41/containers/{container_id}/json")
        assert len(engine.containers.inspect_cache) <= 3
    assert_inspect_matches(client, engine, [], cached=False)


def test_inspect_cache_per_daemon(monkeypatch: pytest.MonkeyPatch) -> None:
    first = Daemon(DaemonConfig(min_api_version="1.24"))
    second = Daemon(DaemonConfig(min_api_version="1.24"))
    try:
        first_client = Client(first.app)
        second_client = Client(second.app)
        web = create(first_client, "web")
        other = create(second_client, "web")
        before = first_client.get(f"/v1.41/containers/{web}/json").data
        entries = first.engine.containers.inspect_cache.entries()
        post(second_client, f"/containers/{other}/start")
        post(second_client, f"/containers/{other}/rename?name=frontend")
        assert first.engine.containers.inspect_cache.entries() == entries
        assert first_client.get(f"/v1.41/containers/{web}/json").data == before
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize("seed", [1, 2])
def test_inspect_cache_random_operations(
    client: Client, engine: Engine, encodings: list[str], seed: int
) -> None:
    """Random changes, each followed by a cached and a reference inspect."""
    chooser = random.Random(seed)
    newest = versions(engine)[-1]
    post(client, "/networks/create", Name="backend")
    changes = RandomChanges(client, engine, chooser, ["backend"])

    def create_one() -> None:
        create(client, changes.name("c"))

    operations = [
        create_one,
        create_one,
        *changes.common(),
        changes.action("exec", lambda: {"Cmd": ["true"]}),
        changes.action("update", lambda: {"CpuShares": chooser.randint(2, 1024)}),
    ]
    for step in range(100):
        operation = chooser.choice(operations)
        operation()
        for container in engine.containers.all():
            expected = reference_body(engine, container.id, newest)
            inspected = client.get(f"/v{newest}/containers/{container.id}/json").data
            assert inspected == expected, (step, operation.__qualname__)
