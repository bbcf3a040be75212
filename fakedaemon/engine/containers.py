"""Containers: their records, their lifecycle and the store that contains them."""

from __future__ import annotations

import copy
import itertools
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from ..errors import (
    Conflict,
    DaemonError,
    InvalidParameter,
    NoSuchContainer,
    NotFound,
    NotModified,
)
from . import process as interpreter
from .createchecks import check_references, check_settings
from .health import merge_healthcheck
from .hostconfig import default_host_config, fill_host_defaults
from .names import generate_name, validate_name
from .output import OutputLog, StdinPipe
from .process import ExecutableNotFound, ProcessSpec
from .revision import Revision, RevisionCache, Tracked
from .signals import SIGKILL, SIGTERM, check_signal_supported, parse_signal

if TYPE_CHECKING:
    from .engine import Engine
    from .filesystem import Filesystem
    from .health import Health
    from .networks import Attachment
    from .volumes import MountPoint


logger = logging.getLogger("fakedaemon")


@dataclass(slots=True)
class State(Tracked):
    """The ``State`` of a container as inspect reports it."""

    status: str = "created"
    running: bool = False
    paused: bool = False
    restarting: bool = False
    oom_killed: bool = False
    dead: bool = False
    pid: int = 0
    exit_code: int = 0
    error: str = ""
    started_ns: int = 0
    finished_ns: int = 0


@dataclass(slots=True)
class Container(Tracked):
    """One container's record; the store's lock guards every field.

    Containers of one store may share the nested values of ``host_config``
    (its lists and dicts of defaults): replace such a value, never change it
    in place. Container listings and inspect cache what they encode until
    the container's revision moves. The store gives the container its revision
    when it adds it, and from then on every attribute assignment on the
    container or on a record reachable from it moves it.
    A change in place to ``config``, ``host_config``, ``mounts`` or
    ``networks`` must be followed by ``mark_changed``, which moves the
    revision on and adopts the records put there. ``exec_ids`` is replaced
    on each change, never changed in place.
    """

    _children: ClassVar[frozenset[str]] = frozenset(
        {"state", "health", "mounts", "networks"}
    )

    id: str
    name: str
    created_ns: int
    path: str
    args: list[str]
    config: dict[str, Any]
    host_config: dict[str, Any]
    image_id: str
    filesystem: Filesystem
    state: State = field(default_factory=State)
    restart_count: int = 0
    log: OutputLog = field(default_factory=OutputLog)
    stdin: StdinPipe | None = None
    platform: str = "linux"
    removed: bool = False
    # A removal has begun (it may wait for the process to be killed).
    removing: bool = False
    exits: int = 0
    process: _Process | None = None
    stopped_by_user: bool = False
    exec_ids: list[str] = field(default_factory=list)
    mounts: list[MountPoint] = field(default_factory=list)
    networks: dict[str, Attachment] = field(default_factory=dict)
    # Created at the first start with a health check, so that a container
    # without one carries no health objects.
    health: Health | None = None

    @property
    def short_id(self) -> str:
        """The first 12 digits of the id, as the CLI shows it."""
        return self.id[:12]

    @property
    def labels(self) -> dict[str, str]:
        """The container's labels (never None)."""
        labels = self.config.get("Labels")
        if not labels:
            return {}
        # Go writes map keys in sorted order.
        return dict(sorted(labels.items()))

    @property
    def tty(self) -> bool:
        """Whether the container has a terminal (output is not multiplexed)."""
        return bool(self.config.get("Tty"))

    def add_exec(self, exec_id: str) -> None:
        """Add ``exec_id`` to the exec ids. The caller holds the store's lock."""
        self.exec_ids = [*self.exec_ids, exec_id]

    def drop_exec(self, exec_id: str) -> None:
        """Remove ``exec_id`` from the exec ids. The caller holds the store's lock."""
        if exec_id in self.exec_ids:
            self.exec_ids = [known for known in self.exec_ids if known != exec_id]


