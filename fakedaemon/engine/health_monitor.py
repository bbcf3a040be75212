"""Run containers' health checks on the daemon's clock, as dockerd's monitor does.

Each running, unpaused container with a check has one monitor thread. It
waits an interval on the engine's clock, runs the check as an exec of the
simulated interpreter (never a host process), records the result and waits
again. ``Clock.advance`` stops at each monitor's deadline and waits for the
checks due there, so a test that freezes the clock and advances it by three
intervals finds three results in the log.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING

from . import process as interpreter
from .durations import format_go_duration
from .health import (
    HEALTHY,
    MAX_LOG_ENTRIES,
    MAX_OUTPUT_BYTES,
    SECOND_NS,
    STARTING,
    UNHEALTHY,
    Health,
    HealthResult,
    ProbeSettings,
    limit_output,
    probe_settings,
)
from .process import ExecutableNotFound, ProcessSpec, Script
from .signals import SIGKILL

if TYPE_CHECKING:
    from .containers import Container
    from .engine import Engine
    from .execs import ExecInstance

logger = logging.getLogger("fakedaemon")

SETTLE_TIMEOUT = 5.0
"""Real seconds ``Clock.advance`` waits for the checks due at one step."""

TIMED_OUT_DIE_CODE = 127
"""The exit code of the exec_die event of a check that timed out.

Engines 20.10 and 26.1 report 127 there, and 126 in the exec's inspect, for
a killed ``sleep`` run directly or through ``/bin/sh -c``.
"""

TIMED_OUT_EXIT_CODE = 126
"""The ``ExitCode`` that inspecting a timed-out check's exec shows."""


