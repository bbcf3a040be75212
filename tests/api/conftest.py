"""Fixtures shared by the API tests: an engine with the default settings."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine


@pytest.fixture
def engine() -> Engine:
    """An engine with the default settings, in this process."""
    return Engine(DaemonConfig())


@pytest.fixture
def client(engine: Engine) -> Client:
    """A WSGI test client of the API app over ``engine``."""
    return Client(APIApp(engine))
