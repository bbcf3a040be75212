"""Container routes: create, list, inspect, lifecycle, attach, wait and logs."""

from __future__ import annotations

import re
import struct
import threading
from collections.abc import Callable, Iterator
from typing import Any

from werkzeug.wrappers import Response

from ...clock import format_log_timestamp
from ...engine.containers import Container
from ...errors import DaemonError, InvalidParameter, NoSuchImage
from .. import patterns
from ..bodytypes import body_types
from ..call import Call
from ..filters import Filters
from ..jsonenc import dump_line, dumps
from ..responses import (
    MULTIPLEXED_STREAM,
    RAW_STREAM,
    Hijack,
    HijackedConnection,
    empty,
    json_bytes_response,
    json_response,
    stream,
)
from ..routing import Router
from ..serializers.containers import (
    encoded_summary,
    health_status,
    inspect_document,
    status_text,
)
from ..strconv import StrconvError, parse_int, parse_uint

router = Router()

INSPECT_CACHE_ENTRIES = 1024
"""Encoded inspect documents kept per store: about 4 MB at 4 KB each (an estimate)."""
_STREAM_TYPES = {"stdin": 0, "stdout": 1, "stderr": 2}
_HEALTH_STATES = ("starting", "healthy", "unhealthy", "none")
_STATUSES = ("created", "restarting", "running", "removing", "paused", "exited", "dead")
_LIST_FILTERS = (
    "ancestor",
    "before",
    "expose",
    "exited",
    "health",
    "id",
    "isolation",
    "is-task",
    "label",
    "name",
    "network",
    "publish",
    "since",
    "status",
    "volume",
)


def frame(stream_name: str, data: bytes) -> bytes:
    """Wrap ``data`` in the 8-byte stdout/stderr frame header."""
    return struct.pack(">BxxxL", _STREAM_TYPES[stream_name], len(data)) + data


def output_content_type(call: Call, container: Container) -> str:
    """Return the content type of logs and attach for this container and version.

    API 1.42 introduced the multiplexed-stream type for output without a TTY;
    older versions call every stream raw, even when it is framed.
    """
    if not container.tty and call.version.at_least("1.42"):
        return MULTIPLEXED_STREAM
    return RAW_STREAM


@router.post("/containers/create", "ContainerCreate")
def create(call: Call) -> Response:
    """Create a container from the request's config and host config."""
    legacy_messages = call.profile.legacy_messages
    body = call.json_body(into=body_types(legacy_messages).container_create)
    if not isinstance(body, dict):
        word = "Config" if legacy_messages else "config"
        raise InvalidParameter(f"{word} cannot be empty in order to create a container")
    host_config = body.pop("HostConfig", None)
    networking_config = body.pop("NetworkingConfig", None)
    if host_config is not None and not isinstance(host_config, dict):
        raise InvalidParameter("invalid JSON: HostConfig must be a JSON object")
    health = body.get("Healthcheck")
    if isinstance(health, dict) and (
        call.profile.legacy_health_checks or call.version.below("1.44")
    ):
        # StartInterval arrived in API 1.44: Engine 26.1 drops it from older
        # requests, and 20.10, which does not know the field, from all.
        health.pop("StartInterval", None)
    # API 1.39 and older default to a shareable IPC namespace when IpcMode
    # is empty; Engine 20.10 did so only for a request with a HostConfig.
    legacy = call.profile.legacy_host_config
    if call.version.below("1.40") and not (host_config or {}).get("IpcMode"):
        if host_config is not None or not legacy:
            host_config = {**(host_config or {}), "IpcMode": "shareable"}
    container = call.engine.containers.create(
        body,
        host_config,
        name=call.query("name") or None,
        platform=call.query("platform") or None,
        networking_config=networking_config,
    )
    return json_response({"Id": container.id, "Warnings": []}, status=201)


