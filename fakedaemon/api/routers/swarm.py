"""Swarm routes: the swarm, its nodes, services, tasks, secrets and configs.

Outside a swarm every route returns dockerd's 503 for a node that is not a
manager, except init, join and leave, which check their request first.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Response

from ...clock import format_log_timestamp
from ...engine.references import parse_normalized
from ...engine.swarm.lookup import parse_version
from ...errors import DaemonError, InvalidParameter
from .. import gojson
from ..bodytypes import BodyType
from ..call import Call
from ..responses import MULTIPLEXED_STREAM, RAW_STREAM, empty, json_response, stream
from ..routing import Router
from ..serializers import swarm as documents
from .containers import frame

if TYPE_CHECKING:
    from ...engine.output import Entry
    from ...engine.swarm.objects import Task
    from ...engine.swarm.secrets import BlobStore

router = Router()


def _body(call: Call, into: BodyType | None = None) -> dict[str, Any]:
    body = call.json_body(into=into)
    if not isinstance(body, dict):
        raise InvalidParameter("invalid JSON: the request body must be a JSON object")
    return body


# The top-level fields of the bodies whose values the handlers read before
# any check of their own; Go ignores the fields a struct does not name.
_INIT_REQUEST = BodyType(
    gojson.struct(
        "swarm.InitRequest",
        {
            "ListenAddr": gojson.STRING,
            "AdvertiseAddr": gojson.STRING,
            "DataPathAddr": gojson.STRING,
            "DataPathPort": gojson.UINT,
            "ForceNewCluster": gojson.BOOL,
            "Spec": gojson.struct("swarm.Spec", {}),
            "AutoLockManagers": gojson.BOOL,
            "Availability": gojson.STRING,
            "DefaultAddrPool": gojson.STRINGS,
            "SubnetSize": gojson.UINT,
        },
    )
)
_SERVICE_SPEC = BodyType(
    gojson.struct(
        "swarm.ServiceSpec",
        {
            "Name": gojson.STRING,
            "Labels": gojson.STRING_MAP,
            "TaskTemplate": gojson.struct(
                "swarm.TaskSpec",
                {
                    "ContainerSpec": gojson.struct(
                        "swarm.ContainerSpec",
                        {
                            "Image": gojson.STRING,
                            "Labels": gojson.STRING_MAP,
                            "Command": gojson.STRINGS,
                            "Args": gojson.STRINGS,
                            "Env": gojson.STRINGS,
                        },
                    ),
                    "Networks": gojson.slice_of(
                        gojson.struct("swarm.NetworkAttachmentConfig", {})
                    ),
                },
            ),
            "Mode": gojson.struct("swarm.ServiceMode", {}),
            "UpdateConfig": gojson.struct("swarm.UpdateConfig", {}),
            "RollbackConfig": gojson.struct("swarm.UpdateConfig", {}),
            "Networks": gojson.slice_of(
                gojson.struct("swarm.NetworkAttachmentConfig", {})
            ),
            "EndpointSpec": gojson.struct("swarm.EndpointSpec", {}),
        },
    )
)


# Swarm ---------------------------------------------------------------------


@router.post("/swarm/init", "SwarmInit")
def init(call: Call) -> Response:
    """Create a swarm with this daemon as its only manager; return the node id."""
    node_id = call.engine.swarm.init(_body(call, _INIT_REQUEST))
    return json_response(node_id)


@router.post("/swarm/join", "SwarmJoin")
def join(call: Call) -> Response:
    """Reject the join as a daemon does when it cannot reach the given manager."""
    call.engine.swarm.join(_body(call))
    return empty(200)


@router.post("/swarm/leave", "SwarmLeave")
def leave(call: Call) -> Response:
    """Leave the swarm (``force`` is required for the last manager)."""
    call.engine.swarm.leave(call.query_bool("force"))
    return empty(200)


@router.get("/swarm", "SwarmInspect")
def inspect_swarm(call: Call) -> Response:
    """Describe the swarm and its join tokens."""
    swarm = call.engine.swarm
    cluster = swarm.inspect()
    with swarm.lock:
        tokens = swarm.join_tokens()
    return json_response(documents.swarm_document(cluster, tokens, call.version))


@router.post("/swarm/update", "SwarmUpdate")
def update_swarm(call: Call) -> Response:
    """Replace the swarm's spec and rotate tokens or the unlock key."""
    swarm = call.engine.swarm
    swarm.require_manager()
    version = parse_version("swarm", call.query("version"))
    swarm.update(
        version,
        _body(call),
        rotate_worker_token=call.query_bool("rotateWorkerToken"),
        rotate_manager_token=call.query_bool("rotateManagerToken"),
        rotate_unlock_key=call.query_bool("rotateManagerUnlockKey"),
    )
    return empty(200)


