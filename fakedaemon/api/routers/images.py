"""Image routes: pull, list, inspect, history, tag, delete and prune."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from werkzeug.wrappers import Response

from ...clock import ZERO_TIME, format_rfc3339_nano
from ...engine.images import ContainerUse, Image, ImageSummary
from ...errors import DaemonError, NotImplementedByDaemon
from ..call import Call
from ..jsonenc import dumps
from ..responses import empty, json_response, stream
from ..routing import Router

router = Router()

# Go's json.Marshal escapes these in strings; progress bars contain ">".
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def containers_using(call: Call) -> Any:
    def lookup(image_id: str) -> Sequence[ContainerUse]:
        return [
            ContainerUse(container.id, container.state.running)
            for container in call.engine.containers.using_image(image_id)
        ]

    return lookup


def _progress_lines(messages: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    # dockerd's stream formatter ends every JSON message with CRLF.
    for message in messages:
        text = dumps(message)
        for char, escaped in _GO_ESCAPES.items():
            text = text.replace(char, escaped)
        yield (text + "\r\n").encode()


@router.post("/images/create", "ImageCreate")
def create(call: Call) -> Response:
    """Pull an image from the simulated registry and stream the progress."""
    from_image = call.query("fromImage")
    if not from_image and call.query("fromSrc"):
        return _import(call)
    session = call.engine.registry.start_pull(
        call.engine.images, from_image, call.query("tag"), call.query("platform")
    )
    # Engines up to 28.x also send the deprecated `progress` bar text.
    messages = session.messages(progress_text=call.profile.progress_bar_text)
    return stream(_progress_lines(messages))


def _import(call: Call) -> Response:
    # `fromSrc=-` imports the request body; a URL would need a network.
    source = call.query("fromSrc")
    if source != "-":
        raise NotImplementedByDaemon("importing an image from a URL is not supported")
    from ...engine.archives import import_image

    image = import_image(
        call.engine,
        call.request.get_data(cache=False),
        repository=call.query("repo"),
        tag=call.query("tag"),
        message=call.query("message"),
        changes=list(call.args.getlist("changes")),
    )
    return stream(_progress_lines([{"status": image.id}]))


@router.get("/images/json", "ImageList")
def list_images(call: Call) -> Response:
    """List images as dockerd's image summaries."""
    filters = call.filters().to_dict()
    if call.query("filter"):
        # The `filter` parameter (API < 1.41 in the CLI, removed in 1.41's
        # specification) still works on the engines measured: a reference.
        filters.setdefault("reference", []).append(call.query("filter"))
    images = call.engine.images
    summaries = images.list(all=call.query_bool("all"), filters=filters)
    # `shared-size` arrived in API 1.42; below it SharedSize is always -1.
    shared = call.version.at_least("1.42") and call.query_bool("shared-size")
    shared_sizes = images.shared_sizes() if shared else None
    counts = call.engine.containers.counts_by_image()
    return json_response(image_summaries(call, summaries, shared_sizes, counts))


def image_summaries(
    call: Call,
    summaries: list[ImageSummary],
    shared_sizes: dict[str, int] | None,
    container_counts: dict[str, int],
) -> list[dict[str, Any]]:
    """Return the entries of ``GET /images/json`` for ``summaries``.

    ``shared_sizes`` maps image ids to their ``SharedSize``; without it the
    field is -1, as it is when the request does not ask for it.
    ``container_counts`` maps image ids to the number of their containers.
    """
    version = call.version
    # API < 1.43 shows placeholders for unnamed images and null for empty
    # lists. API 1.51 counts the containers, where older versions always
    # show -1. VirtualSize was removed in API 1.44.
    placeholders = version.below("1.43")
    count_containers = version.at_least("1.51")
    virtual_size = version.below("1.44")
    documents = []
    for summary in summaries:
        image = summary.image
        tags: list[str] | None = summary.repo_tags
        digests: list[str] | None = summary.repo_digests
        if placeholders:
            if not tags and not digests:
                tags, digests = ["<none>:<none>"], ["<none>@<none>"]
            tags = tags or None
            digests = digests or None
        size = image.size
        document: dict[str, Any] = {
            "Containers": container_counts.get(image.id, 0) if count_containers else -1,
            "Created": image.created_ns // 1_000_000_000,
            "Id": image.id,
            # Shared, not copied: nothing changes an image's labels once the
            # image exists.
            "Labels": image.config.get("Labels") or None,
            "ParentId": image.parent,
            "RepoDigests": digests,
            "RepoTags": tags,
            "SharedSize": -1 if shared_sizes is None else shared_sizes.get(image.id, 0),
            "Size": size,
        }
        if virtual_size:
            document["VirtualSize"] = size
        documents.append(document)
    return documents


@router.get("/images/<path:name>/json", "ImageInspect")
def inspect(call: Call, name: str) -> Response:
    """Describe one image."""
    images = call.engine.images
    try:
        image = images.get(name)
    except DaemonError as error:
        if not images.rules.wrap_inspect_errors:
            raise
        # Engine 20.10 prefixes the lookup error with the requested name and
        # keeps its status.
        wrapped = DaemonError(f"no such image: {name}: {error.message}")
        wrapped.status = error.status
        raise wrapped from None
    return json_response(_inspect(call, image))


