"""The operation coverage table: the specification's operations against the routes.

``coverage_markdown(folder)`` compares the operations of the newest Swagger
document in ``folder`` (v1.NN.yaml files) that the daemon speaks (``NEWEST``)
with the routes the daemon
registers, and renders docs/operations.md: one row per operation with the
daemon's status for it, the API versions that document it and a note, then
the routes the daemon serves outside the specification.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from contracts.spec import available_versions, load_version

from ..versions import NEWEST
from .app import _route_table
from .routing import Route

IMPLEMENTED = "implemented"
NO_PLUGINS = "answers as an Engine without plugins"
NOT_IMPLEMENTED = "not implemented"

# Notes on what an operation does not emulate, by operation id. The ``NOTE:``
# marks in each handler's source are added after these.
NOTES: dict[str, str] = {
    "ContainerAttachWebsocket": "WebSocket attach is not served.",
    "Session": "BuildKit sessions are not emulated: an upgrade request gets 501.",
    "ImageBuild": "The classic builder only; BuildKit (version=2) is not emulated.",
    "BuildPrune": "There is no build cache, so nothing is reclaimed.",
    "PluginCreate": "Checks the tar context, then 501: plugins are not emulated.",
    "PluginPull": "No plugin registry: every remote is reported missing (404).",
    "GetPluginPrivileges": "Returns no privileges.",
    "PluginList": "Always empty.",
    "ContainerStats": "Numbers are simulated, not measured.",
    "ImageSearch": "Searches the simulated registry's catalogue.",
    "ImagePush": "Pushes to the simulated registry.",
    "SystemAuth": "The simulated registries accept any user.",
}

# Routes outside the specification, by operation name: what each one is.
EXTRA_NOTES: dict[str, str] = {
    "BuildCancel": "Cancels a build, as the docker CLI requests; not documented.",
    "NetworkListTrailingSlash": "dockerd also lists networks at `/networks/`.",
    "Grpc": "BuildKit's gRPC upgrade; answered with 501.",
    "CheckpointList": "Experimental; always empty (no CRIU).",
    "CheckpointCreate": "Experimental; answered with 501 (no CRIU).",
    "CheckpointDelete": "Experimental; every checkpoint is missing.",
}

CONTROL_NOTE = (
    "The daemon's control API (reset, snapshots, state, faults, journal, "
    "clock, behaviours, images), served beside the Engine API: see "
    "docs/control.md."
)


@dataclass(frozen=True, slots=True)
class Row:
    """One operation of the specification and the daemon's coverage of it."""

    operation: str
    method: str
    path: str
    tag: str
    status: str
    versions: str
    note: str


def spec_versions(folder: Path) -> list[str]:
    """Return the API versions with a Swagger document in ``folder``, oldest first.

    Documents of versions newer than the daemon speaks (NEWEST, such as an
    unreleased one) are left out.
    """
    newest = _version_key(str(NEWEST))
    return sorted(
        (
            version
            for version in available_versions(folder)
            if _version_key(version) <= newest
        ),
        key=_version_key,
    )


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def version_ranges(present: Iterable[str], versions: list[str]) -> str:
    """Return the versions in ``present`` as ranges of ``versions``: "1.25–1.55"."""
    found = set(present)
    ranges: list[tuple[str, str]] = []
    start: str | None = None
    previous: str | None = None
    for version in versions:
        if version in found:
            start = start or version
            previous = version
        elif start is not None and previous is not None:
            ranges.append((start, previous))
            start = None
    if start is not None and previous is not None:
        ranges.append((start, previous))
    return ", ".join(
        first if first == last else f"{first}–{last}" for first, last in ranges
    )


