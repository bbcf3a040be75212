"""The package surface: lazy names of ``fakedaemon`` and cheap imports."""

from __future__ import annotations

import subprocess
import sys

import pytest

import fakedaemon


def test_all_sorted_and_resolvable() -> None:
    assert fakedaemon.__all__ == sorted(fakedaemon.__all__)
    for name in fakedaemon.__all__:
        assert getattr(fakedaemon, name) is not None


def test_lazy_names_are_the_modules_own() -> None:
    from fakedaemon.config import DaemonConfig
    from fakedaemon.daemon import Daemon
    from fakedaemon.versions import APIVersion

    assert fakedaemon.Daemon is Daemon
    assert fakedaemon.DaemonConfig is DaemonConfig
    assert fakedaemon.APIVersion is APIVersion


def test_unknown_name_raises() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        fakedaemon.Nope  # noqa: B018


def test_import_loads_no_daemon() -> None:
    code = (
        "import sys, fakedaemon, fakedaemon.cli; "
        "print(sorted(m for m in sys.modules if m.startswith(("
        "'fakedaemon.daemon', 'fakedaemon.engine', 'werkzeug'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_daemon_import_leaves_interpreter_unloaded() -> None:
    code = (
        "import sys; from fakedaemon import Daemon, DaemonConfig; "
        "Daemon(DaemonConfig()); "
        "print(sorted(m for m in sys.modules if m.startswith(("
        "'fakedaemon.engine.process.runner', 'fakedaemon.engine.builder'))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
