"""Normalisation of volatile values."""

from __future__ import annotations

from contracts.exchange import Normalizer
from contracts.exchange.normalize import normalize_server

FIRST = "0123456789abcdef" * 4
SECOND = "fedcba9876543210" * 4


def test_ids_in_order_of_appearance() -> None:
    normalizer = Normalizer()
    assert normalizer.text(f"{SECOND} then {FIRST}") == "<id-1> then <id-2>"


def test_same_id_same_placeholder() -> None:
    normalizer = Normalizer()
    normalizer.text(FIRST)
    normalizer.text(SECOND)
    assert normalizer.text(f"/containers/{FIRST}/start") == "/containers/<id-1>/start"


def test_short_id_follows_long_id() -> None:
    normalizer = Normalizer()
    normalizer.text(FIRST)
    assert normalizer.text(FIRST[:12]) == "<id-1:short>"


def test_short_id_before_long_id() -> None:
    normalizer = Normalizer()
    short = normalizer.text(f"hostname {SECOND[:12]}")
    assert short == "hostname <id-1:short>"
    assert normalizer.text(SECOND) == "<id-1>"


def test_digest_keeps_algorithm() -> None:
    assert Normalizer().text(f"sha256:{FIRST}") == "sha256:<id-1>"


def test_twelve_digits_not_short_id() -> None:
    assert Normalizer().text("size 123456789012") == "size 123456789012"


def test_rfc3339_timestamps() -> None:
    normalizer = Normalizer()
    document = {
        "Created": "2024-05-01T10:11:12.123456789Z",
        "State": {
            "StartedAt": "2024-05-01T10:11:12+02:00",
            "FinishedAt": "0001-01-01T00:00:00Z",
        },
    }
    assert normalizer.value(document) == {
        "Created": "<time>",
        "State": {"StartedAt": "<time>", "FinishedAt": "0001-01-01T00:00:00Z"},
    }


def test_unix_times_in_known_fields() -> None:
    normalizer = Normalizer()
    event = {"time": 1714557072, "timeNano": 1714557072123456789, "status": "start"}
    assert normalizer.value(event) == {
        "time": "<unix>",
        "timeNano": "<unix-nano>",
        "status": "start",
    }


def test_sizes_pids_and_paths() -> None:
    normalizer = Normalizer()
    document = {
        "Size": 4_261_574,
        "SharedSize": -1,
        "State": {"Pid": 4242},
        "LogPath": "/var/lib/docker/containers/x/x-json.log",
        "NetworkSettings": {"SandboxKey": "/var/run/docker/netns/1a2b3c"},
        "KernelVersion": "6.1.0-13-amd64",
    }
    assert normalizer.value(document) == {
        "Size": "<size>",
        "SharedSize": -1,
        "State": {"Pid": "<pid>"},
        "LogPath": "<path>",
        "NetworkSettings": {"SandboxKey": "<sandbox-key>"},
        "KernelVersion": "<kernel>",
    }


def test_stopped_pid_kept() -> None:
    assert Normalizer().value({"Pid": 0}) == {"Pid": 0}


def test_durations_in_status() -> None:
    normalizer = Normalizer()
    assert normalizer.text("Up 3 seconds") == "Up <duration>"
    exited = normalizer.text("Exited (0) About a minute ago")
    assert exited == "Exited (0) <duration> ago"


def test_generated_names() -> None:
    normalizer = Normalizer()
    normalizer.learn_names({"Names": ["/quirky_turing"]})
    assert normalizer.value({"Names": ["/quirky_turing"]}) == {"Names": ["/<name-1>"]}
    assert normalizer.text("container quirky_turing is running") == (
        "container <name-1> is running"
    )


def test_versions_optional() -> None:
    document = {"Version": "20.10.24+dfsg1"}
    assert Normalizer().value(document) == {"Version": "<version>"}
    assert Normalizer(versions=False).value(document) == document


def test_server_header() -> None:
    assert normalize_server("Docker/26.1.5+dfsg1 (linux)") == "Docker/<version> (linux)"
