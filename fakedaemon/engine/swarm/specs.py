"""Service specs: validation and the normalised form the Engine stores.

Keys are written in the order of the Engine's Go structs, so documents read
like dockerd's. ``insert_defaults`` adds what ``?insertDefaults=true`` shows.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from ...errors import InvalidParameter, NotImplementedByDaemon
from .lookup import invalid_argument

_CONTAINER_SPEC_ORDER = (
    "Image",
    "Labels",
    "Command",
    "Args",
    "Hostname",
    "Env",
    "Dir",
    "User",
    "Groups",
    "Privileges",
    "Init",
    "StopSignal",
    "TTY",
    "OpenStdin",
    "ReadOnly",
    "Mounts",
    "StopGracePeriod",
    "Healthcheck",
    "Hosts",
    "DNSConfig",
    "Secrets",
    "Configs",
    "Isolation",
    "Sysctls",
    "CapabilityAdd",
    "CapabilityDrop",
    "Ulimits",
    "OomScoreAdj",
)
_TASK_SPEC_ORDER = (
    "PluginSpec",
    "ContainerSpec",
    "NetworkAttachmentSpec",
    "Resources",
    "RestartPolicy",
    "Placement",
    "Networks",
    "LogDriver",
    "ForceUpdate",
    "Runtime",
)
_SERVICE_SPEC_ORDER = (
    "Name",
    "Labels",
    "TaskTemplate",
    "Mode",
    "UpdateConfig",
    "RollbackConfig",
    "Networks",
    "EndpointSpec",
)
# SwarmKit's rule for service names (``validateAnnotations``).
_SERVICE_NAME = re.compile(r"^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$")
_CONDITIONS = ("none", "on-failure", "any")
_MODES = {
    "replicated": "Replicated",
    "global": "Global",
    "replicatedjob": "ReplicatedJob",
    "globaljob": "GlobalJob",
}


def ordered(document: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    """Return ``document`` with the keys of ``order`` first, in that order."""
    result = {key: document[key] for key in order if key in document}
    for key, value in document.items():
        if key not in result:
            result[key] = value
    return result


def check_name(name: str) -> None:
    """Raise SwarmKit's error for a service name that is not a DNS component."""
    if len(name) > 63 or not _SERVICE_NAME.match(name):
        raise invalid_argument("name must be valid as a DNS name component")


def mode_of(spec: dict[str, Any]) -> str:
    """Return ``replicated`` or ``global``."""
    return "global" if "Global" in (spec.get("Mode") or {}) else "replicated"


def replicas_of(spec: dict[str, Any]) -> int:
    """Return the replica count of a replicated service (0 for global)."""
    replicated = (spec.get("Mode") or {}).get("Replicated")
    if replicated is None:
        return 0
    return int(replicated.get("Replicas", 1))


def normalize(spec: dict[str, Any]) -> dict[str, Any]:
    """Return ``spec`` as the Engine stores it, or raise as it rejects it.

    Network targets are left as given; the service store resolves them.
    """
    template = copy.deepcopy(spec.get("TaskTemplate") or {})
    container = template.get("ContainerSpec")
    if not isinstance(container, dict):
        if not template.get("PluginSpec") and not template.get("NetworkAttachmentSpec"):
            raise InvalidParameter("mismatched Runtime and *Spec fields")
        raise NotImplementedByDaemon(
            "plugin and network attachment services are not emulated"
        )
    # Go decodes JSON keys without regard to case; docker-py sends
    # {"replicated": {...}} for the mode.
    mode = {
        _MODES.get(key.lower(), key): value
        for key, value in (spec.get("Mode") or {}).items()
    }
    modes = [
        key
        for key in ("Replicated", "Global", "ReplicatedJob", "GlobalJob")
        if mode.get(key) is not None
    ]
    if len(modes) > 1:
        raise InvalidParameter("must specify only one service mode")
    if modes and modes[0] in ("ReplicatedJob", "GlobalJob"):
        raise NotImplementedByDaemon("job-mode services are not emulated")
    if not container.get("Image"):
        raise invalid_argument("ContainerSpec: image reference must be provided")
    # Fields sent as null are left out, as Go's omitempty does.
    container = {key: value for key, value in container.items() if value is not None}
    template = {key: value for key, value in template.items() if value is not None}
    container.setdefault("Isolation", "default")
    for key, id_key, name_key in (
        ("Secrets", "SecretID", "SecretName"),
        ("Configs", "ConfigID", "ConfigName"),
    ):
        if container.get(key):
            order = ("File", "Runtime", id_key, name_key)
            container[key] = [ordered(entry, order) for entry in container[key]]
    template["ContainerSpec"] = ordered(container, _CONTAINER_SPEC_ORDER)
    restart = template.get("RestartPolicy")
    if isinstance(restart, dict):
        condition = restart.get("Condition") or ""
        if condition and condition not in _CONDITIONS:
            raise InvalidParameter(f"unknown restart policy condition: {condition}")
        shaped = {k: restart[k] for k in ("Condition", "Delay") if restart.get(k)}
        shaped["MaxAttempts"] = int(restart.get("MaxAttempts") or 0)
        if restart.get("Window"):
            shaped["Window"] = restart["Window"]
        template["RestartPolicy"] = shaped
    template["ForceUpdate"] = int(template.get("ForceUpdate") or 0)
    template["Runtime"] = "container"
    normalized: dict[str, Any] = {
        "Name": spec.get("Name") or "",
        "Labels": dict(spec.get("Labels") or {}),
        "TaskTemplate": ordered(template, _TASK_SPEC_ORDER),
    }
    if modes and modes[0] == "Global":
        normalized["Mode"] = {"Global": {}}
    else:
        replicated = mode.get("Replicated") or {}
        replicas = replicated.get("Replicas")
        normalized["Mode"] = {
            "Replicated": {"Replicas": 1 if replicas is None else int(replicas)}
        }
    for key in ("UpdateConfig", "RollbackConfig"):
        if isinstance(spec.get(key), dict):
            normalized[key] = _update_config(spec[key])
    if spec.get("Networks"):
        normalized["Networks"] = copy.deepcopy(spec["Networks"])
    endpoint = spec.get("EndpointSpec")
    if isinstance(endpoint, dict):
        normalized["EndpointSpec"] = _endpoint_spec(endpoint)
    return ordered(normalized, _SERVICE_SPEC_ORDER)


