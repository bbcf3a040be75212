"""daemon.json: reading, dockerd's errors for repeats and unknown keys, reload."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fakedaemon import Daemon, DaemonConfig
from fakedaemon.configfile import ConfigFileError, merge, read_file, reloadable


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document))
    return path


def test_file_values_merged(tmp_path: Path) -> None:
    path = write(tmp_path / "daemon.json", {"debug": True, "labels": ["a=1"]})
    merged = merge(path, read_file(path), {"debug": None, "label": None})
    assert merged["debug"] is True
    assert merged["label"] == ["a=1"]


def test_flag_and_file_conflict(tmp_path: Path) -> None:
    path = write(tmp_path / "daemon.json", {"debug": False})
    with pytest.raises(ConfigFileError) as raised:
        merge(path, read_file(path), {"debug": True})
    assert str(raised.value) == (
        f"unable to configure the Docker daemon with file {path}: the following "
        "directives are specified both as a flag and in the configuration file: "
        "debug: (from flag: true, from file: false)"
    )


def test_hosts_conflict_lists(tmp_path: Path) -> None:
    path = write(tmp_path / "daemon.json", {"hosts": ["unix:///a.sock"]})
    with pytest.raises(ConfigFileError, match=r"hosts: \(from flag: \[tcp://x:1\], "):
        merge(path, read_file(path), {"host": ["tcp://x:1"]})


def test_unknown_keys_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "daemon.json", {"x": 1, "debug": True, "a": 2})
    with pytest.raises(ConfigFileError) as raised:
        read_file(path)
    assert str(raised.value).endswith(
        "the following directives don't match any configuration option: a, x"
    )


def test_wrong_type_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "daemon.json", {"debug": "yes"})
    with pytest.raises(ConfigFileError, match='debug: expected a boolean, got "yes"'):
        read_file(path)


def test_missing_file_reported(tmp_path: Path) -> None:
    path = tmp_path / "absent.json"
    with pytest.raises(ConfigFileError, match="No such file or directory"):
        read_file(path)


def test_invalid_json_reported(tmp_path: Path) -> None:
    path = tmp_path / "daemon.json"
    path.write_text("{debug: true")
    with pytest.raises(ConfigFileError, match="invalid JSON"):
        read_file(path)


def test_empty_file_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "daemon.json"
    path.write_text("\n")
    assert read_file(path) == {}


def test_reloadable_subset() -> None:
    document = {"debug": True, "labels": ["a=1"], "experimental": True}
    assert reloadable(document) == {"debug": True, "labels": ["a=1"]}


def test_reload_changes_info(tmp_path: Path) -> None:
    from werkzeug.test import Client

    daemon = Daemon(DaemonConfig())
    changes = daemon.reload({"debug": True, "labels": ["zone=b"]})
    info = Client(daemon.app).get("/info").json
    assert changes == {"debug": (False, True), "labels": ([], ["zone=b"])}
    assert info is not None
    assert info["Debug"] is True
    assert info["Labels"] == ["zone=b"]


def test_reload_publishes_event() -> None:
    daemon = Daemon(DaemonConfig())
    daemon.reload({"debug": True})
    events = daemon.engine.events.snapshot()
    assert [(e.type, e.action) for e in events] == [("daemon", "reload")]
    assert events[0].attributes["debug"] == "true"


def test_reload_bad_rules_changes_nothing(tmp_path: Path) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text('{"rules": [{"action": "maybe"}]}')
    daemon = Daemon(DaemonConfig())
    with pytest.raises(ValueError, match='must be "allow" or "deny"'):
        daemon.reload({"debug": True, "authorization-rules": str(rules)})
    assert daemon.config.debug is False
