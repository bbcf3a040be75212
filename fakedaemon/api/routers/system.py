"""System routes: ping, version and info."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.wrappers import Response

from ...clock import format_rfc3339_nano
from ...errors import InvalidParameter
from ..call import Call
from ..responses import Buffered, extend_trusted, json_response
from ..routing import Router
from ..serializers.swarm import info_document as swarm_info

router = Router()

_PING_TYPE = (("Content-Type", "text/plain; charset=utf-8"),)
_PING_HEADERS = (
    ("Cache-Control", "no-cache, no-store, must-revalidate"),
    ("Pragma", "no-cache"),
)


def _ping(call: Call, body: bytes) -> Response:
    response = Buffered(body, 200, _PING_TYPE)
    extend_trusted(response.headers, _PING_HEADERS)
    # `Builder-Version` and `Swarm` came with Engine 23.0 (API 1.42); they are
    # not versioned, so every request to such an engine gets them.
    if call.profile.ping_builder_and_swarm:
        extend_trusted(response.headers, (("Builder-Version", "2"),))
        # A loaded dump sets the swarm state, so the value goes through
        # werkzeug's checks.
        response.headers.add("Swarm", call.engine.swarm.ping_state())
    return response


@router.get("/_ping", "SystemPing")
def ping(call: Call) -> Response:
    """Answer ``OK``."""
    return _ping(call, b"OK")


@router.head("/_ping", "SystemPingHead")
def ping_head(call: Call) -> Response:
    """Return the ping headers with an empty body."""
    response = _ping(call, b"")
    response.headers["Content-Length"] = "0"
    return response


@router.get("/version", "SystemVersion")
def version(call: Call) -> Response:
    """Describe the engine and its components."""
    profile = call.profile
    engine = call.engine
    build_time = "2025-01-01T00:00:00.000000000+00:00"
    details = {
        "ApiVersion": str(profile.max_api),
        "Arch": engine.config.architecture,
        "BuildTime": build_time,
        "Experimental": "true" if engine.config.experimental else "false",
        "GitCommit": profile.git_commit,
        "GoVersion": profile.go_version,
        "KernelVersion": profile.kernel_version,
        "MinAPIVersion": str(profile.min_api),
        "Os": "linux",
    }
    document: dict[str, object] = {
        "Platform": {"Name": engine.rig.platform_name},
        "Components": [
            {"Name": "Engine", "Version": profile.engine_version, "Details": details},
            {
                "Name": "containerd",
                "Version": profile.containerd_version,
                "Details": {"GitCommit": profile.containerd_version},
            },
            {
                "Name": "runc",
                "Version": profile.runc_version,
                "Details": {"GitCommit": profile.runc_version},
            },
            {"Name": "docker-init", "Version": "0.19.0", "Details": {"GitCommit": ""}},
        ],
        "Version": profile.engine_version,
        "ApiVersion": str(profile.max_api),
        "MinAPIVersion": str(profile.min_api),
        "GitCommit": profile.git_commit,
        "GoVersion": profile.go_version,
        "Os": "linux",
        "Arch": engine.config.architecture,
        "KernelVersion": profile.kernel_version,
    }
    if engine.config.experimental:
        document["Experimental"] = True
    document["BuildTime"] = build_time
    return json_response(document)


@router.get("/info", "SystemInfo")
def info(call: Call) -> Response:
    """Describe the daemon's state and settings."""
    engine = call.engine
    profile = call.profile
    version = call.version
    counts = engine.containers.counts()
    architecture = {"amd64": "x86_64", "arm64": "aarch64"}.get(
        engine.config.architecture, engine.config.architecture
    )
    document: dict[str, object] = {
        "ID": engine.daemon_id,
        "Containers": counts["total"],
        "ContainersRunning": counts["running"],
        "ContainersPaused": counts["paused"],
        "ContainersStopped": counts["stopped"],
        "Images": engine.images.count(),
        "Driver": engine.rig.storage_driver,
        # vfs reports no driver status.
        "DriverStatus": [
            ["Backing Filesystem", "extfs"],
            ["Supports d_type", "true"],
            ["Using metacopy", "false"],
            ["Native Overlay Diff", "true"],
            ["userxattr", "false"],
        ]
        if engine.rig.storage_driver == "overlay2"
        else None,
        "Plugins": {
            "Volume": ["local"],
            "Network": ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
            "Authorization": None,
            "Log": [
                "awslogs",
                "fluentd",
                "gcplogs",
                "gelf",
                "journald",
                "json-file",
                "local",
                *(["logentries"] if profile.logentries_driver else []),
                "splunk",
                "syslog",
            ],
        },
        "MemoryLimit": True,
        "SwapLimit": True,
        "CpuCfsPeriod": True,
        "CpuCfsQuota": True,
        "CPUShares": True,
        "CPUSet": True,
        "PidsLimit": True,
        "IPv4Forwarding": True,
        "Debug": engine.config.debug,
        "NFd": 24,
        "OomKillDisable": False,
        "NGoroutines": 40,
        "SystemTime": format_rfc3339_nano(engine.clock.time_ns()),
        "LoggingDriver": "json-file",
        "CgroupDriver": "systemd",
        "CgroupVersion": "2",
        "NEventsListener": engine.events.listeners,
        "KernelVersion": profile.kernel_version,
        "OperatingSystem": profile.operating_system,
        "OSVersion": "12",
        "OSType": "linux",
        "Architecture": architecture,
        "IndexServerAddress": "https://index.docker.io/v1/",
        "RegistryConfig": {
            "InsecureRegistryCIDRs": ["::1/128", "127.0.0.0/8"],
            "IndexConfigs": {
                "docker.io": {
                    "Name": "docker.io",
                    "Mirrors": [],
                    "Secure": True,
                    "Official": True,
                }
            },
            "Mirrors": None,
        },
        "NCPU": engine.config.ncpu,
        "MemTotal": engine.config.mem_total,
        "GenericResources": None,
        "DockerRootDir": "/var/lib/docker",
        "HttpProxy": "",
        "HttpsProxy": "",
        "NoProxy": "",
        "Name": engine.config.name,
        "Labels": list(engine.config.labels),
        "ExperimentalBuild": engine.config.experimental,
        "ServerVersion": profile.engine_version,
        "Runtimes": {
            "io.containerd.runc.v2": {"path": "runc"},
            "runc": {"path": "runc"},
        },
        "DefaultRuntime": "runc",
        "Swarm": swarm_info(engine, version),
        "LiveRestoreEnabled": False,
        "Isolation": "",
        "InitBinary": "docker-init",
        "ContainerdCommit": {"ID": profile.containerd_version},
        "RuncCommit": {"ID": profile.runc_version},
        "InitCommit": {"ID": "de40ad0"},
        "SecurityOptions": ["name=seccomp,profile=builtin", "name=cgroupns"],
        "Warnings": None,
    }
    # Version gates follow the API changelog of each release.
    if version.below("1.49"):
        # 1.49 omits the deprecated commit `Expected` fields and the
        # nondistributable-artifacts registry settings.
        for key in ("ContainerdCommit", "RuncCommit", "InitCommit"):
            commit = document[key]
            assert isinstance(commit, dict)
            commit["Expected"] = commit["ID"]
        registry = document["RegistryConfig"]
        assert isinstance(registry, dict)
        registry["AllowNondistributableArtifactsCIDRs"] = None
        registry["AllowNondistributableArtifactsHostnames"] = None
    if version.below("1.50"):
        # 1.50 omits the bridge netfilter flags, deprecated in 1.48.
        document["BridgeNfIptables"] = False
        document["BridgeNfIp6tables"] = False
    if version.below("1.52"):
        # 1.42 stopped sending KernelMemory; 1.52 removed KernelMemoryTCP.
        document["KernelMemoryTCP"] = False
    if version.at_least("1.44"):
        document["CDISpecDirs"] = []
    if version.at_least("1.46"):
        document["Containerd"] = {
            "Address": "/run/containerd/containerd.sock",
            "Namespaces": {"Containers": "moby", "Plugins": "plugins.moby"},
        }
    if version.at_least("1.49"):
        document["FirewallBackend"] = {"Driver": "iptables"}
    if version.at_least("1.50"):
        document["DiscoveredDevices"] = []
    return json_response(document)


