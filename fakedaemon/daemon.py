"""A daemon: one engine, its WSGI app, and the servers that listen for it."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from .api.app import APIApp
from .authz import AuthorizationMiddleware, load_policy
from .config import DaemonConfig
from .control import Control
from .engine.engine import Engine
from .persistence import Persistence
from .server import debug
from .server.cors import CORSMiddleware
from .server.http import WSGIServer
from .server.listeners import Address, bind, default_socket_path, parse_address
from .server.tls import TLSSettings, handshake, server_context

logger = logging.getLogger("fakedaemon")

SHUTDOWN_GRACE = 2.0
"""Seconds open responses get to finish their streams when the daemon stops."""


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
        # After the control middleware: authorization is dockerd's outermost
        # middleware and CORS comes next; the counters see every request.
        self.counters = debug.install(self.app)
        self.authorization = AuthorizationMiddleware(self.app)
        if self.config.authorization_rules:
            self.authorization.policy = load_policy(self.config.authorization_rules)
        self.app.middlewares.append(self.authorization)
        self.cors = CORSMiddleware(self.config.api_cors_header)
        self.app.middlewares.append(self.cors)
        self.persistence = (
            Persistence(self.control, self.config.data_root, self.config.save_delay)
            if self.config.data_root
            else None
        )
        """Saves and restores state under ``config.data_root``, if it is set."""
        self._hosts = hosts or [f"unix://{default_socket_path()}"]
        self._servers: list[tuple[Address, WSGIServer, threading.Thread]] = []
        self.addresses: list[Address] = []

    @property
    def docker_host(self) -> str:
        """The ``DOCKER_HOST`` value of the first listener."""
        if not self.addresses:
            raise RuntimeError("the daemon is not listening yet: call start() first")
        return str(self.addresses[0])

    def tls_settings(self) -> TLSSettings | None:
        """Return the TLS settings of TCP listeners, or None without TLS."""
        config = self.config
        if not (config.tls or config.tls_verify):
            return None
        if not config.tls_cert or not config.tls_key:
            raise ValueError("TLS needs --tlscert and --tlskey")
        return TLSSettings(
            cert=config.tls_cert,
            key=config.tls_key,
            ca_cert=config.tls_ca_cert,
            verify=config.tls_verify,
        )

    def start(self) -> Daemon:
        """Restore saved state, then bind every listener and serve each on a thread.

        Raises:
            OSError: a listener cannot be bound.
            ValueError: an address, a TLS file or the group is invalid.
            DataRootError: the data root is locked or its state unreadable.
        """
        settings = self.tls_settings()
        context = server_context(settings) if settings is not None else None
        if self.persistence is not None:
            self.persistence.open()
            self.persistence.start()
        try:
            for host in self._hosts:
                self._listen(parse_address(host), context)
        except BaseException:
            self.stop()
            raise
        return self

    def _listen(self, address: Address, context: Any) -> None:
        listener = bind(address, group=self.config.group)
        wrap = None
        scheme = "http"
        if address.scheme == "tcp":
            address = Address("tcp", host=address.host, port=listener.getsockname()[1])
            if context is not None:
                wrap = handshake(context)
                scheme = "https"
        server = WSGIServer(
            listener,
            self.app,
            url_scheme=scheme,
            host_name=address.host or "localhost",
            port_text=str(address.port),
            wrap=wrap,
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

    def stop(self) -> None:
        """Stop serving, end open streams, stop containers and save the state.

        New connections are refused first; then the containers stop, which
        ends log and attach streams, and event streams end. Responses get
        ``SHUTDOWN_GRACE`` seconds to send their last bytes before every
        connection is closed; the state is saved last.
        """
        servers, self._servers = self._servers, []
        for _, server, _ in servers:
            server.shutdown()
        self.engine.close()
        for _, server, _ in servers:
            server.close_connections(grace=SHUTDOWN_GRACE)
        for address, server, thread in servers:
            server.server_close()
            thread.join(timeout=5)
            if address.scheme == "unix":
                Path(address.path).unlink(missing_ok=True)
        if self.persistence is not None:
            self.persistence.close()
        self.addresses = []

    def reload(self, settings: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
        """Apply reloadable settings by daemon.json key; return what changed.

        ``debug``, ``labels``, ``log-level`` and ``authorization-rules`` are
        reloadable; a key absent from ``settings`` keeps its value. Nothing
        changes when the new authorization rules are invalid. A ``daemon
        reload`` event is published, as dockerd does.

        Raises:
            ValueError: the authorization rules cannot be loaded.
        """
        config = self.config
        policy = self.authorization.policy
        rules = settings.get("authorization-rules", config.authorization_rules)
        if "authorization-rules" in settings:
            policy = load_policy(rules) if rules else None
        current = {
            "debug": config.debug,
            "labels": list(config.labels),
            "log-level": config.log_level,
            "authorization-rules": config.authorization_rules,
        }
        changes = {
            key: (current[key], value)
            for key, value in settings.items()
            if key in current and current[key] != value
        }
        config.debug = bool(settings.get("debug", config.debug))
        config.labels = list(settings.get("labels", config.labels))
        config.log_level = str(settings.get("log-level", config.log_level))
        config.authorization_rules = rules
        self.authorization.policy = policy
        self.engine.events.publish(
            "daemon",
            "reload",
            self.engine.daemon_id,
            {
                "debug": "true" if config.debug else "false",
                "labels": json.dumps(config.labels),
                "name": config.name,
            },
        )
        return changes

    def __enter__(self) -> Daemon:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
