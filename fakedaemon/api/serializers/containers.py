"""Container documents in the shape of each API version."""

from __future__ import annotations

import copy
import shlex
from typing import TYPE_CHECKING, Any

from ...clock import ZERO_TIME, format_rfc3339_nano
from .durations import human_duration

if TYPE_CHECKING:
    from ...engine.containers import Container
    from ...versions import APIVersion

BRIDGE_GATEWAY = "172.17.0.1"


def state_document(container: Container) -> dict[str, Any]:
    """Return the ``State`` object of inspect."""
    state = container.state
    return {
        "Status": state.status,
        "Running": state.running,
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


def _time(ns: int) -> str:
    return format_rfc3339_nano(ns) if ns else ZERO_TIME


def _address(container: Container) -> str:
    # Each container gets a stable address in the default bridge's subnet.
    number = int(container.id[:6], 16) % 65000 + 2
    return f"172.17.{number // 256}.{number % 256}"


def _mac(address: str) -> str:
    parts = [int(part) for part in address.split(".")]
    return "02:42:" + ":".join(f"{part:02x}" for part in parts)


def network_settings(container: Container, version: APIVersion) -> dict[str, Any]:
    """Return ``NetworkSettings`` of inspect for the container's network mode."""
    mode = container.host_config.get("NetworkMode") or "bridge"
    running = container.state.running
    address = _address(container) if running and mode == "bridge" else ""
    gateway = BRIDGE_GATEWAY if address else ""
    mac = _mac(address) if address else ""
    endpoint_id = container.id[::-1] if address else ""
    networks: dict[str, Any] = {}
    if mode not in ("none", "host") and not mode.startswith("container:"):
        name = "bridge" if mode in ("bridge", "default") else mode
        networks[name] = {
            "IPAMConfig": None,
            "Links": None,
            "Aliases": None,
            "MacAddress": mac,
            "NetworkID": container.bridge_network_id if running else "",
            "EndpointID": endpoint_id,
            "Gateway": gateway,
            "IPAddress": address,
            "IPPrefixLen": 16 if address else 0,
            "IPv6Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "DriverOpts": None,
        }
        # 1.44 added DNSNames to endpoint settings.
        if version.at_least("1.44"):
            networks[name]["DNSNames"] = None
    elif mode in ("none", "host"):
        networks[mode] = {
            "IPAMConfig": None,
            "Links": None,
            "Aliases": None,
            "MacAddress": "",
            "NetworkID": "",
            "EndpointID": "",
            "Gateway": "",
            "IPAddress": "",
            "IPPrefixLen": 0,
            "IPv6Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "DriverOpts": None,
        }
    document: dict[str, Any] = {
        "Bridge": "",
        "SandboxID": container.id[32:] + container.id[:32] if running else "",
        "SandboxKey": f"/var/run/docker/netns/{container.id[32:44]}" if running else "",
        "Ports": {},
        "HairpinMode": False,
        "LinkLocalIPv6Address": "",
        "LinkLocalIPv6PrefixLen": 0,
        "SecondaryIPAddresses": None,
        "SecondaryIPv6Addresses": None,
        "EndpointID": endpoint_id,
        "Gateway": gateway,
        "GlobalIPv6Address": "",
        "GlobalIPv6PrefixLen": 0,
        "IPAddress": address,
        "IPPrefixLen": 16 if address else 0,
        "IPv6Gateway": "",
        "MacAddress": mac,
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


def inspect_document(
    container: Container, version: APIVersion, size: tuple[int, int] | None
) -> dict[str, Any]:
    """Return ``GET /containers/{id}/json`` for ``version``."""
    root = f"/var/lib/docker/containers/{container.id}"
    config = copy.deepcopy(container.config)
    host_config = copy.deepcopy(container.host_config)
    document: dict[str, Any] = {
        "Id": container.id,
        "Created": format_rfc3339_nano(container.created_ns),
        "Path": container.path,
        "Args": list(container.args),
        "State": state_document(container),
        "Image": container.image_id,
        "ResolvConfPath": f"{root}/resolv.conf",
        "HostnamePath": f"{root}/hostname",
        "HostsPath": f"{root}/hosts",
        "LogPath": f"{root}/{container.id}-json.log",
        "Name": container.name,
        "RestartCount": container.restart_count,
        "Driver": "overlay2",
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
        "Mounts": [],
        "Config": _config_document(config, version),
        "NetworkSettings": network_settings(container, version),
    }
    if size is not None:
        document["SizeRw"], document["SizeRootFs"] = size
    # NOTE: health checks are not run, so inspect reports no `State.Health`
    # even when the container has a Healthcheck.
    # 1.42 stopped reporting KernelMemory; CgroupnsMode arrived in 1.41.
    if version.below("1.42"):
        host_config["KernelMemory"] = 0
        host_config["KernelMemoryTCP"] = 0
    if version.below("1.41"):
        host_config.pop("CgroupnsMode", None)
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
        if config.get(optional) is not None:
            document[optional] = config[optional]
    # MacAddress moved to the endpoint settings in 1.44 and left Config.
    if version.below("1.44") and config.get("MacAddress"):
        document["MacAddress"] = config["MacAddress"]
    return document


def command_text(container: Container) -> str:
    """Return the ``Command`` column: the command line, quoted as the shell would."""
    parts = [container.path, *container.args]
    return " ".join(
        shlex.quote(part) if " " in part or not part else part for part in parts
    )


def status_text(container: Container, now_ns: int) -> str:
    """Return the human status (``Up 5 seconds``, ``Exited (0) 2 minutes ago``)."""
    state = container.state
    if state.running:
        uptime = human_duration(now_ns - state.started_ns)
        if state.paused:
            return f"Up {uptime} (Paused)"
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
) -> dict[str, Any]:
    """Return one entry of ``GET /containers/json``."""
    networks = network_settings(container, version)["Networks"]
    document: dict[str, Any] = {
        "Id": container.id,
        "Names": [container.name],
        "Image": image_name,
        "ImageID": container.image_id,
        "Command": command_text(container),
        "Created": container.created_ns // 1_000_000_000,
        "Ports": [],
        "Labels": container.labels,
        "State": container.state.status,
        "Status": status_text(container, now_ns),
        "HostConfig": {
            "NetworkMode": container.host_config.get("NetworkMode", "bridge")
        },
        "NetworkSettings": {"Networks": networks},
        "Mounts": [],
    }
    if size is not None:
        document["SizeRw"], document["SizeRootFs"] = size
    return document
