"""Listening addresses (``-H``): parsing, binding and the loopback rule."""

from __future__ import annotations

import grp
import ipaddress
import logging
import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

logger = logging.getLogger("fakedaemon")


@dataclass(frozen=True, slots=True)
class Address:
    """A parsed ``-H`` value: a unix socket path or a TCP host and port."""

    scheme: str
    path: str = ""
    host: str = ""
    port: int = 0

    def __str__(self) -> str:
        if self.scheme == "unix":
            return f"unix://{self.path}"
        return f"tcp://{_host_text(self.host)}:{self.port}"


def listen_backlog() -> int:
    """Return the accept queue length the kernel allows, as Go's net package does.

    Go reads ``net.core.somaxconn`` (4096 on current Linux kernels), so
    many clients connecting at once queue instead of failing with EAGAIN.
    """
    try:
        with open("/proc/sys/net/core/somaxconn", encoding="ascii") as handle:
            return max(int(handle.read().strip()), 1)
    except (OSError, ValueError):
        return socket.SOMAXCONN


def default_socket_path() -> Path:
    """Return the per-user default socket path.

    ``$XDG_RUNTIME_DIR/fakedaemon.sock`` where the runtime folder exists,
    otherwise ``/tmp/fakedaemon-<uid>/docker.sock``.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and Path(runtime).is_dir():
        return Path(runtime) / "fakedaemon.sock"
    return Path(f"/tmp/fakedaemon-{os.getuid()}") / "docker.sock"


def parse_address(text: str) -> Address:
    """Parse ``unix:///path``, ``tcp://HOST:PORT`` or a bare path.

    Raises:
        ValueError: the address is malformed or uses another scheme.
    """
    if text.startswith("/"):
        return Address("unix", path=text)
    if "://" not in text:
        raise ValueError(f"invalid listen address {text!r}: expected unix:// or tcp://")
    scheme, _, rest = text.partition("://")
    if scheme == "unix":
        if not rest:
            return Address("unix", path=str(default_socket_path()))
        return Address("unix", path=rest)
    if scheme == "tcp":
        parts = urlsplit(f"tcp://{rest}")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"invalid port in listen address {text!r}") from None
        if port is None:
            raise ValueError(
                f"listen address {text!r} needs a port, for example tcp://127.0.0.1:2375"
            )
        host = parts.hostname or "127.0.0.1"
        return Address("tcp", host=host, port=port)
    raise ValueError(
        f"invalid listen address {text!r}: scheme {scheme!r} is not supported, "
        "use unix:// or tcp://"
    )


def is_loopback(host: str) -> bool:
    """Return whether ``host`` names the loopback interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(address: Address, *, group: str | None = None) -> socket.socket:
    """Bind and listen on ``address``.

    A unix socket's folder is created, and a stale socket file is replaced;
    any other file at the path is left alone and reported. The socket gets
    mode 0660 and, with ``group``, that group as owner (dockerd's ``-G``).
    TCP binds only loopback addresses, because this daemon must not be
    reachable from other machines.
    """
    if address.scheme == "unix":
        return _bind_unix(Path(address.path), group)
    if not is_loopback(address.host):
        raise ValueError(
            f"refusing to listen on {address.host}: this daemon binds loopback "
            "addresses only (127.0.0.1, ::1, localhost)"
        )
    family = socket.AF_INET6 if ":" in address.host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    host = "127.0.0.1" if address.host == "localhost" else address.host
    listener.bind((host, address.port))
    listener.listen(listen_backlog())
    return listener


def lookup_group(name: str) -> int:
    """Return the id of group ``name`` (a name or a number).

    Raises:
        ValueError: no such group exists.
    """
    if name.isdigit():
        return int(name)
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        raise ValueError(f"group {name} not found") from None


def _bind_unix(path: Path, group: str | None) -> socket.socket:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        if not stat.S_ISSOCK(path.lstat().st_mode):
            raise ValueError(
                f"cannot listen on {path}: a file that is not a socket is there"
            )
        if _socket_answers(path):
            raise ValueError(f"cannot listen on {path}: another daemon is serving it")
        path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(path))
    except BaseException:
        listener.close()
        raise
    try:
        if group is not None:
            os.chown(path, -1, lookup_group(group))
        os.chmod(path, 0o660)
    except BaseException:
        listener.close()
        path.unlink(missing_ok=True)
        raise
    listener.listen(listen_backlog())
    return listener


def _socket_answers(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.settimeout(0.5)
        probe.connect(str(path))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def _host_text(host: str) -> str:
    return f"[{host}]" if ":" in host else host