@router.get("/containers/json", "ContainerList")
def list_containers(call: Call) -> Response:
    """List containers, running ones only unless ``all`` is set."""
    engine = call.engine
    filters = call.filters(_LIST_FILTERS)
    show_all = call.query_bool("all")
    limit = call.query_int("limit", -1, status=500)
    with_size = call.query_bool("size")
    before = since = None
    matches = None
    if filters:
        for status in filters.get("status"):
            if status not in _STATUSES:
                message = f"invalid filter 'status={status}'"
                if call.profile.legacy_messages:
                    message = f"Invalid filter 'status={status}'"
                raise InvalidParameter(message)
        _check_list_filters(call, filters)
    # Read the store once, because a reset or restore may replace it at any
    # time. The new store's revision numbers start again at 1, so its
    # containers would match summaries that the old store's cache keeps.
    store = engine.containers
    summaries = store.listing_cache
    containers = store.all()
    # The cache keeps at most two entries per container and 256 more, for
    # clients that use many API versions or image names. Past that, it
    # starts again empty.
    room = 2 * len(containers) + 256
    if filters:
        before = _reference_time(call, filters.get("before"))
        since = _reference_time(call, filters.get("since"))
        matches = _matcher(call, filters)
    if filters or limit not in (None, -1, 0) or before or since:
        show_all = (
            show_all
            or bool(filters.get("status") or filters.get("exited") or before or since)
            or (limit is not None and limit > 0)
        )
    now = engine.clock.time_ns()
    dns_names_always = not call.profile.legacy_host_config
    shape = (call.version, dns_names_always)
    image_names: dict[tuple[str, str], str] = {}
    encoded_statuses: dict[str, bytes] = {}
    chunks: list[bytes] = []
    count = 0
    for container in containers:
        if not show_all and not container.state.running:
            continue
        if before is not None and container.created_ns >= before:
            continue
        if since is not None and container.created_ns <= since:
            continue
        if matches is not None and not matches(container):
            continue
        # Many containers share an image, so its name is resolved once.
        key = (container.config.get("Image", ""), container.image_id)
        if key not in image_names:
            image_names[key] = image_name(call, container)
        shown_image = image_names[key]
        # The image name comes from the image store, which the revision
        # does not cover, so it is part of the key.
        entry_key = (container.id, shape, shown_image)
        # Read before the container's fields, so that a change made while
        # its summary is encoded leaves the summary under an older number.
        number = container.revision_number()
        encoded = None if number is None else summaries.get(entry_key, number)
        if encoded is None:
            encoded = encoded_summary(
                container,
                call.version,
                shown_image,
                dns_names_always=dns_names_always,
            )
            if number is not None:
                summaries.put(entry_key, number, encoded, room)
        status = status_text(container, now)
        encoded_status = encoded_statuses.get(status)
        if encoded_status is None:
            encoded_status = encoded_statuses[status] = dumps(status).encode()
        chunks.append(b"," if count else b"[")
        chunks.append(encoded[0])
        chunks.append(encoded_status)
        chunks.append(encoded[1])
        if with_size:
            written, root = container_size(call, container)
            chunks.append(f',"SizeRw":{written},"SizeRootFs":{root}'.encode())
        chunks.append(b"}")
        count += 1
        if limit is not None and limit > 0 and count >= limit:
            break
    chunks.append(b"]\n" if count else b"[]\n")
    return json_bytes_response(b"".join(chunks))


def _check_list_filters(call: Call, filters: Filters) -> None:
    """Reject the exited, health, publish and expose values dockerd rejects."""
    legacy = call.profile.legacy_messages
    for value in filters.get("exited"):
        try:
            parse_int(value)
        except StrconvError as error:
            # Engine 20.10 passed the strconv error through as a 500.
            if legacy:
                raise DaemonError(str(error)) from None
            raise InvalidParameter(
                f"invalid filter 'exited={value}': {error}"
            ) from None
    for value in filters.get("health"):
        if value not in _HEALTH_STATES:
            word = "Unrecognised" if legacy else "unrecognized"
            raise InvalidParameter(f"{word} filter value for health: {value}")
    for key in ("publish", "expose"):
        for value in filters.get(key):
            port = value.split("/", 1)[0]
            try:
                for part in port.split("-", 1):
                    parse_uint(part, bits=16)
            except StrconvError as error:
                raise DaemonError(
                    f"error while looking up for {key} {value}: {error}"
                ) from None


def _reference_time(call: Call, references: list[str]) -> int | None:
    if not references:
        return None
    return call.engine.containers.get(references[0]).created_ns


