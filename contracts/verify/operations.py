"""Name the operation of a request: the specification's operationId or a template."""

from __future__ import annotations

import re

from contracts.spec import Specification, split_version_prefix

# Path segments that name an object; the segment after each is a parameter.
OBJECT_SEGMENTS = frozenset(
    {
        "containers",
        "exec",
        "networks",
        "volumes",
        "plugins",
        "services",
        "nodes",
        "tasks",
        "secrets",
        "configs",
        "distribution",
        "swarm",
    }
)
# The last segments of image routes; everything between /images/ and them
# is the image name, which may contain slashes.
IMAGE_ACTIONS = frozenset({"json", "history", "push", "tag", "get"})
STATIC = frozenset({"json", "create", "prune", "load", "search", "get"})


def path_template(target: str) -> str:
    """Return the target's path without version and with ``{name}`` parameters."""
    path = target.split("?", 1)[0]
    _, path = split_version_prefix(path)
    segments = [segment for segment in path.split("/") if segment]
    if segments[:1] == ["images"] and len(segments) > 1:
        if segments[1] in STATIC:
            return "/" + "/".join(segments)
        if segments[-1] in IMAGE_ACTIONS and len(segments) > 2:
            return f"/images/{{name}}/{segments[-1]}"
        return "/images/{name}"
    result: list[str] = []
    for index, segment in enumerate(segments):
        previous = segments[index - 1] if index else ""
        if previous in OBJECT_SEGMENTS and segment not in STATIC:
            result.append("{id}")
        else:
            result.append(segment)
    return "/" + "/".join(result)


def operation_name(method: str, target: str, spec: Specification | None) -> str:
    """Return the operationId when ``spec`` documents the request, else a template."""
    if spec is not None:
        path = target.split("?", 1)[0]
        found = spec.find(method, path)
        if found is not None:
            return found.operation.operation_id
    return f"{method} {path_template(target)}"


VERSION_PREFIX = re.compile(r"^/v(\d+\.\d+)/")


def requested_version(target: str) -> str | None:
    """Return the API version in the target's path, if any."""
    match = VERSION_PREFIX.match(target)
    return match.group(1) if match else None
