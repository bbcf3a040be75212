"""Hostile input: each request gets Engine 26.1's status and error form.

Nothing outside the daemon may be read or written: escaping archives aim at
a folder beside a sentinel file, and HOME points at a folder that must stay
as it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

from fakedaemon import Daemon, DaemonConfig


@pytest.fixture(scope="module")
def outcome(
    measure: ModuleType, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("hostile")
    home = folder / "home"
    outside = folder / "outside"
    for path in (home, outside):
        path.mkdir()
        (path / "sentinel").write_text("untouched")
    before = {**measure.files_under(home), **measure.files_under(outside)}
    patch = pytest.MonkeyPatch()
    patch.setenv("HOME", str(home))
    try:
        socket_path = folder / "d.sock"
        with Daemon(DaemonConfig(), hosts=[f"unix://{socket_path}"]):
            results = measure.run_hostile(str(socket_path), outside)
            protocol = measure.run_protocol(str(socket_path))
            alive = measure.ping(str(socket_path))
        after = {**measure.files_under(home), **measure.files_under(outside)}
        yield {
            "results": {result.case.name: result for result in results},
            "protocol": protocol,
            "alive": alive,
            "before": before,
            "after": after,
        }
    finally:
        patch.undo()


def test_request_matches_engine(outcome: dict[str, Any], hostile_name: str) -> None:
    result = outcome["results"][hostile_name]
    if result.case.deviation and not result.matches:
        pytest.xfail(result.case.deviation)
    assert result.status == result.case.expected, result.body[:300]
    assert result.matches, result.body[:300]


def test_daemon_serves_afterwards(outcome: dict[str, Any]) -> None:
    assert outcome["alive"]


def test_protocol_status(
    outcome: dict[str, Any], measure: ModuleType, protocol_name: str
) -> None:
    _, expected = measure.PROTOCOL_CASES[protocol_name]
    assert outcome["protocol"][protocol_name].startswith(expected)


def test_outside_files_untouched(outcome: dict[str, Any]) -> None:
    assert outcome["after"] == outcome["before"]


def test_sentinels_intact(outcome: dict[str, Any]) -> None:
    sentinels = [path for path in outcome["after"] if path.endswith("sentinel")]
    assert len(sentinels) == 2