class _ProbeOutput:
    """A check's stdout and stderr, in the order written, up to 4096 bytes."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._lock = threading.Lock()
        self.truncated = False

    def read_stdin(self, size: int) -> bytes:
        return b""

    def write(self, stream: str, data: bytes) -> None:
        with self._lock:
            keep = min(MAX_OUTPUT_BYTES - len(self._buffer), len(data))
            if keep > 0:
                self._buffer += data[:keep]
            if keep < len(data):
                self.truncated = True

    def text(self) -> str:
        with self._lock:
            return limit_output(bytes(self._buffer), self.truncated)


class Monitor:
    """The thread that runs one container's checks until ``close`` is called."""

    def __init__(
        self, monitors: HealthMonitors, container: Container, settings: ProbeSettings
    ) -> None:
        self._monitors = monitors
        self._engine = monitors.engine
        self._container = container
        self._settings = settings
        self._stop = threading.Event()
        self._finished = False
        # Set when the running check's process ends or the monitor closes.
        self._interrupt: threading.Event | None = None
        self.probe_thread: threading.Thread | None = None
        self.thread = threading.Thread(
            target=self._run, name=f"health-{container.short_id}", daemon=True
        )

    def close(self) -> None:
        """Stop the checks; a check running now is cancelled and not recorded."""
        self._stop.set()
        interrupt = self._interrupt
        if interrupt is not None:
            interrupt.set()
        self._engine.clock.wake()

    def idle(self) -> bool:
        """Return whether the monitor waits for a time still ahead, or has ended."""
        if not self.thread.is_alive():
            return self._finished
        clock = self._engine.clock
        now = clock.time()
        deadline = clock.deadline_of(self.thread)
        if deadline is None or deadline <= now:
            return False
        probe = self.probe_thread
        if probe is None or not probe.is_alive():
            return True
        probe_deadline = clock.deadline_of(probe)
        return probe_deadline is not None and probe_deadline > now

    def deadlines(self) -> list[float]:
        """Return the clock times the monitor and its running check sleep until."""
        clock = self._engine.clock
        found = []
        for thread in (self.thread, self.probe_thread):
            if thread is not None:
                deadline = clock.deadline_of(thread)
                if deadline is not None:
                    found.append(deadline)
        return found

    def _run(self) -> None:
        clock = self._engine.clock
        try:
            while not self._stop.is_set():
                wait_ns = self._next_wait_ns()
                if not clock.sleep(wait_ns / SECOND_NS, self._stop):
                    break
                self._check()
        except Exception:  # a defect of the simulation must not kill the daemon
            logger.exception(
                "health check of container %s failed", self._container.short_id
            )
        finally:
            self._finished = True
            self._monitors.retire(self)

    def _next_wait_ns(self) -> int:
        """Return the wait before the next check, as Engine 26.1 picks it.

        During the start period a container still starting is checked every
        start interval; otherwise every interval.
        """
        settings = self._settings
        # NOTE: newer 29.x releases also cut a wait that would end after the
        # start period short at its end; that change is not reproduced.
        elapsed = self._engine.clock.time_ns() - self._container.state.started_ns
        if elapsed >= settings.start_period_ns:
            return settings.interval_ns
        health = self._container.health
        if health is not None and health.status == STARTING:
            return settings.start_interval_ns
        return settings.interval_ns

    def _check(self) -> None:
        """Run one check and record its result, unless the monitor closed."""
        engine = self._engine
        execs = engine.execs
        container = self._container
        start_ns = engine.clock.time_ns()
        instance = execs.add_probe(container, self._settings.argv)
        self._remember(instance)
        spec = execs.start_probe(instance)
        script = engine.behaviours.health_script(container, self._settings.test)
        if script is None:
            try:
                interpreter.check_executable(spec, container.filesystem)
            except ExecutableNotFound as missing:
                execs.fail_probe(instance)
                message = (
                    "OCI runtime exec failed: exec failed: unable to start "
                    f"container process: {missing.message}: unknown"
                )
                self._record(
                    HealthResult(start_ns, engine.clock.time_ns(), -1, message)
                )
                return
        self._run_probe(instance, spec, script, start_ns)

    def _run_probe(
        self,
        instance: ExecInstance,
        spec: ProcessSpec,
        script: Script | None,
        start_ns: int,
    ) -> None:
        engine = self._engine
        clock = engine.clock
        output = _ProbeOutput()
        cancel = threading.Event()
        done = threading.Event()
        codes: list[int | None] = []

        def hook(_: ProcessSpec) -> Script | None:
            return script

        def target() -> None:
            try:
                code = interpreter.run(
                    spec,
                    self._container.filesystem,
                    output,
                    clock,
                    cancel,
                    hook if script is not None else None,
                )
            except Exception:  # a defect of the interpreter must not kill the daemon
                logger.exception("health check exec %s failed", instance.id[:12])
                code = 1
            codes.append(code)
            done.set()
            clock.wake()

        probe = threading.Thread(
            target=target, name=f"health-exec-{instance.id[:12]}", daemon=True
        )
        self._interrupt = done
        self.probe_thread = probe
        if self._stop.is_set():
            done.set()
        probe.start()
        timed_out = clock.sleep(self._settings.timeout_ns / SECOND_NS, done)
        if timed_out or self._stop.is_set():
            cancel.set()
            clock.wake()
            probe.join(SETTLE_TIMEOUT)
        code = codes[0] if codes else None
        if self._stop.is_set():
            # The container stopped during the check: dockerd drops the
            # result, and the exec ends with the container.
            execs_code = 128 + SIGKILL if code is None else code
            engine.execs.finish(instance, execs_code)
            return
        if timed_out:
            timeout = format_go_duration(self._settings.timeout_ns)
            message = f"Health check exceeded timeout ({timeout})"
            text = output.text()
            if text and not engine.profile.legacy_health_checks:
                # Engine 26.1 appends what the check wrote; 20.10 did not.
                message += f": {text}"
            self._record(HealthResult(start_ns, clock.time_ns(), -1, message))
            engine.execs.finish(
                instance, TIMED_OUT_EXIT_CODE, die_code=TIMED_OUT_DIE_CODE
            )
            return
        exit_code = 128 + SIGKILL if code is None else code
        engine.execs.finish(instance, exit_code)
        self._record(HealthResult(start_ns, clock.time_ns(), exit_code, output.text()))

    def _remember(self, instance: ExecInstance) -> None:
        """Keep the latest checks' execs inspectable and forget older ones."""
        forgotten: list[str] = []
        with self._engine.containers.changed:
            health = self._container.health
            if health is None:
                return
            health.probe_ids.append(instance.id)
            while len(health.probe_ids) > MAX_LOG_ENTRIES:
                forgotten.append(health.probe_ids.popleft())
        for exec_id in forgotten:
            self._engine.execs.forget(exec_id)

    def _record(self, result: HealthResult) -> None:
        """Update ``State.Health`` from one result, as dockerd's handleProbeResult."""
        container = self._container
        settings = self._settings
        store = self._engine.containers
        with store.changed:
            health = container.health
            if self._stop.is_set() or health is None or health.monitor is not self:
                return
            previous = health.status
            health.log = (*health.log, result)[-MAX_LOG_ENTRIES:]
            if result.exit_code == 0:
                health.failing_streak = 0
                health.status = HEALTHY
            else:
                # While still starting, failures within the start period
                # are logged but do not count.
                since_start = result.start_ns - container.state.started_ns
                grace = health.status == STARTING and (
                    since_start < settings.start_period_ns
                )
                if not grace:
                    health.failing_streak += 1
                    if health.failing_streak >= settings.retries:
                        health.status = UNHEALTHY
            status = health.status
            store.changed.notify_all()
        logger.debug(
            "health check of container %s exited %d: %s",
            container.short_id,
            result.exit_code,
            status,
        )
        if status != previous:
            store.publish(container, f"health_status: {status}")


