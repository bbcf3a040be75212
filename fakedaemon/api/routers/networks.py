"""Network routes: list, inspect, create, remove, connect, disconnect, prune."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

from ...clock import format_rfc3339_nano
from ...engine.networks import Network, filter_match
from ...errors import DaemonError, InvalidParameter, NoSuchContainer, NotFound
from ...versions import APIVersion
from ..bodytypes import body_types
from ..call import Call
from ..filters import Filters
from ..responses import empty, json_response
from ..routing import Router

router = Router()

_LIST_FILTERS = ("dangling", "driver", "id", "label", "name", "scope", "type")
_PRUNE_FILTERS = ("label", "label!", "until")


class _FilterError(DaemonError):
    # dockerd reports an unknown `type` filter value without an errdefs kind.
    status = 500


def network_document(
    network: Network, version: APIVersion, *, legacy: bool, containers: bool
) -> dict[str, Any]:
    """Return a network as ``GET /networks/{id}`` (or the list) shows it.

    Args:
        legacy: shape it as Engine 20.10 did (an empty IPAM ``Config`` list
            for networks without subnets, where later engines send null).
        containers: fill ``Containers`` with the attached endpoints; the
            list always sends an empty map.
    """
    config: list[dict[str, Any]] | None = network.ipam_config
    if not config:
        config = [] if legacy else None
    document: dict[str, Any] = {
        "Name": network.name,
        "Id": network.id,
        "Created": format_rfc3339_nano(network.created_ns),
        "Scope": network.scope,
        "Driver": network.driver,
    }
    # 1.48 added EnableIPv4.
    if version.at_least("1.48"):
        document["EnableIPv4"] = True
    document.update(
        {
            "EnableIPv6": network.enable_ipv6,
            "IPAM": {
                "Driver": network.ipam_driver,
                "Options": network.ipam_options,
                "Config": [dict(entry) for entry in config]
                if config is not None
                else None,
            },
            "Internal": network.internal,
            "Attachable": network.attachable,
            "Ingress": network.ingress,
            "ConfigFrom": {"Network": ""},
            "ConfigOnly": False,
            "Containers": {
                container_id: endpoint.document()
                for container_id, endpoint in sorted(network.endpoints.items())
            }
            if containers
            else {},
            "Options": dict(network.options),
            "Labels": dict(network.labels),
        }
    )
    # 1.52 added the IPAM allocation statistics to inspect.
    if containers and version.at_least("1.52"):
        document["Status"] = {"IPAM": {"Subnets": _subnet_status(network)}}
    return document


def _subnet_status(network: Network) -> dict[str, Any]:
    subnets: dict[str, Any] = {}
    for pool in network.pools:
        span = pool.ip_range or pool.subnet
        in_use = len(pool.allocated | pool.reserved())
        in_span = sum(
            1
            for number in pool.allocated | pool.reserved()
            if int(span.network_address) <= number <= int(span.broadcast_address)
        )
        subnets[str(pool.subnet)] = {
            "IPsInUse": in_use,
            "DynamicIPsAvailable": max(span.num_addresses - in_span, 0),
        }
    return subnets


@router.get("/networks", "NetworkList")
def list_networks(call: Call) -> Response:
    """List networks, filtered by driver, id, label, name, scope, type, dangling."""
    filters = call.filters(_LIST_FILTERS)
    for kind in filters.get("type"):
        if kind not in ("custom", "builtin"):
            raise _FilterError(f"invalid filter: 'type'='{kind}'")
    dangling = _dangling(filters)
    legacy = call.profile.max_api.below("1.42")
    documents = []
    with call.engine.networks.lock:
        for network in call.engine.networks.all():
            if not _matches(network, filters, dangling):
                continue
            documents.append(
                network_document(network, call.version, legacy=legacy, containers=False)
            )
    return json_response(documents)


@router.get("/networks/", "NetworkListTrailingSlash")
def list_networks_slash(call: Call) -> Response:
    """List networks: dockerd also routes the path with a trailing slash."""
    return list_networks(call)


def _dangling(filters: Filters) -> bool | None:
    values = filters.get("dangling")
    if not values:
        return None
    lowered = {value.lower() for value in values}
    if lowered <= {"true", "1"}:
        return True
    if lowered <= {"false", "0"}:
        return False
    raise InvalidParameter(
        'invalid value for filter \'dangling\', must be "true" (or "1"), or '
        '"false" (or "0")'
    )


def _matches(network: Network, filters: Filters, dangling: bool | None) -> bool:
    if not filters.match_exact("driver", network.driver):
        return False
    if not filters.match_exact("scope", network.scope):
        return False
    if not filters.match_labels(network.labels):
        return False
    names = filters.get("name")
    if names and not any(filter_match(name, network.name) for name in names):
        return False
    ids = filters.get("id")
    if ids and not any(filter_match(value, network.id) for value in ids):
        return False
    kinds = filters.get("type")
    kind = "builtin" if network.predefined else "custom"
    if kinds and kind not in kinds:
        return False
    if dangling is not None:
        unused = not network.predefined and not network.endpoints
        if unused != dangling:
            return False
    return True


@router.get("/networks/<path:id>", "NetworkInspect")
def inspect(call: Call, id: str) -> Response:
    """Describe one network with its attached containers."""
    network = call.engine.networks.get(id)
    scope = call.query("scope")
    if scope and scope != network.scope:
        raise NotFound(f"network {id} not found")
    legacy = call.profile.max_api.below("1.42")
    with call.engine.networks.lock:
        document = network_document(
            network, call.version, legacy=legacy, containers=True
        )
    return json_response(document)


@router.post("/networks/create", "NetworkCreate")
def create(call: Call) -> Response:
    """Create a network."""
    legacy = call.profile.legacy_messages
    # Engine 26.1 takes an empty body as an empty request; 20.10 failed.
    body = call.json_body(required=legacy, into=body_types(legacy).network_create)
    network, warning = call.engine.networks.create(body or {})
    return json_response({"Id": network.id, "Warning": warning}, status=201)


@router.delete("/networks/<path:id>", "NetworkDelete")
def remove(call: Call, id: str) -> Response:
    """Remove a network."""
    call.engine.networks.remove(id)
    return empty(204)


@router.post("/networks/<path:id>/connect", "NetworkConnect")
def connect(call: Call, id: str) -> Response:
    """Connect a container to a network."""
    legacy = call.profile.legacy_messages
    body = call.json_body(required=legacy, into=body_types(legacy).network_connect)
    body = body or {}
    container = call.engine.containers.get(body.get("Container") or "")
    call.engine.networks.connect(id, container, body.get("EndpointConfig"))
    return empty(200)


@router.post("/networks/<path:id>/disconnect", "NetworkDisconnect")
def disconnect(call: Call, id: str) -> Response:
    """Disconnect a container from a network."""
    legacy = call.profile.legacy_messages
    into = body_types(legacy).network_disconnect
    body = call.json_body(required=legacy, into=into) or {}
    reference = body.get("Container") or ""
    networks = call.engine.networks
    try:
        container = call.engine.containers.get(reference)
    except NoSuchContainer:
        if body.get("Force"):
            networks.disconnect_missing(id, reference)
        raise
    networks.disconnect(id, container)
    return empty(200)


@router.post("/networks/prune", "NetworkPrune")
def prune(call: Call) -> Response:
    """Remove user networks that no running container uses."""
    filters = call.filters(_PRUNE_FILTERS)
    until = _until(call, filters.get("until"))

    def keep(network: Network) -> bool:
        if until is not None and network.created_ns >= until:
            return True
        if not filters.match_labels(network.labels):
            return True
        return filters.contains("label!") and _any_label(filters, network.labels)

    removed = call.engine.networks.prune(keep)
    return json_response({"NetworksDeleted": removed or None})


def _any_label(filters: Filters, labels: dict[str, str]) -> bool:
    for entry in filters.get("label!"):
        key, separator, value = entry.partition("=")
        if key in labels and (not separator or labels[key] == value):
            return True
    return False


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_DURATIONS = re.compile(r"(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+")
_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}


def _until(call: Call, values: list[str]) -> int | None:
    """Parse an ``until`` filter (timestamp, date or Go duration) to nanoseconds."""
    if not values:
        return None
    text = values[0]
    seconds: float | None = None
    try:
        seconds = float(text)
    except ValueError:
        if _DURATIONS.fullmatch(text):
            seconds = call.engine.clock.time() - _duration(text)
        else:
            seconds = _date(text)
    if seconds is None:
        message = f'failed to parse value as time or duration: "{text}"'
        if call.profile.legacy_messages:
            raise DaemonError(message)
        raise InvalidParameter(message)
    return int(seconds * 1_000_000_000)


def _duration(text: str) -> float:
    return sum(
        float(match.group(1)) * _UNITS[match.group(2)]
        for match in _DURATION.finditer(text)
    )


def _date(text: str) -> float | None:
    for pattern in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(text.replace("Z", "+0000"), pattern)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    return None
