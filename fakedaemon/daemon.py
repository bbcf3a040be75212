"""A daemon: one engine, its WSGI app, and the servers that listen for it."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from types import TracebackType

from .api.app import APIApp
from .config import DaemonConfig
from .control import Control
from .engine.engine import Engine
from .server.http import WSGIServer
from .server.listeners import Address, bind, default_socket_path, parse_address

logger = logging.getLogger("fakedaemon")


class Daemon:
    """A fake Docker Engine serving the Engine API on unix sockets or loopback TCP.

    Use it as a context manager, or call ``start`` and ``stop``. Many daemons
    may run in one process; each has its own engine and state.
    """

    def __init__(
        self, config: DaemonConfig | None = None, hosts: list[str] | None = None
    ) -> None:
        self.config = config or DaemonConfig()
        self.engine = Engine(self.config)
        self.app = APIApp(self.engine)
        self.control = Control(self.engine, self.app)
        """Test control: reset, snapshots, faults, journal, clock, behaviours."""
        self._hosts = hosts or [f"unix://{default_socket_path()}"]
        self._servers: list[tuple[Address, WSGIServer, threading.Thread]] = []
        self.addresses: list[Address] = []

    @property
    def docker_host(self) -> str:
        """The ``DOCKER_HOST`` value of the first listener."""
        if not self.addresses:
            raise RuntimeError("the daemon is not listening yet: call start() first")
        return str(self.addresses[0])

    def start(self) -> Daemon:
        """Bind every listener and serve each on its own thread."""
        try:
            for host in self._hosts:
                address = parse_address(host)
                listener = bind(address)
                if address.scheme == "tcp":
                    address = Address(
                        "tcp", host=address.host, port=listener.getsockname()[1]
                    )
                server = WSGIServer(
                    listener,
                    self.app,
                    host_name=address.host or "localhost",
                    port_text=str(address.port),
                )
                thread = threading.Thread(
                    target=server.serve_forever,
                    kwargs={"poll_interval": 0.05},
                    name=f"fakedaemon-{address}",
                    daemon=True,
                )
                thread.start()
                self._servers.append((address, server, thread))
                self.addresses.append(address)
                logger.info("API listen on %s", address)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop serving, end open streams, stop containers and remove sockets."""
        servers, self._servers = self._servers, []
        for _, server, _ in servers:
            server.shutdown()
        self.engine.close()
        for address, server, thread in servers:
            server.close_connections()
            server.server_close()
            thread.join(timeout=5)
            if address.scheme == "unix":
                Path(address.path).unlink(missing_ok=True)
        self.addresses = []

    def __enter__(self) -> Daemon:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
