"""Connection faults: clients that vanish at every stage of a request."""

from __future__ import annotations

from types import ModuleType

import pytest


@pytest.fixture(
    params=[
        "disconnect mid-headers",
        "disconnect mid-body",
        "disconnect mid-chunk",
        "disconnect during events stream",
        "disconnect during logs follow",
        "disconnect during attach",
        "garbage request line",
        "reset after request",
    ]
)
def fault(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_daemon_healthy_after(
    measure: ModuleType, socket_path: str, fault: str
) -> None:
    report = measure.run_faults(socket_path, 3, [fault])
    assert report.healthy_after


def test_threads_released(measure: ModuleType, socket_path: str, fault: str) -> None:
    report = measure.run_faults(socket_path, 3, [fault])
    assert report.threads_after <= report.threads_before


def test_fault_list_complete(measure: ModuleType) -> None:
    assert len(measure.FAULTS) == 8
