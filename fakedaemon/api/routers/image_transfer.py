"""Image transfer routes: commit, save, load, search, push and distribution."""

from __future__ import annotations

import json
from typing import Any

from werkzeug.wrappers import Response

from ...engine.references import InvalidReference, parse_normalized
from ...engine.registry import Platform
from ...errors import DaemonError, InvalidParameter
from ..bodytypes import body_types
from ..call import Call
from ..responses import json_response, stream
from ..routing import Router
from ..strconv import StrconvError, parse_int
from .build import progress_lines

router = Router()

_SEARCH_FILTERS = ("is-automated", "is-official", "stars")


@router.post("/commit", "ImageCommit")
def commit(call: Call) -> Response:
    """Create an image from a container's files and configuration."""
    legacy = call.profile.legacy_messages
    # dockerd decodes the body as a container create body, so each field
    # must have its Go type before anything is committed.
    into = body_types(legacy).container_create
    overrides = call.json_body(required=False, into=into)
    if overrides is not None and not isinstance(overrides, dict):
        raise InvalidParameter(
            "json: cannot unmarshal array into Go value of type container.Config"
        )
    from ...engine.builder import commit_container

    image = commit_container(
        call.engine,
        call.query("container"),
        repository=call.query("repo"),
        tag=call.query("tag"),
        comment=call.query("comment"),
        author=call.query("author"),
        changes=list(call.args.getlist("changes")),
        overrides=overrides,
    )
    return json_response({"Id": image.id}, 201)


@router.get("/images/get", "ImageGetAll")
def save_all(call: Call) -> Response:
    """Export the images ``names`` names as one ``docker save`` tar."""
    return _save(call, list(call.args.getlist("names")))


@router.get("/images/<path:name>/get", "ImageGet")
def save_one(call: Call, name: str) -> Response:
    """Export one image as a ``docker save`` tar."""
    return _save(call, [name])


def _save(call: Call, names: list[str]) -> Response:
    # Engine 25.0 and later write the OCI image layout beside manifest.json.
    from ...engine.archives import save_images

    data = save_images(call.engine, names, oci_layout=not call.profile.legacy_messages)
    return Response(data, status=200, content_type="application/x-tar")


@router.post("/images/load", "ImageLoad")
def load(call: Call) -> Response:
    """Load the images of a ``docker save`` tar and stream what was loaded."""
    data = call.request.get_data(cache=False)
    from ...engine.archives import ArchiveLoad

    session = ArchiveLoad(call.engine, data, quiet=call.query_bool("quiet"))
    return stream(progress_lines(session.messages()))


@router.get("/images/search", "ImageSearch")
def search(call: Call) -> Response:
    """Search Docker Hub, simulated from the registry's catalogue."""
    legacy = call.profile.legacy_messages
    limit = _search_limit(call, legacy)
    if limit < 0:
        response = Response(b"", status=200)
        response.headers.remove("Content-Type")
        return response
    filters = call.filters().to_dict()
    word = "Invalid" if legacy else "invalid"
    for key in filters:
        if key not in _SEARCH_FILTERS:
            raise InvalidParameter(f"{word} filter '{key}'")
    official = _bool_filter(filters, "is-official", word)
    automated = _bool_filter(filters, "is-automated", word)
    stars = 0
    for value in filters.get("stars", []):
        try:
            stars = max(stars, int(value))
        except ValueError:
            detail = (
                "" if legacy else f': strconv.Atoi: parsing "{value}": invalid syntax'
            )
            raise InvalidParameter(f"{word} filter 'stars={value}'{detail}") from None

    results = call.engine.registry.search(call.query("term"), limit)
    matching = []
    for result in results:
        if official is not None and result["is_official"] != official:
            continue
        # Docker Hub no longer marks automated builds, so `is-automated=true`
        # finds nothing (API 1.45 change, applied to every version).
        if automated:
            continue
        if result["star_count"] < stars:
            continue
        matching.append(result)
    return json_response(matching)


def _search_limit(call: Call, legacy: bool) -> int:
    text = call.query("limit")
    if not text:
        return 25
    try:
        limit = parse_int(text)
    except StrconvError as error:
        message = str(error)
        if legacy:
            raise DaemonError(message) from None
        raise InvalidParameter(f"invalid limit specified: {message}") from None
    if limit == 0 and not legacy:
        return 25
    if limit < 0 and not legacy:
        # Engine 26.1 answers a negative limit with an empty 200.
        return limit
    if not 1 <= limit <= 100:
        word = "Limit" if legacy else "limit"
        raise InvalidParameter(f"{word} {limit} is outside the range of [1, 100]")
    return limit


def _bool_filter(filters: dict[str, list[str]], key: str, word: str) -> bool | None:
    values = filters.get(key)
    if not values:
        return None
    value = values[0]
    if value not in ("true", "false", "1", "0"):
        raise InvalidParameter(f"{word} filter '{key}=[{value}]'")
    return value in ("true", "1")


@router.post("/images/<path:name>/push", "ImagePush")
def push(call: Call, name: str) -> Response:
    """Push a repository's tags to the simulated registry."""
    if not call.request.headers.get("X-Registry-Auth"):
        if call.profile.legacy_messages:
            raise InvalidParameter("Bad parameters and missing X-Registry-Auth: EOF")
        raise InvalidParameter(
            "bad parameters and missing X-Registry-Auth: invalid X-Registry-Auth "
            "header: EOF"
        )
    try:
        reference = parse_normalized(
            name,
            name_in_lowercase_error=call.engine.images.rules.name_in_lowercase_error,
        )
    except InvalidReference as error:
        if call.profile.legacy_messages:
            raise DaemonError(error.message) from None
        raise
    tag = call.query("tag") or reference.tag or ""
    messages = call.engine.registry.push_messages(
        call.engine.images,
        reference,
        tag,
        progress_text=call.profile.progress_bar_text,
    )
    return stream(progress_lines(messages))


@router.get("/distribution/<path:name>/json", "DistributionInspect")
def distribution(call: Call, name: str) -> Response:
    """Describe an image's manifest and platforms as the registry serves it."""
    reference = parse_normalized(
        name, name_in_lowercase_error=call.engine.images.rules.name_in_lowercase_error
    )
    return json_response(call.engine.registry.distribution(reference))


@router.get("/images/<path:name>/attestations", "ImageAttestations")
def attestations(call: Call, name: str) -> Response:
    """List an image's in-toto attestations; images here carry none."""
    if call.version.below("1.55"):
        # The route exists from API 1.55; older versions do not match it.
        return json_response({"message": "page not found"}, 404)
    platforms = call.args.getlist("platform")
    if len(platforms) > 1:
        raise InvalidParameter("only one platform may be specified")
    if platforms:
        _check_platform(platforms[0])
    call.engine.images.get(name)
    return json_response([])


def _check_platform(text: str) -> Platform:
    try:
        document: Any = json.loads(text)
    except json.JSONDecodeError:
        raise InvalidParameter(f"failed to parse platform: {text}") from None
    if not isinstance(document, dict):
        raise InvalidParameter(f"failed to parse platform: {text}")
    return Platform(
        str(document.get("os", "linux")),
        str(document.get("architecture", "amd64")),
        str(document.get("variant", "")),
    )
