"""Test tooling around fakedaemon: the Engine API client and its helpers."""

from __future__ import annotations

__version__ = "0.1.0"
