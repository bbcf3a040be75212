"""A recording proxy between any Docker client and a daemon.

It forwards every byte unchanged (keep-alive, chunked and streamed bodies,
hijacked connections) and writes each exchange, credentials redacted, in
the format of :mod:`contracts.exchange`::

    with ScenarioRecorder("unix:///run/docker.sock", "unix:///tmp/rec.sock",
                          Path("out/ping.jsonl"), "ping") as recorder:
        subprocess.run(["docker", "-H", recorder.address, "version"])
"""

from __future__ import annotations

from contracts.recorder.connection import ConnectionRecorder as ConnectionRecorder
from contracts.recorder.proxy import RecordingProxy as RecordingProxy
from contracts.recorder.proxy import ScenarioRecorder as ScenarioRecorder
from contracts.recorder.proxy import connect as connect
from contracts.recorder.redact import REDACTED as REDACTED
from contracts.recorder.redact import redact_exchange as redact_exchange

__all__ = [
    "REDACTED",
    "ConnectionRecorder",
    "RecordingProxy",
    "ScenarioRecorder",
    "connect",
    "redact_exchange",
]