def _update_config(config: dict[str, Any]) -> dict[str, Any]:
    # SwarmKit stores the failure action and order as enums whose zero values
    # read back as "pause" and "stop-first"; zero durations are left out.
    shaped: dict[str, Any] = {"Parallelism": int(config.get("Parallelism") or 0)}
    if config.get("Delay"):
        shaped["Delay"] = config["Delay"]
    shaped["FailureAction"] = config.get("FailureAction") or "pause"
    if config.get("Monitor"):
        shaped["Monitor"] = config["Monitor"]
    shaped["MaxFailureRatio"] = config.get("MaxFailureRatio") or 0
    shaped["Order"] = config.get("Order") or "stop-first"
    return shaped


def _endpoint_spec(endpoint: dict[str, Any]) -> dict[str, Any]:
    shaped: dict[str, Any] = {"Mode": endpoint.get("Mode") or "vip"}
    ports = []
    for port in endpoint.get("Ports") or []:
        entry: dict[str, Any] = {}
        if port.get("Name"):
            entry["Name"] = port["Name"]
        entry["Protocol"] = port.get("Protocol") or "tcp"
        entry["TargetPort"] = int(port.get("TargetPort") or 0)
        entry["PublishedPort"] = int(port.get("PublishedPort") or 0)
        entry["PublishMode"] = port.get("PublishMode") or "ingress"
        ports.append(entry)
    if ports:
        shaped["Ports"] = ports
    return shaped


def task_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """Return the spec a task of the service gets: its template without Runtime."""
    template: dict[str, Any] = copy.deepcopy(spec["TaskTemplate"])
    template.pop("Runtime", None)
    return template


def insert_defaults(spec: dict[str, Any]) -> dict[str, Any]:
    """Return ``spec`` with the defaults ``?insertDefaults=true`` shows."""
    filled = copy.deepcopy(spec)
    template = filled["TaskTemplate"]
    container = template["ContainerSpec"]
    container.setdefault("StopGracePeriod", 10_000_000_000)
    container.setdefault("DNSConfig", {})
    template["ContainerSpec"] = ordered(container, _CONTAINER_SPEC_ORDER)
    template.setdefault("Resources", {})
    restart = {"Condition": "any", "Delay": 5_000_000_000, "MaxAttempts": 0}
    restart.update(template.get("RestartPolicy") or {})
    template["RestartPolicy"] = restart
    template.setdefault("Placement", {})
    filled["TaskTemplate"] = ordered(template, _TASK_SPEC_ORDER)
    for key in ("UpdateConfig", "RollbackConfig"):
        defaults: dict[str, Any] = {
            "Parallelism": 1,
            "FailureAction": "pause",
            "Monitor": 5_000_000_000,
            "MaxFailureRatio": 0,
            "Order": "stop-first",
        }
        for name, value in (filled.get(key) or {}).items():
            if value not in (0, "", None) or name == "Parallelism":
                defaults[name] = value
        filled[key] = defaults
    filled.setdefault("EndpointSpec", {"Mode": "vip"})
    return ordered(filled, _SERVICE_SPEC_ORDER)


def check_update(old: dict[str, Any], new: dict[str, Any]) -> None:
    """Raise SwarmKit's errors for changes a service update may not make."""
    if old["Name"] != new["Name"]:
        raise NotImplementedByDaemon(
            "rpc error: code = Unimplemented desc = renaming services is not supported"
        )
    if mode_of(old) != mode_of(new):
        raise NotImplementedByDaemon(
            "rpc error: code = Unimplemented desc = service mode change is not allowed"
        )
