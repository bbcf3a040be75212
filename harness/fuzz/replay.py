"""Replay responses recorded from real Engines, varied, to a Docker client.

The ``contracts`` campaign reads the exchanges under ``contracts/recorded``
for a set of read operations. It re-encodes each response the ways a real
daemon may (:mod:`harness.strategies.variants`) and serves it, cut into
chunks, from a small HTTP server on a unix socket (:class:`ReplayServer`).
The client must decode the variant to what it decodes from the recording
itself. Run it with::

    from harness.fuzz.replay import run_contract_campaign

    report = run_contract_campaign("harness", examples=25)
    print(report.format())
"""

from __future__ import annotations

import gc
import json
import logging
import re
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Protocol

from hypothesis import strategies as st

import contracts
from contracts.exchange import Exchange, find_scenarios, read_scenario
from contracts.exchange.streams import split_frames
from harness.fuzz.campaigns import CampaignReport
from harness.fuzz.runner import (
    Hang,
    PropertyFailure,
    call_with_timeout,
    run_property,
)
from harness.strategies.variants import (
    JSONPath,
    body_chunkings,
    first_difference,
    json_stream_variants,
    json_variants,
    strip_paths,
)

logger = logging.getLogger("harness")

RECORDINGS = Path(contracts.__file__).resolve().parent / "recorded"
"""The corpus of exchanges recorded from real Engines."""

Shape = Literal["json", "json-stream", "frames", "error"]

_VERSION_PREFIX = re.compile(r"^/v(?P<version>1\.[0-9]+)(?=/)")
_NAME = r"[^/]+"
_IMAGE = r".+"

# operation id, method, path pattern (version prefix removed), body shape
_OPERATIONS: tuple[tuple[str, str, str, Shape], ...] = (
    ("SystemVersion", "GET", r"/version", "json"),
    ("SystemInfo", "GET", r"/info", "json"),
    ("ImageList", "GET", r"/images/json", "json"),
    ("ImageHistory", "GET", rf"/images/{_IMAGE}/history", "json"),
    ("ImageInspect", "GET", rf"/images/{_IMAGE}/json", "json"),
    ("ContainerList", "GET", r"/containers/json", "json"),
    ("ContainerInspect", "GET", rf"/containers/{_NAME}/json", "json"),
    ("ContainerWait", "POST", rf"/containers/{_NAME}/wait", "json"),
    ("ContainerTop", "GET", rf"/containers/{_NAME}/top", "json"),
    ("ContainerChanges", "GET", rf"/containers/{_NAME}/changes", "json"),
    ("VolumeList", "GET", r"/volumes", "json"),
    ("VolumeInspect", "GET", rf"/volumes/{_NAME}", "json"),
    ("NetworkList", "GET", r"/networks", "json"),
    ("NetworkInspect", "GET", rf"/networks/{_NAME}", "json"),
    ("SystemEvents", "GET", r"/events", "json-stream"),
    ("ImageCreate", "POST", r"/images/create", "json-stream"),
    ("ContainerLogs", "GET", rf"/containers/{_NAME}/logs", "frames"),
)

OPERATIONS = tuple(operation for operation, *_ in _OPERATIONS) + ("Error",)
"""The operations the campaign replays; ``Error`` is every failed status."""

ERROR_CALL = "SystemInfo"
"""The call that every recorded error response is served to."""

_PATTERNS = {
    operation: (method, re.compile(pattern + r"\Z"))
    for operation, method, pattern, _ in _OPERATIONS
}
_SHAPES: dict[str, Shape] = {op: shape for op, _, _, shape in _OPERATIONS}
_SHAPES["Error"] = "error"

# Headers the server sets itself for the framing it draws.
_FRAMING_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "connection", "date", "keep-alive"}
)