@router.get("/swarm/unlockkey", "SwarmUnlockkey")
def unlock_key(call: Call) -> Response:
    """Return the key that unlocks the swarm after a restart ("" without autolock)."""
    return json_response({"UnlockKey": call.engine.swarm.get_unlock_key()})


@router.post("/swarm/unlock", "SwarmUnlock")
def unlock(call: Call) -> Response:
    """Unlock a locked swarm with its unlock key."""
    swarm = call.engine.swarm
    if swarm.state == "inactive":
        swarm.require_manager()
    body = _body(call)
    swarm.unlock(str(body.get("UnlockKey") or ""))
    return empty(200)


# Nodes ----------------------------------------------------------------------


def _cluster(call: Call) -> Any:
    cluster = call.engine.swarm.cluster
    assert cluster is not None
    return cluster


@router.get("/nodes", "NodeList")
def list_nodes(call: Call) -> Response:
    """List the swarm's nodes, filtered by id, label, membership, name, role."""
    # The swarm modules load on first use, so a daemon starts without them.
    from ...engine.swarm.nodes import NODE_FILTERS

    swarm = call.engine.swarm
    swarm.require_manager()
    nodes = swarm.nodes.list(call.filters(NODE_FILTERS))
    cluster = _cluster(call)
    return json_response(
        [documents.node_document(node, call.engine, cluster) for node in nodes]
    )


@router.get("/nodes/<id>", "NodeInspect")
def inspect_node(call: Call, id: str) -> Response:
    """Describe one node."""
    node = call.engine.swarm.nodes.get(id)
    return json_response(documents.node_document(node, call.engine, _cluster(call)))


@router.delete("/nodes/<id>", "NodeDelete")
def delete_node(call: Call, id: str) -> Response:
    """Remove a node (the only node, a manager, is never removed)."""
    call.engine.swarm.nodes.remove(id, call.query_bool("force"))
    return empty(200)


@router.post("/nodes/<id>/update", "NodeUpdate")
def update_node(call: Call, id: str) -> Response:
    """Change a node's labels, role or availability."""
    swarm = call.engine.swarm
    swarm.require_manager()
    version = parse_version("node", call.query("version"))
    swarm.nodes.update(id, version, _body(call))
    return empty(200)


# Services --------------------------------------------------------------------


@router.get("/services", "ServiceList")
def list_services(call: Call) -> Response:
    """List services; with ``status`` (API 1.41) add their task counts."""
    from ...engine.swarm.services import SERVICE_FILTERS

    swarm = call.engine.swarm
    swarm.require_manager()
    services = swarm.services.list(call.filters(SERVICE_FILTERS))
    with_status = call.version.at_least("1.41") and call.query_bool("status")
    return json_response(
        [
            documents.service_document(
                service,
                status=swarm.services.status(service.meta.id) if with_status else None,
            )
            for service in services
        ]
    )


def _digest_warnings(call: Call, spec: dict[str, Any]) -> list[str]:
    """Return dockerd's warning when it cannot pin a service's image to a digest.

    Below API 1.30 the daemon, not the client, asks the registry for the
    digest of the image; a registry out of reach leaves the tag unpinned
    and adds a warning to the answer.
    """
    if call.version.at_least("1.30"):
        return []
    template = spec.get("TaskTemplate")
    container = template.get("ContainerSpec") if isinstance(template, dict) else None
    image = container.get("Image") if isinstance(container, dict) else None
    if not isinstance(image, str) or not image or "@" in image:
        return []
    try:
        call.engine.registry.check_reachable(parse_normalized(image))
    except DaemonError:
        return [
            f"image {image} could not be accessed on a registry to record\n"
            f"its digest. Each node will access {image} independently,\n"
            "possibly leading to different nodes running different\n"
            "versions of the image.\n"
        ]
    return []


@router.post("/services/create", "ServiceCreate")
def create_service(call: Call) -> Response:
    """Create a service; the orchestrator starts its tasks."""
    swarm = call.engine.swarm
    swarm.require_manager()
    body = _body(call, _SERVICE_SPEC)
    service_id = swarm.services.create(body)
    document: dict[str, Any] = {"ID": service_id}
    warnings = _digest_warnings(call, body)
    if warnings:
        document["Warnings"] = warnings
    # Engine 20.10 left out an empty Warnings list; 26.1 sends null.
    elif call.profile.max_api.at_least("1.42"):
        document["Warnings"] = None
    return json_response(document, 201)


