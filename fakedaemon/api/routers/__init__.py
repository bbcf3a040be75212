"""The routers, one module per resource; ``all_routes`` collects their routes."""

from __future__ import annotations

from ..routing import Route


def all_routes() -> list[Route]:
    """Return the routes of every router, in registration order."""
    from . import containers, images, networks, system, volumes

    routes: list[Route] = []
    for module in (system, images, containers, volumes, networks):
        routes.extend(module.router.routes)
    return routes
