"""fakedaemon: a contract-verified fake Docker Engine for tests.

``Daemon``, ``DaemonConfig`` and ``APIVersion`` load on first use, so that
``import fakedaemon`` (the command line, the pytest plugin) costs little
until a daemon is needed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import DaemonConfig as DaemonConfig
    from .daemon import Daemon as Daemon
    from .versions import APIVersion as APIVersion

__version__ = "0.1.0"

__all__ = ["APIVersion", "Daemon", "DaemonConfig", "__version__"]

_LAZY = {
    "APIVersion": "versions",
    "Daemon": "daemon",
    "DaemonConfig": "config",
}


def __getattr__(name: str) -> object:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
