"""``fakedaemon serve``: run a daemon until interrupted."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..config import DaemonConfig
from ..configfile import ConfigFileError, merge, read_file, reloadable
from ..persistence import DataRootError
from ..profiles import DEFAULT_PROFILE, PROFILES
from ..rigs import RIGS
from ..server import logs
from ..server.listeners import default_socket_path, is_loopback, parse_address
from ..server.notify import notify
from ..server.pidfile import PidFile, PidFileError

if TYPE_CHECKING:
    from ..daemon import Daemon

logger = logging.getLogger("fakedaemon")

LOCALHOST_WARNING = (
    "Binding to an IP address, even on localhost, can also give access to "
    "scripts run in a browser. Be safe out there!"
)


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``serve`` and ``env`` subcommands."""
    serve = commands.add_parser(
        "serve",
        help="serve the Engine API until interrupted",
        description="Serve the Docker Engine API on unix sockets or loopback TCP.",
    )
    # Every default is None, so the merge with the configuration file can
    # see which flags were given on the command line.
    serve.add_argument(
        "-H",
        "--host",
        action="append",
        default=None,
        metavar="ADDRESS",
        help="listen on unix:///PATH or tcp://127.0.0.1:PORT (port 0 picks a "
        f"free port); repeatable; default unix://{default_socket_path()}",
    )
    serve.add_argument(
        "--config-file", metavar="FILE", help="daemon.json file of settings"
    )
    _add_flags(serve)
    _add_tls_flags(serve)
    _add_operation_flags(serve)
    serve.set_defaults(run=serve_command)
    env = commands.add_parser(
        "env", help="print the DOCKER_HOST export line for the default socket"
    )
    env.set_defaults(run=env_command)


def _add_flags(serve: argparse.ArgumentParser) -> None:
    flag = serve.add_argument
    flag("-D", "--debug", action="store_true", default=None, help="log every request")
    flag(
        "--engine",
        choices=sorted(PROFILES),
        help=f"Docker Engine release to reproduce, with its API range (default: "
        f"{DEFAULT_PROFILE}'s answers, API 1.24 to its maximum)",
    )
    flag("--min-api-version", help="oldest API version served")
    flag("--max-api-version", help="newest API version served")
    flag(
        "--experimental",
        action="store_true",
        default=None,
        help="enable experimental routes",
    )
    flag(
        "--offline",
        action="store_true",
        default=None,
        help="fail every pull as an Engine without registry access does",
    )
    flag(
        "--rig",
        choices=sorted(RIGS),
        help="host set-up to reproduce: real-dockerd is dockerd with vfs, "
        "--bridge=none, a closed proxy and busybox imported (default: default)",
    )
    flag("--seed", type=int, help="seed for ids and names, for reproducible runs")
    flag(
        "--image",
        action="append",
        metavar="REFERENCE",
        help="image present at start; repeatable (default busybox:latest)",
    )
    flag(
        "--label",
        action="append",
        metavar="KEY=VALUE",
        help="daemon label reported by /info; repeatable",
    )


def _add_tls_flags(serve: argparse.ArgumentParser) -> None:
    flag = serve.add_argument
    flag("--tls", action="store_true", default=None, help="serve TCP over TLS")
    flag(
        "--tlsverify",
        action="store_true",
        default=None,
        help="serve TCP over TLS and reject clients without a certificate "
        "signed by --tlscacert",
    )
    flag("--tlscacert", metavar="FILE", help="CA certificate that signs clients")
    flag("--tlscert", metavar="FILE", help="server certificate (PEM)")
    flag("--tlskey", metavar="FILE", help="server private key (PEM)")


def _add_operation_flags(serve: argparse.ArgumentParser) -> None:
    flag = serve.add_argument
    flag("-G", "--group", help="group that owns the unix sockets (mode 0660)")
    flag("-p", "--pidfile", metavar="FILE", help="file that holds the process id")
    flag(
        "--data-root",
        metavar="DIR",
        help="folder where state is saved, so it survives a restart",
    )
    flag(
        "-l",
        "--log-level",
        choices=sorted(logs.LEVELS),
        help="log level (default info)",
    )
    flag("--log-format", choices=logs.FORMATS, help="log format (default text)")
    flag(
        "--api-cors-header",
        metavar="ORIGIN",
        help="Access-Control-Allow-Origin value sent on every response",
    )
    flag(
        "--authorization-rules",
        metavar="FILE",
        help="JSON file of rules that allow or deny requests",
    )


def env_command(arguments: argparse.Namespace) -> int:
    """Print the shell line that points clients at the default socket."""
    print(f"export DOCKER_HOST=unix://{default_socket_path()}")
    return 0


def resolve_settings(arguments: argparse.Namespace) -> dict[str, Any]:
    """Return the flags' values merged with the configuration file's.

    Raises:
        ConfigFileError: the file is invalid or repeats a flag.
    """
    flags = {name: value for name, value in vars(arguments).items() if name != "run"}
    path = flags.pop("config_file", None)
    if path is None:
        return flags
    return merge(path, read_file(path), flags)