def _matcher(call: Call, filters: Filters) -> Callable[[Container], bool] | None:
    """Return the test of the list filters, or None when there are none.

    The values are sorted and the tests chosen once per listing, since a
    listing runs the test for every container.
    """
    tests: list[Callable[[Container], bool]] = []
    if filters.contains("label"):
        labelled = filters.label_test()
        tests.append(lambda c: labelled(c.config.get("Labels")))
    if filters.contains("name"):
        names = filters.get("name")
        tests.append(lambda c: any(patterns.search(name, c.name) for name in names))
    if filters.contains("id"):
        prefixes = tuple(filters.get("id"))
        tests.append(lambda c: c.id.startswith(prefixes))
    statuses = set(filters.get("status"))
    if statuses:
        tests.append(lambda c: c.state.status in statuses)
    if filters.contains("exited"):
        codes = filters.get("exited")
        tests.append(
            lambda c: (
                not c.state.running
                and bool(c.state.finished_ns)
                and str(c.state.exit_code) in codes
            )
        )
    if filters.contains("ancestor"):
        tests.append(lambda c: _has_ancestor(call, c, filters))
    # Engines 20.10 and 26.1 take the health filter at every API version,
    # although the specification names it from 1.25.
    if filters.contains("health"):
        tests.append(lambda c: filters.match_exact("health", health_status(c)))
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    return lambda c: all(test(c) for test in tests)


def _has_ancestor(call: Call, container: Container, filters: Filters) -> bool:
    for reference in filters.get("ancestor"):
        try:
            image = call.engine.images.get(reference)
        except (NoSuchImage, InvalidParameter):
            continue
        if image.id == container.image_id:
            return True
    return False


def image_name(call: Call, container: Container) -> str:
    """Return the list's ``Image``: the name the container used, if it still
    points at the same image, otherwise the image id."""
    name = container.config.get("Image", "")
    try:
        image = call.engine.images.get(name)
    except (NoSuchImage, InvalidParameter):
        return container.image_id
    return name if image.id == container.image_id else container.image_id


def container_size(call: Call, container: Container) -> tuple[int, int]:
    written = 0
    for change in container.filesystem.changes():
        if change.kind != 2 and container.filesystem.is_file(change.path):
            written += container.filesystem.stat(change.path).size
    try:
        image_size = call.engine.images.get(container.image_id).size
    except NoSuchImage:
        image_size = 0
    return written, image_size + written


@router.get("/containers/<id>/json", "ContainerInspect")
def inspect(call: Call, id: str) -> Response:
    """Return the full container document."""
    containers = call.engine.containers
    container = containers.get(id)
    size = container_size(call, container) if call.query_bool("size") else None
    storage_driver = call.engine.rig.storage_driver
    dns_names_always = not call.profile.legacy_host_config
    # The document shares the container's settings, which change only under
    # the store's lock, so it is encoded under that lock. Every change moves
    # the container's revision, so a document kept at the current number is
    # still up to date. Documents with sizes are never kept.
    key = (container.id, call.version, storage_driver, dns_names_always)
    with containers.changed:
        number = None if size is not None else container.revision_number()
        body = None if number is None else containers.inspect_cache.get(key, number)
        if body is None:
            document = inspect_document(
                container,
                call.version,
                size,
                storage_driver,
                dns_names_always=dns_names_always,
            )
            body = dump_line(document)
            if number is not None:
                containers.inspect_cache.put(key, number, body, INSPECT_CACHE_ENTRIES)
    return json_bytes_response(body)


@router.post("/containers/<id>/start", "ContainerStart")
def start(call: Call, id: str) -> Response:
    """Start a container; 304 when it is running."""
    # A start body was deprecated in 1.22 and rejected from 1.24 on.
    if call.request.content_length and call.request.content_length > 7:
        raise InvalidParameter(
            "starting container with non-empty request body was deprecated since "
            "API v1.22 and removed in v1.24"
        )
    call.engine.containers.start(id)
    return empty()


@router.post("/containers/<id>/stop", "ContainerStop")
def stop(call: Call, id: str) -> Response:
    """Stop a container; 304 when it is not running."""
    timeout = call.query_int("t", status=500)
    # `signal` arrived in 1.42.
    signal = call.query("signal") if call.version.at_least("1.42") else ""
    call.engine.containers.stop(id, signal or None, timeout)
    return empty()


@router.post("/containers/<id>/restart", "ContainerRestart")
def restart(call: Call, id: str) -> Response:
    """Restart a container."""
    call.engine.containers.restart(id, call.query_int("t", status=500))
    return empty()


