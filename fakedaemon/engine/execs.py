"""Exec instances: extra simulated processes started inside running containers.

An exec instance is created for a running container, started once, and its
process runs on the container's filesystem with the container's environment
plus its own. Its output goes only to the client that started it, never to
the container's log. When the container's main process ends, its execs end
with it, as the kernel kills a PID namespace with its init process.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, DaemonError, InvalidParameter, NotFound
from . import process as interpreter
from .output import OutputLog, StdinPipe
from .process import ExecutableNotFound, ProcessSpec
from .signals import SIGKILL

if TYPE_CHECKING:
    from .containers import Container
    from .engine import Engine

logger = logging.getLogger("fakedaemon")

RUNTIME_FAILURE_EXIT_CODE = 126
"""Exit code dockerd records when the runtime cannot start an exec process."""

RESIZE_WAIT_SECONDS = 10.0
"""How long a resize of a created exec waits for its start, as dockerd does."""

# Exec pids count from here so that they read apart from the containers'
# main processes in `top`; a simulated pid names nothing on the host.
_FIRST_EXEC_PID = 30000

_CTRL_KEYS = {"@": 0, "[": 27, "\\": 28, "]": 29, "^": 30, "_": 31}


class ExecStartFailed(DaemonError):
    """A runtime failure to start an exec process (its status depends on why)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def parse_detach_keys(text: str) -> bytes:
    """Convert a detach key sequence (``ctrl-p,ctrl-q``) to the bytes it sends.

    Raises:
        InvalidParameter: a key is neither one character nor ``ctrl-<key>``.
    """
    result = bytearray()
    for key in text.split(","):
        lowered = key.lower()
        if len(key) == 1:
            result.append(ord(key))
        elif lowered.startswith("ctrl-") and len(key) == 6:
            character = lowered[5]
            if "a" <= character <= "z":
                result.append(ord(character) - ord("a") + 1)
            elif character in _CTRL_KEYS:
                result.append(_CTRL_KEYS[character])
            else:
                raise InvalidParameter(f"Invalid escape keys ({text}) provided")
        else:
            raise InvalidParameter(f"Invalid escape keys ({text}) provided")
    return bytes(result)


@dataclass
class ExecInstance:
    """One exec instance; its store's lock guards the mutable fields."""

    id: str
    container: Container
    argv: list[str]
    env: list[str]
    working_dir: str
    user: str
    tty: bool
    privileged: bool
    attach_stdin: bool
    attach_stdout: bool
    attach_stderr: bool
    detach_keys: bytes
    running: bool = False
    ran: bool = False
    exit_code: int | None = None
    pid: int = 0
    stdin: StdinPipe | None = None
    output: OutputLog = field(default_factory=OutputLog)
    started: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    cancel: threading.Event = field(default_factory=threading.Event)
    started_ns: int = 0

    @property
    def command_line(self) -> str:
        """The command as exec events name it.

        dockerd writes the program, a space, then the arguments joined by
        spaces, so a command without arguments ends in a space ("cat ").
        """
        return f"{self.argv[0]} {' '.join(self.argv[1:])}" if self.argv else " "


class _ExecIO:
    """Connects an exec process to its own output log and stdin."""

    def __init__(self, engine: Engine, instance: ExecInstance) -> None:
        self._engine = engine
        self._instance = instance

    def read_stdin(self, size: int) -> bytes:
        pipe = self._instance.stdin
        if pipe is None:
            return b""
        return pipe.read(size, self._instance.cancel)

    def write(self, stream: str, data: bytes) -> None:
        self._instance.output.append(stream, self._engine.clock.time_ns(), data)