class HealthMonitors:
    """The health monitors of one engine's containers.

    The container store calls ``started``, ``stopped`` and ``resumed`` with
    its lock held. The engine's clock calls ``next_deadline`` and
    ``settle`` while it advances.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        self._active: set[Monitor] = set()
        engine.clock.add_watcher(self)

    def started(self, container: Container) -> None:
        """Reset the health state of a started container and begin its checks.

        A restart keeps the log, as dockerd does, but starts over as
        ``starting`` with no failures.
        """
        settings = self._settings(container)
        if settings is None:
            return
        health = container.health
        if health is None:
            health = container.health = Health()
        else:
            self._close(health)
        health.status = STARTING
        health.failing_streak = 0
        self._open(container, health, settings)

    def stopped(self, container: Container) -> None:
        """End the checks of a container that stopped or paused.

        dockerd marks the container unhealthy when it closes a running
        monitor, whatever the last result was, and publishes no event.
        """
        health = container.health
        if health is not None and health.monitor is not None:
            self._close(health)
            health.status = UNHEALTHY

    def resumed(self, container: Container) -> None:
        """Begin the checks again for an unpaused container."""
        health = container.health
        if health is None or health.monitor is not None:
            return
        settings = self._settings(container)
        if settings is not None:
            self._open(container, health, settings)

    def retire(self, monitor: Monitor) -> None:
        """Forget a monitor whose thread ended."""
        with self._lock:
            self._active.discard(monitor)

    def next_deadline(self) -> float | None:
        """Return the earliest clock time a monitor or a running check waits for."""
        deadlines = [
            deadline for monitor in self._snapshot() for deadline in monitor.deadlines()
        ]
        return min(deadlines, default=None)

    def settle(self) -> None:
        """Wait until every check due at the clock's time has run and been recorded.

        A check that keeps computing without sleeping on the clock would block
        an advance forever, so the wait gives up after ``SETTLE_TIMEOUT`` real
        seconds and logs the containers still busy.
        """
        limit = time.monotonic() + SETTLE_TIMEOUT
        while True:
            busy = [monitor for monitor in self._snapshot() if not monitor.idle()]
            if not busy:
                return
            if time.monotonic() >= limit:
                logger.warning(
                    "health checks still running after %.0f s: %s",
                    SETTLE_TIMEOUT,
                    ", ".join(monitor.thread.name for monitor in busy),
                )
                return
            time.sleep(0.001)

    def _settings(self, container: Container) -> ProbeSettings | None:
        inherits = self.engine.profile.health_start_interval_inherits
        return probe_settings(container.config, start_interval_inherits=inherits)

    def _open(
        self, container: Container, health: Health, settings: ProbeSettings
    ) -> None:
        monitor = Monitor(self, container, settings)
        health.monitor = monitor
        with self._lock:
            self._active.add(monitor)
        monitor.thread.start()

    def _close(self, health: Health) -> None:
        monitor = health.monitor
        health.monitor = None
        if monitor is not None:
            monitor.close()

    def _snapshot(self) -> list[Monitor]:
        with self._lock:
            return list(self._active)
