"""Many clients at once: no 5xx, nothing lost or doubled, events complete."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

CLIENTS = 12
ROUNDS = 5


@pytest.fixture(scope="module")
def report(measure: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("concurrency")
    with measure.served(folder) as daemon:
        return measure.run_concurrency(daemon.addresses[0].path, CLIENTS, ROUNDS)


def test_every_container_created(report: Any) -> None:
    assert len(report.created) == CLIENTS * ROUNDS


def test_no_server_errors(report: Any) -> None:
    assert report.tally.server_errors == []


def test_no_transport_errors(report: Any) -> None:
    assert report.tally.transport_errors == []


def test_nothing_left_over(report: Any) -> None:
    assert report.leftover == []


def test_events_pair_create_destroy(report: Any) -> None:
    assert report.missing_destroy == []


def test_names_unique(report: Any) -> None:
    assert report.duplicate_names == []


def test_name_race_has_one_winner(report: Any) -> None:
    assert report.name_race_winners == 1


def test_losers_get_409(report: Any) -> None:
    assert report.tally.statuses[409] == CLIENTS - 1


def test_streams_survive(report: Any) -> None:
    assert report.stream_errors == []


def test_requests_counted(report: Any) -> None:
    # create, start, inspect, logs, list, stop, remove per round, plus
    # pull, tag and untag every other round.
    assert report.tally.requests >= CLIENTS * ROUNDS * 7