@dataclass(frozen=True, slots=True)
class Recording:
    """One recorded response to replay.

    Attributes:
        operation: one of :data:`OPERATIONS`.
        source: ``release/vNN/scenario.jsonl#seq``.
        version: the API version the request asked for.
        status: the recorded status.
        reason: the recorded reason phrase.
        headers: the recorded head, without framing headers.
        chunks: the recorded body, one item per chunk.
        chunked: whether the body came with chunked transfer encoding.
        tty: for logs, whether the output is unframed (a TTY container).
    """

    operation: str
    source: str
    version: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    chunks: tuple[bytes, ...]
    chunked: bool
    tty: bool = False

    @property
    def body(self) -> bytes:
        """The whole recorded body."""
        return b"".join(self.chunks)

    @property
    def shape(self) -> Shape:
        """How the body is varied and compared."""
        return _SHAPES[self.operation]

    def reply(self, pieces: list[bytes], chunked: bool) -> Reply:
        """Return the recorded head with ``pieces`` as its body."""
        return Reply(self.status, self.reason, list(self.headers), pieces, chunked)


def classify(exchange: Exchange) -> str | None:
    """Return the operation of :data:`OPERATIONS` that ``exchange`` records, or None."""
    response = exchange.response
    if response is None or not response.complete:
        return None
    path = exchange.request.target.split("?", 1)[0]
    path = _VERSION_PREFIX.sub("", path)
    if response.status >= 400:
        return "Error" if response.payload else None
    if response.status != 200:
        return None
    for operation, (method, pattern) in _PATTERNS.items():
        if exchange.request.method == method and pattern.match(path):
            return operation
    return None


def load_recordings(root: Path = RECORDINGS) -> list[Recording]:
    """Read every replayable response under ``root``, without duplicates."""
    recordings: list[Recording] = []
    seen: set[tuple[str, bytes]] = set()
    for path in find_scenarios(root):
        scenario = read_scenario(path)
        label = path.relative_to(root).as_posix() if path != root else path.name
        for exchange in scenario.exchanges:
            recording = _recording(exchange, f"{label}#{exchange.seq}")
            if recording is None:
                continue
            key = (recording.operation, recording.body)
            if key in seen:
                continue
            seen.add(key)
            recordings.append(recording)
    return recordings


def _recording(exchange: Exchange, source: str) -> Recording | None:
    operation = classify(exchange)
    response = exchange.response
    if operation is None or response is None:
        return None
    match = _VERSION_PREFIX.match(exchange.request.target)
    version = match.group("version") if match else response.header("Api-Version")
    if version is None:
        return None
    chunked = response.chunks is not None
    chunks = (
        tuple(chunk.data for chunk in response.chunks or [])
        if chunked
        else (response.payload,)
    )
    body = b"".join(chunks)
    tty = operation == "ContainerLogs" and split_frames(body) is None
    return Recording(
        operation=operation,
        source=source,
        version=version,
        status=response.status,
        reason=response.reason,
        headers=tuple(
            (name, value)
            for name, value in response.headers
            if name.lower() not in _FRAMING_HEADERS
        ),
        chunks=chunks,
        chunked=chunked,
        tty=tty,
    )


@dataclass(slots=True)
class Reply:
    """A response for :class:`ReplayServer` to send, body in pieces.

    With ``chunked`` each piece is one HTTP chunk; otherwise the body has a
    ``Content-Length`` and each piece is a separate write to the socket.
    """

    status: int
    reason: str
    headers: list[tuple[str, str]]
    pieces: list[bytes] = field(default_factory=list)
    chunked: bool = False

    @classmethod
    def json(cls, document: Any, status: int = 200) -> Reply:
        """Return a JSON reply in one piece."""
        body = (json.dumps(document) + "\n").encode("utf-8")
        headers = [("Content-Type", "application/json")]
        return cls(status, "", headers, [body])


_NOT_FOUND = Reply.json({"message": "page not found"}, 404)
_REASONS = {200: "OK", 201: "Created", 204: "No Content", 304: "Not Modified"}
_MAX_HEAD = 64 * 1024


