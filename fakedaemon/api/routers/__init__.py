"""The routers, one module per resource; ``all_routes`` collects their routes."""

from __future__ import annotations

from importlib import import_module

from ..routing import Route

# One line per router module, in registration order.
ROUTER_MODULES = (
    "system",
    "events",
    "images",
    "build",
    "image_transfer",
    "containers",
    "container_websocket",
    "execs",
    "container_files",
    "container_runtime",
    "volumes",
    "networks",
    "swarm",
    "plugins",
    "session",
)


def all_routes() -> list[Route]:
    """Return the routes of every router, in registration order."""
    routes: list[Route] = []
    for name in ROUTER_MODULES:
        module = import_module(f"{__name__}.{name}")
        routes.extend(module.router.routes)
    return routes
