"""Container runtime routes: top, stats, resize, update and prune."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Response

from ...clock import ZERO_TIME, format_rfc3339_nano
from ...engine.containers import Container
from ...engine.createchecks import check_memory, check_restart_policy
from ...errors import Conflict, DaemonError, InvalidParameter, NotFound
from ..bodytypes import body_types
from ..call import Call
from ..filters import Filters
from ..jsonenc import dump_line
from ..responses import empty, json_response
from ..routing import Router
from .execs import parse_dimension

router = Router()

# `top` ---------------------------------------------------------------------

_DEFAULT_TITLES = ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
_BSD_TITLES = [
    "USER", "PID", "%CPU", "%MEM", "VSZ", "RSS", "TTY", "STAT", "START", "TIME",
    "COMMAND",
]  # fmt: skip
# `ps -o` field names and the column titles procps gives them.
_FIELD_TITLES = {
    "pid": "PID",
    "ppid": "PPID",
    "user": "USER",
    "uid": "UID",
    "comm": "COMMAND",
    "args": "COMMAND",
    "cmd": "CMD",
    "command": "COMMAND",
    "tty": "TT",
    "time": "TIME",
    "stime": "STIME",
    "c": "C",
    "etime": "ELAPSED",
}


def _not_running(call: Call, container: Container) -> Conflict:
    if call.profile.legacy_messages:
        return Conflict(f"Container {container.id} is not running")
    return Conflict(f"container {container.id} is not running")


@router.get("/containers/<id>/top", "ContainerTop")
def top(call: Call, id: str) -> Response:
    """List the container's simulated processes in the columns ``ps`` prints."""
    container = call.engine.containers.get(id)
    with call.engine.containers.changed:
        main_pid = container.state.pid
        running = container.state.running
        started_ns = container.state.started_ns
    if not running:
        raise _not_running(call, container)
    processes = [(main_pid, [container.path, *container.args], started_ns)]
    for instance in call.engine.execs.running_in(container):
        processes.append((instance.pid, instance.argv, instance.started_ns))
    # The shim that parents every process of the container has no pid of its
    # own in the simulation; one below the main process reads plausibly.
    parent = max(main_pid - 1, 1)
    tty = "pts/0" if container.tty else "?"
    titles, rows = _ps(call.query("ps_args"), processes, parent, tty)
    _publish(call, container, "top")
    return json_response({"Processes": rows, "Titles": titles})


def _ps(
    ps_args: str,
    processes: list[tuple[int, list[str], int]],
    parent: int,
    tty: str,
) -> tuple[list[str], list[list[str]]]:
    """Return the titles and rows of ``ps ps_args`` for the processes."""
    words = ps_args.split()
    if any(word.startswith("--") for word in words):
        raise DaemonError("ps: error: unknown gnu long option")
    fields: list[str] = []
    for index, word in enumerate(words):
        if word == "-o" and index + 1 < len(words):
            fields.extend(words[index + 1].split(","))
        elif word.startswith("-o") and len(word) > 2:
            fields.extend(word[2:].split(","))
    rows: list[list[str]] = []
    if fields:
        titles = [_FIELD_TITLES.get(name, name.upper()) for name in fields]
        if "PID" not in titles:
            raise DaemonError("Couldn't find PID field in ps output")
        for pid, argv, started_ns in processes:
            values = {
                "pid": str(pid),
                "ppid": str(parent),
                "user": "root",
                "uid": "root",
                "comm": argv[0].rsplit("/", 1)[-1],
                "args": " ".join(argv),
                "cmd": " ".join(argv),
                "command": " ".join(argv),
                "tty": tty,
                "time": "00:00:00",
                "stime": _clock_time(started_ns),
                "c": "0",
                "etime": "00:00",
            }
            rows.append([values.get(name, "-") for name in fields])
        return titles, rows
    if words and "u" in words[0].lstrip("-"):
        for pid, argv, started_ns in processes:
            rows.append(
                [
                    "root", str(pid), "0.0", "0.0", "2268", "1380", tty, "Ss",
                    _clock_time(started_ns), "0:00", " ".join(argv),
                ]
            )  # fmt: skip
        return list(_BSD_TITLES), rows
    # NOTE: other ps options are answered in the default `-ef` columns.
    for pid, argv, started_ns in processes:
        rows.append(
            [
                "root", str(pid), str(parent), "0", _clock_time(started_ns), tty,
                "00:00:00", " ".join(argv),
            ]
        )  # fmt: skip
    return list(_DEFAULT_TITLES), rows