@router.get("/services/<id>", "ServiceInspect")
def inspect_service(call: Call, id: str) -> Response:
    """Describe a service; ``insertDefaults`` fills the defaults in its spec."""
    service = call.engine.swarm.services.get(id)
    insert = call.query_bool("insertDefaults")
    return json_response(documents.service_document(service, insert=insert))


@router.delete("/services/<id>", "ServiceDelete")
def delete_service(call: Call, id: str) -> Response:
    """Remove a service and, in the background, its tasks and containers."""
    call.engine.swarm.services.remove(id)
    return empty(200)


@router.post("/services/<id>/update", "ServiceUpdate")
def update_service(call: Call, id: str) -> Response:
    """Replace a service's spec, or roll it back with ``rollback=previous``."""
    swarm = call.engine.swarm
    swarm.require_manager()
    version = parse_version("service", call.query("version"))
    body = _body(call, _SERVICE_SPEC)
    # `registryAuthFrom` only picks the credentials sent to a registry, and
    # the fake pulls nothing for services.
    swarm.services.update(id, version, body, call.query("rollback"))
    return json_response({"Warnings": _digest_warnings(call, body) or None})


# Tasks -------------------------------------------------------------------------


@router.get("/tasks", "TaskList")
def list_tasks(call: Call) -> Response:
    """List tasks, filtered by desired state, id, label, name, node, service."""
    from ...engine.swarm.tasks import TASK_FILTERS

    swarm = call.engine.swarm
    swarm.require_manager()
    tasks = swarm.tasks.list(call.filters(TASK_FILTERS))
    return json_response(
        [documents.task_document(task, call.engine, call.version) for task in tasks]
    )


@router.get("/tasks/<id>", "TaskInspect")
def inspect_task(call: Call, id: str) -> Response:
    """Describe one task."""
    task = call.engine.swarm.tasks.get(id)
    return json_response(documents.task_document(task, call.engine, call.version))


# Logs ------------------------------------------------------------------------


def _check_log_streams(call: Call) -> None:
    # The logs routes check their streams before they look up the cluster,
    # and report a failed check with a 500.
    if not (call.query_bool("stdout") or call.query_bool("stderr")):
        raise DaemonError("Bad parameters: you must choose at least one stream")


def _logs(call: Call, reference: str, *, service: bool) -> Response:
    _check_log_streams(call)
    from ...engine.swarm.tasks import log_details

    swarm = call.engine.swarm
    swarm.require_manager()
    sources = swarm.tasks.log_sources(reference, service=service)
    tty = any(container.tty for _, container in sources)
    framed = not tty
    content_type = (
        MULTIPLEXED_STREAM if framed and call.version.at_least("1.42") else RAW_STREAM
    )
    wanted = {name for name in ("stdout", "stderr") if call.query_bool(name)}
    timestamps = call.query_bool("timestamps")
    details = call.query_bool("details")
    tail = call.query("tail", "all")
    follow = call.query_bool("follow")

    def encode(task: Task, stream_name: str, time_ns: int, data: bytes) -> bytes:
        prefix = b""
        if timestamps:
            prefix += format_log_timestamp(time_ns).encode() + b" "
        if details:
            prefix += log_details(task).encode() + b" "
        line = prefix + data
        return frame(stream_name, line) if framed else line

    def body() -> Iterator[bytes]:
        positions: dict[str, int] = {}
        batch: list[tuple[int, Task, str, bytes]] = []
        for task, container in sources:
            kept, positions[container.id] = container.log.read_from(0)
            entries = _lines(kept)
            if tail not in ("", "all"):
                try:
                    count = int(tail)
                except ValueError:
                    count = -1
                if count >= 0:
                    entries = entries[len(entries) - count :] if count else []
            for entry in entries:
                if entry[1] in wanted:
                    batch.append((entry[0], task, entry[1], entry[2]))
        for time_ns, task, stream_name, data in sorted(batch, key=lambda b: b[0]):
            yield encode(task, stream_name, time_ns, data)
        if not follow:
            return
        yield from _follow(call, reference, service, positions, wanted, encode)

    chunks = body()
    if follow or call.profile.max_api.at_least("1.42"):
        return stream(chunks, content_type=content_type)
    # Engine 20.10 sets the content type with the first message, so logs
    # without any come with none.
    first = next(chunks, None)
    if first is None:
        response = stream(iter(()))
        del response.headers["Content-Type"]
        return response
    return stream(itertools.chain([first], chunks), content_type=content_type)


