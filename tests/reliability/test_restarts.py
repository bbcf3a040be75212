"""Restarts of ``fakedaemon serve`` with a data root, clean and with kill -9."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


@pytest.fixture(scope="module")
def report(measure: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return measure.run_restarts(tmp_path_factory.mktemp("restarts"), 3, 3)


def test_no_container_lost(report: Any) -> None:
    assert report.lost == []


def test_states_as_dockerd(report: Any) -> None:
    assert report.wrong_state == []


def test_crashes_happened(report: Any) -> None:
    assert report.crashes == 1


def test_containers_accumulated(report: Any) -> None:
    assert report.containers == 9


def test_data_root_only(tmp_path: Path, measure: ModuleType) -> None:
    measure.run_restarts(tmp_path, 1, 1)
    names = sorted(path.name for path in (tmp_path / "root").iterdir())
    assert names == ["fakedaemon-state.json", "fakedaemon.lock"]


def test_state_saved_under_load(measure: ModuleType, tmp_path: Path) -> None:
    root = tmp_path / "root"
    with measure.served(tmp_path, data_root=str(root)) as daemon:
        report = measure.run_concurrency(daemon.addresses[0].path, 8, 4)
        client = measure.Client(daemon.addresses[0].path, measure.Tally())
        client.request(
            "POST", "/containers/create?name=kept", json={"Image": "busybox"}
        )
        names = sorted(c.name for c in daemon.engine.containers.all())
        client.close()
    with measure.served(tmp_path, data_root=str(root)) as again:
        restored = sorted(c.name for c in again.engine.containers.all())
    assert report.tally.server_errors == []
    assert names == ["/kept"]
    assert restored == names