def _clock_time(time_ns: int) -> str:
    return datetime.fromtimestamp(time_ns / 1_000_000_000, UTC).strftime("%H:%M")


# `stats` -------------------------------------------------------------------

_MEMORY_USAGE = 319488
_MEMORY_MAX_USAGE = 4083712
_CGROUP_NO_LIMIT = 9223372036854771712
_BLKIO_KEYS = (
    "io_service_bytes_recursive",
    "io_serviced_recursive",
    "io_queue_recursive",
    "io_service_time_recursive",
    "io_wait_time_recursive",
    "io_merged_recursive",
    "io_time_recursive",
    "sectors_recursive",
)


def _zero_cpu() -> dict[str, Any]:
    return {
        "cpu_usage": {
            "total_usage": 0,
            "usage_in_kernelmode": 0,
            "usage_in_usermode": 0,
        },
        "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0},
    }


def _cpu(call: Call, container: Container, at_ns: int) -> dict[str, Any]:
    """Return CPU counters of a process that uses about 0.1% of one CPU."""
    ncpu = max(int(call.engine.config.ncpu), 1)
    uptime = max(at_ns - container.state.started_ns, 0)
    total = uptime // 1000
    per_cpu = [total // ncpu] * ncpu
    per_cpu[0] += total - sum(per_cpu)
    return {
        "cpu_usage": {
            "total_usage": total,
            "percpu_usage": per_cpu,
            "usage_in_kernelmode": total // 4,
            "usage_in_usermode": total - total // 4,
        },
        # The host's CPU time: every CPU busy since the epoch, in nanoseconds.
        "system_cpu_usage": at_ns // 10_000_000 * 10_000_000 * ncpu,
        "online_cpus": ncpu,
        "throttling_data": {"periods": 0, "throttled_periods": 0, "throttled_time": 0},
    }


def _memory(call: Call, container: Container) -> dict[str, Any]:
    limit = int(container.host_config.get("Memory") or call.engine.config.mem_total)
    counters = {
        "active_anon": 4096,
        "active_file": 0,
        "cache": 0,
        "dirty": 0,
        "hierarchical_memory_limit": _CGROUP_NO_LIMIT,
        "hierarchical_memsw_limit": _CGROUP_NO_LIMIT,
        "inactive_anon": 49152,
        "inactive_file": 0,
        "mapped_file": 0,
        "pgfault": 9145,
        "pgmajfault": 0,
        "pgpgin": 7769,
        "pgpgout": 7756,
        "rss": 53248,
        "rss_huge": 0,
    }
    stats = dict(counters)
    for key, value in counters.items():
        if not key.startswith("hierarchical"):
            stats[f"total_{key}"] = value
    stats.update({"total_unevictable": 0, "total_writeback": 0})
    stats.update({"unevictable": 0, "writeback": 0})
    return {
        "usage": _MEMORY_USAGE,
        "max_usage": _MEMORY_MAX_USAGE,
        "stats": dict(sorted(stats.items())),
        "limit": limit,
    }


def _stopped_document(call: Call, container: Container) -> dict[str, Any]:
    # 1.52 (Engine 29) sends only the identification of a stopped container.
    if call.version.at_least("1.52"):
        return {"id": container.id, "name": container.name, "os_type": "linux"}
    return {
        "read": ZERO_TIME,
        "preread": ZERO_TIME,
        "pids_stats": {},
        "blkio_stats": dict.fromkeys(_BLKIO_KEYS),
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": _zero_cpu(),
        "precpu_stats": _zero_cpu(),
        "memory_stats": {},
        "name": container.name,
        "id": container.id,
    }


def _sample(
    call: Call, container: Container, read_ns: int, preread_ns: int | None
) -> dict[str, Any]:
    """Return one stats document; ``preread_ns`` is the previous sample's time."""
    processes = 1 + len(call.engine.execs.running_in(container))
    document: dict[str, Any] = {
        "read": format_rfc3339_nano(read_ns),
        "preread": format_rfc3339_nano(preread_ns) if preread_ns else ZERO_TIME,
        "pids_stats": {"current": processes},
        "blkio_stats": {key: [] for key in _BLKIO_KEYS},
        "num_procs": 0,
        "storage_stats": {},
        "cpu_stats": _cpu(call, container, read_ns),
        "precpu_stats": (
            _cpu(call, container, preread_ns) if preread_ns else _zero_cpu()
        ),
        "memory_stats": _memory(call, container),
        "name": container.name,
        "id": container.id,
    }
    mode = container.host_config.get("NetworkMode") or "bridge"
    # A container started with its network disabled (the default mode under
    # --bridge=none) has no interface to report.
    networked = not container.config.get("NetworkDisabled")
    if networked and mode not in ("none", "host") and not mode.startswith("container:"):
        document["networks"] = {
            "eth0": {
                "rx_bytes": 876,
                "rx_packets": 10,
                "rx_errors": 0,
                "rx_dropped": 0,
                "tx_bytes": 0,
                "tx_packets": 0,
                "tx_errors": 0,
                "tx_dropped": 0,
            }
        }
    # `os_type` arrived in 1.52.
    if call.version.at_least("1.52"):
        document["os_type"] = "linux"
    return document


def _running(call: Call, container: Container) -> bool:
    with call.engine.containers.changed:
        return container.state.running and not container.removed


@router.get("/containers/<id>/stats", "ContainerStats")
def stats(call: Call, id: str) -> Response:
    """Send resource usage samples, one per second of the daemon's clock."""
    container = call.engine.containers.get(id)
    clock = call.engine.clock
    follow = call.query_bool("stream", default=True)
    # `one-shot` arrived in 1.41 and applies only without streaming.
    one_shot = (
        call.version.at_least("1.41") and call.query_bool("one-shot") and not follow
    )
    if not follow:
        if not _running(call, container):
            return json_response(_stopped_document(call, container))
        if one_shot:
            document = _sample(call, container, clock.time_ns(), None)
            # Engine 26.1 leaves the container's name and id out of a
            # one-shot sample; 20.10 sends them.
            if not call.profile.legacy_messages:
                document.pop("name")
                document.pop("id")
            return json_response(document)
        preread = clock.time_ns()
        cancel = threading.Event()
        with call.on_disconnect(cancel.set, clock.wake):
            clock.sleep(1.0, cancel)
        return json_response(_sample(call, container, clock.time_ns(), preread))

    def samples() -> Iterator[bytes]:
        previous: int | None = None
        cancel = threading.Event()
        with call.on_disconnect(cancel.set, clock.wake):
            while not container.removed and not cancel.is_set():
                if not _running(call, container):
                    previous = None
                    yield dump_line(_stopped_document(call, container))
                    # NOTE: dockerd repeats the empty sample of a stopped
                    # container without pause; here it comes once a second.
                    clock.sleep(1.0, cancel)
                    continue
                # The first sample of a stream has no previous one.
                if previous is None and not clock.sleep(1.0, cancel):
                    return
                now = clock.time_ns()
                yield dump_line(_sample(call, container, now, previous))
                previous = now
                clock.sleep(1.0, cancel)

    # dockerd flushes the headers of a stats stream without a Content-Type.
    response = Response(samples(), status=200)
    response.headers.remove("Content-Type")
    response.direct_passthrough = True
    return response


# `resize` and `update` -----------------------------------------------------


@router.post("/containers/<id>/resize", "ContainerResize")
def resize(call: Call, id: str) -> Response:
    """Check a terminal resize; 409 when the container is not running."""
    parse_dimension(call, "h")
    parse_dimension(call, "w")
    container = call.engine.containers.get(id)
    if not _running(call, container):
        raise _not_running(call, container)
    return empty(200)


@router.post("/containers/<id>/update", "ContainerUpdate")
def update(call: Call, id: str) -> Response:
    """Change a container's resources and restart policy."""
    legacy = call.profile.legacy_messages
    # Engine 26.1 takes an empty body as no change; 20.10 failed with EOF.
    into = body_types(legacy).container_update
    body = call.json_body(required=legacy, into=into) or {}
    container = call.engine.containers.get(id)
    policy = body.get("RestartPolicy") or {}
    check_restart_policy(policy, legacy)
    memory = int(body.get("Memory") or 0)
    check_memory(memory)
    containers = call.engine.containers
    with containers.changed:
        host_config = container.host_config
        current_swap = int(host_config.get("MemorySwap") or 0)
        if memory and memory > current_swap and not body.get("MemorySwap"):
            raise Conflict(
                f"Cannot update container {container.id}: Memory limit should be "
                "smaller than already set memoryswap limit, update the memoryswap "
                "at the same time"
            )
        if policy.get("Name") not in (None, "", "no") and host_config.get("AutoRemove"):
            raise Conflict(
                f"Cannot update container {container.id}: Restart policy cannot "
                "be updated because AutoRemove is enabled for the container"
            )
        # As dockerd, a zero or absent value leaves the setting unchanged.
        for key, value in body.items():
            if key != "RestartPolicy" and value not in (None, 0, "", [], {}):
                host_config[key] = value
        if policy.get("Name"):
            host_config["RestartPolicy"] = {
                "Name": policy["Name"],
                "MaximumRetryCount": int(policy.get("MaximumRetryCount") or 0),
            }
        container.mark_changed()
        containers.changed.notify_all()
    _publish(call, container, "update")
    return json_response({"Warnings": None})


# `prune` ---------------------------------------------------------------------

_PRUNE_FILTERS = ("until", "label", "label!")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$")
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DATE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H",
    "%Y-%m-%d",
)


