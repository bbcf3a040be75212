"""Exec routes: create, start (hijacked or detached), inspect and resize."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from ...engine.execs import ExecInstance
from ...errors import DaemonError, InvalidParameter
from ..bodytypes import body_types
from ..call import Call
from ..responses import (
    MULTIPLEXED_STREAM,
    RAW_STREAM,
    Hijack,
    HijackedConnection,
    empty,
    json_response,
)
from ..routing import Router
from ..strconv import StrconvError, parse_int
from .containers import frame

router = Router()


@router.post("/containers/<id>/exec", "ContainerExec")
def create(call: Call, id: str) -> Response:
    """Create an exec instance in a running container."""
    legacy = call.profile.legacy_messages
    # Engine 26.1 takes an empty body as an empty request; 20.10 failed.
    into = body_types(legacy).exec_create
    body = call.json_body(required=legacy, into=into) or {}
    # The router checks the command before it looks the container up.
    if not body.get("Cmd"):
        raise InvalidParameter("No exec command specified")
    instance = call.engine.execs.create(id, body)
    return json_response({"Id": instance.id}, status=201)


@router.get("/exec/<id>/json", "ExecInspect")
def inspect(call: Call, id: str) -> Response:
    """Return the ExecInspect document."""
    instance = call.engine.execs.get(id)
    return json_response(inspect_document(instance))


def inspect_document(instance: ExecInstance) -> dict[str, Any]:
    """Return the ExecInspect document of ``instance``."""
    process: dict[str, Any] = {
        "tty": instance.tty,
        "entrypoint": instance.argv[0],
        "arguments": instance.argv[1:],
        "privileged": instance.privileged,
    }
    # dockerd omits an empty user (`omitempty`).
    if instance.user:
        process["user"] = instance.user
    return {
        "ID": instance.id,
        "Running": instance.running,
        "ExitCode": instance.exit_code,
        "ProcessConfig": process,
        "OpenStdin": instance.attach_stdin,
        "OpenStderr": instance.attach_stderr,
        "OpenStdout": instance.attach_stdout,
        "CanRemove": False,
        "ContainerID": instance.container.id,
        "DetachKeys": base64.b64encode(instance.detach_keys).decode(),
        "Pid": instance.pid,
    }


@router.post("/exec/<id>/start", "ExecStart")
def start(call: Call, id: str) -> Response:
    """Start an exec; hijack the connection unless ``Detach`` is set."""
    store = call.engine.execs
    instance = store.get(id)
    body = call.json_body(required=False) or {}
    if not isinstance(body, dict):
        raise InvalidParameter("invalid JSON: exec start config must be an object")
    if body.get("Detach"):
        store.start(instance)
        return empty(200)
    # dockerd frames the stream by the start request's Tty, not the exec's.
    raw = bool(body.get("Tty"))

    def session(connection: HijackedConnection) -> None:
        connection.wait_until_read()
        try:
            store.start(instance)
        except DaemonError as error:
            # After the hijack, dockerd writes start errors into the stream.
            message = f"{error.message}\r\n".encode()
            connection.send(message if raw else frame("stdout", message))
            connection.close_write()
            return
        stop = threading.Event()

        def end() -> None:
            stop.set()
            instance.output.notify()

        if instance.attach_stdin:
            threading.Thread(
                target=_pump_stdin, args=(connection, instance, stop, end), daemon=True
            ).start()
        try:
            with call.on_disconnect(end):
                for entry in instance.output.follow(0, instance.finished, stop):
                    # A terminal joins stdout and stderr into one stream, stdout.
                    name = "stdout" if instance.tty else entry.stream
                    if not _attached(instance, name):
                        continue
                    data = entry.data if raw else frame(name, entry.data)
                    if not connection.send(data):
                        break
        finally:
            stop.set()
            connection.close_write()

    return Hijack(session, _content_type(call, raw))


def _attached(instance: ExecInstance, stream_name: str) -> bool:
    if stream_name == "stdout":
        return instance.attach_stdout
    return instance.attach_stderr


def _content_type(call: Call, raw: bool) -> str:
    """Return the stream's content type; dockerd answers a plain 200 as raw.

    API 1.42 introduced the multiplexed-stream type for output without a TTY.
    """
    upgrade = "upgrade" in call.request.headers.get("Connection", "").lower()
    if upgrade and not raw and call.version.at_least("1.42"):
        return MULTIPLEXED_STREAM
    return RAW_STREAM


def _pump_stdin(
    connection: HijackedConnection,
    instance: ExecInstance,
    stop: threading.Event,
    end: Callable[[], None],
) -> None:
    """Copy the client's bytes into the exec's stdin until end of input.

    At the client's end of input dockerd closes the exec's stdin and keeps
    sending output. With a TTY it ends the session instead and leaves stdin
    open (Engines 20.10 and 26.1).
    """
    pipe = instance.stdin
    while not stop.is_set():
        data = connection.read()
        if not data:
            if instance.tty:
                end()
            elif pipe is not None:
                pipe.close()
            return
        if pipe is not None:
            pipe.write(data)


@router.post("/exec/<id>/resize", "ExecResize")
def resize(call: Call, id: str) -> Response:
    """Resize the exec's terminal; the simulation only checks the request."""
    parse_dimension(call, "h")
    parse_dimension(call, "w")
    store = call.engine.execs
    store.resize(store.get(id))
    return empty(200)


def parse_dimension(call: Call, name: str) -> int:
    """Parse ``h`` or ``w`` with Go's ``strconv.Atoi`` wording; it is required."""
    text = call.query(name)
    try:
        return parse_int(text)
    except StrconvError as error:
        raise InvalidParameter(str(error)) from None
