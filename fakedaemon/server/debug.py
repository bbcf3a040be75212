"""The ``/debug`` endpoints: request counters, thread stacks and the command line.

dockerd (20.10 and 26.1, measured) serves Go's ``expvar`` and ``pprof``
handlers at ``/debug/vars`` and ``/debug/pprof/...`` for every method,
without a version prefix, whether or not it runs with ``--debug``. This
module serves the same paths with what a Python process can report.
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from ..api.routing import Route

if TYPE_CHECKING:
    from ..api.app import APIApp
    from ..api.call import Call

Dispatch = Callable[[Request], Response]


class RequestCounters:
    """Counts requests by status class and operation; a middleware of the app."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0
        self._statuses: Counter[str] = Counter()
        self._operations: Counter[str] = Counter()

    def __call__(self, request: Request, call_next: Dispatch) -> Response:
        """Count one request around ``call_next``."""
        with self._lock:
            self._in_flight += 1
        status = "5xx"
        try:
            response = call_next(request)
            status = f"{response.status_code // 100}xx"
            return response
        finally:
            operation = request.environ.get("fakedaemon.operation") or "unrouted"
            with self._lock:
                self._in_flight -= 1
                self._statuses[status] += 1
                self._operations[operation] += 1

    def snapshot(self) -> dict[str, object]:
        """Return the counters as JSON values."""
        with self._lock:
            return {
                "requests": sum(self._statuses.values()),
                "in_flight": self._in_flight,
                "statuses": dict(sorted(self._statuses.items())),
                "operations": dict(sorted(self._operations.items())),
            }


def install(app: APIApp) -> RequestCounters:
    """Add the request counters to ``app`` and serve the debug routes from it."""
    counters = RequestCounters()
    app.middlewares.append(counters)

    def variables(call: Call) -> Response:
        return _variables(call, counters)

    routes = [
        Route("GET", "/debug/vars", variables, "DebugVars"),
        Route("GET", "/debug/pprof/", _pprof_index, "DebugPprofIndex"),
        Route("GET", "/debug/pprof/cmdline", _cmdline, "DebugPprofCmdline"),
        Route("GET", "/debug/pprof/goroutine", _threads, "DebugPprofGoroutine"),
    ]
    for route in routes:
        app.unversioned_routes[route.path] = route
    return counters


def _variables(call: Call, counters: RequestCounters) -> Response:
    engine = call.engine
    usage = resource.getrusage(resource.RUSAGE_SELF)
    values: dict[str, object] = {
        "cmdline": sys.argv,
        "memstats": {
            # ru_maxrss is in kibibytes on Linux; Go's Sys is in bytes.
            "Sys": usage.ru_maxrss * 1024,
            "NumGC": sum(stat["collections"] for stat in gc.get_stats()),
        },
        "fakedaemon": {
            **counters.snapshot(),
            "threads": threading.active_count(),
            "containers": len(engine.containers.all()),
            "images": len(engine.images.images()),
            "events_buffered": len(engine.events.snapshot()),
            "event_listeners": engine.events.listeners,
            "log_followers": sum(
                container.log.followers for container in engine.containers.all()
            ),
        },
    }
    # expvar writes one top-level variable per line.
    lines = [f"{json.dumps(key)}: {json.dumps(value)}" for key, value in values.items()]
    body = "{\n" + ",\n".join(lines) + "\n}\n"
    return Response(body, content_type="application/json; charset=utf-8")


def _pprof_index(call: Call) -> Response:
    count = threading.active_count()
    body = (
        "<html>\n<head>\n<title>/debug/pprof/</title>\n</head>\n<body>\n"
        "/debug/pprof/<br>\n<br>\nTypes of profiles available:\n<table>\n"
        "<thead><td>Count</td><td>Profile</td></thead>\n"
        "<tr><td>0</td><td><a href='cmdline?debug=1'>cmdline</a></td></tr>\n"
        f"<tr><td>{count}</td><td><a href='goroutine?debug=1'>goroutine</a>"
        "</td></tr>\n</table>\n</body>\n</html>\n"
    )
    return _text(body, "text/html; charset=utf-8")


def _cmdline(call: Call) -> Response:
    # pprof's cmdline handler joins the arguments with NUL bytes.
    return _text("\x00".join(sys.argv), "text/plain; charset=utf-8")


def _threads(call: Call) -> Response:
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    parts = [f"threads: {len(names)}\n"]
    for ident, frame in sys._current_frames().items():
        parts.append(f"\nthread {names.get(ident, ident)}:\n")
        parts.extend(traceback.format_stack(frame))
    return _text("".join(parts), "text/plain; charset=utf-8")


def _text(body: str, content_type: str) -> Response:
    response = Response(body, content_type=content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
