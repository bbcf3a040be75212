"""The container store's order: newest first, kept between additions and removals."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine

START = 1_700_000_000.0


@pytest.fixture
def engine() -> Iterator[Engine]:
    created = Engine(DaemonConfig())
    created.clock.freeze(START)
    try:
        yield created
    finally:
        created.close()


def create(engine: Engine, name: str, at: float) -> str:
    engine.clock.freeze(at)
    container = engine.containers.create(
        {"Image": "busybox:latest", "Cmd": ["true"]}, None, name=name
    )
    return container.name


def names(engine: Engine) -> list[str]:
    return [container.name for container in engine.containers.all()]


def test_order_newest_first_by_creation_time(engine: Engine) -> None:
    # The clock runs backwards for the third container, so creation order
    # and time order differ.
    create(engine, "first", START)
    create(engine, "second", START + 10)
    create(engine, "older", START - 10)
    assert names(engine) == ["/second", "/first", "/older"]
    create(engine, "newest", START + 20)
    assert names(engine) == ["/newest", "/second", "/first", "/older"]


def test_order_after_removal_and_restore(engine: Engine) -> None:
    create(engine, "first", START)
    create(engine, "second", START + 10)
    assert names(engine) == ["/second", "/first"]
    removed = engine.containers.get("second")
    engine.containers.remove("second")
    assert names(engine) == ["/first"]
    engine.containers.restore(removed)
    assert names(engine) == ["/second", "/first"]


def test_order_list_is_a_copy(engine: Engine) -> None:
    create(engine, "first", START)
    listed = engine.containers.all()
    listed.clear()
    assert names(engine) == ["/first"]
