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


def test_digits_short_id_of_seen_id() -> None:
    digits_first = "500762911629" + FIRST[12:]
    normalizer = Normalizer()
    normalizer.text(digits_first)

    assert normalizer.text("hostname 500762911629") == "hostname <id-1:short>"
    assert normalizer.text("size 123456789012") == "size 123456789012"


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


NODE = "0hlcp3yfinuwvfj12ghkb5pk6"
SERVICE = "igc6cavbsfj6f6mby0fupxaxl"


def test_swarm_ids_numbered_with_hex_ids() -> None:
    normalizer = Normalizer()
    text = f"{FIRST} /services/{SERVICE}/update then {NODE} and {SERVICE}"
    assert normalizer.text(text) == (
        "<id-1> /services/<swarm-id-2>/update then <swarm-id-3> and <swarm-id-2>"
    )


def test_swarm_id_in_task_name_and_encoded_filter() -> None:
    normalizer = Normalizer()
    assert normalizer.text(f"fdrec-svc.1.{NODE}") == "fdrec-svc.1.<swarm-id-1>"
    encoded = f"%7B%22service%22%3A+%5B%22{SERVICE}%22%5D%7D"
    assert normalizer.text(encoded) == "%7B%22service%22%3A+%5B%22<swarm-id-2>%22%5D%7D"


def test_swarm_id_needs_exactly_25_characters() -> None:
    normalizer = Normalizer()
    assert normalizer.text(NODE + "x") == NODE + "x"
    assert normalizer.text(NODE[1:]) == NODE[1:]
    # Within base64 (mixed case) a lowercase run is not an id.
    assert normalizer.text(f"AB{NODE}CD") == f"AB{NODE}CD"


def test_join_tokens_unlock_key_and_certificates() -> None:
    normalizer = Normalizer()
    digest = "32x3mp492mjq1vtswukjbcrd9dkcyqz7jcauwyzlz6ptxua90n"
    tokens = {
        "Worker": f"SWMTKN-1-{digest}-4en9ox01k21pzu7e3emihxqvr",
        "Manager": f"SWMTKN-1-{digest}-3ube40sfrgoqdwnsvia6t7zel",
    }
    assert normalizer.value(tokens) == {
        "Worker": "SWMTKN-1-<ca-digest>-<join-secret-1>",
        "Manager": "SWMTKN-1-<ca-digest>-<join-secret-2>",
    }
    key = "SWMKEY-1-" + "Ab+/" * 10 + "xyz"
    assert normalizer.text(key) == "SWMKEY-1-<unlock-key>"
    pem = "-----BEGIN CERTIFICATE-----\nMIIBazCC\nAf8E==\n-----END CERTIFICATE-----\n"
    tls = {
        "TrustRoot": pem,
        "CertIssuerSubject": "MBMxETAPBgNVBAMTCHN3YXJtLWNh",
        "CertIssuerPublicKey": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE5yjr",
    }
    assert normalizer.value(tls) == {
        "TrustRoot": "<certificate>",
        "CertIssuerSubject": "MBMxETAPBgNVBAMTCHN3YXJtLWNh",
        "CertIssuerPublicKey": "<public-key>",
    }


def test_node_host_replaced_only_in_description() -> None:
    normalizer = Normalizer()
    node = {
        "Description": {
            "Hostname": "vm",
            "Resources": {"NanoCPUs": 2_000_000_000, "MemoryBytes": 25_276_194_816},
        },
        "Spec": {"Resources": {"Limits": {"MemoryBytes": 1024}}},
        "Config": {"Hostname": "web"},
    }
    assert normalizer.value(node) == {
        "Description": {
            "Hostname": "<hostname>",
            "Resources": {"NanoCPUs": "<count>", "MemoryBytes": "<count>"},
        },
        "Spec": {"Resources": {"Limits": {"MemoryBytes": 1024}}},
        "Config": {"Hostname": "web"},
    }


def test_task_pid_and_engine_version() -> None:
    normalizer = Normalizer()
    document = {"ContainerStatus": {"PID": 12865}, "EngineVersion": "26.1.5+dfsg1"}
    assert normalizer.value(document) == {
        "ContainerStatus": {"PID": "<pid>"},
        "EngineVersion": "<version>",
    }