@router.post("/containers/prune", "ContainerPrune")
def prune(call: Call) -> Response:
    """Remove stopped containers that match the filters."""
    legacy = call.profile.legacy_messages
    filters = call.filters()
    for key in filters.keys():
        if key not in _PRUNE_FILTERS:
            prefix = "Invalid" if legacy else "invalid"
            raise InvalidParameter(f"{prefix} filter '{key}'")
    until_ns = None
    for text in filters.get("until"):
        until_ns = _parse_until(text, call.engine.clock.time_ns(), legacy)
    deleted: list[str] = []
    reclaimed = 0
    containers = call.engine.containers
    for container in containers.all():
        with containers.changed:
            active = container.state.running or container.state.restarting
        if active or not _prune_matches(container, filters, until_ns):
            continue
        size = _written_bytes(container)
        try:
            containers.remove(container.id)
        except (Conflict, NotFound):
            # Started or removed by another request since the listing.
            continue
        deleted.append(container.id)
        reclaimed += size
    call.engine.events.publish("container", "prune", "", {"reclaimed": str(reclaimed)})
    return json_response(
        {"ContainersDeleted": deleted or None, "SpaceReclaimed": reclaimed}
    )


def _prune_matches(
    container: Container, filters: Filters, until_ns: int | None
) -> bool:
    if until_ns is not None and container.created_ns >= until_ns:
        return False
    labels = container.labels
    if not filters.match_labels(labels):
        return False
    for entry in filters.get("label!"):
        name, separator, value = entry.partition("=")
        if name in labels and (not separator or labels[name] == value):
            return False
    return True


