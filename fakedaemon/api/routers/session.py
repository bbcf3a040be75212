"""BuildKit's session and gRPC routes, and the experimental checkpoints."""

from __future__ import annotations

from werkzeug.wrappers import Response

from ...errors import DaemonError, InvalidParameter, NotImplementedByDaemon
from ..call import Call
from ..responses import json_response
from ..routing import Router

router = Router()


@router.post("/session", "Session")
def session(call: Call) -> Response:
    """Refuse the session upgrade: this daemon has no BuildKit."""
    if not call.request.headers.get("Upgrade"):
        raise InvalidParameter("no upgrade proto in request")
    # NOTE: BuildKit sessions are not emulated, so clients fall back to the
    # classic builder or report the error.
    raise NotImplementedByDaemon("BuildKit sessions are not supported by this daemon")


@router.post("/grpc", "Grpc")
def grpc(call: Call) -> Response:
    """Refuse the gRPC upgrade: this daemon has no BuildKit."""
    if not call.request.headers.get("Upgrade"):
        raise DaemonError("no upgrade proto in request")
    raise NotImplementedByDaemon("BuildKit is not supported by this daemon")


@router.get("/containers/<id>/checkpoints", "CheckpointList", experimental=True)
def checkpoints(call: Call, id: str) -> Response:
    """List a container's checkpoints: there are none (no CRIU here)."""
    call.engine.containers.get(id)
    return json_response([])


@router.post("/containers/<id>/checkpoints", "CheckpointCreate", experimental=True)
def create_checkpoint(call: Call, id: str) -> Response:
    """Refuse: checkpoints need CRIU, which a simulated process cannot use."""
    call.engine.containers.get(id)
    raise NotImplementedByDaemon("checkpoints are not supported by this daemon")


@router.delete(
    "/containers/<id>/checkpoints/<checkpoint>", "CheckpointDelete", experimental=True
)
def delete_checkpoint(call: Call, id: str, checkpoint: str) -> Response:
    """Raise the error dockerd gives for a checkpoint that does not exist."""
    call.engine.containers.get(id)
    raise InvalidParameter(f"checkpoint {checkpoint} does not exist")
