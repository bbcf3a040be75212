"""pytest fixtures and a marker for testing code that drives Docker against the fake.

Registered through the ``pytest11`` entry point as ``fakedaemon``. Importing
this module loads only pytest and the standard library; the daemon, httpx
and docker-py load when a fixture first needs them.

Fixtures:
    fake_daemon: a daemon for one test on its own unix socket.
    fake_daemon_session: one daemon for the session (one per xdist worker).
    fake_daemon_reset: the session daemon, reset before the test.
    fake_daemon_inprocess: a daemon reached in-process, without a socket.

Marker ``@pytest.mark.fakedaemon(...)`` configures the test's daemon:
``api_versions=("1.24", "1.45")``, ``engine="26.1"``, ``images=[...]``,
``offline=True``, ``seed=1``, ``behaviours=[{...}]``, ``faults=[{...}]``,
``guard=False``.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import docker  # type: ignore[import-untyped]
    import httpx

    from fakedaemon.control import Control
    from fakedaemon.daemon import Daemon
    from fakedaemon.engine.engine import Engine
    from harness.client import Client

MARKER = "fakedaemon"

REAL_DAEMON_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")
"""Unix sockets of a real Docker daemon that the guard blocks."""

_MAX_SOCKET_PATH = 100
"""A conservative bound below the 104 to 108 bytes unix socket paths allow."""

_MARKER_OPTIONS = frozenset(
    (
        "api_versions",
        "engine",
        "images",
        "offline",
        "seed",
        "behaviours",
        "faults",
        "guard",
    )
)
_DAEMON_OPTIONS = frozenset(("api_versions", "engine", "images", "offline", "seed"))


class RealDaemonAccessError(RuntimeError):
    """A test tried to reach a real Docker daemon while the fake was active.

    It is not an ``OSError``, so clients that retry or swallow connection
    errors cannot hide it.
    """


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the plugin's ini settings."""
    parser.addini(
        "fakedaemon_guard",
        type="bool",
        default=True,
        help="fakedaemon: block connections to a real Docker daemon while a "
        "fake_daemon fixture is active (default: true)",
    )
    parser.addini(
        "fakedaemon_engine",
        default="",
        help="fakedaemon: the engine profile of daemons without a marker "
        "(20.10, 26.1, 28.5, 29.x; default: the newest)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker so ``--strict-markers`` accepts it."""
    config.addinivalue_line(
        "markers",
        "fakedaemon(api_versions=None, engine=None, images=None, offline=False, "
        "seed=None, behaviours=(), faults=(), guard=True): configure the fake "
        "Docker daemon of the test's fixture",
    )


class FakeDaemon:
    """A running fake daemon as the fixtures give it to a test.

    Attributes:
        daemon: the ``fakedaemon.Daemon``.
        docker_host: the ``DOCKER_HOST`` value that reaches it.
    """

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self._closers: list[Any] = []

    @property
    def docker_host(self) -> str:
        """The ``DOCKER_HOST`` value of the daemon's socket."""
        return self.daemon.docker_host

    @property
    def control(self) -> Control:
        """Reset, snapshots, faults, journal, clock, behaviours and images."""
        return self.daemon.control

    @property
    def engine(self) -> Engine:
        """The daemon's state, for direct inspection."""
        return self.daemon.engine

    def docker_client(self, **options: Any) -> docker.DockerClient:
        """Return a docker-py client for this daemon, closed after the test."""
        import docker

        options.setdefault("version", "auto")
        client = docker.DockerClient(base_url=self.docker_host, **options)
        self._closers.append(client)
        return client

    def client(self, **options: Any) -> Client:
        """Return a ``harness.client.Client`` for this daemon, closed after the test."""
        from harness.client import Client

        client = Client(self.docker_host, **options)
        self._closers.append(client)
        return client

    def close_clients(self) -> None:
        """Close every client made by ``docker_client`` and ``client``."""
        closers, self._closers = self._closers, []
        for client in closers:
            client.close()


class InProcessFakeDaemon(FakeDaemon):
    """A fake daemon reached without a socket, through its WSGI app."""

    @property
    def docker_host(self) -> str:
        """Always raises: an in-process daemon has no socket."""
        raise RuntimeError(
            "an in-process daemon has no DOCKER_HOST: use .http or .client(), or "
            "the fake_daemon fixture for clients that need a socket"
        )

    @property
    def http(self) -> httpx.Client:
        """An httpx client over the daemon's WSGI app (base URL http://docker)."""
        cached: httpx.Client | None = getattr(self, "_http", None)
        if cached is None:
            from harness.inprocess import http_client

            cached = http_client(self.daemon)
            self._http = cached
            self._closers.append(cached)
        return cached

    def client(self, **options: Any) -> Client:
        """Return a ``harness.client.Client`` that reaches the daemon in-process."""
        from harness.inprocess import engine_client

        client = engine_client(self.daemon, **options)
        self._closers.append(client)
        return client

    def docker_client(self, **options: Any) -> docker.DockerClient:
        """Always raises: docker-py needs a socket."""
        raise RuntimeError(
            "docker-py needs a socket: use the fake_daemon fixture instead of "
            "fake_daemon_inprocess"
        )


# Configuration ------------------------------------------------------------


def marker_options(node: pytest.Item) -> dict[str, Any]:
    """Return the merged ``fakedaemon`` marker options of ``node``.

    Markers closer to the test win (a function's over its class's).

    Raises:
        pytest.UsageError: a marker has positional or unknown arguments.
    """
    options: dict[str, Any] = {}
    for mark in reversed(list(node.iter_markers(MARKER))):
        if mark.args:
            raise pytest.UsageError(
                f"{node.nodeid}: the fakedaemon marker takes keyword arguments "
                f"only, got {mark.args!r}"
            )
        unknown = sorted(set(mark.kwargs) - _MARKER_OPTIONS)
        if unknown:
            raise pytest.UsageError(
                f"{node.nodeid}: unknown fakedaemon marker options "
                f"{', '.join(unknown)}; known: {', '.join(sorted(_MARKER_OPTIONS))}"
            )
        options.update(mark.kwargs)
    return options


def _daemon_config(options: Mapping[str, Any], config: pytest.Config) -> Any:
    from fakedaemon import DaemonConfig

    settings: dict[str, Any] = {"environ": {}}
    engine = options.get("engine") or config.getini("fakedaemon_engine")
    if engine:
        settings["engine"] = str(engine)
    versions = options.get("api_versions")
    if versions is not None:
        if isinstance(versions, str) or len(versions) != 2:
            raise pytest.UsageError(
                f"invalid api_versions {versions!r}: give (minimum, maximum), "
                'such as ("1.24", "1.45")'
            )
        settings["min_api_version"], settings["max_api_version"] = (
            str(versions[0]),
            str(versions[1]),
        )
    if options.get("images") is not None:
        settings["images"] = list(options["images"])
    if options.get("offline") is not None:
        settings["offline"] = bool(options["offline"])
    if options.get("seed") is not None:
        settings["seed"] = int(options["seed"])
    return DaemonConfig(**settings)


def _apply_rules(control: Control, options: Mapping[str, Any]) -> None:
    behaviours: Sequence[Mapping[str, Any]] = options.get("behaviours") or ()
    control.behaviours.extend(behaviours)
    faults: Sequence[Any] = options.get("faults") or ()
    control.faults.extend(faults)


def _worker_id(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        return "main"
    return str(workerinput["workerid"])


def _socket_directory(preferred: Path) -> tuple[Path, bool]:
    """Return a directory for a socket and whether the caller must remove it."""
    if len(str(preferred / "docker-gw000.sock")) <= _MAX_SOCKET_PATH:
        return preferred, False
    # pytest's tmp_path can exceed the unix socket path limit; /tmp is short.
    return Path(tempfile.mkdtemp(prefix="fakedaemon-")), True


def _start(config: Any, socket_path: Path) -> Daemon:
    from fakedaemon import Daemon

    return Daemon(config, hosts=[f"unix://{socket_path}"]).start()


# The guard ----------------------------------------------------------------


def _real_daemon_targets() -> tuple[set[str], set[tuple[str, int]]]:
    paths = set(REAL_DAEMON_SOCKETS)
    addresses: set[tuple[str, int]] = set()
    home = os.environ.get("HOME")
    if home:
        paths.add(os.path.join(home, ".docker", "run", "docker.sock"))
    host = os.environ.get("DOCKER_HOST", "")
    if host.startswith("unix://"):
        paths.add(host.removeprefix("unix://"))
    elif host.startswith("tcp://"):
        address = host.removeprefix("tcp://").split("/", 1)[0]
        name, _, port = address.rpartition(":")
        if name and port.isdigit():
            addresses.add((name.strip("[]"), int(port)))
    return paths, addresses


def install_guard(monkeypatch: pytest.MonkeyPatch, docker_host: str | None) -> None:
    """Block connections to a real Docker daemon for the rest of the test.

    Connections to ``/var/run/docker.sock``, ``/run/docker.sock``,
    ``~/.docker/run/docker.sock`` and to the ``DOCKER_HOST`` that was set
    before the fixture raise ``RealDaemonAccessError``. ``DOCKER_HOST`` is
    set to ``docker_host`` (the fake), or removed when it is None.
    """
    paths, addresses = _real_daemon_targets()
    if docker_host is not None and docker_host.startswith("unix://"):
        paths.discard(docker_host.removeprefix("unix://"))
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family == socket.AF_UNIX and isinstance(address, str | bytes):
            path = os.fsdecode(address)
            if path in paths:
                raise RealDaemonAccessError(
                    f"connection to the real Docker daemon socket {path} blocked "
                    "while the fake daemon is active: point the client at "
                    f"DOCKER_HOST={docker_host or '(the fake daemon)'}"
                )
        elif isinstance(address, tuple) and len(address) >= 2:
            if (str(address[0]), int(address[1])) in addresses:
                raise RealDaemonAccessError(
                    f"connection to the Docker daemon at {address[0]}:{address[1]} "
                    "(the DOCKER_HOST set before the test) blocked while the fake "
                    "daemon is active"
                )

    def guarded_connect(sock: socket.socket, address: Any) -> None:
        try:
            check(sock, address)
        except RealDaemonAccessError:
            # Clients that fail while connecting often leave the socket to
            # the garbage collector, which would warn about it.
            sock.close()
            raise
        original_connect(sock, address)

    def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
        try:
            check(sock, address)
        except RealDaemonAccessError:
            sock.close()
            raise
        return original_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    if docker_host is None:
        monkeypatch.delenv("DOCKER_HOST", raising=False)
    else:
        monkeypatch.setenv("DOCKER_HOST", docker_host)
    for name in ("DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(name, raising=False)


def _guard_enabled(request: pytest.FixtureRequest, options: Mapping[str, Any]) -> bool:
    if "guard" in options:
        return bool(options["guard"])
    return bool(request.config.getini("fakedaemon_guard"))


# Fixtures -------------------------------------------------------------------


@pytest.fixture
def fake_daemon(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[FakeDaemon]:
    """A fake Docker daemon for one test, on its own unix socket.

    The ``fakedaemon`` marker configures it. ``DOCKER_HOST`` points at it
    during the test, and connections to a real daemon fail (see the
    ``fakedaemon_guard`` ini setting).
    """
    options = marker_options(request.node)
    config = _daemon_config(options, request.config)
    directory, remove = _socket_directory(tmp_path)
    daemon = _start(config, directory / f"docker-{_worker_id(request.config)}.sock")
    fake = FakeDaemon(daemon)
    try:
        _apply_rules(daemon.control, options)
        if _guard_enabled(request, options):
            install_guard(monkeypatch, daemon.docker_host)
        yield fake
    finally:
        fake.close_clients()
        daemon.stop()
        if remove:
            shutil.rmtree(directory, ignore_errors=True)


class SessionFakeDaemon(FakeDaemon):
    """The session's daemon; ``set_baseline`` fixes the state tests start from."""

    def __init__(self, daemon: Daemon) -> None:
        super().__init__(daemon)
        self.baseline: Any = None

    def set_baseline(self) -> None:
        """Make the present state the one ``fake_daemon_reset`` restores.

        Without a baseline, each test starts from the configured start state.
        """
        self.baseline = self.control.snapshot()

    def reset(self) -> None:
        """Clear faults, behaviours and the journal; restore the baseline state."""
        control = self.control
        control.reset()
        if self.baseline is not None:
            control.restore(self.baseline)
            control.journal.clear()


@pytest.fixture(scope="session")
def fake_daemon_session(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SessionFakeDaemon]:
    """One fake daemon for the whole session, one per pytest-xdist worker.

    Tests share its state; use ``fake_daemon_reset`` to start each test
    from a clean state. Markers do not configure it.
    """
    config = _daemon_config({}, request.config)
    worker = _worker_id(request.config)
    directory, remove = _socket_directory(tmp_path_factory.mktemp("fakedaemon"))
    daemon = _start(config, directory / f"docker-{worker}.sock")
    fake = SessionFakeDaemon(daemon)
    try:
        yield fake
    finally:
        fake.close_clients()
        daemon.stop()
        if remove:
            shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def fake_daemon_reset(
    request: pytest.FixtureRequest,
    fake_daemon_session: SessionFakeDaemon,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[SessionFakeDaemon]:
    """The session daemon, reset (or restored to its baseline) for this test.

    A ``fakedaemon`` marker may add ``behaviours``, ``faults`` and ``guard``;
    options that need a daemon of their own (``engine``, ``api_versions``,
    ``images``, ``offline``, ``seed``) are rejected: use ``fake_daemon``.
    """
    options = marker_options(request.node)
    own = sorted(set(options) & _DAEMON_OPTIONS)
    if own:
        raise pytest.UsageError(
            f"{request.node.nodeid}: marker options {', '.join(own)} need a daemon "
            "of their own: use the fake_daemon fixture, not fake_daemon_reset"
        )
    fake = fake_daemon_session
    fake.reset()
    _apply_rules(fake.control, options)
    if _guard_enabled(request, options):
        install_guard(monkeypatch, fake.docker_host)
    try:
        yield fake
    finally:
        fake.close_clients()


@pytest.fixture
def fake_daemon_inprocess(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InProcessFakeDaemon]:
    """A fake daemon reached in-process: ``.http`` (httpx) and ``.client()``.

    No socket and no server thread; operations that hijack the connection
    (attach, exec start) answer 400. The ``fakedaemon`` marker configures it.
    """
    from fakedaemon import Daemon

    options = marker_options(request.node)
    daemon = Daemon(_daemon_config(options, request.config))
    fake = InProcessFakeDaemon(daemon)
    try:
        _apply_rules(daemon.control, options)
        if _guard_enabled(request, options):
            install_guard(monkeypatch, None)
        yield fake
    finally:
        fake.close_clients()
        daemon.engine.close()