def _inspect(call: Call, image: Image) -> dict[str, Any]:
    version = call.version
    document: dict[str, Any] = {
        "Id": image.id,
        "RepoTags": list(image.repo_tags),
        "RepoDigests": list(image.repo_digests),
        "Parent": image.parent,
        "Comment": image.comment,
        "Created": format_rfc3339_nano(image.created_ns),
    }
    if version.below("1.45"):
        # Container and ContainerConfig were removed in API 1.45.
        # NOTE: Engine 26.1 leaves out an empty Container, which the
        # specifications up to 1.44 mark as required; this daemon keeps it.
        document["Container"] = image.container
        document["ContainerConfig"] = _container_config(image.container_config or {})
    document["DockerVersion"] = image.docker_version
    document["Author"] = image.author
    document["Config"] = _image_config(call, image.config)
    document["Architecture"] = image.architecture
    if image.variant:
        document["Variant"] = image.variant
    document["Os"] = image.os
    if image.os_version:
        document["OsVersion"] = image.os_version
    document["Size"] = image.size
    if version.below("1.44"):
        # VirtualSize was removed in API 1.44.
        document["VirtualSize"] = image.size
    # NOTE: overlay2 fills Data with the layer directories; none exist here.
    document["GraphDriver"] = {"Data": None, "Name": call.engine.rig.storage_driver}
    document["RootFS"] = {"Type": "layers", "Layers": list(image.layers)}
    last_tag = image.last_tag_ns
    document["Metadata"] = {
        "LastTagTime": format_rfc3339_nano(last_tag) if last_tag else ZERO_TIME
    }
    if version.at_least("1.52"):
        # API 1.52 omits these four when empty.
        for key in ("Parent", "Comment", "DockerVersion", "Author"):
            if not document[key]:
                del document[key]
    return document


def _container_config(config: dict[str, Any]) -> dict[str, Any]:
    # The container Config shape every API version below 1.50 shows.
    document: dict[str, Any] = {
        "Hostname": config.get("Hostname", ""),
        "Domainname": config.get("Domainname", ""),
        "User": config.get("User", ""),
        "AttachStdin": bool(config.get("AttachStdin")),
        "AttachStdout": bool(config.get("AttachStdout")),
        "AttachStderr": bool(config.get("AttachStderr")),
    }
    if config.get("ExposedPorts"):
        document["ExposedPorts"] = config["ExposedPorts"]
    document.update(
        {
            "Tty": bool(config.get("Tty")),
            "OpenStdin": bool(config.get("OpenStdin")),
            "StdinOnce": bool(config.get("StdinOnce")),
            "Env": config.get("Env"),
            "Cmd": config.get("Cmd"),
        }
    )
    if config.get("Healthcheck"):
        document["Healthcheck"] = config["Healthcheck"]
    if config.get("ArgsEscaped"):
        document["ArgsEscaped"] = True
    document.update(
        {
            "Image": config.get("Image", ""),
            "Volumes": config.get("Volumes"),
            "WorkingDir": config.get("WorkingDir", ""),
            "Entrypoint": config.get("Entrypoint"),
        }
    )
    if config.get("NetworkDisabled"):
        document["NetworkDisabled"] = True
    document["OnBuild"] = config.get("OnBuild")
    document["Labels"] = config.get("Labels")
    for key in ("StopSignal", "Shell"):
        if config.get(key):
            document[key] = config[key]
    return document


_IMAGE_CONFIG_KEYS = (
    "User", "ExposedPorts", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Volumes",
    "WorkingDir", "Entrypoint", "OnBuild", "Labels", "StopSignal", "Shell",
)  # fmt: skip
_ALWAYS_UNTIL_1_52 = (
    "User", "Env", "Cmd", "Volumes", "WorkingDir", "Entrypoint", "OnBuild", "Labels",
)  # fmt: skip
_EMPTY_DEFAULTS: dict[str, Any] = {"User": "", "WorkingDir": ""}


def _image_config(call: Call, config: dict[str, Any]) -> dict[str, Any]:
    if call.version.below("1.50"):
        return _container_config(config)
    # API 1.50 shows only the image specification's fields; 1.52 also drops
    # the empty ones that 1.50 and 1.51 still show.
    keep_empty = call.version.below("1.52")
    document: dict[str, Any] = {}
    for key in _IMAGE_CONFIG_KEYS:
        value = config.get(key)
        if value:
            document[key] = value
        elif keep_empty and key in _ALWAYS_UNTIL_1_52:
            document[key] = _EMPTY_DEFAULTS.get(key)
    return document


@router.get("/images/<path:name>/history", "ImageHistory")
def history(call: Call, name: str) -> Response:
    """List the steps that built an image, newest first."""
    return json_response(call.engine.images.history(name))


@router.post("/images/<path:name>/tag", "ImageTag")
def tag(call: Call, name: str) -> Response:
    """Add a repository name and tag to an image."""
    image = call.engine.images.tag(name, call.query("repo"), call.query("tag"))
    # Engine 25.0 and later return 200 and change nothing for an empty `repo`.
    return empty(200 if image is None else 201)


@router.delete("/images/<path:name>", "ImageDelete")
def delete(call: Call, name: str) -> Response:
    """Remove a reference, or an image with its unused layers."""
    records = call.engine.images.delete(
        name,
        force=call.query_bool("force"),
        prune=not call.query_bool("noprune"),
        containers_using=containers_using(call),
    )
    return json_response(records)


@router.post("/images/prune", "ImagePrune")
def prune(call: Call) -> Response:
    """Delete unused images."""
    report = call.engine.images.prune(
        call.filters().to_dict(), containers_using=containers_using(call)
    )
    return json_response(
        {
            "ImagesDeleted": report.images_deleted or None,
            "SpaceReclaimed": report.space_reclaimed,
        }
    )
