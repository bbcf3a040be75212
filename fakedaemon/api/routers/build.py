"""Build routes: the classic builder, its cache prune and build cancel."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from werkzeug.wrappers import Response

from ...engine.references import InvalidReference
from ...errors import DaemonError, InvalidParameter, NotImplementedByDaemon
from ..call import Call
from ..jsonenc import dumps
from ..responses import empty, json_response, stream
from ..routing import Router

router = Router()

# Go's json.Marshal escapes these in strings, and build output often has ">".
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}

_PRUNE_FILTERS = ("until", "id", "parent", "type", "description", "inuse", "shared",
                  "private")  # fmt: skip


def progress_lines(messages: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """Encode JSON progress messages as dockerd does: Go escapes, CRLF endings."""
    for message in messages:
        text = dumps(message)
        for char, escaped in _GO_ESCAPES.items():
            text = text.replace(char, escaped)
        yield (text + "\r\n").encode()


@router.post("/build", "ImageBuild")
def build(call: Call) -> Response:
    """Build an image from the tar context in the body with the classic builder."""
    version = call.query("version")
    if version not in ("", "1", "2"):
        error = InvalidParameter(f'invalid version "{version}"')
        if call.profile.legacy_messages:
            error.status = 500
        raise error
    if version == "2":
        # NOTE: BuildKit's solver and its protobuf trace stream are not emulated.
        raise NotImplementedByDaemon(
            "BuildKit builds (version=2) are not supported by this daemon; "
            "use the classic builder (version=1, DOCKER_BUILDKIT=0)"
        )
    if call.query("remote"):
        # NOTE: remote contexts (git or URL) need a network this daemon lacks.
        raise NotImplementedByDaemon("remote build contexts are not supported")
    # The builder loads with the first build, not with the daemon.
    from ...engine.builder import BuildOptions, ClassicBuild

    options = BuildOptions(
        dockerfile=call.query("dockerfile"),
        tags=list(call.args.getlist("t")),
        build_args=_json_map(call, "buildargs", "error reading build args"),
        labels={
            key: value or ""
            for key, value in _json_map(call, "labels", "error reading labels").items()
        },
        target=call.query("target"),
        no_cache=call.query_bool("nocache"),
        remove=call.query_bool("rm", default=True),
        force_remove=call.query_bool("forcerm"),
        quiet=call.query_bool("q"),
        # `platform` arrived in API 1.32.
        platform=call.query("platform") if call.version.at_least("1.32") else "",
        pull=call.query_bool("pull"),
        # API 1.30 added the aux message with the built image's id.
        image_id_aux=call.version.at_least("1.30"),
    )
    context = call.request.get_data(cache=False)
    try:
        session = ClassicBuild(call.engine, context, options)
    except InvalidReference as error:
        # dockerd checks tags as an internal error (500).
        raise DaemonError(error.message) from None
    clock = call.engine.clock

    def body() -> Iterator[bytes]:
        # dockerd cancels the build when its client goes away.
        with call.on_disconnect(session.cancel.set, clock.wake):
            yield from progress_lines(session.messages())

    return stream(body())


def _json_map(call: Call, name: str, prefix: str) -> dict[str, str | None]:
    text = call.query(name)
    if not text:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        from ..call import describe_json_error

        raise InvalidParameter(
            f"{prefix}: {describe_json_error(text, error)}"
        ) from None
    if not isinstance(value, dict):
        raise InvalidParameter(
            f"{prefix}: json: cannot unmarshal {type(value).__name__} into Go value "
            "of type map[string]*string"
        )
    return {
        str(key): None if item is None else str(item) for key, item in value.items()
    }


@router.post("/build/prune", "BuildPrune")
def prune(call: Call) -> Response:
    """Delete build cache; the classic builder keeps none apart from images."""
    filters = call.filters()
    for key in filters.to_dict():
        if key not in _PRUNE_FILTERS:
            raise InvalidParameter(
                f"failed to prune build cache: invalid filter '{key}'"
            )
    return json_response({"CachesDeleted": None, "SpaceReclaimed": 0})


@router.post("/build/cancel", "BuildCancel")
def cancel(call: Call) -> Response:
    """Cancel a BuildKit build by id; classic builds end when the client leaves."""
    return empty(200)