def _lines(entries: list[Entry]) -> list[tuple[int, str, bytes]]:
    """Split a container's output into lines, as the json-file driver stores it."""
    lines: list[tuple[int, str, bytes]] = []
    for entry in entries:
        for piece in entry.data.splitlines(keepends=True):
            lines.append((entry.time_ns, entry.stream, piece))
    return lines


def _follow(
    call: Call,
    reference: str,
    service: bool,
    positions: dict[str, int],
    wanted: set[str],
    encode: Any,
) -> Iterator[bytes]:
    """Yield new output of the tasks' containers until the object or client is gone."""
    swarm = call.engine.swarm
    stop = threading.Event()
    with call.on_disconnect(stop.set):
        while not stop.is_set():
            try:
                sources = swarm.tasks.log_sources(reference, service=service)
            except DaemonError:
                return
            for task, container in sources:
                start = positions.get(container.id, 0)
                entries, positions[container.id] = container.log.read_from(start)
                for entry in entries:
                    if entry.stream in wanted:
                        for piece in entry.data.splitlines(keepends=True):
                            yield encode(task, entry.stream, entry.time_ns, piece)
            if not service and all(not c.state.running for _, c in sources):
                return
            stop.wait(0.1)


@router.get("/services/<id>/logs", "ServiceLogs")
def service_logs(call: Call, id: str) -> Response:
    """Stream the output of a service's task containers."""
    return _logs(call, id, service=True)


@router.get("/tasks/<id>/logs", "TaskLogs")
def task_logs(call: Call, id: str) -> Response:
    """Stream the output of one task's container."""
    return _logs(call, id, service=False)


# Secrets and configs -------------------------------------------------------------


def _decode(call: Call, text: str) -> bytes:
    """Decode base64 ``Data``; raise as Go's JSON decoder reports bad input."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        position = next(
            (
                index
                for index, character in enumerate(text)
                if not (character.isalnum() or character in "+/=")
            ),
            max(len(text) - len(text) % 4, 0),
        )
        message = f"illegal base64 data at input byte {position}"
        if call.profile.legacy_messages:
            raise InvalidParameter(message) from None
        raise InvalidParameter(f"invalid JSON: {message}") from None


def _blob_routes(kind: str, plural: str, operation: str) -> None:
    def store(call: Call) -> BlobStore:
        swarm = call.engine.swarm
        return swarm.secrets if kind == "secret" else swarm.configs

    def list_blobs(call: Call) -> Response:
        from ...engine.swarm.secrets import BLOB_FILTERS

        call.engine.swarm.require_manager()
        blobs = store(call).list(call.filters(BLOB_FILTERS))
        return json_response([documents.blob_document(blob) for blob in blobs])

    def create_blob(call: Call) -> Response:
        call.engine.swarm.require_manager()
        body = _body(call)
        data = _decode(call, str(body.get("Data") or ""))
        return json_response({"ID": store(call).create(body, data)}, 201)

    def inspect_blob(call: Call, id: str) -> Response:
        return json_response(documents.blob_document(store(call).get(id)))

    def delete_blob(call: Call, id: str) -> Response:
        store(call).remove(id)
        return empty(204)

    def update_blob(call: Call, id: str) -> Response:
        call.engine.swarm.require_manager()
        text = call.query("version")
        if not text.isdigit():
            raise InvalidParameter(f"invalid {kind} version")
        body = _body(call)
        data = _decode(call, str(body["Data"])) if body.get("Data") else None
        store(call).update(id, int(text), body, data)
        return empty(200)

    list_blobs.__doc__ = f"List {plural}, filtered by id, label, name, names."
    create_blob.__doc__ = f"Create a {kind} from its name, labels and data."
    inspect_blob.__doc__ = f"Describe one {kind}."
    delete_blob.__doc__ = f"Remove a {kind} that no service uses."
    update_blob.__doc__ = f"Change the labels of a {kind}."
    router.get(f"/{plural}", f"{operation}List")(list_blobs)
    router.post(f"/{plural}/create", f"{operation}Create")(create_blob)
    router.get(f"/{plural}/<id>", f"{operation}Inspect")(inspect_blob)
    router.delete(f"/{plural}/<id>", f"{operation}Delete")(delete_blob)
    router.post(f"/{plural}/<id>/update", f"{operation}Update")(update_blob)


_blob_routes("secret", "secrets", "Secret")
_blob_routes("config", "configs", "Config")
