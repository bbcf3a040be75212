"""Container documents in the shape of each API version."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING, Any

from ...clock import ZERO_TIME, format_rfc3339_nano
from ...engine.health import NO_HEALTHCHECK, STARTING
from ..jsonenc import dumps
from .durations import human_duration

if TYPE_CHECKING:
    from ...engine.containers import Container
    from ...versions import APIVersion


def state_document(container: Container) -> dict[str, Any]:
    """Return the ``State`` object of inspect."""
    state = container.state
    document: dict[str, Any] = {
        "Status": state.status,
        # dockerd counts a container waiting for its restart as running.
        "Running": state.running or state.restarting,
        "Paused": state.paused,
        "Restarting": state.restarting,
        "OOMKilled": state.oom_killed,
        "Dead": state.dead,
        "Pid": state.pid,
        "ExitCode": state.exit_code,
        "Error": state.error,
        "StartedAt": _time(state.started_ns),
        "FinishedAt": _time(state.finished_ns),
    }
    health = container.health
    # Engines 20.10 and 26.1 send Health at every API version (1.24 too),
    # from the first start of a container with a check.
    if health is not None:
        document["Health"] = {
            "Status": health.status,
            "FailingStreak": health.failing_streak,
            "Log": [
                {
                    "Start": format_rfc3339_nano(result.start_ns),
                    "End": format_rfc3339_nano(result.end_ns),
                    "ExitCode": result.exit_code,
                    "Output": result.output,
                }
                for result in health.log
            ],
        }
    return document


def _time(ns: int) -> str:
    return format_rfc3339_nano(ns) if ns else ZERO_TIME


def network_settings(
    container: Container, version: APIVersion, *, dns_names_always: bool = False
) -> dict[str, Any]:
    """Return ``NetworkSettings`` of inspect from the container's networks.

    The deprecated top-level endpoint fields describe the default ``bridge``
    network only, as dockerd fills them.
    """
    networks = network_entries(container, version, dns_names_always=dns_names_always)
    running = container.state.running
    bridge = container.networks.get("bridge")
    default = bridge.endpoint if bridge is not None else None
    # dockerd releases the sandbox when the container stops, unless its
    # network is disabled (no bridge): then the sandbox fields stay.
    sandbox = running or bool(container.config.get("NetworkDisabled"))
    document: dict[str, Any] = {
        "Bridge": "",
        "SandboxID": container.id[32:] + container.id[:32] if sandbox else "",
        "SandboxKey": f"/var/run/docker/netns/{container.id[32:44]}" if sandbox else "",
        "Ports": {},
        "HairpinMode": False,
        "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0,
        "SecondaryIPAddresses": None,
        "SecondaryIPv6Addresses": None,
        "EndpointID": default.endpoint_id if default else "",
        "Gateway": default.gateway if default else "",
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "IPAddress": default.address if default else "",
        "IPPrefixLen": default.prefix_len if default else 0,
        "IPv6Gateway": "",
        "MacAddress": default.mac_address if default else "",
        "Networks": networks,
    }
    # 1.52 dropped the deprecated top-level endpoint fields and the
    # HairpinMode/LinkLocal/Secondary fields of NetworkSettings.
    if version.at_least("1.52"):
        for key in (
            "Bridge",
            "HairpinMode",
            "LinkLocalIPv6Address",
            "LinkLocalIPv6PrefixLen",
            "SecondaryIPAddresses",
            "SecondaryIPv6Addresses",
            "EndpointID",
            "Gateway",
            "GlobalIPv6Address",
            "GlobalIPv6PrefixLen",
            "IPAddress",
            "IPPrefixLen",
            "IPv6Gateway",
            "MacAddress",
        ):
            document.pop(key, None)
    return document


def network_entries(
    container: Container, version: APIVersion, *, dns_names_always: bool = False
) -> dict[str, Any]:
    """Return ``NetworkSettings.Networks``: one entry per attachment.

    An entry has an address and endpoint only while the container runs.
    """
    networks: dict[str, Any] = {}
    if not container.networks:
        return networks
    # 1.48 added GwPriority to endpoint settings, 1.44 added DNSNames;
    # ``dns_names_always`` sends DNSNames at every version, as Engine 26.1
    # does. Up to API 1.44 the short container id was listed among the
    # aliases; 1.45 reports the aliases as the request gave them.
    gw_priority = version.at_least("1.48")
    dns_names_field = dns_names_always or version.at_least("1.44")
    short_id_alias = version.below("1.45")
    for name, attachment in container.networks.items():
        endpoint = attachment.endpoint
        user_defined = name not in ("bridge", "host", "none")
        aliases = list(attachment.aliases) if attachment.aliases else None
        dns_names: list[str] | None = None
        if user_defined and (endpoint is not None or attachment.by_connect):
            dns_names = [
                container.name.lstrip("/"),
                *(attachment.aliases or []),
                container.short_id,
            ]
            if short_id_alias:
                aliases = [*(aliases or []), container.short_id]
        if endpoint is None:
            entry: dict[str, Any] = {
                "IPAMConfig": attachment.ipam_config,
                "Links": attachment.links,
                "Aliases": aliases,
                "MacAddress": attachment.mac_request,
                "DriverOpts": attachment.driver_opts,
                "NetworkID": "",
                "EndpointID": "",
                "Gateway": "",
                "IPAddress": "",
                "IPPrefixLen": 0,
                "IPv6Gateway": "",
                "GlobalIPv6Address": "",
                "GlobalIPv6PrefixLen": 0,
            }
        else:
            entry = {
                "IPAMConfig": attachment.ipam_config,
                "Links": attachment.links,
                "Aliases": aliases,
                "MacAddress": endpoint.mac_address,
                "DriverOpts": attachment.driver_opts,
                "NetworkID": attachment.network_id,
                "EndpointID": endpoint.endpoint_id,
                "Gateway": endpoint.gateway,
                "IPAddress": endpoint.address,
                "IPPrefixLen": endpoint.prefix_len,
                "IPv6Gateway": "",
                "GlobalIPv6Address": "",
                "GlobalIPv6PrefixLen": 0,
            }
        if gw_priority:
            entry["GwPriority"] = attachment.gw_priority
        if dns_names_field:
            entry["DNSNames"] = dns_names
        networks[name] = entry
    return networks


def inspect_document(
    container: Container,
    version: APIVersion,
    size: tuple[int, int] | None,
    storage_driver: str = "overlay2",
    *,
    dns_names_always: bool = False,
) -> dict[str, Any]:
    """Return ``GET /containers/{id}/json`` for ``version``.

    The document shares the container's config and host config, so encode
    it while holding the container store's lock.
    """
    # dockerd sets the paths of resolv.conf, hostname, hosts and the log at
    # the first start; a container never started reports them empty.
    root = f"/var/lib/docker/containers/{container.id}"
    started = bool(container.state.started_ns)
    config = container.config
    host_config = container.host_config
    document: dict[str, Any] = {
        "Id": container.id,
        "Created": format_rfc3339_nano(container.created_ns),
        "Path": container.path,
        "Args": list(container.args),
        "State": state_document(container),
        "Image": container.image_id,
        "ResolvConfPath": f"{root}/resolv.conf" if started else "",
        "HostnamePath": f"{root}/hostname" if started else "",
        "HostsPath": f"{root}/hosts" if started else "",
        "LogPath": f"{root}/{container.id}-json.log" if started else "",
        "Name": container.name,
        "RestartCount": container.restart_count,
        "Driver": storage_driver,
        "Platform": container.platform,
        "MountLabel": "",
        "ProcessLabel": "",
        "AppArmorProfile": "",
        "ExecIDs": container.exec_ids or None,
        "HostConfig": host_config,
        "GraphDriver": {
            "Data": {
                "LowerDir": f"/var/lib/docker/overlay2/{container.id}-init/diff",
                "MergedDir": f"/var/lib/docker/overlay2/{container.id}/merged",
                "UpperDir": f"/var/lib/docker/overlay2/{container.id}/diff",
                "WorkDir": f"/var/lib/docker/overlay2/{container.id}/work",
            },
            "Name": "overlay2",
        },
        "Mounts": [mount.document() for mount in container.mounts],
        "Config": _config_document(config, version),
        "NetworkSettings": network_settings(
            container, version, dns_names_always=dns_names_always
        ),
    }
    if storage_driver != "overlay2":
        # Only overlay2 reports layer directories; vfs sends no Data.
        document["GraphDriver"] = {"Data": None, "Name": storage_driver}
    if size is not None:
        document["SizeRw"], document["SizeRootFs"] = size
    # Engines 20.10 and 26.1 report CgroupnsMode at every API version,
    # although the field arrived in 1.41. Engine 20.10 reports the kernel
    # memory limits (part of its default host config) at every version too;
    # 26.1 at none.
    return document


def _config_document(config: dict[str, Any], version: APIVersion) -> dict[str, Any]:
    document: dict[str, Any] = {
        "Hostname": config.get("Hostname", ""),
        "Domainname": config.get("Domainname", ""),
        "User": config.get("User", ""),
        "AttachStdin": bool(config.get("AttachStdin")),
        "AttachStdout": bool(config.get("AttachStdout")),
        "AttachStderr": bool(config.get("AttachStderr")),
        "Tty": bool(config.get("Tty")),
        "OpenStdin": bool(config.get("OpenStdin")),
        "StdinOnce": bool(config.get("StdinOnce")),
        "Env": config.get("Env"),
        "Cmd": config.get("Cmd"),
        "Image": config.get("Image", ""),
        "Volumes": config.get("Volumes"),
        "WorkingDir": config.get("WorkingDir", ""),
        "Entrypoint": config.get("Entrypoint"),
        "OnBuild": config.get("OnBuild"),
        "Labels": config.get("Labels") or {},
    }
    for optional in (
        "ExposedPorts",
        "Healthcheck",
        "StopSignal",
        "StopTimeout",
        "ArgsEscaped",
        "Shell",
        "NetworkDisabled",
    ):
        value = config.get(optional)
        # NetworkDisabled and ArgsEscaped are omitted when false (Go's
        # omitempty), as Engine 26.1 does.
        if value is not None and value is not False:
            document[optional] = value
    # MacAddress moved to the endpoint settings in 1.44 and left Config.
    if version.below("1.44") and config.get("MacAddress"):
        document["MacAddress"] = config["MacAddress"]
    return document


def health_status(container: Container) -> str:
    """Return the status the ``health`` filter and the list's summary match."""
    health = container.health
    return health.status if health is not None else NO_HEALTHCHECK