class ExecStore:
    """Every exec instance of one engine, with a lock."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.RLock()
        self._by_id: dict[str, ExecInstance] = {}
        self._next_pid = _FIRST_EXEC_PID

    def create(self, reference: str, config: dict[str, Any]) -> ExecInstance:
        """Create an exec instance in the running container ``reference``."""
        containers = self._engine.containers
        container = containers.get(reference)
        with containers.changed:
            state = container.state
            if not state.running:
                message = f"container {container.id} is not running"
                if self._engine.profile.legacy_messages:
                    message = f"Container {container.id} is not running"
                raise Conflict(message)
            if state.paused:
                raise Conflict(
                    f"Container {reference} is paused, unpause the container "
                    "before exec"
                )
            if state.restarting:
                raise Conflict(
                    f"Container {reference} is restarting, wait until the "
                    "container is running"
                )
        argv = [str(part) for part in config.get("Cmd") or []]
        if not argv:
            raise InvalidParameter("No exec command specified")
        keys_text = config.get("DetachKeys") or ""
        detach_keys = parse_detach_keys(keys_text) if keys_text else b""
        instance = ExecInstance(
            id=self._engine.ids.hex_id(),
            container=container,
            argv=argv,
            env=[str(entry) for entry in config.get("Env") or []],
            working_dir=str(config.get("WorkingDir") or ""),
            user=str(config.get("User") or ""),
            tty=bool(config.get("Tty")),
            privileged=bool(config.get("Privileged")),
            attach_stdin=bool(config.get("AttachStdin")),
            attach_stdout=bool(config.get("AttachStdout")),
            attach_stderr=bool(config.get("AttachStderr")),
            detach_keys=detach_keys,
        )
        if instance.attach_stdin:
            instance.stdin = StdinPipe()
        with self._lock:
            self._by_id[instance.id] = instance
        with containers.changed:
            container.add_exec(instance.id)
        self._publish(instance, f"exec_create: {instance.command_line}")
        return instance

    def get(self, exec_id: str) -> ExecInstance:
        """Find an exec instance by its full id."""
        with self._lock:
            instance = self._by_id.get(exec_id)
            if instance is None or instance.container.removed:
                raise NotFound(f"No such exec instance: {exec_id}")
            return instance

    def start(self, instance: ExecInstance) -> None:
        """Start the exec's process; raise when it ran or cannot start."""
        with self._lock:
            if instance.running:
                raise Conflict(f"Error: Exec command {instance.id} is already running")
            if instance.ran:
                raise Conflict(f"Error: Exec command {instance.id} has already run")
            instance.ran = True
        container = self._engine.containers.get(instance.container.id)
        with self._engine.containers.changed:
            process = container.process
            if process is None or not container.state.running:
                self._fail_locked(instance)
                message = f"container {container.id} is not running"
                if self._engine.profile.legacy_messages:
                    message = f"Container {container.id} is not running"
                raise Conflict(message)
            container_finished = process.finished
        self._publish(instance, f"exec_start: {instance.command_line}")
        spec = self._spec(instance)
        try:
            self._check_user(instance)
            interpreter.check_executable(spec, container.filesystem)
        except ExecutableNotFound as missing:
            with self._engine.containers.changed:
                self._fail_locked(instance)
            raise ExecStartFailed(
                "OCI runtime exec failed: exec failed: unable to start container "
                f"process: {missing.message}: unknown",
                InvalidParameter.status,
            ) from None
        except ExecStartFailed:
            with self._engine.containers.changed:
                self._fail_locked(instance)
            raise
        with self._lock:
            self._next_pid += 1
            instance.pid = self._next_pid
            instance.running = True
            instance.started_ns = self._engine.clock.time_ns()
        instance.started.set()
        threading.Thread(
            target=self._run,
            args=(instance, spec),
            name=f"exec-{instance.id[:12]}",
            daemon=True,
        ).start()
        threading.Thread(
            target=self._end_with_container,
            args=(instance, container_finished),
            daemon=True,
        ).start()

    def _fail_locked(self, instance: ExecInstance) -> None:
        """Record a start failure; the caller holds the container store's lock."""
        instance.exit_code = RUNTIME_FAILURE_EXIT_CODE
        instance.container.drop_exec(instance.id)
        instance.finished.set()
        instance.output.notify()

    def _check_user(self, instance: ExecInstance) -> None:
        name = instance.user.partition(":")[0]
        if not name or name.isdigit():
            return
        filesystem = instance.container.filesystem
        try:
            passwd = filesystem.read_file("/etc/passwd").decode(errors="replace")
        except DaemonError:
            passwd = ""
        if any(line.split(":", 1)[0] == name for line in passwd.splitlines()):
            return
        raise ExecStartFailed(
            f"unable to find user {name}: no matching entries in passwd file",
            DaemonError.status,
        )

    def _spec(self, instance: ExecInstance) -> ProcessSpec:
        config = instance.container.config
        env = list(config.get("Env") or [])
        names = [entry.partition("=")[0] for entry in env]
        for entry in instance.env:
            name = entry.partition("=")[0]
            if name in names:
                env[names.index(name)] = entry
            else:
                env.append(entry)
                names.append(name)
        return ProcessSpec(
            argv=list(instance.argv),
            env=env,
            working_dir=instance.working_dir or config.get("WorkingDir") or "/",
            hostname=config.get("Hostname") or instance.container.short_id,
            tty=instance.tty,
        )

    def _run(self, instance: ExecInstance, spec: ProcessSpec) -> None:
        engine = self._engine
        io = _ExecIO(engine, instance)
        try:
            code = interpreter.run(
                spec, instance.container.filesystem, io, engine.clock, instance.cancel
            )
        except Exception:  # a defect of the interpreter must not kill the daemon
            logger.exception("simulated exec process %s failed", instance.id[:12])
            code = 1
        if code is None:
            code = 128 + SIGKILL
        self.finish(instance, code)

    def finish(
        self, instance: ExecInstance, code: int, *, die_code: int | None = None
    ) -> None:
        """Record an exec process's exit, wake its waiters and publish exec_die.

        ``die_code`` is the exit code the event reports where dockerd's
        differs from the one inspect shows.
        """
        engine = self._engine
        with engine.containers.changed:
            instance.running = False
            instance.exit_code = code
            instance.container.drop_exec(instance.id)
            if instance.stdin is not None:
                instance.stdin.close()
            instance.finished.set()
            instance.output.notify()
            engine.containers.changed.notify_all()
        reported = code if die_code is None else die_code
        self._publish(instance, "exec_die", {"exitCode": str(reported)})

    def _end_with_container(
        self, instance: ExecInstance, container_finished: threading.Event
    ) -> None:
        while not instance.finished.is_set():
            if container_finished.wait(0.5):
                instance.cancel.set()
                if instance.stdin is not None:
                    instance.stdin.close()
                self._engine.clock.wake()
                return

    # Health checks ---------------------------------------------------------

    def add_probe(self, container: Container, argv: list[str]) -> ExecInstance:
        """Register the exec instance of one health check; publish exec_create.

        dockerd runs each check as an exec with stdout and stderr open and
        the container's user and working directory. The health monitor has
        checked the container's state, so none of ``create``'s checks apply.
        """
        config = container.config
        instance = ExecInstance(
            id=self._engine.ids.hex_id(),
            container=container,
            argv=list(argv),
            env=[],
            working_dir=str(config.get("WorkingDir") or ""),
            user=str(config.get("User") or ""),
            tty=False,
            privileged=False,
            attach_stdin=False,
            attach_stdout=True,
            attach_stderr=True,
            detach_keys=b"",
        )
        with self._lock:
            self._by_id[instance.id] = instance
        with self._engine.containers.changed:
            container.add_exec(instance.id)
        self._publish(instance, f"exec_create: {instance.command_line}")
        return instance

    def start_probe(self, instance: ExecInstance) -> ProcessSpec:
        """Mark a health check's exec running, publish exec_start, return its spec."""
        with self._lock:
            instance.ran = True
            self._next_pid += 1
            instance.pid = self._next_pid
            instance.running = True
            instance.started_ns = self._engine.clock.time_ns()
        instance.started.set()
        self._publish(instance, f"exec_start: {instance.command_line}")
        return self._spec(instance)

    def fail_probe(self, instance: ExecInstance) -> None:
        """Record that a health check's process could not start (no exec_die)."""
        with self._engine.containers.changed:
            self._fail_locked(instance)

    def forget(self, exec_id: str) -> None:
        """Drop an exec instance, so inspecting it returns 404."""
        with self._lock:
            self._by_id.pop(exec_id, None)

    def running_in(self, container: Container) -> list[ExecInstance]:
        """Return the running execs of ``container``, oldest first."""
        with self._lock:
            return [
                instance
                for instance in self._by_id.values()
                if instance.container is container and instance.running
            ]

    def resize(self, instance: ExecInstance) -> None:
        """Check that the exec's process can take a terminal size.

        A created exec is waited for up to ``RESIZE_WAIT_SECONDS``.
        """
        if not instance.started.wait(RESIZE_WAIT_SECONDS):
            raise DaemonError("timeout waiting for exec session ready")
        if instance.finished.is_set():
            # Engine 20.10 answers 404 "no such exec" instead while its
            # runtime still holds the finished process.
            raise DaemonError("cannot resize a stopped container: unknown")

    def _publish(
        self, instance: ExecInstance, action: str, extra: dict[str, str] | None = None
    ) -> None:
        container = instance.container
        attributes = dict(container.labels)
        attributes["execID"] = instance.id
        attributes["image"] = container.config.get("Image", "")
        attributes["name"] = container.name.lstrip("/")
        if extra:
            attributes.update(extra)
        self._engine.events.publish("container", action, container.id, attributes)