class ReplayServer:
    """A small HTTP/1.1 server on a unix socket that sends what ``route`` returns.

    ``route(method, target)`` picks the :class:`Reply` for each request (None
    sends a 404). Connections are kept alive until the client closes them,
    and :meth:`wait_closed` counts the ones a client left open. Between two
    pieces of a body the server waits ``pause`` seconds, so the client reads
    them apart.
    """

    def __init__(self, *, pause: float = 0.0005) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="fakedaemon-replay-")
        self.socket_path = Path(self._folder.name) / "docker.sock"
        self.pause = pause
        self.route: Callable[[str, str], Reply | None] = lambda method, target: None
        self._listener: socket.socket | None = None
        self._connections: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    @property
    def docker_host(self) -> str:
        """The ``unix://`` host of the server."""
        return f"unix://{self.socket_path}"

    def start(self) -> ReplayServer:
        """Listen and accept connections in a background thread."""
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.socket_path))
        listener.listen(16)
        # accept() wakes up this often to notice stop().
        listener.settimeout(0.1)
        self._listener = listener
        thread = threading.Thread(
            target=self._accept, name="replay-accept", daemon=True
        )
        thread.start()
        self._threads.append(thread)
        return self

    def open_connections(self) -> int:
        """Count the client connections not closed yet."""
        with self._lock:
            return len(self._connections)

    def wait_closed(self, timeout: float) -> int:
        """Wait up to ``timeout`` s for every connection to close; return the rest."""
        deadline = time.monotonic() + timeout
        next_collect = time.monotonic()
        while self.open_connections():
            now = time.monotonic()
            if now >= deadline:
                break
            if now >= next_collect:
                # A response freed only by the cycle collector is not a leak;
                # on a loaded machine the client's last reference may go late.
                gc.collect()
                next_collect = now + 0.5
            time.sleep(0.002)
        return self.open_connections()

    def stop(self) -> None:
        """Close the listener and every connection, and remove the folder."""
        self._stopping.set()
        if self._listener is not None:
            self._listener.close()
        with self._lock:
            for connection in self._connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        for thread in self._threads:
            thread.join(timeout=2.0)
        self._folder.cleanup()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.settimeout(None)
            with self._lock:
                self._connections.add(connection)
            thread = threading.Thread(
                target=self._serve, args=(connection,), name="replay-conn", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _serve(self, connection: socket.socket) -> None:
        reader = _Reader(connection)
        try:
            while True:
                request = reader.request()
                if request is None:
                    return
                method, target, keep_alive = request
                reply = self.route(method, target) or _NOT_FOUND
                self._send(connection, reply, head_only=method == "HEAD")
                if not keep_alive:
                    return
        except OSError as error:
            logger.debug("replay connection ended: %s", error)
        finally:
            with self._lock:
                self._connections.discard(connection)
            connection.close()

    def _send(self, connection: socket.socket, reply: Reply, head_only: bool) -> None:
        reason = reply.reason or _REASONS.get(reply.status, "Status")
        lines = [f"HTTP/1.1 {reply.status} {reason}"]
        lines.extend(f"{name}: {value}" for name, value in reply.headers)
        bodiless = head_only or reply.status in (204, 304)
        if not bodiless:
            if reply.chunked:
                lines.append("Transfer-Encoding: chunked")
            else:
                length = sum(len(piece) for piece in reply.pieces)
                lines.append(f"Content-Length: {length}")
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        if bodiless:
            return
        for index, piece in enumerate(piece for piece in reply.pieces if piece):
            if index and self.pause:
                time.sleep(self.pause)
            if reply.chunked:
                piece = f"{len(piece):x}\r\n".encode("ascii") + piece + b"\r\n"
            connection.sendall(piece)
        if reply.chunked:
            connection.sendall(b"0\r\n\r\n")


class _Reader:
    """Reads HTTP/1.1 requests from a connection, skipping their bodies."""

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.buffer = b""

    def _fill(self) -> bool:
        data = self.connection.recv(65536)
        self.buffer += data
        return bool(data)

    def _line(self) -> bytes | None:
        while b"\r\n" not in self.buffer:
            if len(self.buffer) > _MAX_HEAD or not self._fill():
                return None
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def _skip(self, length: int) -> bool:
        while len(self.buffer) < length:
            if not self._fill():
                return False
        self.buffer = self.buffer[length:]
        return True

    def request(self) -> tuple[str, str, bool] | None:
        """Return ``(method, target, keep_alive)``, or None at the end."""
        line = self._line()
        if not line:
            return None
        parts = line.decode("latin-1").split()
        if len(parts) != 3:
            return None
        method, target, protocol = parts
        headers: dict[str, str] = {}
        while True:
            header = self._line()
            if header is None:
                return None
            if not header:
                break
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        keep_alive = protocol == "HTTP/1.1" and headers.get("connection") != "close"
        if "chunked" in headers.get("transfer-encoding", "").lower():
            if not self._skip_chunks():
                return None
        elif not self._skip(int(headers.get("content-length", "0") or 0)):
            return None
        return method, target, keep_alive

    def _skip_chunks(self) -> bool:
        while True:
            size_line = self._line()
            if size_line is None:
                return False
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                # The trailer section ends with an empty line.
                while (trailer := self._line()) is not None and trailer:
                    pass
                return True
            if not self._skip(size + 2):
                return False


@dataclass(frozen=True, slots=True)
class Call:
    """One request a client makes to the replay server.

    Attributes:
        operation: an operation id of :data:`OPERATIONS` (never ``Error``).
        host: the server's ``unix://`` host.
        version: the fixed API version the client uses.
        timeout: seconds the client may wait for each response.
        tty: for logs, whether the container has a TTY.
    """

    operation: str
    host: str
    version: str
    timeout: float
    tty: bool = False


@dataclass(slots=True)
class Decoded:
    """What a client made of a response.

    Attributes:
        kind: ``value`` (decoded), ``error`` (an error the client raised for
            the daemon's failure), or ``failure`` (any other exception).
        value: the decoded JSON value, or the list of items a stream
            yielded (messages, or ``(stream, payload)`` frames).
        status: the status of an ``error``.
        message: the error text the client shows (for docker-py, the
            daemon's text it keeps as ``explanation``).
        exception: the exception's type name.
    """

    kind: Literal["value", "error", "failure"]
    value: Any = None
    status: int | None = None
    message: str = ""
    exception: str = ""


class ReplayClient(Protocol):
    """Performs one :class:`Call` with a fresh client and closes it."""

    name: str

    def decode(self, call: Call) -> Decoded:
        """Make the call, read the whole response and return what was decoded."""
        ...


def load_replay_client(name: str) -> ReplayClient:
    """Return the replay client ``harness`` or ``docker-py``.

    Raises:
        ValueError: any other name.
    """
    if name == "harness":
        return HarnessReplayClient()
    if name in ("docker-py", "dockerpy"):
        return DockerPyReplayClient()
    raise ValueError(
        f"the contracts campaign supports harness and docker-py, not {name}"
    )


class HarnessReplayClient:
    """Decodes replayed responses with :class:`harness.client.Client`."""

    name = "harness"

    def decode(self, call: Call) -> Decoded:
        """Make the call with a new client and close it."""
        import httpx

        from harness.client import Client

        client = Client(
            call.host, version=call.version, timeout=httpx.Timeout(call.timeout)
        )
        try:
            return self._decode(client, call)
        finally:
            client.close()

    def _decode(self, client: Any, call: Call) -> Decoded:
        from harness.client import APIError, StreamError

        calls: dict[str, Callable[[], Any]] = {
            "SystemVersion": client.system_version,
            "SystemInfo": client.system_info,
            "ImageList": client.image_list,
            "ImageInspect": lambda: client.image_inspect("busybox:latest"),
            "ImageHistory": lambda: client.image_history("busybox:latest"),
            "ContainerList": lambda: client.container_list(all=True),
            "ContainerInspect": lambda: client.container_inspect("c1"),
            "ContainerWait": lambda: client.container_wait("c1"),
            "ContainerTop": lambda: client.container_top("c1"),
            "ContainerChanges": lambda: client.container_changes("c1"),
            "VolumeList": client.volume_list,
            "VolumeInspect": lambda: client.volume_inspect("v1"),
            "NetworkList": client.network_list,
            "NetworkInspect": lambda: client.network_inspect("n1"),
        }
        items: list[Any] = []
        try:
            if call.operation in calls:
                return Decoded("value", calls[call.operation]())
            if call.operation == "SystemEvents":
                stream = client.system_events()
            elif call.operation == "ImageCreate":
                stream = client.image_create(from_image="busybox", tag="latest")
            else:
                stream = client.container_logs(
                    "c1", stdout=True, stderr=True, tty=call.tty
                )
            with stream:
                for item in stream:
                    if isinstance(item, tuple):
                        item = (int(item[0]), item[1])
                    items.append(item)
            return Decoded("value", items)
        except StreamError as error:
            return Decoded("value", items, message=str(error))
        except APIError as error:
            return Decoded(
                "error",
                status=error.status,
                message=error.message,
                exception=type(error).__name__,
            )
        except Exception as error:  # noqa: BLE001 - any other exception is a finding
            return Decoded(
                "failure", items, message=str(error), exception=type(error).__name__
            )


class DockerPyReplayClient:
    """Decodes replayed responses with docker-py's ``docker.APIClient``.

    docker-py keeps the daemon's text of an error as ``explanation``; that
    is the message compared. Its ``logs`` yields payloads without their
    stream, so frames compare by payload.
    """

    name = "docker-py"

    def decode(self, call: Call) -> Decoded:
        """Make the call with a new client and close it."""
        import docker  # type: ignore[import-untyped]

        client = docker.APIClient(
            base_url=call.host, version=call.version, timeout=int(call.timeout) or 1
        )
        try:
            return self._decode(client, call)
        finally:
            client.close()

    def _decode(self, client: Any, call: Call) -> Decoded:
        import docker

        calls: dict[str, Callable[[], Any]] = {
            "SystemVersion": client.version,
            "SystemInfo": client.info,
            "ImageList": client.images,
            "ImageInspect": lambda: client.inspect_image("busybox:latest"),
            "ImageHistory": lambda: client.history("busybox:latest"),
            "ContainerList": lambda: client.containers(all=True),
            "ContainerInspect": lambda: client.inspect_container("c1"),
            "ContainerWait": lambda: client.wait("c1"),
            "ContainerTop": lambda: client.top("c1"),
            "ContainerChanges": lambda: client.diff("c1"),
            "VolumeList": client.volumes,
            "VolumeInspect": lambda: client.inspect_volume("v1"),
            "NetworkList": client.networks,
            "NetworkInspect": lambda: client.inspect_network("n1"),
        }
        items: list[Any] = []
        try:
            if call.operation in calls:
                return Decoded("value", calls[call.operation]())
            stream: Iterable[Any]
            if call.operation == "SystemEvents":
                stream = client.events(decode=True)
            elif call.operation == "ImageCreate":
                stream = client.pull("busybox", tag="latest", stream=True, decode=True)
            else:
                stream = client.logs("c1", stream=True, stdout=True, stderr=True)
            items.extend(stream)
            return Decoded("value", items)
        except docker.errors.APIError as error:
            explanation = error.explanation
            if isinstance(explanation, bytes):
                explanation = explanation.decode("utf-8", "replace")
            return Decoded(
                "error",
                status=error.status_code,
                message="" if explanation is None else str(explanation),
                exception=type(error).__name__,
            )
        except Exception as error:  # noqa: BLE001 - any other exception is a finding
            return Decoded(
                "failure", items, message=str(error), exception=type(error).__name__
            )


@dataclass(frozen=True, slots=True)
class Example:
    """A varied recording as served: the body pieces and what was changed."""

    recording: Recording
    pieces: tuple[bytes, ...]
    chunked: bool
    dropped: tuple[JSONPath, ...] = ()
    added: tuple[JSONPath, ...] = ()

    def __repr__(self) -> str:
        pieces = [piece[:60] for piece in self.pieces[:8]]
        return (
            f"Example({self.recording.source} {self.recording.operation}, "
            f"{'chunked' if self.chunked else 'length'}, {len(self.pieces)} "
            f"pieces {pieces!r}, dropped={list(self.dropped)!r}, "
            f"added={list(self.added)!r})"
        )


def examples(recordings: list[Recording]) -> st.SearchStrategy[Example]:
    """Generate varied responses from ``recordings`` (all of one shape).

    Shrinks toward the first recording, unchanged, with its recorded framing
    in one piece.
    """
    return st.sampled_from(recordings).flatmap(_variants_of)


def _variants_of(recording: Recording) -> st.SearchStrategy[Example]:
    @st.composite
    def build(draw: st.DrawFn) -> Example:
        body, dropped, added = draw(_body_variants(recording))
        pieces = draw(body_chunkings(body, boundaries=_line_ends(body)))
        # A daemon sends a JSON body with a length or chunked (shrinking to
        # the recorded framing), but a stream always chunked.
        chunked = recording.chunked
        if recording.shape in ("json", "error"):
            chunked = chunked != draw(st.booleans())
        return Example(recording, tuple(pieces), chunked, dropped, added)

    return build()


def _line_ends(body: bytes) -> tuple[int, ...]:
    # The offsets just before and after each line terminator of a stream.
    offsets: list[int] = []
    for index, byte in enumerate(body):
        if byte == 0x0A:
            start = index - 1 if index and body[index - 1] == 0x0D else index
            offsets.extend((start, index + 1))
    return tuple(offsets)


@st.composite
def _body_variants(
    draw: st.DrawFn, recording: Recording
) -> tuple[bytes, tuple[JSONPath, ...], tuple[JSONPath, ...]]:
    body = recording.body
    if recording.shape == "frames":
        return body, (), ()
    if recording.shape == "json-stream":
        documents = [json.loads(line) for line in body.splitlines() if line.strip()]
        # Image pulls end their messages with \r\n, events with \n.
        ending = "\r\n" if body.endswith(b"\r\n") else "\n"
        stream = draw(
            json_stream_variants(documents, terminators=(ending, "\n", "\r\n"))
        )
        dropped = tuple(
            (index, *path)
            for index, message in enumerate(stream.messages)
            for path in message.dropped
        )
        added = tuple(
            (index, *path)
            for index, message in enumerate(stream.messages)
            for path, _ in message.added
        )
        return stream.body, dropped, added
    try:
        document = json.loads(body)
    except ValueError:
        # A plain-text error (Engine 20.10's too-new-version answer) is
        # served as recorded, in chunks.
        return body, (), ()
    variant = draw(json_variants(document))
    trailer = draw(st.sampled_from(["\n", "", "\r\n"]))
    return (
        (variant.text + trailer).encode("utf-8"),
        variant.dropped,
        tuple(path for path, _ in variant.added),
    )


class _Replayer:
    """Serves examples to one client and checks what it decodes."""

    def __init__(
        self, client: ReplayClient, server: ReplayServer, timeout: float
    ) -> None:
        self.client = client
        self.server = server
        self.timeout = timeout
        self._originals: dict[str, Decoded] = {}

    def decode(self, recording: Recording, reply: Reply, example: object) -> Decoded:
        operation = (
            ERROR_CALL if recording.operation == "Error" else recording.operation
        )
        self.server.route = _router(operation, reply, recording.tty)
        call = Call(
            operation,
            self.server.docker_host,
            _client_version(recording.version),
            self.timeout,
            recording.tty,
        )
        try:
            decoded = call_with_timeout(
                lambda: self.client.decode(call), self.timeout + 5.0
            )
        except Hang as hang:
            raise PropertyFailure([str(hang)], example) from None
        leaked = self.server.wait_closed(timeout=10.0)
        if leaked:
            raise PropertyFailure(
                [f"{leaked} connection(s) still open after the client was closed"],
                example,
            )
        return decoded

    def original(self, recording: Recording) -> Decoded:
        cached = self._originals.get(recording.source)
        if cached is None:
            reply = recording.reply(list(recording.chunks), recording.chunked)
            cached = self.decode(recording, reply, recording.source)
            self._originals[recording.source] = cached
        return cached

    def check(self, example: Example) -> None:
        recording = example.recording
        original = self.original(recording)
        if original.kind == "failure":
            raise PropertyFailure(
                [
                    "the recording itself does not decode: "
                    f"{original.exception}: {original.message[:200]}"
                ],
                example,
            )
        reply = recording.reply(list(example.pieces), example.chunked)
        variant = self.decode(recording, reply, example)
        problems = compare(original, variant, example)
        if problems:
            raise PropertyFailure(problems, example)


def compare(original: Decoded, variant: Decoded, example: Example) -> list[str]:
    """List how the variant's decoding differs from the recording's.

    A stream's in-band error is part of its decoding (``message`` of a
    ``value``), so it must come out the same too.
    """
    if variant.kind != original.kind:
        return [
            f"decoded as {variant.kind} {variant.exception} "
            f"{variant.message[:200]!r}, the recording as {original.kind} "
            f"{original.exception} {original.message[:200]!r}"
        ]
    problems = []
    if variant.status != original.status:
        problems.append(f"status {variant.status}, expected {original.status}")
    if variant.message != original.message:
        problems.append(
            f"message {variant.message[:300]!r}, expected {original.message[:300]!r}"
        )
    expected = strip_paths(original.value, list(example.dropped))
    got = strip_paths(variant.value, [*example.dropped, *example.added])
    difference = first_difference(expected, got)
    if difference is not None:
        problems.append(difference)
    return problems


def _client_version(version: str) -> str:
    # Recorded requests include versions the Engine rejected (1.99, 1.12);
    # the client asks within what every client here supports.
    minor = int(version.split(".")[1])
    return f"1.{min(max(minor, 24), 45)}"


def _router(
    operation: str, reply: Reply, tty: bool
) -> Callable[[str, str], Reply | None]:
    method, pattern = _PATTERNS[operation]

    def route(request_method: str, target: str) -> Reply | None:
        path = _VERSION_PREFIX.sub("", target.split("?", 1)[0])
        if request_method == method and pattern.match(path):
            return reply
        if operation == "ContainerLogs" and _PATTERNS["ContainerInspect"][1].match(
            path
        ):
            # docker-py inspects the container to learn whether it has a TTY.
            return Reply.json({"Id": "c1", "Config": {"Tty": tty}})
        return None

    return route


def contract_properties(
    client: ReplayClient,
    server: ReplayServer,
    recordings: list[Recording],
    *,
    timeout: float = 10.0,
) -> list[tuple[str, st.SearchStrategy[Example], Callable[[Example], None]]]:
    """Return one property per operation that has recordings.

    Each is ``(case, strategy, check)`` for :func:`harness.fuzz.runner.run_property`;
    ``check`` raises :class:`PropertyFailure` when the client decodes a
    variant differently from the recording.
    """
    replayer = _Replayer(client, server, timeout)
    properties: list[
        tuple[str, st.SearchStrategy[Example], Callable[[Example], None]]
    ] = []
    for operation in OPERATIONS:
        chosen = [each for each in recordings if each.operation == operation]
        if chosen:
            properties.append(
                (f"contracts/{operation}", examples(chosen), replayer.check)
            )
    return properties


def run_contract_campaign(
    client_name: str,
    *,
    examples: int = 25,
    seed: int = 0,
    timeout: float = 10.0,
    root: Path = RECORDINGS,
) -> CampaignReport:
    """Run the ``contracts`` campaign against ``harness`` or ``docker-py``.

    Raises:
        ValueError: an unknown client or a non-positive example count.
    """
    if examples < 1:
        raise ValueError(f"invalid examples {examples}: use 1 or more")
    client = load_replay_client(client_name)
    recordings = load_recordings(root)
    report = CampaignReport(client.name, "contracts", examples, seed)
    started = time.perf_counter()
    with ReplayServer() as server:
        for case, strategy, check in contract_properties(
            client, server, recordings, timeout=timeout
        ):
            report.cases.append(case)
            failure = run_property(
                case, strategy, check, examples=examples, seed_value=seed
            )
            if failure is not None:
                logger.info("%s failed for %s: %s", case, client.name, failure.problems)
                report.failures.append(failure)
    report.seconds = time.perf_counter() - started
    return report