def command_text(container: Container) -> str:
    """Return the ``Command`` column: the command line, quoted as the shell would."""
    parts = [container.path, *container.args]
    return " ".join(
        [shlex.quote(part) if " " in part or not part else part for part in parts]
    )


def status_text(container: Container, now_ns: int) -> str:
    """Return the human status (``Up 5 seconds``, ``Exited (0) 2 minutes ago``)."""
    state = container.state
    if state.running:
        uptime = human_duration(now_ns - state.started_ns)
        if state.paused:
            return f"Up {uptime} (Paused)"
        health = container.health
        if health is not None:
            shown = "health: starting" if health.status == STARTING else health.status
            return f"Up {uptime} ({shown})"
        return f"Up {uptime}"
    if state.restarting:
        ago = human_duration(now_ns - state.finished_ns)
        return f"Restarting ({state.exit_code}) {ago} ago"
    if container.removed:
        return "Removal In Progress"
    if state.finished_ns:
        ago = human_duration(now_ns - state.finished_ns)
        return f"Exited ({state.exit_code}) {ago} ago"
    return "Created"


def summary_document(
    container: Container,
    version: APIVersion,
    image_name: str,
    now_ns: int,
    size: tuple[int, int] | None,
    *,
    dns_names_always: bool = False,
) -> dict[str, Any]:
    """Return one entry of ``GET /containers/json``."""
    head, tail = _summary_fields(
        container, version, image_name, dns_names_always=dns_names_always
    )
    document = {**head, "Status": status_text(container, now_ns), **tail}
    if size is not None:
        document["SizeRw"], document["SizeRootFs"] = size
    return document


