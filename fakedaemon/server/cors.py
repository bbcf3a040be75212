"""CORS headers (``--api-cors-header``) on every routed response."""

from __future__ import annotations

from collections.abc import Callable

from werkzeug.wrappers import Request, Response

from ..api.responses import Hijack

Dispatch = Callable[[Request], Response]

ALLOW_HEADERS = "Origin, X-Requested-With, Content-Type, Accept, X-Registry-Auth"
"""The ``Access-Control-Allow-Headers`` value dockerd sends."""
ALLOW_METHODS = "HEAD, GET, POST, DELETE, PUT, OPTIONS"
"""The ``Access-Control-Allow-Methods`` value dockerd sends."""


class CORSMiddleware:
    """Adds the CORS headers to responses of routed requests.

    dockerd's not-found handler bypasses its middlewares, so a 404 for an
    unknown path carries no CORS headers; version errors do carry them.
    """

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def __call__(self, request: Request, call_next: Dispatch) -> Response:
        """Pass ``request`` on and add the headers to its response."""
        response = call_next(request)
        if not self.origin or "fakedaemon.operation" not in request.environ:
            return response
        headers = {
            "Access-Control-Allow-Origin": self.origin,
            "Access-Control-Allow-Headers": ALLOW_HEADERS,
            "Access-Control-Allow-Methods": ALLOW_METHODS,
        }
        if isinstance(response, Hijack):
            response.extra_headers = {**response.extra_headers, **headers}
        else:
            response.headers.extend(headers)
        return response