class _Process:
    """A simulated process running on its own thread (never a host process)."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.cancel = threading.Event()
        self.finished = threading.Event()
        self.signal = 0
        self.thread: threading.Thread | None = None


class _IO:
    """Connects a simulated process to its container's log and stdin."""

    def __init__(self, engine: Engine, container: Container, cancel: threading.Event):
        self._engine = engine
        self._container = container
        self._cancel = cancel

    def read_stdin(self, size: int) -> bytes:
        pipe = self._container.stdin
        if pipe is None:
            return b""
        return pipe.read(size, self._cancel)

    def write(self, stream: str, data: bytes) -> None:
        self._container.log.append(stream, self._engine.clock.time_ns(), data)


class ContainerStore:
    """Every container of one engine, with a lock and a change condition.

    Waiters (``wait``) block on ``changed``, which every state change
    notifies; lookups go through ids, names and unique id prefixes.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.RLock()
        self.changed = threading.Condition(self._lock)
        self._by_id: dict[str, Container] = {}
        self._by_name: dict[str, str] = {}
        self._newest_first: list[Container] | None = None
        """Every container, newest first, or None until ``all`` sorts them again."""
        # Containers by image id, so image listings count them without a scan.
        self._by_image: dict[str, dict[str, Container]] = {}
        self._next_pid = 1000
        self._closing = False
        self._revision_numbers = itertools.count(1)
        self.listing_cache = RevisionCache()
        """The API's encoded container summaries, by their containers' revisions."""
        self.inspect_cache = RevisionCache()
        """The API's encoded inspect documents, by their containers' revisions."""

    # Lookup ---------------------------------------------------------------

    def get(self, reference: str) -> Container:
        """Find a container by id, name or unique id prefix."""
        with self._lock:
            found = self._by_id.get(reference)
            if found is not None:
                return found
            name = reference if reference.startswith("/") else "/" + reference
            container_id = self._by_name.get(name)
            if container_id is not None:
                return self._by_id[container_id]
            if reference and all(c in "0123456789abcdef" for c in reference):
                matches = [cid for cid in self._by_id if cid.startswith(reference)]
                if len(matches) == 1:
                    return self._by_id[matches[0]]
                if len(matches) > 1:
                    raise InvalidParameter(
                        f"multiple IDs found with provided prefix: {reference}"
                    )
            raise NoSuchContainer(reference)

    def all(self) -> list[Container]:
        """Return every container, newest first, as dockerd lists them."""
        with self._lock:
            if self._newest_first is None:
                # Creation times never change, so the order stays valid until a
                # container is added or removed.
                self._newest_first = sorted(
                    self._by_id.values(), key=lambda c: c.created_ns, reverse=True
                )
            return list(self._newest_first)

    def using_image(self, image_id: str) -> list[Container]:
        """Return the containers created from ``image_id``."""
        with self._lock:
            return list(self._by_image.get(image_id, {}).values())

    def counts_by_image(self) -> dict[str, int]:
        """Count the containers of each image id that has any."""
        with self._lock:
            return {image_id: len(using) for image_id, using in self._by_image.items()}

    def counts(self) -> dict[str, int]:
        """Count containers by state for ``/info``."""
        with self._lock:
            running = paused = 0
            for container in self._by_id.values():
                if container.state.paused:
                    paused += 1
                elif container.state.running:
                    running += 1
            total = len(self._by_id)
        return {
            "total": total,
            "running": running,
            "paused": paused,
            "stopped": total - running - paused,
        }

    # Create, rename, remove ------------------------------------------------

    def create(
        self,
        config: dict[str, Any],
        host_config: dict[str, Any] | None,
        name: str | None = None,
        platform: str | None = None,
        networking_config: dict[str, Any] | None = None,
    ) -> Container:
        """Create a container from ``config`` merged with its image's config."""
        engine = self._engine
        check_settings(config, host_config, engine.profile.legacy_messages)
        requested = validate_name(name) if name else None
        image_reference = config.get("Image") or ""
        if not image_reference:
            raise InvalidParameter("No image was specified.")
        image = engine.images.get(image_reference)
        check_references(host_config, self.get)
        merged = merge_image_config(config, image.config)
        command = list(merged.get("Entrypoint") or []) + list(merged.get("Cmd") or [])
        if not command:
            raise InvalidParameter("No command specified")
        container_id = engine.ids.hex_id()
        merged.setdefault("Hostname", "")
        if not merged["Hostname"]:
            merged["Hostname"] = container_id[:12]
        legacy = engine.profile.legacy_host_config
        hosts = default_host_config(legacy=legacy)
        # Left empty so that the rig's cgroup version picks the default.
        hosts["CgroupnsMode"] = ""
        if legacy and host_config is not None:
            # Engine 20.10 set the runtime at create when the request had a
            # HostConfig, else at the first start.
            hosts["Runtime"] = "runc"
        hosts.update(host_config or {})
        if hosts.get("NetworkMode") in ("", "default", None):
            hosts["NetworkMode"] = "default" if legacy else "bridge"
        fill_host_defaults(
            hosts, cgroup_version=engine.rig.cgroup_version, legacy=legacy
        )
        if merged.get("Volumes") == {}:
            merged["Volumes"] = None
        attachments = engine.networks.attachments_for(hosts, networking_config)
        mounts = engine.volumes.mounts_for(merged, hosts)
        with self._lock:
            if requested is not None and requested in self._by_name:
                raise Conflict(_name_conflict(requested, self._by_name[requested]))
            final_name = requested or generate_name(engine.ids, set(self._by_name))
            container = Container(
                id=container_id,
                name=final_name,
                created_ns=engine.clock.time_ns(),
                path=command[0],
                args=command[1:],
                config=merged,
                host_config=hosts,
                image_id=image.id,
                filesystem=image.filesystem.child(),
                platform=platform or "linux",
                mounts=mounts,
                networks=attachments,
            )
            if merged.get("OpenStdin"):
                container.stdin = StdinPipe()
            self._add(container)
            engine.volumes.register(container, mounts)
            self.changed.notify_all()
        self._publish(container, "create")
        return container

    def rename(self, reference: str, new_name: str) -> None:
        """Give a container a new name; 409 when the name is taken."""
        if not new_name:
            raise InvalidParameter("Neither old nor new names may be empty")
        validated = validate_name(new_name)
        with self._lock:
            container = self.get(reference)
            engine = self._engine
            if (
                not engine.rig.bridge
                and not engine.profile.legacy_host_config
                and container.state.running
                and "bridge" in container.networks
            ):
                # Engine 26.1 renames the sandbox's endpoints too, and finds
                # no bridge network to do it in when run with --bridge=none.
                raise NotFound("network bridge not found")
            if validated == container.name:
                raise InvalidParameter(
                    "Renaming a container with the same name as its current name"
                )
            if validated in self._by_name:
                raise Conflict(
                    "Error when allocating new name: "
                    + _name_conflict(validated, self._by_name[validated])
                )
            old_name = container.name
            del self._by_name[old_name]
            container.name = validated
            self._by_name[validated] = container.id
        self._publish(container, "rename", {"oldName": old_name})

    def remove(
        self, reference: str, force: bool = False, remove_volumes: bool = False
    ) -> None:
        """Remove a container, killing it first when ``force`` is set."""
        container = self.get(reference)
        with self._lock:
            if container.removing:
                raise Conflict(
                    f"removal of container {reference} is already in progress"
                )
            running = container.state.running
            if running and not force:
                raise Conflict(self._remove_running_message(container))
            container.removing = True
        try:
            if running:
                self._signal(container, SIGKILL, user=True)
                self._await_exit(container)
            with self._lock:
                if container.removed:
                    # An auto-remove finished first.
                    raise NoSuchContainer(reference)
                self._forget(container)
        finally:
            container.removing = False
        self._publish(container, "destroy")
        self._engine.networks.forget(container)
        self._engine.volumes.release(container, container.mounts, remove=remove_volumes)

    def restore(self, container: Container) -> None:
        """Add a container rebuilt from a state dump: no checks and no event.

        Raises:
            Conflict: its id or name is taken.
        """
        with self._lock:
            if container.id in self._by_id:
                raise Conflict(f"a container with id {container.id} exists")
            if container.name in self._by_name:
                raise Conflict(
                    _name_conflict(container.name, self._by_name[container.name])
                )
            self._add(container)
            self._next_pid = max(self._next_pid, container.state.pid)
            self._engine.volumes.register(container, container.mounts)
            self.changed.notify_all()

    def _add(self, container: Container) -> None:
        """Give ``container`` a revision and index it, under the lock."""
        container.adopt(Revision(self._revision_numbers))
        self._by_id[container.id] = container
        self._newest_first = None
        self._by_name[container.name] = container.id
        self._by_image.setdefault(container.image_id, {})[container.id] = container

    def _forget(self, container: Container) -> None:
        container.removed = True
        self._by_id.pop(container.id, None)
        self._newest_first = None
        using = self._by_image.get(container.image_id)
        if using is not None:
            using.pop(container.id, None)
            if not using:
                del self._by_image[container.image_id]
        if self._by_name.get(container.name) == container.id:
            del self._by_name[container.name]
        container.log.notify()
        self.changed.notify_all()

    def _remove_running_message(self, container: Container) -> str:
        if self._engine.profile.legacy_messages:
            return (
                f"You cannot remove a running container {container.id}. Stop the "
                "container before attempting removal or force remove"
            )
        return (
            f'cannot remove container "{container.name}": container is running: '
            "stop the container before removing or force remove"
        )

    # Start, stop, kill, restart, pause -------------------------------------

    def start(self, reference: str) -> Container:
        """Start the container's process; 304 when it is already running."""
        container = self.get(reference)
        with self._lock:
            if container.state.paused:
                raise Conflict("cannot start a paused container, try unpause instead")
            if container.state.running:
                raise NotModified("container is already running")
            spec = self._spec(container)
            failure: InvalidParameter | None = None
            try:
                if not self._engine.behaviours.covers(container, spec.argv):
                    interpreter.check_executable(spec, container.filesystem)
            except ExecutableNotFound as missing:
                message = self._start_failure(missing.message)
                container.state.exit_code = 127
                container.state.error = message
                self.changed.notify_all()
                failure = InvalidParameter(message)
            else:
                self._launch(container, spec)
        if failure is not None:
            # dockerd removes a container of `--rm` whose start failed, so a
            # client waiting for its removal returns.
            if container.host_config.get("AutoRemove"):
                self._auto_remove(container)
            raise failure
        self._publish(container, "start")
        return container

    def _start_failure(self, runtime_message: str) -> str:
        prefix = (
            "failed to create shim task: OCI runtime create failed: "
            "runc create failed: "
        )
        if not self._engine.profile.legacy_messages:
            prefix = "failed to create task for container: " + prefix
        return f"{prefix}unable to start container process: {runtime_message}: unknown"

    def _spec(self, container: Container) -> ProcessSpec:
        config = container.config
        return ProcessSpec(
            argv=[container.path, *container.args],
            env=list(config.get("Env") or []),
            working_dir=config.get("WorkingDir") or "/",
            hostname=config.get("Hostname") or container.short_id,
            tty=bool(config.get("Tty")),
        )

    def _launch(self, container: Container, spec: ProcessSpec) -> None:
        """Start the process thread; the caller holds the lock."""
        # Engine 20.10 recorded the runtime at the first start.
        if "Runtime" not in container.host_config:
            container.host_config["Runtime"] = "runc"
            container.mark_changed()
        if not self._engine.rig.bridge and "bridge" in container.networks:
            # dockerd started with --bridge=none marks the container's
            # network disabled at start and opens no endpoint for it.
            container.config["NetworkDisabled"] = True
            container.mark_changed()
        self._engine.networks.connect_all(container)
        self._engine.volumes.mount_all(container, container.mounts)
        self._next_pid += 1
        process = _Process(self._next_pid)
        state = container.state
        state.status = "running"
        state.running = True
        state.paused = False
        state.restarting = False
        state.pid = process.pid
        state.exit_code = 0
        state.error = ""
        state.started_ns = self._engine.clock.time_ns()
        container.process = process
        container.stopped_by_user = False
        self._engine.health.started(container)
        thread = threading.Thread(
            target=self._run,
            args=(container, process, spec),
            name=f"container-{container.short_id}",
            daemon=True,
        )
        process.thread = thread
        thread.start()

    def _run(self, container: Container, process: _Process, spec: ProcessSpec) -> None:
        engine = self._engine
        io = _IO(engine, container, process.cancel)
        try:
            behaviour = engine.behaviours.for_container(container)
            code = interpreter.run(
                spec, container.filesystem, io, engine.clock, process.cancel, behaviour
            )
        except Exception:  # a defect of the interpreter must not kill the daemon
            logger_exception(container)
            code = 1
        if code is None:
            code = 128 + (process.signal or SIGKILL)
        self._exited(container, process, code)

    def _exited(self, container: Container, process: _Process, code: int) -> None:
        """Record a process's end, clean up, and only then wake the waiters.

        The die event, network release and volume unmount happen before
        waiters see the exit, so a client that waits and then removes the
        container or its volumes never races the cleanup.
        """
        engine = self._engine
        with self._lock:
            state = container.state
            state.running = False
            state.paused = False
            state.pid = 0
            state.exit_code = code
            state.status = "exited"
            state.finished_ns = engine.clock.time_ns()
            engine.health.stopped(container)
        attributes = {"exitCode": str(code)}
        if engine.profile.die_exec_duration:
            duration = (state.finished_ns - state.started_ns) // 1_000_000_000
            attributes["execDuration"] = str(duration)
        self._publish(container, "die", attributes)
        engine.networks.disconnect_all(container)
        engine.volumes.unmount_all(container, container.mounts)
        restart = self._should_restart(container, code)
        with self._lock:
            container.exits += 1
            container.process = None
            if container.stdin is not None:
                container.stdin.close()
                if container.config.get("OpenStdin"):
                    container.stdin = StdinPipe()
            if restart:
                state.restarting = True
                state.status = "restarting"
            process.finished.set()
            container.log.notify()
            self.changed.notify_all()
        if container.host_config.get("AutoRemove") and not self._closing:
            self._auto_remove(container)
            return
        if restart:
            self._restart_later(container)

    def _auto_remove(self, container: Container) -> None:
        """Remove a container of ``--rm`` that exited or failed to start."""
        with self._lock:
            # A removal the client asked for goes on and publishes the event.
            if container.removed or container.removing:
                return
            self._forget(container)
        self._publish(container, "destroy")
        self._engine.networks.forget(container)
        self._engine.volumes.release(container, container.mounts, remove=True)

    def _should_restart(self, container: Container, code: int) -> bool:
        if self._closing or container.stopped_by_user or container.removed:
            return False
        policy = container.host_config.get("RestartPolicy") or {}
        name = policy.get("Name") or "no"
        if name in ("always", "unless-stopped"):
            return True
        if name == "on-failure" and code != 0:
            maximum = int(policy.get("MaximumRetryCount") or 0)
            return maximum == 0 or container.restart_count < maximum
        return False

    def _restart_later(self, container: Container) -> None:
        # dockerd waits 100 ms before the first restart and doubles the delay
        # after each quick exit; the waits run on the daemon's clock.
        delay = min(0.1 * (2 ** min(container.restart_count, 10)), 60.0)

        def restart() -> None:
            cancel = threading.Event()
            self._engine.clock.sleep(delay, cancel)
            with self._lock:
                if container.removed or self._closing or not container.state.restarting:
                    return
                container.restart_count += 1
                state = container.state
                last_exit_code = state.exit_code
                try:
                    self._launch(container, self._spec(container))
                except DaemonError as error:
                    # Like dockerd's restart manager, a failed restart leaves
                    # the container exited with its last run's exit code and
                    # the start error.
                    state.restarting = False
                    state.status = "exited"
                    state.exit_code = last_exit_code
                    self.changed.notify_all()
                    logger.error(
                        "failed to restart container %s: %s",
                        container.short_id,
                        error.message,
                    )
                    return
            self._publish(container, "start")

        threading.Thread(target=restart, daemon=True).start()

    def stop(
        self, reference: str, signal: str | None = None, timeout: int | None = None
    ) -> None:
        """Stop a running container; 304 when it is not running.

        The simulated process ends on the stop signal; when it would not (a
        paused container), the kill after ``timeout`` seconds ends it.
        """
        container = self.get(reference)
        with self._lock:
            if container.state.restarting:
                container.state.restarting = False
                container.stopped_by_user = True
                container.state.status = "exited"
                self.changed.notify_all()
                return
            if not container.state.running:
                raise NotModified("container is already stopped")
            paused = container.state.paused
        number = self._stop_signal(container, signal)
        if paused:
            number = SIGKILL
        self._signal(container, number, user=True)
        self._await_exit(container)
        self._publish(container, "stop")

    def _stop_signal(self, container: Container, signal: str | None) -> int:
        text = signal or container.config.get("StopSignal") or "SIGTERM"
        try:
            return parse_signal(text)
        except ValueError:
            return SIGTERM

    def kill(self, reference: str, signal: str = "") -> None:
        """Send ``signal`` (SIGKILL by default); 409 when not running."""
        legacy = self._engine.profile.legacy_messages
        check_signal_supported(reference, signal, legacy)
        try:
            number = parse_signal(signal) if signal else SIGKILL
        except ValueError:
            if legacy:
                raise InvalidParameter(f"Invalid signal: {signal}") from None
            raise InvalidParameter(
                f"cannot kill container: {reference}: invalid signal: {signal}"
            ) from None
        try:
            container = self.get(reference)
        except DaemonError as error:
            verb = "Cannot" if legacy else "cannot"
            # dockerd's router prefixes every error of the backend's kill.
            raise error.prefixed(f"{verb} kill container: {reference}") from None
        with self._lock:
            if not container.state.running:
                if legacy:
                    message = (
                        f"Cannot kill container: {reference}: Container "
                        f"{container.id} is not running"
                    )
                else:
                    message = (
                        f"cannot kill container: {reference}: container "
                        f"{container.id} is not running"
                    )
                raise Conflict(message)
        self._signal(container, number, user=True)
        if number in (SIGKILL, SIGTERM, 2, 3, 1):
            self._await_exit(container)

    def _signal(self, container: Container, number: int, *, user: bool) -> None:
        with self._lock:
            process = container.process
            if process is None:
                return
            if user:
                container.stopped_by_user = True
            process.signal = number
        self._publish(container, "kill", {"signal": str(number)})
        # Simulated processes end on SIGKILL, SIGTERM, SIGINT, SIGQUIT and
        # SIGHUP; other signals reach them without effect.
        if number in (SIGKILL, SIGTERM, 2, 3, 1):
            process.cancel.set()
            if container.stdin is not None:
                container.stdin.close()
            self._engine.clock.wake()

    def _await_exit(self, container: Container) -> None:
        process = container.process
        if process is not None:
            process.finished.wait(30)

    def restart(self, reference: str, timeout: int | None = None) -> None:
        """Stop the container if it runs, then start it."""
        container = self.get(reference)
        try:
            self.stop(reference, timeout=timeout)
        except NotModified:
            pass
        self.start(container.id)
        self._publish(container, "restart")

    def pause(self, reference: str) -> None:
        """Pause a running container."""
        container = self.get(reference)
        with self._lock:
            if not container.state.running:
                message = f"container {container.id} is not running"
                if self._engine.profile.legacy_messages:
                    message = f"Container {container.id} is not running"
                raise Conflict(message)
            if container.state.paused:
                raise Conflict(f"Container {container.id} is already paused")
            container.state.paused = True
            container.state.status = "paused"
            self._engine.health.stopped(container)
            self.changed.notify_all()
        self._publish(container, "pause")

    def unpause(self, reference: str) -> None:
        """Unpause a paused container (dockerd returns 500 when it is not)."""
        container = self.get(reference)
        with self._lock:
            if not container.state.paused:
                from ..errors import DaemonError

                raise DaemonError(f"Container {container.id} is not paused")
            container.state.paused = False
            container.state.status = "running"
            self._engine.health.resumed(container)
            self.changed.notify_all()
        self._publish(container, "unpause")

    # Waiting -----------------------------------------------------------------

    def wait(
        self,
        container: Container,
        condition: str,
        cancel: threading.Event | None = None,
        *,
        exits: int | None = None,
    ) -> int | None:
        """Block until ``condition`` holds and return the exit code.

        Returns None when ``cancel`` is set first. The caller that sets it
        then calls ``wake``, so the wait sees it at once. ``exits`` is the
        container's exit count when the request arrived, so an exit between
        the request and this call still ends the wait.
        """
        cancelled = (cancel or threading.Event()).is_set
        with self._lock:
            if exits is None:
                exits = container.exits
            stopped = container.process is None and not container.state.restarting
            if condition == "not-running" and stopped:
                return container.state.exit_code
            # dockerd counts a container waiting for its restart as running,
            # and ends a not-running wait at the next exit even when the
            # restart policy restarts the container after it.
            if condition in ("not-running", "next-exit"):
                while container.exits == exits and not container.removed:
                    if self._closing:
                        break
                    if cancelled():
                        return None
                    self.changed.wait(1.0)
                return container.state.exit_code
            while not container.removed and not self._closing:
                if cancelled():
                    return None
                self.changed.wait(1.0)
            return container.state.exit_code

    def wake(self) -> None:
        """Wake every wait on ``changed`` so it rechecks its cancel event."""
        with self._lock:
            self.changed.notify_all()

    # Attach ------------------------------------------------------------------

    def attach_output(
        self, container: Container, *, logs: bool, stream: bool, stop: threading.Event
    ) -> Iterator[tuple[str, bytes]]:
        """Return an iterator of ``(stream, data)`` for an attached client.

        With ``logs`` the past output comes first; with ``stream`` new output
        follows until the container's process ends. The starting point is
        fixed when this is called, before the client can start the container,
        so no output of a quick process is lost.
        """
        position = 0 if logs else container.log.end
        if not stream:
            entries = container.log.read_from(position)[0]
            return iter([(entry.stream, entry.data) for entry in entries])
        with self._lock:
            process = container.process
            if process is not None:
                finished = process.finished
            elif logs and container.exits:
                finished = _already_set()
            else:
                # Attached before start: follow the process the next start
                # begins.
                finished = self._next_finish(container, stop)
        return (
            (entry.stream, entry.data)
            for entry in container.log.follow(position, finished, stop)
        )

    def _next_finish(
        self, container: Container, stop: threading.Event
    ) -> threading.Event:
        """Return an event set when the container's next process ends."""
        finished = threading.Event()
        with self._lock:
            exits = container.exits

        def watch() -> None:
            with self._lock:
                while container.exits == exits and not container.removed:
                    if self._closing or stop.is_set():
                        break
                    self.changed.wait(1.0)
            finished.set()
            container.log.notify()

        threading.Thread(target=watch, daemon=True).start()
        return finished

    # Shutdown ----------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop every process, as a daemon without live-restore does on exit.

        Each container gets its stop signal, as dockerd sends it at shutdown;
        a simulated process ends on it, so no kill follows.
        """
        with self._lock:
            self._closing = True
            running = [c for c in self._by_id.values() if c.process is not None]
            self.changed.notify_all()
        for container in running:
            signal = (
                SIGKILL
                if container.state.paused
                else self._stop_signal(container, None)
            )
            self._signal(container, signal, user=False)
        for container in running:
            self._await_exit(container)

    def publish(self, container: Container, action: str) -> None:
        """Publish a container event with the container's labels, image and name."""
        self._publish(container, action)

    def _publish(
        self, container: Container, action: str, extra: dict[str, str] | None = None
    ) -> None:
        attributes = dict(container.labels)
        attributes["image"] = container.config.get("Image", "")
        attributes["name"] = container.name.lstrip("/")
        if extra:
            attributes.update(extra)
        self._engine.events.publish("container", action, container.id, attributes)


