"""Checks dockerd makes on a container's settings before it creates the container.

The checks run in dockerd's order (the container config, then the host
config, then the platform's resource limits) and fail with its messages,
as measured on Engines 26.1 and 20.10. The image lookup comes after them;
links and ``VolumesFrom`` are checked once the image is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..errors import InvalidParameter, NotFound
from .signals import parse_signal

MINIMUM_MEMORY = 6 * 1024 * 1024
"""dockerd's smallest memory limit on Linux, in bytes."""

RESTART_POLICIES = ("", "no", "always", "unless-stopped", "on-failure")

CAPABILITIES = frozenset(
    "CAP_" + name
    for name in (
        "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID "
        "SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN "
        "NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE "
        "SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME "
        "SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP "
        "MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ "
        "PERFMON BPF CHECKPOINT_RESTORE"
    ).split()
)
"""The Linux capabilities dockerd knows (Linux 5.9), with their ``CAP_`` prefix."""

_DIGITS = re.compile(r"[0-9]+")
_MILLISECOND = 1_000_000


def check_settings(
    config: dict[str, Any], host_config: dict[str, Any] | None, legacy: bool
) -> None:
    """Check a create request's config and host config as dockerd does.

    Args:
        config: the request's container config, before the image's is merged.
        host_config: the request's host config, or None.
        legacy: word the messages as Engine 20.10 did.

    Raises:
        InvalidParameter: the first setting dockerd rejects.
    """
    _check_config(config, legacy)
    hosts = host_config or {}
    _check_port_bindings(hosts.get("PortBindings") or {})
    check_restart_policy(hosts.get("RestartPolicy") or {}, legacy)
    for key in ("CapAdd", "CapDrop"):
        _check_capabilities(key, hosts.get(key) or [])
    check_memory(hosts.get("Memory") or 0)


def check_references(
    host_config: dict[str, Any] | None, lookup: Callable[[str], object]
) -> None:
    """Check that the containers named by ``Links`` and ``VolumesFrom`` exist.

    ``lookup`` finds a container by reference and raises NotFound when none
    matches; dockerd reports both cases as invalid parameters.
    """
    hosts = host_config or {}
    for link in hosts.get("Links") or []:
        name = link.split(":", 1)[0]
        try:
            lookup(name)
        except NotFound as error:
            raise InvalidParameter(
                f"could not get container for {name}: {error.message}"
            ) from None
    for source in hosts.get("VolumesFrom") or []:
        name = source.split(":", 1)[0]
        try:
            lookup(name)
        except NotFound as error:
            raise InvalidParameter(error.message) from None


def check_restart_policy(policy: dict[str, Any], legacy: bool) -> None:
    """Check a restart policy's name and retry count."""
    name = policy.get("Name") or ""
    retries = int(policy.get("MaximumRetryCount") or 0)
    if name not in RESTART_POLICIES:
        if legacy:
            raise InvalidParameter(f"invalid restart policy '{name}'")
        raise InvalidParameter(
            f"invalid restart policy: unknown policy '{name}'; use one of 'no', "
            "'always', 'on-failure', or 'unless-stopped'"
        )
    if retries < 0:
        prefix = "" if legacy else "invalid restart policy: "
        raise InvalidParameter(f"{prefix}maximum retry count cannot be negative")
    if retries and name != "on-failure":
        if legacy:
            raise InvalidParameter(
                f"maximum retry count cannot be used with restart policy '{name}'"
            )
        raise InvalidParameter(
            "invalid restart policy: maximum retry count can only be used with "
            "'on-failure'"
        )


def check_memory(memory: int) -> None:
    """Reject a memory limit below 6 MB; zero means no limit."""
    if memory != 0 and memory < MINIMUM_MEMORY:
        raise InvalidParameter("Minimum memory limit allowed is 6MB")


def _check_config(config: dict[str, Any], legacy: bool) -> None:
    working_dir = config.get("WorkingDir") or ""
    if working_dir and not working_dir.startswith("/"):
        raise InvalidParameter(
            f"the working directory '{working_dir}' is invalid, it needs to be an "
            "absolute path"
        )
    stop_signal = config.get("StopSignal") or ""
    if stop_signal:
        try:
            parse_signal(stop_signal)
        except ValueError:
            word = "Invalid" if legacy else "invalid"
            raise InvalidParameter(f"{word} signal: {stop_signal}") from None
    for variable in config.get("Env") or []:
        if variable.split("=", 1)[0] == "":
            raise InvalidParameter(f"invalid environment variable: {variable}")
    _check_healthcheck(config.get("Healthcheck") or {})


def _check_healthcheck(health: dict[str, Any]) -> None:
    # dockerd checks Retries between Timeout and StartPeriod (Engines 20.10
    # and 26.1); a zero duration means the default.
    for key in ("Interval", "Timeout", "Retries", "StartPeriod", "StartInterval"):
        value = health.get(key) or 0
        if key == "Retries":
            if value < 0:
                raise InvalidParameter("Retries in Healthcheck cannot be negative")
        elif value != 0 and value < _MILLISECOND:
            raise InvalidParameter(f"{key} in Healthcheck cannot be less than 1ms")


def _check_port_bindings(bindings: dict[str, Any]) -> None:
    # dockerd parses the port part with strconv.ParseUint(port, 10, 16), so
    # a range such as 80-90 is rejected here; the protocol is not checked.
    for key in bindings:
        port = key.split("/", 1)[0]
        valid = _DIGITS.fullmatch(port) is not None and len(port.lstrip("0")) <= 5
        if port and not (valid and int(port) <= 65535):
            raise InvalidParameter(f'invalid port specification: "{port}"')


def _check_capabilities(key: str, capabilities: list[str]) -> None:
    for capability in capabilities:
        name = capability.upper()
        if name == "ALL":
            continue
        if not name.startswith("CAP_"):
            name = "CAP_" + name
        if name not in CAPABILITIES:
            raise InvalidParameter(f'invalid {key}: unknown capability: "{name}"')
