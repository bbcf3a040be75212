"""Volume routes: list, create, inspect, remove, prune and update."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from ...engine.volumes import Volume
from ...errors import InvalidParameter
from ..bodytypes import body_types
from ..call import Call
from ..filters import Filters, legacy_filter_error
from ..responses import empty, json_response
from ..routing import Router

router = Router()

_LIST_FILTERS = ("dangling", "driver", "label", "name")


@router.get("/volumes", "VolumeList")
def list_volumes(call: Call) -> Response:
    """List volumes, filtered by dangling, driver, label and name."""
    filters = call.filters(_LIST_FILTERS)
    try:
        dangling = filters.bool_value("dangling")
    except InvalidParameter as error:
        if call.profile.legacy_messages:
            raise legacy_filter_error(None, error) from None
        raise
    store = call.engine.volumes
    documents = []
    for volume in store.all():
        if dangling is not None and store.in_use(volume.name) == dangling:
            continue
        if not filters.match_exact("driver", volume.driver):
            continue
        if not filters.match_labels(volume.labels):
            continue
        names = filters.get("name")
        if names and not any(name in volume.name for name in names):
            continue
        documents.append(volume.document())
    return json_response({"Volumes": documents, "Warnings": None})


@router.post("/volumes/create", "VolumeCreate")
def create(call: Call) -> Response:
    """Create a volume, or return the existing one of that name."""
    legacy = call.profile.legacy_messages
    # Engine 26.1 takes an empty body as an empty request; 20.10 failed.
    body = call.json_body(required=legacy, into=body_types(legacy).volume_create)
    body = body or {}
    volume = call.engine.volumes.create(
        body.get("Name") or "",
        body.get("Driver") or "",
        body.get("Labels"),
        body.get("DriverOpts"),
    )
    return json_response(volume.document(), status=201)


def volume_document(call: Call, volume: Volume) -> dict[str, Any]:
    """Return ``volume`` as the API shows it to ``call``'s version."""
    return volume.document()


@router.get("/volumes/<name>", "VolumeInspect")
def inspect(call: Call, name: str) -> Response:
    """Describe one volume."""
    return json_response(call.engine.volumes.get(name).document())


@router.delete("/volumes/<name>", "VolumeDelete")
def remove(call: Call, name: str) -> Response:
    """Remove a volume; ``force`` ignores a missing one."""
    call.engine.volumes.remove(name, force=call.query_bool("force"))
    return empty(204)


@router.put("/volumes/<name>", "VolumeUpdate", since="1.42")
def update(call: Call, name: str) -> Response:
    """Reject the update of a volume, as a daemon outside a swarm does."""
    call.engine.volumes.update(name)
    return empty(200)


@router.post("/volumes/prune", "VolumePrune")
def prune(call: Call) -> Response:
    """Remove unused volumes: anonymous ones only from API 1.42 unless ``all``."""
    legacy_engine = call.profile.max_api.below("1.42")
    allowed = ("label", "label!") if legacy_engine else ("label", "label!", "all")
    filters = call.filters(allowed)
    all_volumes = _all_filter(filters) if filters.contains("all") else False
    # API 1.42 limited prune to anonymous volumes; older requests prune all.
    if call.version.below("1.42"):
        all_volumes = True

    def matches(labels: dict[str, str] | None) -> bool:
        if not filters.match_labels(labels):
            return False
        return not (filters.contains("label!") and _any_label(filters, labels))

    removed, reclaimed = call.engine.volumes.prune(
        all_volumes=all_volumes, matches_labels=matches
    )
    return json_response({"VolumesDeleted": removed, "SpaceReclaimed": reclaimed})


def _all_filter(filters: Filters) -> bool:
    values = filters.get("all")
    value = values[0] if values else ""
    if value.lower() in ("1", "true"):
        return True
    if value.lower() in ("0", "false"):
        return False
    raise InvalidParameter(
        f"invalid filter 'all': strconv.ParseBool: parsing \"{value}\": invalid syntax"
    )


def _any_label(filters: Filters, labels: dict[str, str] | None) -> bool:
    """Return whether ``labels`` match any ``label!`` entry."""
    present: dict[str, Any] = dict(labels or {})
    for entry in filters.get("label!"):
        key, separator, value = entry.partition("=")
        if key in present and (not separator or present[key] == value):
            return True
    return False