def merge_image_config(
    config: dict[str, Any], image_config: dict[str, Any]
) -> dict[str, Any]:
    """Merge a create request's config with its image's, as dockerd does.

    The image's Cmd applies only when the request gives neither Cmd nor
    Entrypoint; its Entrypoint only when the request leaves Entrypoint unset
    (null), so ``"Entrypoint": []`` clears it. Env entries of the request
    replace the image's by name; labels and exposed ports add up.
    """
    merged = copy.deepcopy(config)
    image = image_config or {}
    if not merged.get("Entrypoint"):
        if not merged.get("Cmd"):
            merged["Cmd"] = copy.deepcopy(image.get("Cmd"))
        if merged.get("Entrypoint") is None:
            merged["Entrypoint"] = copy.deepcopy(image.get("Entrypoint"))
    env = list(image.get("Env") or [])
    names = [entry.partition("=")[0] for entry in env]
    for entry in merged.get("Env") or []:
        name = entry.partition("=")[0]
        if name in names:
            env[names.index(name)] = entry
        else:
            env.append(entry)
            names.append(name)
    merged["Env"] = env or None
    for key in ("WorkingDir", "User", "StopSignal"):
        if not merged.get(key) and image.get(key):
            merged[key] = image[key]
    labels = dict(image.get("Labels") or {})
    labels.update(merged.get("Labels") or {})
    merged["Labels"] = dict(sorted(labels.items()))
    if image.get("ExposedPorts") or merged.get("ExposedPorts"):
        ports = dict(image.get("ExposedPorts") or {})
        ports.update(merged.get("ExposedPorts") or {})
        merged["ExposedPorts"] = ports
    if image.get("Volumes") or merged.get("Volumes"):
        volumes = dict(image.get("Volumes") or {})
        volumes.update(merged.get("Volumes") or {})
        merged["Volumes"] = volumes
    healthcheck = merge_healthcheck(merged.get("Healthcheck"), image.get("Healthcheck"))
    if healthcheck is not None:
        merged["Healthcheck"] = healthcheck
    if merged.get("OnBuild") is None:
        merged["OnBuild"] = None
    return merged


def _name_conflict(name: str, container_id: str) -> str:
    return (
        f'Conflict. The container name "{name}" is already in use by container '
        f'"{container_id}". You have to remove (or rename) that container to be '
        "able to reuse that name."
    )


def _already_set() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


def logger_exception(container: Container) -> None:
    """Log a failure of the simulation for ``container``."""
    logger.exception("simulated process of container %s failed", container.short_id)
