"""The fake daemon a campaign runs, and a count of the client's connections to it."""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from fakedaemon import Daemon, DaemonConfig

_FD_FOLDER = Path("/proc/self/fd")


class FuzzDaemon:
    """A fake daemon on a unix socket in a temporary folder, with faults.

    The daemon runs in this process; :meth:`client_connections` tells the
    client's end of a connection from the daemon's by the peer address.
    """

    def __init__(self, *, max_api_version: str | None = None) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="fakedaemon-fuzz-")
        self.socket_path = Path(self._folder.name) / "docker.sock"
        config = DaemonConfig(max_api_version=max_api_version, images=[])
        self.daemon = Daemon(config, hosts=[f"unix://{self.socket_path}"])

    @property
    def docker_host(self) -> str:
        """The ``unix://`` host of the daemon."""
        return f"unix://{self.socket_path}"

    def start(self) -> FuzzDaemon:
        """Start listening."""
        self.daemon.start()
        return self

    def add_fault(self, **settings: Any) -> None:
        """Add a fault (see :class:`fakedaemon.control.Fault` for the settings)."""
        self.daemon.control.faults.add(**settings)

    def clear_faults(self) -> None:
        """Remove every fault."""
        self.daemon.control.faults.clear()

    def client_connections(self) -> int | None:
        """Count this process's open sockets connected to the daemon.

        Returns None where ``/proc/self/fd`` does not exist (not Linux).
        """
        if not _FD_FOLDER.is_dir():
            return None
        wanted = str(self.socket_path)
        count = 0
        for entry in _FD_FOLDER.iterdir():
            try:
                if not os.readlink(entry).startswith("socket:"):
                    continue
                duplicate = os.dup(int(entry.name))
            except (OSError, ValueError):
                continue
            with contextlib.closing(socket.socket(fileno=duplicate)) as sock:
                if sock.family != socket.AF_UNIX:
                    continue
                try:
                    peer = sock.getpeername()
                except OSError:
                    continue
                if peer == wanted:
                    count += 1
        return count

    def stop(self) -> None:
        """Stop the daemon and remove its folder."""
        self.daemon.stop()
        self._folder.cleanup()

    def __enter__(self) -> FuzzDaemon:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
