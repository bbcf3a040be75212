"""The routers, one module per resource; ``all_routes`` collects their routes."""

from __future__ import annotations

from ..routing import Route


def all_routes() -> list[Route]:
    """Return the routes of every router, in registration order."""
    from . import (
        build,
        containers,
        image_transfer,
        images,
        networks,
        system,
        volumes,
    )

    routes: list[Route] = []
    modules = (system, images, build, image_transfer, containers, volumes, networks)
    for module in modules:
        routes.extend(module.router.routes)
    return routes
