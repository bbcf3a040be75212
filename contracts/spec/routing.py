"""Match a request's method and path to a path template of the specification."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from contracts.spec.operations import Operation

# dockerd registers every route a second time behind "/v{version:[0-9.]+}".
_VERSION_PREFIX = re.compile(r"^/v(?P<version>[0-9.]+)(?=/|$)")
_PARAMETER = re.compile(r"\{([^{}/]+)\}")


def split_version_prefix(path: str) -> tuple[str | None, str]:
    """Split ``/v1.41/containers/json`` into ``("1.41", "/containers/json")``.

    A path without the prefix comes back as ``(None, path)``.
    """
    match = _VERSION_PREFIX.match(path)
    if match is None:
        return None, path
    rest = path[match.end() :]
    return match.group("version"), rest or "/"


@dataclass(frozen=True, slots=True)
class Template:
    """A compiled path template such as ``/images/{name}/json``."""

    path: str
    pattern: re.Pattern[str]
    literal_length: int
    parameter_count: int

    @classmethod
    def compile(cls, path: str) -> Template:
        """Compile ``path``, letting each ``{parameter}`` match any text.

        Parameters may contain slashes, as dockerd's router allows with
        ``{name:.*}``: image names such as ``docker.io/library/busybox`` and
        plugin names with a registry in front of them.
        """
        parts: list[str] = []
        position = 0
        names: list[str] = []
        for match in _PARAMETER.finditer(path):
            parts.append(re.escape(path[position : match.start()]))
            # Group names must be identifiers; templates use plain names.
            names.append(match.group(1))
            parts.append(f"(?P<p{len(names) - 1}>.+)")
            position = match.end()
        parts.append(re.escape(path[position:]))
        literal = _PARAMETER.sub("", path)
        return cls(
            path=path,
            pattern=re.compile("^" + "".join(parts) + "$"),
            literal_length=len(literal),
            parameter_count=len(names),
        )

    def match(self, path: str) -> dict[str, str] | None:
        """Return the path parameters if ``path`` fits this template."""
        found = self.pattern.match(path)
        if found is None:
            return None
        names = _PARAMETER.findall(self.path)
        return {name: found.group(f"p{i}") for i, name in enumerate(names)}


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """An operation matched to a concrete request path."""

    operation: Operation
    path_parameters: dict[str, str]
    requested_version: str | None


class Router:
    """Find the operation for a method and a concrete path.

    When several templates fit, the most specific wins: the one with the
    most literal characters, then the one with the fewest parameters. So
    ``/images/json`` is the image list, and ``/images/a/b/json`` inspects
    the image ``a/b``.
    """

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._templates: dict[str, Template] = {}
        self._operations: dict[tuple[str, str], Operation] = {}
        for operation in operations:
            if operation.path not in self._templates:
                self._templates[operation.path] = Template.compile(operation.path)
            self._operations[(operation.method, operation.path)] = operation
        self._ordered = sorted(
            self._templates.values(),
            key=lambda t: (-t.literal_length, t.parameter_count, t.path),
        )

    def match(self, method: str, path: str) -> RouteMatch | None:
        """Return the operation for ``method`` and ``path``, or None.

        ``path`` may carry a ``/v1.NN`` prefix and a query string; both are
        ignored for matching.
        """
        version, bare = split_version_prefix(path.split("?", 1)[0])
        wanted = method.upper()
        for template in self._ordered:
            operation = self._operations.get((wanted, template.path))
            if operation is None:
                continue
            parameters = template.match(bare)
            if parameters is not None:
                return RouteMatch(operation, parameters, version)
        return None

    def methods_for(self, path: str) -> list[str]:
        """Return the methods documented for templates that fit ``path``."""
        _, bare = split_version_prefix(path.split("?", 1)[0])
        methods = {
            method
            for (method, template_path), _ in self._operations.items()
            if self._templates[template_path].match(bare) is not None
        }
        return sorted(methods)
