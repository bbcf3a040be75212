"""fakedaemon: a contract-verified fake Docker Engine for tests."""

from __future__ import annotations

from .config import DaemonConfig as DaemonConfig
from .daemon import Daemon as Daemon
from .versions import APIVersion as APIVersion

__version__ = "0.1.0"

__all__ = ["APIVersion", "Daemon", "DaemonConfig", "__version__"]