@router.get("/system/df", "SystemDataUsage")
def data_usage(call: Call) -> Response:
    """Report disk usage by images, containers, volumes and the build cache."""
    from ..serializers.containers import summary_document
    from .containers import container_size, image_name
    from .images import image_summaries

    engine = call.engine
    # `type` arrived in API 1.42 and limits the report to some object kinds.
    wanted = set(call.args.getlist("type")) if call.version.at_least("1.42") else set()
    for kind in wanted:
        if kind not in ("container", "image", "volume", "build-cache"):
            raise InvalidParameter(f"unknown object type: {kind}")
    document: dict[str, object] = {}
    # API 1.52 added a usage summary per object kind (with the items when
    # `verbose` is set) and kept the legacy lists unless `verbose` is set;
    # 1.53 dropped the legacy lists.
    summarize = call.version.at_least("1.52")
    verbose = summarize and call.query_bool("verbose")
    legacy = call.version.below("1.53") and not verbose
    if not wanted or "image" in wanted:
        counts = engine.containers.counts_by_image()
        summaries = engine.images.list(all=False, filters={})
        shared_sizes = engine.images.shared_sizes()
        images = image_summaries(call, summaries, shared_sizes, counts)
        for entry, summary in zip(images, summaries, strict=True):
            # The usage report always counts containers, whatever the version,
            # and (measured on Engine 26.1) leaves empty tag and digest lists
            # null where the image list shows them empty.
            entry["Containers"] = counts.get(summary.image.id, 0)
            for key in ("RepoTags", "RepoDigests"):
                if entry.get(key) == []:
                    entry[key] = None
        if legacy:
            document["LayersSize"] = sum(summary.image.size for summary in summaries)
            document["Images"] = images
        if summarize:
            document["ImageUsage"] = usage_summary(
                images, "Size", lambda entry: bool(entry["Containers"]), verbose
            )
    if not wanted or "container" in wanted:
        now = engine.clock.time_ns()
        containers = [
            summary_document(
                container,
                call.version,
                image_name(call, container),
                now,
                container_size(call, container),
                dns_names_always=not call.profile.legacy_host_config,
            )
            for container in engine.containers.all()
        ]
        if legacy:
            document["Containers"] = containers
        if summarize:
            document["ContainerUsage"] = usage_summary(
                containers,
                "SizeRw",
                lambda entry: entry.get("State") == "running",
                verbose,
            )
    if not wanted or "volume" in wanted:
        volumes = volume_usage(call)
        if legacy:
            document["Volumes"] = volumes
        if summarize:
            document["VolumeUsage"] = usage_summary(
                volumes, "UsageData", _volume_in_use, verbose
            )
    if not wanted or "build-cache" in wanted:
        if legacy and call.profile.df_builder_size:
            # Engine 20.10 sent no build cache list and a zero BuilderSize.
            document["BuildCache"] = None
            document["BuilderSize"] = 0
        elif legacy:
            document["BuildCache"] = []
        if summarize:
            document["BuildCacheUsage"] = usage_summary([], "Size", bool, verbose)
    return json_response(document)


