"""Tasks: their records, their containers, their filters and their logs."""

from __future__ import annotations

import builtins
import copy
import logging
import posixpath
from typing import TYPE_CHECKING, Any

from ...errors import DaemonError, NoSuchContainer, NotModified
from . import specs
from .lookup import find
from .objects import Service, Task

if TYPE_CHECKING:
    from ...api.filters import Filters
    from ..containers import Container
    from ..output import Entry
    from .cluster import Swarm

TASK_FILTERS = (
    "_up-to-date",
    "desired-state",
    "id",
    "label",
    "name",
    "node",
    "runtime",
    "service",
    "up-to-date",
)
_DESIRED_FILTER = ("running", "shutdown", "accepted")
LOGGER = logging.getLogger("fakedaemon")


class _BadDesiredState(DaemonError):
    status = 500


class TaskStore:
    """The tasks of one swarm; the swarm's lock guards them."""

    def __init__(self, swarm: Swarm) -> None:
        self._swarm = swarm
        self._tasks: dict[str, Task] = {}

    def clear(self) -> None:
        """Forget every task (the swarm was left)."""
        self._tasks.clear()

    def all(self) -> builtins.list[Task]:
        """Return the task records; the caller holds the lock."""
        return list(self._tasks.values())

    def restore(self, tasks: builtins.list[Task]) -> None:
        """Replace the tasks with records of a state dump; the caller locks."""
        self._tasks = {task.meta.id: task for task in tasks}

    def of_service(self, service_id: str) -> builtins.list[Task]:
        """Return the records of one service's tasks; the caller holds the lock."""
        return [t for t in self._tasks.values() if t.service_id == service_id]

    def container_ids(self) -> builtins.list[str]:
        """Return the ids of every task container."""
        with self._swarm.lock:
            return [t.container_id for t in self._tasks.values() if t.container_id]

    def new(
        self, service: Service, slot: int, node_id: str, *, hold_ns: int = 0
    ) -> Task:
        """Add a task for ``slot`` (or ``node_id`` of a global service).

        With ``hold_ns`` the task waits in ``ready`` (desired state ``ready``)
        until that clock time, as a restart delay does.
        """
        swarm = self._swarm
        meta = swarm.next_meta()
        task = Task(
            meta=meta,
            service_id=service.meta.id,
            service_name=str(service.spec["Name"]),
            slot=slot,
            node_id=node_id,
            spec=specs.task_spec(service.spec),
            template_version=service.template_version,
            timestamp_ns=meta.created_ns,
            next_step_ns=meta.created_ns,
            desired="ready" if hold_ns else "running",
            release_ns=hold_ns,
        )
        self._tasks[meta.id] = task
        return task

    def delete(self, task: Task) -> None:
        """Drop a task record; the caller holds the lock and removed its container."""
        self._tasks.pop(task.meta.id, None)
        for network_id, address in task.attachments:
            self._swarm.services.release(network_id, address)
        task.attachments = []

    def remove_service(self, service_id: str) -> None:
        """Ask for every task of a removed service to be removed."""
        for task in self.of_service(service_id):
            task.desired = "remove"

    # Read ----------------------------------------------------------------------

    def get(self, reference: str) -> Task:
        """Return a copy of the task ``reference`` names (id or id prefix)."""
        with self._swarm.lock:
            self._swarm.require_manager()
            return copy.deepcopy(
                find("task", reference, self._tasks.values(), lambda t: t.meta.id)
            )

    def list(self, filters: Filters) -> builtins.list[Task]:
        """Return copies of the tasks that pass ``filters``, by id."""
        for state in filters.get("desired-state"):
            if state not in _DESIRED_FILTER:
                raise _BadDesiredState(f"Invalid desired-state filter: '{state}'")
        swarm = self._swarm
        with swarm.lock:
            swarm.require_manager()
            services = swarm.services.all()
            service_ids = _matching_services(services, filters.get("service"))
            chosen = []
            for task in sorted(self._tasks.values(), key=lambda t: t.meta.id):
                if not self._matches(task, filters, service_ids):
                    continue
                chosen.append(copy.deepcopy(task))
            return chosen

    def _matches(self, task: Task, filters: Filters, service_ids: set[str]) -> bool:
        if filters.contains("service") and task.service_id not in service_ids:
            return False
        if filters.contains("id") and not any(
            task.meta.id.startswith(v) for v in filters.get("id")
        ):
            return False
        if filters.contains("name") and not any(
            task.name.startswith(v) for v in filters.get("name")
        ):
            return False
        if filters.contains("node"):
            hostname = self._swarm.engine.config.name
            if not any(
                v in (task.node_id, hostname) or task.node_id.startswith(v)
                for v in filters.get("node")
            ):
                return False
        desired = "running" if task.desired == "ready" else task.desired
        if filters.contains("desired-state") and desired not in filters.get(
            "desired-state"
        ):
            return False
        if not filters.match_labels(task.spec.get("ContainerSpec", {}).get("Labels")):
            return False
        if filters.contains("runtime") and "container" not in filters.get("runtime"):
            return False
        # The CLI's progress display lists tasks with the hidden `_up-to-date` key.
        up_to_date = filters.bool_value("up-to-date")
        if up_to_date is None:
            up_to_date = filters.bool_value("_up-to-date")
        if up_to_date is not None:
            service = self._swarm.services.record(task.service_id)
            current = (
                service is not None
                and service.template_version == task.template_version
            )
            if current != up_to_date:
                return False
        return True

    # Containers --------------------------------------------------------------

    def create_container(self, task: Task, service: Service) -> Container:
        """Create the container of a task, as the swarm executor does."""
        swarm = self._swarm
        engine = swarm.engine
        container_spec = task.spec["ContainerSpec"]
        image = str(container_spec["Image"])
        try:
            engine.images.get(image)
        except DaemonError:
            # The CLI pins images to a digest, but the image store finds them by tag.
            if "@" not in image:
                raise
            image = image.split("@", 1)[0]
            engine.images.get(image)
        labels = dict(container_spec.get("Labels") or {})
        labels.update(
            {
                "com.docker.swarm.node.id": task.node_id,
                "com.docker.swarm.service.id": task.service_id,
                "com.docker.swarm.service.name": task.service_name,
                "com.docker.swarm.task": "",
                "com.docker.swarm.task.id": task.meta.id,
                "com.docker.swarm.task.name": task.container_name,
            }
        )
        config: dict[str, Any] = {
            "Image": image,
            "Labels": labels,
            "Env": list(container_spec.get("Env") or []) or None,
            "Tty": bool(container_spec.get("TTY")),
            "OpenStdin": bool(container_spec.get("OpenStdin")),
        }
        if container_spec.get("Command"):
            config["Entrypoint"] = list(container_spec["Command"])
            config["Cmd"] = list(container_spec.get("Args") or [])
        elif container_spec.get("Args"):
            config["Cmd"] = list(container_spec["Args"])
        for source, target in (
            ("Hostname", "Hostname"),
            ("Dir", "WorkingDir"),
            ("User", "User"),
            ("StopSignal", "StopSignal"),
        ):
            if container_spec.get(source):
                config[target] = container_spec[source]
        network_names = self._network_names(task, service)
        host_config: dict[str, Any] = {
            "NetworkMode": network_names[0],
            "RestartPolicy": {"Name": "no", "MaximumRetryCount": 0},
            "Mounts": copy.deepcopy(container_spec.get("Mounts")) or None,
            "Init": container_spec.get("Init"),
            "ReadonlyRootfs": bool(container_spec.get("ReadOnly")),
            "Isolation": "default",
        }
        networking: dict[str, Any] = {
            "EndpointsConfig": {name: {} for name in network_names[1:]}
        }
        container = engine.containers.create(
            config, host_config, name=task.container_name, networking_config=networking
        )
        # dockerd reports task containers in the default network mode, even
        # though only the service's networks are attached.
        container.host_config["NetworkMode"] = "bridge"
        container.mark_changed()
        self._write_files(task, container)
        return container

    def _network_names(self, task: Task, service: Service) -> builtins.list[str]:
        networks = self._swarm.engine.networks
        names: builtins.list[str] = []
        task.attachments = []
        ingress = self._swarm.overlay.ingress()
        ports = service.endpoint.get("Ports", [])
        ids: builtins.list[str] = []
        if ingress is not None and any(p["PublishMode"] == "ingress" for p in ports):
            ids.append(ingress.id)
        for holder in (service.spec["TaskTemplate"], service.spec):
            ids.extend(a["Target"] for a in holder.get("Networks") or [])
        for network_id in ids:
            network = networks.find(network_id)
            if network is None or network.name in names:
                continue
            names.append(network.name)
            if network.scope == "swarm":
                with networks.lock:
                    for pool in network.pools:
                        address = pool.allocate()
                        if address is not None:
                            task.attachments.append(
                                (network.id, f"{address}/{pool.subnet.prefixlen}")
                            )
                            break
        return names or ["bridge"]

    def _write_files(self, task: Task, container: Container) -> None:
        """Place the task's secrets under /run/secrets and its configs."""
        swarm = self._swarm
        container_spec = task.spec["ContainerSpec"]
        filesystem = container.filesystem
        for kind, store, key in (
            ("Secret", swarm.secrets, "Secrets"),
            ("Config", swarm.configs, "Configs"),
        ):
            for reference in container_spec.get(key) or []:
                blob = store.find_for_service(reference.get(f"{kind}ID") or "")
                file = reference.get("File") or {}
                if blob is None or not file.get("Name"):
                    continue
                base = "/run/secrets" if kind == "Secret" else "/"
                path = posixpath.join(base, str(file["Name"]))
                try:
                    filesystem.mkdir(posixpath.dirname(path), parents=True)
                except Exception:  # the directory may exist already
                    pass
                try:
                    filesystem.write_file(
                        path, blob.data, mode=int(file.get("Mode") or 0o444)
                    )
                except Exception:
                    LOGGER.warning(
                        "could not place %s %s in container %s",
                        kind.lower(),
                        blob.spec["Name"],
                        container.short_id,
                    )

    def stop_container(self, container_id: str, grace_ns: int) -> None:
        """Stop a task's container; gone or stopped containers are fine."""
        try:
            self._swarm.engine.containers.stop(
                container_id, timeout=max(grace_ns // 1_000_000_000, 0)
            )
        except (NoSuchContainer, NotModified):
            pass

    def remove_container(self, container_id: str) -> None:
        """Remove a task's container by force; a missing container is fine."""
        try:
            self._swarm.engine.containers.remove(container_id, force=True)
        except NoSuchContainer:
            pass

    # Logs ----------------------------------------------------------------------

    def log_sources(
        self, reference: str, *, service: bool
    ) -> builtins.list[tuple[Task, Container]]:
        """Return the tasks whose output a logs request reads, with containers."""
        swarm = self._swarm
        with swarm.lock:
            swarm.require_manager()
            if service:
                record = swarm.services.find_record(reference)
                tasks = sorted(
                    self.of_service(record.meta.id), key=lambda t: t.meta.created_ns
                )
            else:
                tasks = [
                    find("task", reference, self._tasks.values(), lambda t: t.meta.id)
                ]
            found = []
            for task in tasks:
                if not task.container_id:
                    continue
                try:
                    container = swarm.engine.containers.get(task.container_id)
                except NoSuchContainer:
                    continue
                found.append((copy.deepcopy(task), container))
            return found


def log_details(task: Task) -> str:
    """Return the ``details`` prefix of a task's log lines (sorted ``k=v``)."""
    return (
        f"com.docker.swarm.node.id={task.node_id},"
        f"com.docker.swarm.service.id={task.service_id},"
        f"com.docker.swarm.task.id={task.meta.id}"
    )


def log_entries(container: Container) -> builtins.list[Entry]:
    """Return the output entries of a task's container."""
    return container.log.entries()


def _matching_services(
    services: builtins.list[Service], references: builtins.list[str]
) -> set[str]:
    chosen: set[str] = set()
    for reference in references:
        for service in services:
            if reference in (service.meta.id, service.spec["Name"]) or (
                service.meta.id.startswith(reference)
            ):
                chosen.add(service.meta.id)
    return chosen
