"""The control API over HTTP: ``/_fakedaemon/...`` on the daemon's own listeners.

These routes sit outside the Engine API: no version prefix, no version
check and no Engine API headers. Request and response bodies are JSON.
Errors are ``{"message": ...}`` with status 400 (invalid request), 404
(unknown id or route) or 405 (wrong method). docs/control.md describes each route.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map
from werkzeug.wrappers import Request, Response

from ..api.jsonenc import dump_line
from ..api.routing import MatchRule
from .faults import Fault
from .images import files_from_json

if TYPE_CHECKING:
    from .control import Control

logger = logging.getLogger("fakedaemon")

CONTROL_PREFIX = "/_fakedaemon"


@functools.cache
def _control_map(endpoints: tuple[str, ...]) -> Map:
    """Build the URL map of the control routes, ``"METHOD /path"`` each.

    The map contains no state, so the daemons of a process share it.
    """
    rules = []
    for endpoint in endpoints:
        method, path = endpoint.split(" ", 1)
        rules.append(
            MatchRule(CONTROL_PREFIX + path, methods=[method], endpoint=endpoint)
        )
    return Map(rules, strict_slashes=False)


class ControlError(Exception):
    """A control request that cannot be served; rendered with ``status``."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


Handler = Callable[[Request, Mapping[str, str]], Response]


