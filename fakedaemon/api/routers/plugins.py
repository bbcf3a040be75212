"""Plugin routes of a daemon with no plugins installed."""

from __future__ import annotations

import io

from werkzeug.wrappers import Response

from ...engine.references import parse_normalized
from ...errors import DaemonError, InvalidParameter, NotFound, NotImplementedByDaemon
from ..call import Call
from ..responses import json_response
from ..routing import Router

router = Router()


def _not_found(name: str) -> NotFound:
    return NotFound(f'plugin "{name}" not found')


def _privileges_body(call: Call) -> None:
    body = call.json_body(required=False)
    if body is not None and not isinstance(body, list):
        raise InvalidParameter(
            "invalid JSON: json: cannot unmarshal object into Go value of type "
            "types.PluginPrivileges"
        )


@router.get("/plugins", "PluginList")
def list_plugins(call: Call) -> Response:
    """List the installed plugins: there are none."""
    call.filters(("capability", "enable"))
    return json_response([])


@router.get("/plugins/privileges", "GetPluginPrivileges")
def privileges(call: Call) -> Response:
    """List the privileges a remote plugin requests: none are known."""
    return json_response([])


@router.get("/plugins/<path:name>/json", "PluginInspect")
def inspect(call: Call, name: str) -> Response:
    """Raise 404, because no plugin is installed."""
    raise _not_found(name)


@router.delete("/plugins/<path:name>", "PluginDelete")
def delete(call: Call, name: str) -> Response:
    """Raise 404, because no plugin is installed."""
    raise _not_found(name)


@router.post("/plugins/<path:name>/enable", "PluginEnable")
def enable(call: Call, name: str) -> Response:
    """Check the timeout as dockerd does, then raise 404."""
    timeout = call.query("timeout")
    if not timeout.lstrip("-").isdigit():
        raise DaemonError(f'strconv.Atoi: parsing "{timeout}": invalid syntax')
    raise _not_found(name)


@router.post("/plugins/<path:name>/disable", "PluginDisable")
def disable(call: Call, name: str) -> Response:
    """Raise 404, because no plugin is installed."""
    raise _not_found(name)


@router.post("/plugins/<path:name>/push", "PluginPush")
def push(call: Call, name: str) -> Response:
    """Raise 404, because no plugin is installed."""
    raise _not_found(name)


@router.post("/plugins/<path:name>/set", "PluginSet")
def set_settings(call: Call, name: str) -> Response:
    """Check the body (a list of ``key=value``), then raise 404."""
    body = call.json_body()
    if not isinstance(body, list):
        raise InvalidParameter(
            "invalid JSON: json: cannot unmarshal object into Go value of type []string"
        )
    raise _not_found(name)


@router.post("/plugins/pull", "PluginPull")
def pull(call: Call) -> Response:
    """Check the privileges body, then fail as a pull with no such plugin."""
    _privileges_body(call)
    remote = call.query("remote")
    registry = call.engine.registry
    if registry.offline:
        reference = parse_normalized(remote).with_default_tag()
        path = reference.path
        tag = reference.tag or "latest"
        url = f"https://registry-1.docker.io/v2/{path}/manifests/{tag}"
        if reference.domain != "docker.io":
            url = f"https://{reference.domain}/v2/{path}/manifests/{tag}"
        reason = registry.offline_reason_for(reference.domain)
        raise DaemonError(
            "error resolving plugin reference: failed to do request: "
            f'Head "{url}": {reason}'
        )
    raise NotFound(
        f"pull access denied for {remote}, repository does not exist or may "
        "require 'docker login': denied: requested access to the resource is denied"
    )


@router.post("/plugins/<path:name>/upgrade", "PluginUpgrade")
def upgrade(call: Call, name: str) -> Response:
    """Check the privileges body, then raise 404."""
    _privileges_body(call)
    # The upgrade looks the plugin up by its full name, tag included.
    if ":" not in name.rsplit("/", 1)[-1] and "@" not in name:
        name += ":latest"
    raise _not_found(name)


@router.post("/plugins/create", "PluginCreate")
def create(call: Call) -> Response:
    """Read the plugin's tar context; creating plugins is not emulated."""
    import tarfile

    data = call.request.get_data()
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            names = {m.name.removeprefix("./") for m in archive.getmembers()}
    except tarfile.TarError:
        raise DaemonError("failed to read from tar: unexpected EOF") from None
    if "config.json" not in names:
        raise DaemonError("config not found")
    # NOTE: a valid plugin context is accepted but no plugin is created.
    raise NotImplementedByDaemon("creating plugins is not emulated by this daemon")
