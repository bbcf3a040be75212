"""The ``HostConfig`` a container gets when its create request leaves fields out."""

from __future__ import annotations

import copy
from typing import Any

_DEFAULT: dict[str, Any] = {
    "Binds": None,
    "ContainerIDFile": "",
    "LogConfig": {"Type": "json-file", "Config": {}},
    "NetworkMode": "bridge",
    "PortBindings": None,
    "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
    "AutoRemove": False,
    "VolumeDriver": "",
    "VolumesFrom": None,
    "ConsoleSize": [0, 0],
    "CapAdd": None,
    "CapDrop": None,
    "CgroupnsMode": "private",
    "Dns": None,
    "DnsOptions": None,
    "DnsSearch": None,
    "ExtraHosts": None,
    "GroupAdd": None,
    "IpcMode": "private",
    "Cgroup": "",
    "Links": None,
    "OomScoreAdj": 0,
    "PidMode": "",
    "Privileged": False,
    "PublishAllPorts": False,
    "ReadonlyRootfs": False,
    "SecurityOpt": None,
    "UTSMode": "",
    "UsernsMode": "",
    "ShmSize": 67108864,
    "Runtime": "runc",
    "Isolation": "",
    "CpuShares": 0,
    "Memory": 0,
    "NanoCpus": 0,
    "CgroupParent": "",
    "BlkioWeight": 0,
    "BlkioWeightDevice": None,
    "BlkioDeviceReadBps": None,
    "BlkioDeviceWriteBps": None,
    "BlkioDeviceReadIOps": None,
    "BlkioDeviceWriteIOps": None,
    "CpuPeriod": 0,
    "CpuQuota": 0,
    "CpuRealtimePeriod": 0,
    "CpuRealtimeRuntime": 0,
    "CpusetCpus": "",
    "CpusetMems": "",
    "Devices": None,
    "DeviceCgroupRules": None,
    "DeviceRequests": None,
    "MemoryReservation": 0,
    "MemorySwap": 0,
    "MemorySwappiness": None,
    "OomKillDisable": None,
    "PidsLimit": None,
    "Ulimits": None,
    "CpuCount": 0,
    "CpuPercent": 0,
    "IOMaximumIOps": 0,
    "IOMaximumBandwidth": 0,
    "MaskedPaths": [
        "/proc/asound",
        "/proc/acpi",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/sys/firmware",
        "/sys/devices/virtual/powercap",
    ],
    "ReadonlyPaths": [
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger",
    ],
}


def _legacy_defaults() -> dict[str, Any]:
    defaults = copy.deepcopy(_DEFAULT)
    defaults["NetworkMode"] = "default"
    defaults["RestartPolicy"]["Name"] = ""
    del defaults["Runtime"]
    defaults["KernelMemory"] = 0
    defaults["KernelMemoryTCP"] = 0
    defaults["MaskedPaths"].remove("/sys/devices/virtual/powercap")
    return defaults


_LEGACY_DEFAULT = _legacy_defaults()


def default_host_config(*, legacy: bool = False) -> dict[str, Any]:
    """Return a new dict of the defaults dockerd fills in (Engine 26.1, cgroup v2).

    ``legacy`` gives Engine 20.10's: an empty restart policy name, no
    Runtime until the first start, the kernel memory limits, and no
    /sys/devices/virtual/powercap among the masked paths.

    The nested lists and dicts are shared by every container, which saves
    about 500 bytes per container: replace them, never change them in place.
    """
    return dict(_LEGACY_DEFAULT if legacy else _DEFAULT)


def fill_host_defaults(
    host_config: dict[str, Any], *, cgroup_version: int, legacy: bool = False
) -> None:
    """Replace the zero values a client sent with the defaults dockerd stores.

    The docker CLI sends every field, zero when unset; dockerd then stores
    its defaults for an empty ``IpcMode``, ``CgroupnsMode``, ``LogConfig.Type``
    and masked paths, a 0 ``ShmSize``, and drops a ``PidsLimit`` of 0 or less
    and a ``MemorySwappiness`` of -1 (measured on Engines 20.10 and 26.1).
    """
    defaults = _LEGACY_DEFAULT if legacy else _DEFAULT
    for key in ("IpcMode", "ShmSize", "MaskedPaths", "ReadonlyPaths"):
        if not host_config.get(key):
            # Shared with the defaults, as ``default_host_config`` shares them.
            host_config[key] = defaults[key]
    log_config = host_config.get("LogConfig") or {}
    if not log_config.get("Type"):
        host_config["LogConfig"] = {
            "Type": "json-file",
            "Config": log_config.get("Config") or {},
        }
    limit = host_config.get("PidsLimit")
    if isinstance(limit, int) and limit <= 0:
        host_config["PidsLimit"] = None
    if host_config.get("MemorySwappiness") == -1:
        host_config["MemorySwappiness"] = None
    # On cgroup v1 dockerd defaults to the host cgroup namespace and reports
    # OomKillDisable as false; on cgroup v2 it defaults to a private one and
    # leaves OomKillDisable null.
    if not host_config.get("CgroupnsMode"):
        host_config["CgroupnsMode"] = "host" if cgroup_version == 1 else "private"
    if cgroup_version == 1 and host_config.get("OomKillDisable") is None:
        host_config["OomKillDisable"] = False