def usage_summary(
    items: list[dict[str, object]],
    size_field: str,
    active: Callable[[dict[str, object]], bool],
    verbose: bool,
) -> dict[str, object]:
    """Summarize one object kind for ``/system/df`` from API 1.52 on.

    Inactive objects count as reclaimable. ``size_field`` names each item's
    size, or its ``UsageData`` for volumes.
    """

    def size(item: dict[str, object]) -> int:
        value = item.get(size_field)
        if isinstance(value, dict):
            value = value.get("Size")
        return value if isinstance(value, int) and value > 0 else 0

    summary: dict[str, object] = {
        "ActiveCount": sum(1 for item in items if active(item)),
        "TotalCount": len(items),
        "Reclaimable": sum(size(item) for item in items if not active(item)),
        "TotalSize": sum(size(item) for item in items),
    }
    if verbose:
        summary["Items"] = items
    return summary


def _volume_in_use(volume: dict[str, object]) -> bool:
    usage = volume.get("UsageData")
    return isinstance(usage, dict) and bool(usage.get("RefCount"))


def volume_usage(call: Call) -> list[dict[str, object]]:
    """Return the volumes with their usage data for ``/system/df``."""
    volumes = getattr(call.engine, "volumes", None)
    if volumes is None:
        return []
    from .volumes import volume_document

    documents = []
    for volume in volumes.list():
        document = volume_document(call, volume)
        document["UsageData"] = {
            "Size": volume.size(),
            "RefCount": len(volumes.users(volume.name)),
        }
        documents.append(document)
    return documents


@router.post("/auth", "SystemAuth")
def auth(call: Call) -> Response:
    """Check credentials against the simulated registry."""
    body = call.json_body()
    if not isinstance(body, dict):
        raise InvalidParameter("invalid JSON: credentials must be a JSON object")
    server = str(body.get("serveraddress") or "https://index.docker.io/v1/")
    call.engine.registry.login(server, str(body.get("username") or ""))
    return json_response({"IdentityToken": "", "Status": "Login Succeeded"})