def _written_bytes(container: Container) -> int:
    filesystem = container.filesystem
    total = 0
    for change in filesystem.changes():
        if change.kind != 2 and filesystem.is_file(change.path):
            total += filesystem.stat(change.path).size
    return total


def _parse_until(text: str, now_ns: int, legacy: bool) -> int:
    """Parse a time or a duration before now, as dockerd's ``GetTimestamp``."""
    if _DURATION.match(text):
        seconds = sum(
            float(number) * _UNIT_SECONDS[unit]
            for number, unit in _DURATION_PART.findall(text)
        )
        return now_ns - int(seconds * 1_000_000_000)
    if re.fullmatch(r"\d+(\.\d{1,9})?", text):
        whole, _, fraction = text.partition(".")
        return int(whole) * 1_000_000_000 + int((fraction + "000000000")[:9])
    normalized = text.replace("Z", "+0000")
    for pattern in _DATE_FORMATS:
        try:
            parsed = datetime.strptime(normalized, pattern)
        except ValueError:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return int(parsed.timestamp() * 1_000_000_000)
    message = f'failed to parse value as time or duration: "{text}"'
    # Engine 20.10 let the parse error through as a 500.
    if legacy:
        raise DaemonError(message)
    raise InvalidParameter(message)


def _publish(call: Call, container: Container, action: str) -> None:
    attributes = dict(container.labels)
    attributes["image"] = container.config.get("Image", "")
    attributes["name"] = container.name.lstrip("/")
    call.engine.events.publish("container", action, container.id, attributes)
