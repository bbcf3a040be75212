"""The orchestrator: makes each service's tasks follow its spec.

One thread per active swarm reconciles about fifty times a second (real
time). Each task takes one step of its life per ``STEP_NS`` of the daemon's
clock: new, pending, assigned, accepted, preparing (the container is
created), ready, starting (the container is started), running. A frozen
clock therefore holds new tasks where they are until a test advances it.
Container exits, restart policies, scaling, rolling updates and the task
history limit are handled in the same pass.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from ...errors import DaemonError, NoSuchContainer
from . import specs
from .objects import Service, Task

if TYPE_CHECKING:
    from .cluster import Swarm

LOGGER = logging.getLogger("fakedaemon")

STEP_NS = 50_000_000
"""Clock time a task spends in each state on its way to ``running``."""

_POLL_SECONDS = 0.02
_NEXT_STATE = {
    "new": ("pending", "pending task scheduling"),
    "pending": ("assigned", "scheduler assigned task to node"),
    "assigned": ("accepted", "accepted"),
    "accepted": ("preparing", "preparing"),
    "preparing": ("ready", "prepared"),
    "ready": ("starting", "starting"),
    "starting": ("running", "started"),
}
# The agent reports a task's progress and the dispatcher stores the reports
# in batches: reaching these states is stored with the next state, so a task
# started on an Engine usually shows three writes after ``assigned``.
_BATCHED_STATES = frozenset({"accepted", "ready"})
_DEFAULT_RESTART_DELAY_NS = 5_000_000_000
_DEFAULT_GRACE_NS = 10_000_000_000


class Orchestrator:
    """The reconcile loop of one swarm, on its own daemon thread."""

    def __init__(self, swarm: Swarm) -> None:
        self._swarm = swarm
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="swarm-orchestrator", daemon=True
        )

    def start(self) -> None:
        """Start the loop."""
        self._thread.start()

    def stop(self) -> None:
        """End the loop and wait for its thread."""
        self._stop.set()
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join(10)

    def wake(self) -> None:
        """Reconcile at once instead of at the next poll."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(_POLL_SECONDS)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.reconcile()
            except Exception:  # a defect here must not end swarm mode
                LOGGER.exception("swarm orchestrator pass failed")

    def reconcile(self) -> None:
        """Run one pass over every service and task."""
        swarm = self._swarm
        with swarm.lock:
            if not swarm.active or self._stop.is_set():
                return
            now = swarm.engine.clock.time_ns()
            tasks = swarm.tasks.all()
            for task in tasks:
                self._observe(task, now)
            for task in tasks:
                self._restart(task, now)
            for service in swarm.services.all():
                self._converge(service, now)
            for task in swarm.tasks.all():
                self._shut_down(task, now)
            for task in swarm.tasks.all():
                self._advance(task, now)
            self._retain()

    # Task life ---------------------------------------------------------------

    def _set_state(
        self, task: Task, state: str, message: str, now: int, err: str = ""
    ) -> None:
        task.state = state
        task.message = message
        task.err = err
        task.timestamp_ns = now
        task.next_step_ns = now + STEP_NS
        if state in _BATCHED_STATES:
            task.meta.updated_ns = self._swarm.engine.clock.time_ns()
        else:
            self._swarm.touch(task.meta)

    def _observe(self, task: Task, now: int) -> None:
        """Notice that a running task's container exited or disappeared."""
        if task.state != "running" or not task.container_id:
            return
        try:
            container = self._swarm.engine.containers.get(task.container_id)
        except NoSuchContainer:
            task.pid = 0
            self._set_state(task, "failed", "started", now, "No such container")
            return
        if container.state.running or container.removed:
            return
        code = container.state.exit_code
        task.exit_code = code
        task.pid = 0
        if code == 0:
            self._set_state(task, "complete", "finished", now)
        else:
            self._set_state(
                task, "failed", "started", now, f"task: non-zero exit ({code})"
            )

    def _restart(self, task: Task, now: int) -> None:
        """Apply the restart policy to a task that ended on its own."""
        if task.desired not in ("running", "ready"):
            return
        if task.state not in ("complete", "failed", "rejected"):
            return
        task.desired = "shutdown"
        task.retired = True
        self._swarm.touch(task.meta)
        service = self._swarm.services.record(task.service_id)
        if service is None:
            return
        policy = service.spec["TaskTemplate"].get("RestartPolicy") or {}
        condition = policy.get("Condition") or "any"
        if condition == "none":
            return
        if condition == "on-failure" and task.state == "complete":
            return
        attempts = int(policy.get("MaxAttempts") or 0)
        if attempts and task.restarts >= attempts:
            return
        task.retired = False
        delay = policy.get("Delay")
        delay_ns = _DEFAULT_RESTART_DELAY_NS if delay is None else int(delay)
        replacement = self._swarm.tasks.new(
            service, task.slot, task.node_id, hold_ns=now + max(delay_ns, 1)
        )
        replacement.restarts = task.restarts + 1

    def _shut_down(self, task: Task, now: int) -> None:
        """Stop the container of a task that should no longer run."""
        if task.desired in ("running", "ready"):
            return
        if not task.finished:
            if task.container_id:
                grace = task.spec["ContainerSpec"].get("StopGracePeriod")
                self._swarm.tasks.stop_container(
                    task.container_id,
                    _DEFAULT_GRACE_NS if grace is None else int(grace),
                )
                self._record_exit(task)
            self._set_state(task, "shutdown", "shutdown", now)
        if task.desired == "remove":
            if task.container_id:
                self._swarm.tasks.remove_container(task.container_id)
            self._swarm.tasks.delete(task)

    def _record_exit(self, task: Task) -> None:
        try:
            container = self._swarm.engine.containers.get(task.container_id)
        except NoSuchContainer:
            return
        task.exit_code = container.state.exit_code
        task.pid = 0

    def _advance(self, task: Task, now: int) -> None:
        """Move a task one step closer to ``running`` when its time has come."""
        if task.finished or task.state == "running":
            return
        if task.desired == "ready" and task.release_ns <= now:
            task.desired = "running"
            self._swarm.touch(task.meta)
        if task.desired not in ("running", "ready") or now < task.next_step_ns:
            return
        if task.desired == "ready" and task.state == "ready":
            return
        service = self._swarm.services.record(task.service_id)
        if service is None:
            return

        next_state, message = _NEXT_STATE[task.state]
        if next_state == "ready":
            try:
                container = self._swarm.tasks.create_container(task, service)
            except DaemonError as error:
                LOGGER.info("task %s rejected: %s", task.meta.id, error.message)
                self._set_state(task, "rejected", "preparing", now, error.message)
                return
            task.container_id = container.id

        if next_state == "running":
            try:
                container = self._swarm.engine.containers.start(task.container_id)
            except DaemonError as error:
                LOGGER.info("task %s failed to start: %s", task.meta.id, error.message)
                self._set_state(
                    task,
                    "failed",
                    "starting",
                    now,
                    f"starting container failed: {error.message}",
                )
                return
            task.pid = container.state.pid

        self._set_state(task, next_state, message, now)

    # Services ----------------------------------------------------------------

    def _converge(self, service: Service, now: int) -> None:
        """Create, remove or replace tasks until they match the service's spec."""
        tasks = self._swarm.tasks
        live = [
            t
            for t in tasks.of_service(service.meta.id)
            if t.desired in ("running", "ready") and not t.finished
        ]
        retired = [
            t
            for t in tasks.of_service(service.meta.id)
            if t.retired and t.template_version == service.template_version
        ]
        if specs.mode_of(service.spec) == "replicated":
            replicas = specs.replicas_of(service.spec)
            slots = sorted({t.slot for t in live + retired})
            keep = set(slots[:replicas])
            for task in live:
                if task.slot not in keep:
                    task.desired = "remove"
                    self._swarm.touch(task.meta)
            slot = 1
            while len(keep) < replicas:
                if slot not in keep:
                    tasks.new(service, slot, self._swarm.node_id)
                    keep.add(slot)
                slot += 1
        else:
            nodes = {n.meta.id for n in self._swarm.nodes.schedulable()}
            covered = {t.node_id for t in live + retired}
            for task in live:
                if task.node_id not in nodes:
                    task.desired = "shutdown"
                    self._swarm.touch(task.meta)
            for node_id in sorted(nodes - covered):
                tasks.new(service, 0, node_id)
        live = [
            t
            for t in tasks.of_service(service.meta.id)
            if t.desired in ("running", "ready") and not t.finished
        ]
        self._roll(service, live, now)

    def _roll(self, service: Service, live: list[Task], now: int) -> None:
        """Replace tasks made from an older template, a batch at a time.

        ``Parallelism`` tasks are replaced at once (0 means all); with
        ``Delay`` the next batch waits that long after the last one runs;
        with ``Order: start-first`` an old task stops once its replacement
        runs, and otherwise before the replacement starts.
        """
        version = service.template_version
        current = [t for t in live if t.template_version == version]
        replaced = {_slot_key(t) for t in current}
        running = {_slot_key(t) for t in current if t.state == "running"}
        for task in live:
            if task.template_version < version and _slot_key(task) in running:
                task.desired = "shutdown"
                self._swarm.touch(task.meta)
        waiting = sorted(
            (
                t
                for t in live
                if t.template_version < version
                and t.desired in ("running", "ready")
                and _slot_key(t) not in replaced
            ),
            key=_slot_key,
        )
        in_flight = [t for t in current if t.state != "running"]
        outdated = [t for t in live if t.template_version < version]
        if not outdated and not in_flight:
            self._swarm.services.finish_update(service)
            return
        if not waiting:
            return

        rolling_back = (service.update_status or {}).get("State") == "rollback_started"
        key = "RollbackConfig" if rolling_back else "UpdateConfig"
        config = service.spec.get(key) or {"Parallelism": 1}
        parallelism = int(config.get("Parallelism") or 0)
        delay = int(config.get("Delay") or 0)
        if in_flight:
            service.batch_running = True
            if delay:
                return
            allowed = parallelism - len(in_flight) if parallelism else len(waiting)
        else:
            if service.batch_running and delay:
                service.next_batch_ns = now + delay
            service.batch_running = False
            if now < service.next_batch_ns:
                return
            allowed = parallelism or len(waiting)

        start_first = config.get("Order") == "start-first"
        for task in waiting[: max(allowed, 0)]:
            if not start_first:
                task.desired = "shutdown"
                self._swarm.touch(task.meta)
            self._swarm.tasks.new(service, task.slot, task.node_id)

    def _retain(self) -> None:
        """Delete the oldest finished tasks beyond the task history limit."""
        swarm = self._swarm
        cluster = swarm.cluster
        if cluster is None:
            return
        limit = int(cluster.spec["Orchestration"].get("TaskHistoryRetentionLimit", 5))
        groups: dict[tuple[str, int, str], list[Task]] = {}
        for task in swarm.tasks.all():
            key = (task.service_id, task.slot, task.node_id if not task.slot else "")
            groups.setdefault(key, []).append(task)
        for group in groups.values():
            if len(group) <= limit:
                continue
            old = sorted(
                (t for t in group if t.finished and t.desired != "running"),
                key=lambda t: t.meta.created_ns,
            )
            for task in old[: len(group) - limit]:
                if task.container_id:
                    swarm.tasks.remove_container(task.container_id)
                swarm.tasks.delete(task)


def _slot_key(task: Task) -> tuple[int, str]:
    """Return what a task replaces: its slot, or its node for a global service."""
    return task.slot, "" if task.slot else task.node_id
