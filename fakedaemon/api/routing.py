"""Routes: one per operation, registered by the routers, matched by werkzeug."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule

if TYPE_CHECKING:
    from werkzeug.wrappers import Response


Handler = Callable[..., "Response"]


class MatchRule(Rule):
    """A werkzeug rule that compiles its URL builder only when a URL is built.

    werkzeug compiles two builder functions per rule when the rule joins a
    map, which took most of the 100 ms that the Engine API's map of some
    250 rules needed to compile; the daemon matches URLs and never builds
    them. Building still works, with the builder compiled on its first call.
    """

    def _compile_builder(
        self, append_unknown: bool = True
    ) -> Callable[..., tuple[str, str]]:
        compile_builder = super()._compile_builder
        compiled: list[Callable[..., tuple[str, str]]] = []

        def build(rule: Rule, *args: Any, **kwargs: Any) -> tuple[str, str]:
            if not compiled:
                compiled.append(compile_builder(append_unknown))
            return compiled[0](rule, *args, **kwargs)

        return build


@dataclass(frozen=True, slots=True)
class Route:
    """An operation: method, werkzeug path template and handler.

    ``operation`` is the specification's operation id, or a name of this
    daemon's own for routes dockerd serves outside the specification.
    """

    method: str
    path: str
    handler: Handler
    operation: str
    experimental: bool = False
    # The API version of the Engine release that added the route; a daemon
    # whose profile stops below it serves the path as an unknown one.
    since: str | None = None


@dataclass
class Router:
    """The routes of one resource, collected with the method decorators."""

    routes: list[Route] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        operation: str,
        *,
        experimental: bool = False,
        since: str | None = None,
    ) -> Callable[[Handler], Handler]:
        """Register the decorated function as the handler of ``operation``."""

        def register(handler: Handler) -> Handler:
            route = Route(method, path, handler, operation, experimental, since)
            self.routes.append(route)
            return handler

        return register

    def get(
        self, path: str, operation: str, **options: Any
    ) -> Callable[[Handler], Handler]:
        """Register a GET route."""
        return self.route("GET", path, operation, **options)

    def head(
        self, path: str, operation: str, **options: Any
    ) -> Callable[[Handler], Handler]:
        """Register a HEAD route."""
        return self.route("HEAD", path, operation, **options)

    def post(
        self, path: str, operation: str, **options: Any
    ) -> Callable[[Handler], Handler]:
        """Register a POST route."""
        return self.route("POST", path, operation, **options)

    def put(
        self, path: str, operation: str, **options: Any
    ) -> Callable[[Handler], Handler]:
        """Register a PUT route."""
        return self.route("PUT", path, operation, **options)

    def delete(
        self, path: str, operation: str, **options: Any
    ) -> Callable[[Handler], Handler]:
        """Register a DELETE route."""
        return self.route("DELETE", path, operation, **options)
