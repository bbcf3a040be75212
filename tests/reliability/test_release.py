"""Dropped streams and sessions: subscriptions and threads return to baseline."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from fakedaemon import Daemon, DaemonConfig
from fakedaemon.server.listeners import parse_address

KINDS = ["events", "logs follow", "stats", "wait", "attach", "attach with stdin"]
# Over TCP an attach without stdin learns of a closed client only from the
# reset its next write brings back, as dockerd's does, so it is left out.
CASES = [
    (transport, kind)
    for transport in ("unix", "tcp")
    for kind in KINDS
    if (transport, kind) != ("tcp", "attach")
]


def serve(tmp_path: Path, transport: str) -> Daemon:
    host = f"unix://{tmp_path / 'd.sock'}" if transport == "unix" else None
    return Daemon(DaemonConfig(), hosts=[host or "tcp://127.0.0.1:0"])


@pytest.mark.parametrize(("transport", "kind"), CASES)
def test_dropped_clients_released(
    release: ModuleType, tmp_path: Path, transport: str, kind: str
) -> None:
    with serve(tmp_path, transport) as daemon:
        address = daemon.addresses[0]
        release.prepare(address)
        result = release.measure(address, kind, 10)

    assert result.workers_open >= result.workers_before + 10
    assert result.seconds is not None
    assert result.workers_after <= result.workers_before
    assert result.listeners_after == 0


@pytest.mark.parametrize("transport", ["unix", "tcp"])
def test_event_streams_counted(
    release: ModuleType, tmp_path: Path, transport: str
) -> None:
    with serve(tmp_path, transport) as daemon:
        address = daemon.addresses[0]
        release.prepare(address)
        result = release.measure(address, "events", 10)

    assert result.listeners_open == 10
    assert result.listeners_after == 0


@pytest.mark.real_engine
def test_real_engine_counts_event_streams(
    release: ModuleType, real_engine: str
) -> None:
    # The same workload on a real Engine: what the fake's counts follow.
    address = parse_address(real_engine)
    release.prepare(address)
    try:
        result = release.measure(address, "events", 10)
    finally:
        release.clean_up(address)

    assert result.listeners_open == 10
    assert result.listeners_after == 0
    assert result.seconds is not None
