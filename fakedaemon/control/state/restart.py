"""What a restart of dockerd, without live-restore, changes in its saved state.

``prepare_restart`` edits a dump before it loads and ``apply_restart_policies``
acts on the engine afterwards:

- A container that was running when the daemon died is stopped with exit
  code 255. A clean stop saved its containers stopped already.
- The default ``bridge`` network gets a new id and creation time, while
  ``host`` and ``none`` keep theirs, because dockerd deletes and creates
  ``bridge`` at each start.
- A user network that was created without a gateway shows the one it was
  given in its IPAM config, as Engines 20.10 and 26.1 do after a restart.
- A swarm task whose container existed fails with ``No such container:
  NAME`` and loses its container; the orchestrator replaces it after its
  restart policy's delay. A swarm with autolock comes back locked.
- Events are dropped, because dockerd keeps them in memory only.
- Restart policies decide which containers start again: ``always``,
  ``unless-stopped`` unless a user stopped the container, and
  ``on-failure`` after a non-zero exit, within its retry count. An
  auto-remove container that does not start again is removed.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import DaemonError, NoSuchContainer

if TYPE_CHECKING:
    from ...engine.containers import Container
    from ...engine.engine import Engine

logger = logging.getLogger("fakedaemon")

CRASH_EXIT_CODE = 255
"""The exit code dockerd gives a container that was running when it died."""

_FINAL_TASK_STATES = ("complete", "shutdown", "failed", "rejected", "orphaned")


@dataclass
class RestartReport:
    """The changes of ``prepare_restart``: counts and the containers to remove."""

    crashed: int = 0
    failed_tasks: int = 0
    task_containers: list[str] = field(default_factory=list)


def prepare_restart(state: dict[str, Any], saved_ns: int, now_ns: int) -> RestartReport:
    """Edit the dump ``state`` as a restart of the daemon finds it.

    ``saved_ns`` is when the dump was saved, ``now_ns`` the time of the start.
    """
    report = RestartReport()
    report.crashed = _stop_running(state, saved_ns)
    for network in state.get("networks") or []:
        if network.get("predefined") and network.get("name") == "bridge":
            network.pop("id", None)
        elif not network.get("predefined") and network.get("scope") == "local":
            _show_gateways(network)
    swarm = state.get("swarm")
    if swarm:
        _fail_tasks(swarm, now_ns, report)
        spec = (swarm.get("cluster") or {}).get("spec") or {}
        if (spec.get("EncryptionConfig") or {}).get("AutoLockManagers"):
            swarm["state"] = "locked"
    state["events"] = []
    return report


def _stop_running(state: dict[str, Any], saved_ns: int) -> int:
    count = 0
    for item in state.get("containers") or []:
        container_state = item.get("state") or {}
        if not (container_state.get("running") or container_state.get("restarting")):
            continue
        container_state.update(
            status="exited",
            running=False,
            paused=False,
            restarting=False,
            pid=0,
            exit_code=CRASH_EXIT_CODE,
            finished_ns=max(saved_ns, int(container_state.get("started_ns") or 0)),
        )
        item["state"] = container_state
        count += 1
    return count


def _show_gateways(network: dict[str, Any]) -> None:
    gateways = {
        str(pool["subnet"]): pool["gateway"]
        for pool in network.get("pools") or []
        if pool.get("gateway")
    }
    for config in network.get("ipam_config") or []:
        if config.get("Gateway") or not config.get("Subnet"):
            continue
        try:
            subnet = str(ipaddress.ip_network(str(config["Subnet"]), strict=False))
        except ValueError:
            continue
        if subnet in gateways:
            config["Gateway"] = gateways[subnet]


def _fail_tasks(swarm: dict[str, Any], now_ns: int, report: RestartReport) -> None:
    for task in swarm.get("tasks") or []:
        if task.get("state") in _FINAL_TASK_STATES or not task.get("container_id"):
            continue
        name = f"{_task_name(task)}.{task['meta']['id']}"
        task.update(state="failed", err=f"No such container: {name}")
        task.update(timestamp_ns=now_ns, next_step_ns=now_ns)
        report.failed_tasks += 1
        report.task_containers.append(str(task["container_id"]))


def _task_name(task: dict[str, Any]) -> str:
    middle = str(task["slot"]) if task.get("slot") else str(task["node_id"])
    return f"{task['service_name']}.{middle}"


def apply_restart_policies(engine: Engine, report: RestartReport) -> int:
    """Remove the failed tasks' containers and restart containers by policy.

    Returns:
        How many containers started again.
    """
    store = engine.containers
    for container_id in report.task_containers:
        try:
            store.remove(container_id, force=True)
        except NoSuchContainer:
            continue
    restarted = 0
    for container in store.all():
        try:
            if should_restart(container):
                store.start(container.id)
                restarted += 1
            elif container.host_config.get("AutoRemove"):
                # dockerd removes an auto-remove container it does not
                # restart, as its exit would have.
                store.remove(container.id)
        except DaemonError as error:
            logger.error(
                "failed to restore container %s: %s", container.id, error.message
            )
    return restarted


def should_restart(container: Container) -> bool:
    """Return whether dockerd, as it starts, starts ``container`` again."""
    state = container.state
    # A container that never started stays stopped, as dockerd checks that
    # it has been started before.
    if not state.started_ns or state.running:
        return False
    policy = container.host_config.get("RestartPolicy") or {}
    name = policy.get("Name") or "no"
    if name == "always":
        return True
    if name == "unless-stopped":
        return not container.stopped_by_user
    if name == "on-failure" and state.exit_code != 0:
        maximum = int(policy.get("MaximumRetryCount") or 0)
        return maximum == 0 or container.restart_count < maximum
    return False