def encoded_summary(
    container: Container,
    version: APIVersion,
    image_name: str,
    *,
    dns_names_always: bool = False,
) -> tuple[bytes, bytes]:
    """Encode ``summary_document`` around its ``Status`` and size fields.

    Returns the bytes before the status value (from ``{`` to ``"Status":``)
    and those after it up to the closing brace, which is left out. A
    listing writes the status between them, then the size fields if any
    and ``}``. The result equals the encoding of the whole document,
    because the compact encoder keeps the dict's order and separates
    every member with a single comma.
    """
    head, tail = _summary_fields(
        container, version, image_name, dns_names_always=dns_names_always
    )
    before = dumps(head)[:-1] + ',"Status":'
    after = "," + dumps(tail)[1:-1]
    return before.encode(), after.encode()


def _summary_fields(
    container: Container,
    version: APIVersion,
    image_name: str,
    *,
    dns_names_always: bool,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the members of a summary before ``Status`` and after it.

    Neither part depends on the time or on the container's size.
    """
    networks = network_entries(container, version, dns_names_always=dns_names_always)
    head: dict[str, Any] = {
        "Id": container.id,
        "Names": [container.name],
        "Image": image_name,
        "ImageID": container.image_id,
        "Command": command_text(container),
        "Created": container.created_ns // 1_000_000_000,
        "Ports": [],
        "Labels": container.labels,
        "State": container.state.status,
    }
    tail: dict[str, Any] = {
        "HostConfig": {
            "NetworkMode": container.host_config.get("NetworkMode", "bridge")
        },
        "NetworkSettings": {"Networks": networks},
        "Mounts": [mount.document() for mount in container.mounts],
    }
    # API 1.52 added the health summary: "none" for a container never
    # started with a check, and the status it kept after a stop.
    if version.at_least("1.52"):
        tail["Health"] = {
            "Status": health_status(container),
            "FailingStreak": (
                container.health.failing_streak if container.health else 0
            ),
        }
    return head, tail