def handler_notes(route: Route) -> list[str]:
    """Return the ``NOTE:`` marks in a route handler's source, one string each.

    A comment note runs on over the comment lines that follow it. A
    docstring note runs on to the next blank line or the docstring's end.
    """
    try:
        lines = inspect.getsource(route.handler).splitlines()
    except (OSError, TypeError):
        return []
    notes = []
    for index, raw in enumerate(lines):
        line = raw.strip()
        if "NOTE:" not in line:
            continue
        comment = line.startswith("#")
        parts = [line.split("NOTE:", 1)[1]]
        for following in lines[index + 1 :]:
            text = following.strip()
            if comment:
                if not text.startswith("#") or "NOTE:" in text:
                    break
                parts.append(text.removeprefix("#"))
            else:
                if not text or text.startswith('"""') or "NOTE:" in text:
                    break
                parts.append(text)
                if text.endswith('"""'):
                    break
        note = " ".join(part.strip() for part in parts).removesuffix('"""').strip()
        notes.append(note[:1].upper() + note[1:])
    return notes


def route_status(route: Route) -> str:
    """Return how the daemon serves a registered route."""
    if route.handler.__module__.endswith(".plugins"):
        return NO_PLUGINS
    return IMPLEMENTED


def coverage_rows(folder: Path) -> list[Row]:
    """Return a row per operation of the newest specification in ``folder``."""
    versions = spec_versions(folder)
    if not versions:
        raise FileNotFoundError(f"no v1.NN.yaml specification in {folder}")
    documented: dict[str, set[str]] = {}
    for version in versions:
        spec = load_version(folder, version)
        for operation in spec.operations:
            documented.setdefault(operation.operation_id, set()).add(version)
    routes, _ = _route_table()
    by_operation = {route.operation: route for route in routes}
    newest = load_version(folder, versions[-1])
    rows = []
    for method, path, operation_id, tag in newest.list_operations():
        route = by_operation.get(operation_id)
        notes = [NOTES[operation_id]] if operation_id in NOTES else []
        if route is not None:
            notes += handler_notes(route)
        rows.append(
            Row(
                operation=operation_id,
                method=method.upper(),
                path=path,
                tag=tag or "",
                status=route_status(route) if route else NOT_IMPLEMENTED,
                versions=version_ranges(documented[operation_id], versions),
                note=" ".join(notes),
            )
        )
    return rows


def extra_routes(folder: Path) -> list[Route]:
    """Return the routes whose operation no specification in ``folder`` lists."""
    documented: set[str] = set()
    for version in spec_versions(folder):
        spec = load_version(folder, version)
        documented.update(operation.operation_id for operation in spec.operations)
    routes, _ = _route_table()
    return [route for route in routes if route.operation not in documented]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def coverage_markdown(folder: Path) -> str:
    """Render docs/operations.md from the specifications in ``folder``."""
    rows = coverage_rows(folder)
    versions = spec_versions(folder)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    lines = [
        "# Operations",
        "",
        "<!-- Generated by `fakedaemon coverage --write docs/operations.md`; "
        "do not edit. -->",
        "",
        f"The {len(rows)} operations of API {versions[-1]}, the newest "
        "specification, and how fakedaemon serves each one. *Versions* lists "
        f"the API versions ({versions[0]} to {versions[-1]}) whose "
        "specification documents the operation; API 1.24 has no Swagger "
        "document and is left out.",
        "",
    ]
    for status in (IMPLEMENTED, NO_PLUGINS, NOT_IMPLEMENTED):
        lines.append(f"- {status}: {counts.get(status, 0)}")
    lines += [
        "",
        "| Operation | Method | Path | Tag | Status | Versions | Note |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        cells = [
            row.operation,
            row.method,
            f"`{row.path}`",
            row.tag,
            row.status,
            row.versions,
            row.note,
        ]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines + extra_section(folder)) + "\n"


def extra_section(folder: Path) -> list[str]:
    """Return the Markdown lines that list the routes outside the specification."""
    lines = [
        "",
        "## Routes outside the specification",
        "",
        "| Name | Method | Path | Note |",
        "|---|---|---|---|",
    ]
    for route in extra_routes(folder):
        flag = " (experimental)" if route.experimental else ""
        cells = [
            route.operation + flag,
            route.method,
            f"`{route.path}`",
            EXTRA_NOTES.get(route.operation, ""),
        ]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    lines.append(f"| Control API | any | `/_fakedaemon/...` | {CONTROL_NOTE} |")
    return lines