@router.post("/containers/<id>/kill", "ContainerKill")
def kill(call: Call, id: str) -> Response:
    """Send a signal to a container; 409 when it is not running."""
    call.engine.containers.kill(id, call.query("signal"))
    return empty()


@router.post("/containers/<id>/pause", "ContainerPause")
def pause(call: Call, id: str) -> Response:
    """Pause a container."""
    call.engine.containers.pause(id)
    return empty()


@router.post("/containers/<id>/unpause", "ContainerUnpause")
def unpause(call: Call, id: str) -> Response:
    """Unpause a container."""
    call.engine.containers.unpause(id)
    return empty()


@router.post("/containers/<id>/rename", "ContainerRename")
def rename(call: Call, id: str) -> Response:
    """Rename a container."""
    call.engine.containers.rename(id, call.query("name"))
    return empty()


@router.delete("/containers/<id>", "ContainerDelete")
def remove(call: Call, id: str) -> Response:
    """Remove a container (``force`` kills it first)."""
    call.engine.containers.remove(
        id, force=call.query_bool("force"), remove_volumes=call.query_bool("v")
    )
    return empty()


@router.post("/containers/<id>/wait", "ContainerWait")
def wait(call: Call, id: str) -> Response:
    """Block until the container reaches the condition, then return its exit code."""
    container = call.engine.containers.get(id)
    condition = call.query("condition") or "not-running"
    # Conditions arrived in 1.30; older versions always wait for not-running.
    if call.version.below("1.30"):
        condition = "not-running"
    elif condition not in ("not-running", "next-exit", "removed"):
        raise InvalidParameter(f'invalid condition: "{condition}"')
    containers = call.engine.containers
    # dockerd registers the wait before it sends the headers, and the CLI
    # starts the container once they arrive. The body runs later, so the
    # wait counts exits from the request.
    exits = container.exits

    def outcome() -> dict[str, Any]:
        cancel = threading.Event()
        with call.on_disconnect(cancel.set, containers.wake):
            code = containers.wait(container, condition, cancel, exits=exits)
        if code is None:
            # Engines 20.10 and 26.1 write this for a wait whose client went
            # away, at every API version, as a 200.
            return {"Error": {"Message": "context canceled"}, "StatusCode": -1}
        error = container.state.error
        if error and call.version.at_least("1.30"):
            return {"Error": {"Message": error}, "StatusCode": code}
        if call.profile.legacy_host_config:
            # Engine 20.10 wrote a nil Error as null at every API version;
            # 25.0 and later leave it out.
            return {"Error": None, "StatusCode": code}
        return {"StatusCode": code}

    # Below API 1.30 dockerd sends nothing until the wait ends, then the
    # whole response with a Content-Length (Engines 20.10 and 26.1).
    if call.version.below("1.30"):
        return json_response(outcome())

    def body() -> Iterator[bytes]:
        yield dump_line(outcome())

    return stream(body())


@router.get("/containers/<id>/logs", "ContainerLogs")
def logs(call: Call, id: str) -> Response:
    """Stream a container's output, framed unless it has a TTY."""
    container = call.engine.containers.get(id)
    want_stdout = call.query_bool("stdout")
    want_stderr = call.query_bool("stderr")
    if not (want_stdout or want_stderr):
        raise InvalidParameter("Bad parameters: you must choose at least one stream")
    follow = call.query_bool("follow")
    timestamps = call.query_bool("timestamps")
    since = _unix_time(call.query("since"))
    until = _unix_time(call.query("until"))
    tail = _tail(call.query("tail"))
    streams = {
        name
        for name, wanted in (("stdout", want_stdout), ("stderr", want_stderr))
        if wanted
    }
    tty = container.tty
    log = container.log

    def render(stream_name: str, time_ns: int, data: bytes) -> bytes:
        if timestamps:
            data = format_log_timestamp(time_ns).encode() + b" " + data
        return data if tty else frame(stream_name, data)

    # What a follow reads is fixed here, as the request arrives: the process
    # running now, and the output written up to now.
    with call.engine.containers.changed:
        process = container.process
    past, position = log.read_from(0)

    def body() -> Iterator[bytes]:
        entries = [
            entry
            for entry in past
            if entry.stream in streams
            and (since is None or entry.time_ns >= since)
            and (until is None or entry.time_ns <= until)
        ]
        if tail is not None:
            entries = entries[-tail:] if tail > 0 else []
        for entry in entries:
            for line in _lines(entry.data):
                yield render(entry.stream, entry.time_ns, line)
        if not follow or until is not None or process is None:
            return
        stop = threading.Event()
        with call.on_disconnect(stop.set, log.notify):
            for entry in log.follow(position, process.finished, stop):
                if entry.stream in streams:
                    for line in _lines(entry.data):
                        yield render(entry.stream, entry.time_ns, line)

    response = stream(body(), content_type=output_content_type(call, container))
    if not call.profile.logs_content_type:
        del response.headers["Content-Type"]
    return response


