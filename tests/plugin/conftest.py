"""Load pytest's ``pytester`` plugin for the plugin tests."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Register pytester late; pytest rejects ``pytest_plugins`` here.

    Its ``--runpytest`` option is added after the command line was parsed,
    so it gets its default (in-process runs) here.
    """
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
    if getattr(config.option, "runpytest", None) is None:
        config.option.runpytest = "inprocess"