def build_config(settings: dict[str, Any]) -> DaemonConfig:
    """Build the daemon's configuration from merged settings."""
    config = DaemonConfig(
        engine=settings.get("engine") or None,
        min_api_version=settings.get("min_api_version"),
        max_api_version=settings.get("max_api_version"),
        experimental=bool(settings.get("experimental")),
        debug=bool(settings.get("debug")),
        labels=list(settings.get("label") or []),
        offline=bool(settings.get("offline")),
        rig=settings.get("rig") or "default",
        seed=settings.get("seed"),
        data_root=settings.get("data_root"),
        api_cors_header=settings.get("api_cors_header") or "",
        authorization_rules=settings.get("authorization_rules"),
        tls=bool(settings.get("tls")),
        tls_verify=bool(settings.get("tlsverify")),
        tls_ca_cert=settings.get("tlscacert"),
        tls_cert=settings.get("tlscert"),
        tls_key=settings.get("tlskey"),
        group=settings.get("group"),
        pidfile=settings.get("pidfile"),
        log_level=settings.get("log_level") or "info",
        log_format=settings.get("log_format") or "text",
    )
    if settings.get("image") is not None:
        config.images = list(settings["image"])
    # Imported here, so that the command line loads no engine module until
    # a daemon is built.
    from ..engine.references import InvalidReference, parse_normalized

    for image in config.images:
        try:
            parse_normalized(image)
        except InvalidReference as error:
            raise ValueError(f"invalid image {image!r}: {error.message}") from None
    return config


def check_hosts(hosts: list[str], tls: bool) -> None:
    """Check every ``-H`` address, warning about plain TCP as dockerd does.

    Raises:
        ValueError: an address is malformed or not a loopback address.
    """
    for host in hosts:
        address = parse_address(host)
        if address.scheme != "tcp":
            continue
        if not is_loopback(address.host):
            raise ValueError(
                f"refusing to listen on {host}: this daemon binds loopback "
                "addresses only, with or without TLS"
            )
        if not tls:
            logger.warning(LOCALHOST_WARNING)


def serve_command(arguments: argparse.Namespace) -> int:
    """Serve until SIGINT or SIGTERM, then stop cleanly; SIGHUP reloads."""
    # The start creates many long-lived objects and little garbage, yet the
    # cyclic collector ran about 80 times in it, some 10 ms of the 150 ms to
    # the first /_ping (gc.callbacks, CPython 3.11, 2 cores). Once the
    # daemon listens, the objects made so far move to the permanent
    # generation (gc.freeze), so that the collections that follow skip them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        started = _start(arguments)
        if not isinstance(started, int):
            gc.freeze()
    finally:
        if collecting:
            gc.enable()
    if isinstance(started, int):
        return started
    daemon, pidfile = started
    try:
        _run_until_stopped(daemon, arguments)
    finally:
        notify("STOPPING=1")
        daemon.stop()
        if pidfile is not None:
            pidfile.release()
        logger.info("Daemon shutdown complete")
    return 0


def _start(arguments: argparse.Namespace) -> tuple[Daemon, PidFile | None] | int:
    """Configure logging and start the daemon.

    Returns the daemon and its pidfile, or the exit status of a failure.
    """
    from ..daemon import Daemon

    try:
        settings = resolve_settings(arguments)
        config = build_config(settings)
        logs.configure(config.log_level, config.log_format, debug=config.debug)
    except (ConfigFileError, ValueError) as error:
        logs.configure("info", "text")
        logger.error("%s", error)
        return 1
    hosts = settings.get("host") or [f"unix://{default_socket_path()}"]
    try:
        check_hosts(hosts, config.tls or config.tls_verify)
    except ValueError as error:
        logger.error("%s", error)
        return 2
    pidfile = PidFile(config.pidfile) if config.pidfile else None
    try:
        if pidfile is not None:
            pidfile.acquire()
        daemon = Daemon(config, hosts).start()
    except (OSError, ValueError, PidFileError, DataRootError) as error:
        logger.error("failed to start daemon: %s", error)
        if pidfile is not None and not isinstance(error, PidFileError):
            pidfile.release()
        return 1
    return daemon, pidfile


def _run_until_stopped(daemon: Any, arguments: argparse.Namespace) -> None:
    stop = threading.Event()
    reload = threading.Event()

    def request_stop(number: int, frame: FrameType | None) -> None:
        logger.info("Processing signal '%s'", signal.Signals(number).name)
        stop.set()

    def request_reload(number: int, frame: FrameType | None) -> None:
        reload.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGHUP, request_reload)
    logger.info("Daemon has completed initialization")
    notify("READY=1")
    # The DOCKER_HOST lines are the ready signal without a service manager.
    for address in daemon.addresses:
        print(f"DOCKER_HOST={address}", flush=True)
    while not stop.wait(0.2):
        if reload.is_set():
            reload.clear()
            reload_configuration(daemon, arguments)


def reload_configuration(daemon: Any, arguments: argparse.Namespace) -> bool:
    """Read the configuration file again and apply its reloadable settings.

    A file that cannot be used is logged and leaves every setting as it was.
    Returns whether the reload was applied.
    """
    path = arguments.config_file
    if path is None:
        logger.info("received SIGHUP, but no --config-file was given to reload")
        return False
    try:
        flags = {
            name: value for name, value in vars(arguments).items() if name != "run"
        }
        document = read_file(path)
        merge(path, document, flags)
        changes = daemon.reload(reloadable(document))
    except (ConfigFileError, ValueError) as error:
        logger.error("%s", error)
        return False
    config = daemon.config
    logs.set_level(config.log_level, debug=config.debug)
    for key, (old, new) in sorted(changes.items()):
        logger.info("configuration reload changed %s from %s to %s", key, old, new)
    current = {
        "debug": config.debug,
        "labels": config.labels,
        "log-level": config.log_level,
        "authorization-rules": config.authorization_rules,
    }
    logger.info("Reloaded configuration: %s", json.dumps(current))
    return True