def _lines(data: bytes) -> list[bytes]:
    # The json-file log driver stores one record per line, so logs replay
    # output line by line even when a process wrote several at once.
    parts = data.split(b"\n")
    lines = [part + b"\n" for part in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def _unix_time(text: str) -> int | None:
    """Parse ``since`` or ``until`` (``seconds[.nanoseconds]``) as dockerd does.

    dockerd parses both parts with ``strconv.ParseInt`` and passes its error
    through as a 500.
    """
    if not text or text == "0":
        return None
    seconds_text, _, fraction = text.partition(".")
    try:
        seconds = parse_int(seconds_text, "ParseInt")
        nanos = parse_int(fraction, "ParseInt") if fraction else 0
    except StrconvError as error:
        raise DaemonError(str(error)) from None
    if fraction:
        nanos = int(nanos * 10 ** (9 - len(fraction)))
    return seconds * 1_000_000_000 + nanos


def _tail(text: str) -> int | None:
    # dockerd shows every line for "all", a negative count or a value
    # strconv.Atoi rejects.
    try:
        count = parse_int(text)
    except StrconvError:
        return None
    return None if count < 0 else count


@router.post("/containers/<id>/attach", "ContainerAttach")
def attach(call: Call, id: str) -> Response:
    """Hijack the connection and carry the container's stdio both ways."""
    engine = call.engine
    container = engine.containers.get(id)
    detach_keys = call.query("detachKeys")
    if detach_keys and not _valid_detach_keys(detach_keys):
        raise InvalidParameter(f"Invalid detach keys ({detach_keys}) provided")
    want_stdin = call.query_bool("stdin")
    streams = {name for name in ("stdout", "stderr") if call.query_bool(name)}
    logs = call.query_bool("logs")
    follow = call.query_bool("stream")
    tty = container.tty
    stop = threading.Event()
    # Subscribe before the 101 goes out: the client starts the container as
    # soon as it reads it, and a quick process must not finish unobserved.
    output = engine.containers.attach_output(
        container, logs=logs, stream=follow, stop=stop
    )

    def end() -> None:
        stop.set()
        container.log.notify()
        engine.containers.wake()

    def session(connection: HijackedConnection) -> None:
        engine.events.publish(
            "container",
            "attach",
            container.id,
            {
                **container.labels,
                "image": container.config.get("Image", ""),
                "name": container.name.lstrip("/"),
            },
        )
        if want_stdin and container.config.get("OpenStdin"):
            threading.Thread(
                target=_pump_stdin, args=(connection, container, stop, end), daemon=True
            ).start()
        try:
            with call.on_disconnect(end):
                for stream_name, data in output:
                    if stream_name not in streams:
                        continue
                    if not connection.send(data if tty else frame(stream_name, data)):
                        break
        finally:
            stop.set()
            connection.close_write()

    return Hijack(session, output_content_type(call, container))


def _pump_stdin(
    connection: HijackedConnection,
    container: Container,
    stop: threading.Event,
    end: Callable[[], None],
) -> None:
    """Copy the client's bytes into the container's stdin until end of input.

    At the client's end of input dockerd closes the container's stdin only
    for ``StdinOnce`` without a TTY, and keeps sending output. Otherwise it
    ends the session and leaves stdin open (Engines 20.10 and 26.1).
    """
    while not stop.is_set():
        data = connection.read()
        pipe = container.stdin
        if not data:
            if container.config.get("StdinOnce") and not container.tty:
                if pipe is not None:
                    pipe.close()
            else:
                end()
            return
        if pipe is not None:
            pipe.write(data)


_DETACH_KEY = re.compile(r"^(ctrl-[a-z@\[\\\]^_]|[a-zA-Z0-9 -~])$")


def _valid_detach_keys(text: str) -> bool:
    return all(_DETACH_KEY.match(part) for part in text.split(","))