class ControlAPI:
    """Routes ``/_fakedaemon/...`` requests to one daemon's ``Control``."""

    def __init__(self, control: Control) -> None:
        self.control = control
        self._handlers: dict[str, Handler] = {}
        for method, path, handler in self._routes():
            self._handlers[f"{method} {path}"] = handler
        self.url_map = _control_map(tuple(self._handlers))

    def _routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", "/reset", self._reset),
            ("POST", "/snapshot", self._snapshot),
            ("POST", "/restore", self._restore),
            ("GET", "/state", self._dump),
            ("PUT", "/state", self._load),
            ("GET", "/faults", self._list_faults),
            ("POST", "/faults", self._add_fault),
            ("DELETE", "/faults", self._clear_faults),
            ("DELETE", "/faults/<fault_id>", self._remove_fault),
            ("GET", "/journal", self._journal),
            ("DELETE", "/journal", self._clear_journal),
            ("GET", "/clock", self._clock),
            ("POST", "/clock/freeze", self._freeze),
            ("POST", "/clock/unfreeze", self._unfreeze),
            ("POST", "/clock/advance", self._advance),
            ("GET", "/behaviours", self._list_behaviours),
            ("POST", "/behaviours", self._add_behaviour),
            ("DELETE", "/behaviours", self._clear_behaviours),
            ("GET", "/behaviours/health", self._list_health_behaviours),
            ("POST", "/behaviours/health", self._add_health_behaviour),
            ("DELETE", "/behaviours/<rule_id>", self._remove_behaviour),
            ("POST", "/images", self._add_image),
        ]

    def handle(self, request: Request) -> Response:
        """Serve one control request."""
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            endpoint, arguments = adapter.match()
        except MethodNotAllowed:
            return _error(f"method {request.method} not allowed on {request.path}", 405)
        except HTTPException:
            return _error(f"no control route {request.path}", 404)
        try:
            return self._handlers[endpoint](request, arguments)
        except ControlError as error:
            return _error(error.message, error.status)

    # State ---------------------------------------------------------------

    def _reset(self, request: Request, arguments: Mapping[str, str]) -> Response:
        self.control.reset()
        return _empty()

    def _snapshot(self, request: Request, arguments: Mapping[str, str]) -> Response:
        snapshot = self.control.snapshot()
        return _json({"id": snapshot.id}, 201)

    def _restore(self, request: Request, arguments: Mapping[str, str]) -> Response:
        document = _body(request)
        snapshot_id = document.get("id")
        if not isinstance(snapshot_id, str):
            raise ControlError("missing snapshot 'id' in the request body")
        try:
            self.control.restore(snapshot_id)
        except KeyError:
            raise ControlError(f"no snapshot with id {snapshot_id}", 404) from None
        return _empty()

    def _dump(self, request: Request, arguments: Mapping[str, str]) -> Response:
        return _json(self.control.dump())

    def _load(self, request: Request, arguments: Mapping[str, str]) -> Response:
        try:
            self.control.load(_body(request))
        except (ValueError, KeyError) as error:
            raise ControlError(f"invalid state: {error}") from None
        return _empty()

    # Faults --------------------------------------------------------------

    def _list_faults(self, request: Request, arguments: Mapping[str, str]) -> Response:
        return _json([fault.to_json() for fault in self.control.faults])

    def _add_fault(self, request: Request, arguments: Mapping[str, str]) -> Response:
        document = _body(request)
        try:
            fault = self.control.faults.add(Fault.from_json(document))
        except ValueError as error:
            raise ControlError(str(error)) from None
        return _json(fault.to_json(), 201)

    def _clear_faults(self, request: Request, arguments: Mapping[str, str]) -> Response:
        self.control.faults.clear()
        return _empty()

    def _remove_fault(self, request: Request, arguments: Mapping[str, str]) -> Response:
        try:
            self.control.faults.remove(arguments["fault_id"])
        except KeyError:
            raise ControlError(
                f"no fault with id {arguments['fault_id']}", 404
            ) from None
        return _empty()

    # Journal -------------------------------------------------------------

    def _journal(self, request: Request, arguments: Mapping[str, str]) -> Response:
        operation = request.args.get("operation")
        entries = self.control.journal.calls(operation or None)
        return _json([entry.to_json() for entry in entries])

    def _clear_journal(
        self, request: Request, arguments: Mapping[str, str]
    ) -> Response:
        self.control.journal.clear()
        return _empty()

    # Clock ---------------------------------------------------------------

    def _clock(self, request: Request, arguments: Mapping[str, str]) -> Response:
        clock = self.control.clock
        return _json({"time": clock.time(), "frozen": clock.frozen})

    def _freeze(self, request: Request, arguments: Mapping[str, str]) -> Response:
        document = _body(request, required=False)
        at = document.get("at")
        if at is not None and not isinstance(at, int | float):
            raise ControlError("invalid 'at': give seconds since the epoch")
        self.control.clock.freeze(None if at is None else float(at))
        return self._clock(request, arguments)

    def _unfreeze(self, request: Request, arguments: Mapping[str, str]) -> Response:
        self.control.clock.unfreeze()
        return self._clock(request, arguments)

    def _advance(self, request: Request, arguments: Mapping[str, str]) -> Response:
        seconds = _body(request).get("seconds")
        if not isinstance(seconds, int | float) or seconds < 0:
            raise ControlError("invalid 'seconds': give a number of 0 or more")
        self.control.clock.advance(float(seconds))
        return self._clock(request, arguments)

    # Behaviours ----------------------------------------------------------

    def _list_behaviours(
        self, request: Request, arguments: Mapping[str, str]
    ) -> Response:
        return _json([rule.to_json() for rule in self.control.behaviours.rules])

    def _add_behaviour(
        self, request: Request, arguments: Mapping[str, str]
    ) -> Response:
        try:
            rule = self.control.behaviours.add_from_json(_body(request))
        except ValueError as error:
            raise ControlError(str(error)) from None
        return _json(rule.to_json(), 201)

    def _list_health_behaviours(
        self, request: Request, arguments: Mapping[str, str]
    ) -> Response:
        rules = self.control.behaviours.health_rules
        return _json([rule.to_json() for rule in rules])

    def _add_health_behaviour(
        self, request: Request, arguments: Mapping[str, str]
    ) -> Response:
        try:
            rule = self.control.behaviours.add_health_from_json(_body(request))
        except ValueError as error:
            raise ControlError(str(error)) from None
        return _json(rule.to_json(), 201)

    def _clear_behaviours(
        self, request: Request, arguments: Mapping[str, str]
    ) -> Response:
        self.control.behaviours.clear()
        return _empty()

    def _remove_behaviour(
        self, request: Request, arguments: Mapping[str, str]
    ) -> Response:
        rule_id = arguments["rule_id"]
        try:
            self.control.behaviours.remove(rule_id)
        except KeyError:
            raise ControlError(f"no behaviour with id {rule_id}", 404) from None
        return _empty()

    # Images --------------------------------------------------------------

    def _add_image(self, request: Request, arguments: Mapping[str, str]) -> Response:
        document = _body(request)
        reference = document.get("reference")
        if not isinstance(reference, str) or not reference:
            raise ControlError("missing image 'reference' in the request body")
        try:
            image = self.control.images.add(
                reference,
                config=document.get("config") or {},
                files=files_from_json(document.get("files") or {}),
                base=str(document.get("base") or "busybox:latest"),
            )
        except ValueError as error:
            raise ControlError(str(error)) from None
        except Exception as error:
            # Engine errors (an unknown base, an invalid reference) carry
            # their own message.
            message = getattr(error, "message", str(error))
            raise ControlError(f"cannot add image {reference}: {message}") from None
        return _json({"id": image.id, "reference": reference}, 201)


def _body(request: Request, *, required: bool = True) -> dict[str, Any]:
    data = request.get_data(cache=True)
    if not data.strip():
        if required:
            raise ControlError("missing JSON request body")
        return {}
    try:
        document = json.loads(data)
    except ValueError as error:
        raise ControlError(f"invalid JSON: {error}") from None
    if not isinstance(document, dict):
        raise ControlError("invalid JSON: the body must be an object")
    return document


def _json(document: Any, status: int = 200) -> Response:
    return Response(dump_line(document), status=status, content_type="application/json")


def _empty() -> Response:
    response = Response(b"", status=204)
    response.headers.remove("Content-Type")
    return response


def _error(message: str, status: int) -> Response:
    return _json({"message": message}, status)
