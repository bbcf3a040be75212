"""Swarm routes as an Engine that is not a swarm manager responds to them.

NOTE: swarm mode itself is not emulated yet: every swarm, node, service,
task, secret and config operation returns dockerd's 503 for a node
outside a swarm, and ``POST /swarm/init`` and ``/swarm/join`` check their
body and then return 501.
"""

from __future__ import annotations

from werkzeug.wrappers import Response

from ...errors import InvalidParameter, NotImplementedByDaemon, Unavailable
from ..call import Call
from ..routing import Router

router = Router()

NOT_A_MANAGER = (
    'This node is not a swarm manager. Use "docker swarm init" or "docker swarm '
    'join" to connect this node to swarm and try again.'
)

_UNAVAILABLE_ROUTES = [
    ("GET", "/swarm", "SwarmInspect"),
    ("POST", "/swarm/update", "SwarmUpdate"),
    ("GET", "/swarm/unlockkey", "SwarmUnlockkey"),
    ("POST", "/swarm/unlock", "SwarmUnlock"),
    ("GET", "/nodes", "NodeList"),
    ("GET", "/nodes/<id>", "NodeInspect"),
    ("DELETE", "/nodes/<id>", "NodeDelete"),
    ("POST", "/nodes/<id>/update", "NodeUpdate"),
    ("GET", "/services", "ServiceList"),
    ("POST", "/services/create", "ServiceCreate"),
    ("GET", "/services/<id>", "ServiceInspect"),
    ("DELETE", "/services/<id>", "ServiceDelete"),
    ("POST", "/services/<id>/update", "ServiceUpdate"),
    ("GET", "/tasks", "TaskList"),
    ("GET", "/tasks/<id>", "TaskInspect"),
    ("GET", "/secrets", "SecretList"),
    ("POST", "/secrets/create", "SecretCreate"),
    ("GET", "/secrets/<id>", "SecretInspect"),
    ("DELETE", "/secrets/<id>", "SecretDelete"),
    ("POST", "/secrets/<id>/update", "SecretUpdate"),
    ("GET", "/configs", "ConfigList"),
    ("POST", "/configs/create", "ConfigCreate"),
    ("GET", "/configs/<id>", "ConfigInspect"),
    ("DELETE", "/configs/<id>", "ConfigDelete"),
    ("POST", "/configs/<id>/update", "ConfigUpdate"),
]


def not_a_manager(call: Call, **_: str) -> Response:
    """Raise the 503 of a node outside any swarm."""
    raise Unavailable(NOT_A_MANAGER)


for _method, _path, _operation in _UNAVAILABLE_ROUTES:
    router.route(_method, _path, _operation)(not_a_manager)


def _check_log_streams(call: Call) -> None:
    # The logs routes check their streams before asking the cluster, and
    # answer that check with a 500.
    if not (call.query_bool("stdout") or call.query_bool("stderr")):
        from ...errors import DaemonError

        raise DaemonError("Bad parameters: you must choose at least one stream")


@router.get("/services/<id>/logs", "ServiceLogs")
def service_logs(call: Call, id: str) -> Response:
    """Check the streams, then answer as a node outside a swarm."""
    _check_log_streams(call)
    raise Unavailable(NOT_A_MANAGER)


@router.get("/tasks/<id>/logs", "TaskLogs")
def task_logs(call: Call, id: str) -> Response:
    """Check the streams, then answer as a node outside a swarm."""
    _check_log_streams(call)
    raise Unavailable(NOT_A_MANAGER)


@router.post("/swarm/leave", "SwarmLeave")
def leave(call: Call) -> Response:
    """Answer as a node outside a swarm."""
    raise Unavailable("This node is not part of a swarm")


def _check_listen_address(call: Call) -> None:
    body = call.json_body()
    address = body.get("ListenAddr", "") if isinstance(body, dict) else ""
    if not address:
        raise InvalidParameter('invalid ListenAddr "": invalid empty address')


@router.post("/swarm/init", "SwarmInit")
def init(call: Call) -> Response:
    """Check the request, then report that swarm mode is not emulated."""
    _check_listen_address(call)
    raise NotImplementedByDaemon("swarm mode is not emulated by this daemon")


@router.post("/swarm/join", "SwarmJoin")
def join(call: Call) -> Response:
    """Check the request, then report that swarm mode is not emulated."""
    _check_listen_address(call)
    raise NotImplementedByDaemon("swarm mode is not emulated by this daemon")
