"""The Go types dockerd decodes request bodies into, declared for gojson.

Field names, type names and embedding follow the Engine API's Go types
(``api/types``) as Engines 26.1 and 20.10 report them in decoding errors;
where the two differ, ``legacy`` selects the 20.10 spelling. Newer engines
renamed some top-level types (``container.ExecOptions``,
``network.CreateRequest``); the 26.1 names are used for them too.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .gojson import (
    ANY,
    BOOL,
    INT,
    INT64,
    STRING,
    STRING_MAP,
    STRINGS,
    STRSLICE,
    UINT,
    UINT16,
    UINT64,
    GoType,
    array_of,
    map_of,
    scalar,
    slice_of,
    struct,
)


@dataclass(frozen=True)
class BodyType:
    """A request body's Go type and how Engine 20.10 reported decoding errors.

    Engine 20.10 returned the decoder's error unwrapped: a 500 for container
    create and update, and a 400 without the ``invalid JSON:`` prefix on the
    routes that used its ``ReadJSON`` helper.
    """

    type: GoType
    legacy_status: int = 400


@dataclass(frozen=True)
class BodyTypes:
    """The body types of one engine generation, by route."""

    container_create: BodyType
    container_update: BodyType
    exec_create: BodyType
    volume_create: BodyType
    network_create: BodyType
    network_connect: BodyType
    network_disconnect: BodyType


def _named_string(name: str) -> GoType:
    return scalar(name, "string")


def _resources() -> dict[str, GoType]:
    weight_device = struct("blkiodev.WeightDevice", {"Path": STRING, "Weight": UINT16})
    throttle_device = struct(
        "blkiodev.ThrottleDevice", {"Path": STRING, "Rate": UINT64}
    )
    throttle_list = slice_of(throttle_device, "[]*blkiodev.ThrottleDevice")
    device = struct(
        "container.DeviceMapping",
        {"PathOnHost": STRING, "PathInContainer": STRING, "CgroupPermissions": STRING},
    )
    device_request = struct(
        "container.DeviceRequest",
        {
            "Driver": STRING,
            "Count": INT,
            "DeviceIDs": STRINGS,
            "Capabilities": slice_of(STRINGS),
            "Options": STRING_MAP,
        },
    )
    ulimit = struct("units.Ulimit", {"Name": STRING, "Hard": INT64, "Soft": INT64})
    return {
        "CpuShares": INT64,
        "Memory": INT64,
        "NanoCpus": INT64,
        "CgroupParent": STRING,
        "BlkioWeight": UINT16,
        "BlkioWeightDevice": slice_of(weight_device, "[]*blkiodev.WeightDevice"),
        "BlkioDeviceReadBps": throttle_list,
        "BlkioDeviceWriteBps": throttle_list,
        "BlkioDeviceReadIOps": throttle_list,
        "BlkioDeviceWriteIOps": throttle_list,
        "CpuPeriod": INT64,
        "CpuQuota": INT64,
        "CpuRealtimePeriod": INT64,
        "CpuRealtimeRuntime": INT64,
        "CpusetCpus": STRING,
        "CpusetMems": STRING,
        "Devices": slice_of(device),
        "DeviceCgroupRules": STRINGS,
        "DeviceRequests": slice_of(device_request),
        "KernelMemory": INT64,
        "KernelMemoryTCP": INT64,
        "MemoryReservation": INT64,
        "MemorySwap": INT64,
        "MemorySwappiness": INT64,
        "OomKillDisable": BOOL,
        "PidsLimit": INT64,
        "Ulimits": slice_of(ulimit, "[]*units.Ulimit"),
        "CpuCount": INT64,
        "CpuPercent": INT64,
        "IOMaximumIOps": UINT64,
        "IOMaximumBandwidth": UINT64,
    }


def _restart_policy(legacy: bool) -> GoType:
    mode = STRING if legacy else _named_string("container.RestartPolicyMode")
    return struct("container.RestartPolicy", {"Name": mode, "MaximumRetryCount": INT})


def _mount() -> GoType:
    driver = struct("mount.Driver", {"Name": STRING, "Options": STRING_MAP})
    bind_options = struct(
        "mount.BindOptions",
        {
            "Propagation": _named_string("mount.Propagation"),
            "NonRecursive": BOOL,
            "CreateMountpoint": BOOL,
            "ReadOnlyNonRecursive": BOOL,
            "ReadOnlyForceRecursive": BOOL,
        },
    )
    volume_options = struct(
        "mount.VolumeOptions",
        {
            "NoCopy": BOOL,
            "Labels": STRING_MAP,
            "Subpath": STRING,
            "DriverConfig": driver,
        },
    )
    tmpfs_options = struct(
        "mount.TmpfsOptions",
        {
            "SizeBytes": INT64,
            "Mode": scalar("fs.FileMode", "int"),
            "Options": slice_of(STRINGS),
        },
    )
    return struct(
        "mount.Mount",
        {
            "Type": _named_string("mount.Type"),
            "Source": STRING,
            "Target": STRING,
            "ReadOnly": BOOL,
            "Consistency": _named_string("mount.Consistency"),
            "BindOptions": bind_options,
            "VolumeOptions": volume_options,
            "TmpfsOptions": tmpfs_options,
            "ClusterOptions": struct("mount.ClusterOptions", {}),
        },
    )


def _host_config(legacy: bool) -> GoType:
    port_binding = struct("nat.PortBinding", {"HostIp": STRING, "HostPort": STRING})
    fields: dict[str, GoType] = {
        "Binds": STRINGS,
        "ContainerIDFile": STRING,
        "LogConfig": struct(
            "container.LogConfig", {"Type": STRING, "Config": STRING_MAP}
        ),
        "NetworkMode": _named_string("container.NetworkMode"),
        "PortBindings": map_of(slice_of(port_binding), "nat.PortMap"),
        "RestartPolicy": _restart_policy(legacy),
        "AutoRemove": BOOL,
        "VolumeDriver": STRING,
        "VolumesFrom": STRINGS,
        "ConsoleSize": array_of(UINT, 2),
        "Annotations": STRING_MAP,
        "CapAdd": STRSLICE,
        "CapDrop": STRSLICE,
        "CgroupnsMode": _named_string("container.CgroupnsMode"),
        "Dns": STRINGS,
        "DnsOptions": STRINGS,
        "DnsSearch": STRINGS,
        "ExtraHosts": STRINGS,
        "GroupAdd": STRINGS,
        "IpcMode": _named_string("container.IpcMode"),
        "Cgroup": _named_string("container.CgroupSpec"),
        "Links": STRINGS,
        "OomScoreAdj": INT,
        "PidMode": _named_string("container.PidMode"),
        "Privileged": BOOL,
        "PublishAllPorts": BOOL,
        "ReadonlyRootfs": BOOL,
        "SecurityOpt": STRINGS,
        "StorageOpt": STRING_MAP,
        "Tmpfs": STRING_MAP,
        "UTSMode": _named_string("container.UTSMode"),
        "UsernsMode": _named_string("container.UsernsMode"),
        "ShmSize": INT64,
        "Sysctls": STRING_MAP,
        "Runtime": STRING,
        "Isolation": _named_string("container.Isolation"),
        "Mounts": slice_of(_mount()),
        "MaskedPaths": STRINGS,
        "ReadonlyPaths": STRINGS,
        "Init": BOOL,
    }
    return struct("container.HostConfig", fields, {"Resources": _resources()})


def _config(legacy: bool) -> dict[str, GoType]:
    duration = scalar("time.Duration", "int")
    health = struct(
        "container.HealthConfig" if legacy else "v1.HealthcheckConfig",
        {
            "Test": STRINGS,
            "Interval": duration,
            "Timeout": duration,
            "StartPeriod": duration,
            "StartInterval": duration,
            "Retries": INT,
        },
    )
    return {
        "Hostname": STRING,
        "Domainname": STRING,
        "User": STRING,
        "AttachStdin": BOOL,
        "AttachStdout": BOOL,
        "AttachStderr": BOOL,
        "ExposedPorts": map_of(struct("struct {}", {}), "nat.PortSet"),
        "Tty": BOOL,
        "OpenStdin": BOOL,
        "StdinOnce": BOOL,
        "Env": STRINGS,
        "Cmd": STRSLICE,
        "Healthcheck": health,
        "ArgsEscaped": BOOL,
        "Image": STRING,
        "Volumes": map_of(struct("struct {}", {}), "map[string]struct {}"),
        "WorkingDir": STRING,
        "Entrypoint": STRSLICE,
        "NetworkDisabled": BOOL,
        "MacAddress": STRING,
        "OnBuild": STRINGS,
        "Labels": STRING_MAP,
        "StopSignal": STRING,
        "StopTimeout": INT,
        "Shell": STRSLICE,
    }


def _endpoint_settings() -> GoType:
    ipam = struct(
        "network.EndpointIPAMConfig",
        {"IPv4Address": STRING, "IPv6Address": STRING, "LinkLocalIPs": STRINGS},
    )
    return struct(
        "network.EndpointSettings",
        {
            "IPAMConfig": ipam,
            "Links": STRINGS,
            "Aliases": STRINGS,
            "MacAddress": STRING,
            "DriverOpts": STRING_MAP,
            "NetworkID": STRING,
            "EndpointID": STRING,
            "Gateway": STRING,
            "IPAddress": STRING,
            "IPPrefixLen": INT,
            "IPv6Gateway": STRING,
            "GlobalIPv6Address": STRING,
            "GlobalIPv6PrefixLen": INT,
            "DNSNames": STRINGS,
        },
    )


def _network_create(legacy: bool) -> GoType:
    ipam_config = struct(
        "network.IPAMConfig",
        {
            "Subnet": STRING,
            "IPRange": STRING,
            "Gateway": STRING,
            "AuxiliaryAddresses": STRING_MAP,
        },
    )
    ipam = struct(
        "network.IPAM",
        {"Driver": STRING, "Options": STRING_MAP, "Config": slice_of(ipam_config)},
    )
    fields: dict[str, GoType] = {
        "CheckDuplicate": BOOL,
        "Driver": STRING,
        "Scope": STRING,
        "EnableIPv6": BOOL,
        "IPAM": ipam,
        "Internal": BOOL,
        "Attachable": BOOL,
        "Ingress": BOOL,
        "ConfigOnly": BOOL,
        "ConfigFrom": struct("network.ConfigReference", {"Network": STRING}),
        "Options": STRING_MAP,
        "Labels": STRING_MAP,
    }
    return struct(
        "types.NetworkCreateRequest",
        {"Name": STRING},
        {"NetworkCreate": fields},
    )


@functools.cache
def body_types(legacy: bool) -> BodyTypes:
    """Return the body types of Engine 20.10 (``legacy``) or of 26.1 and later."""
    endpoint = _endpoint_settings()
    networking = struct(
        "network.NetworkingConfig",
        {"EndpointsConfig": map_of(endpoint, "map[string]*network.EndpointSettings")},
    )
    wrapper = struct(
        "runconfig.ContainerConfigWrapper",
        {"HostConfig": _host_config(legacy), "NetworkingConfig": networking},
        {"Config": _config(legacy)},
    )
    update = struct(
        "container.UpdateConfig",
        {"RestartPolicy": _restart_policy(legacy)},
        {"Resources": _resources()},
    )
    exec_fields: dict[str, GoType] = {
        "User": STRING,
        "Privileged": BOOL,
        "Tty": BOOL,
        "AttachStdin": BOOL,
        "AttachStderr": BOOL,
        "AttachStdout": BOOL,
        "Detach": BOOL,
        "DetachKeys": STRING,
        "Env": STRINGS,
        "WorkingDir": STRING,
        "Cmd": STRINGS,
    }
    if not legacy:
        # ConsoleSize arrived with API 1.42 (Engine 23.0).
        exec_fields["ConsoleSize"] = array_of(UINT, 2)
    volume = struct(
        "volume.VolumeCreateBody" if legacy else "volume.CreateOptions",
        {
            "Driver": STRING,
            "DriverOpts": STRING_MAP,
            "Labels": STRING_MAP,
            "Name": STRING,
            "ClusterVolumeSpec": ANY,
        },
    )
    connect = struct(
        "types.NetworkConnect", {"Container": STRING, "EndpointConfig": endpoint}
    )
    disconnect = struct("types.NetworkDisconnect", {"Container": STRING, "Force": BOOL})
    return BodyTypes(
        container_create=BodyType(wrapper, legacy_status=500),
        container_update=BodyType(update, legacy_status=500),
        exec_create=BodyType(struct("types.ExecConfig", exec_fields)),
        volume_create=BodyType(volume),
        network_create=BodyType(_network_create(legacy)),
        network_connect=BodyType(connect),
        network_disconnect=BodyType(disconnect),
    )
