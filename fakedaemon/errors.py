"""Errors of the daemon, one class per Docker error kind.

Each class carries the HTTP status dockerd gives that kind
(``daemon/server/httpstatus``). Handlers and the engine raise them; the API
layer renders them for the request's version. The tree::

    DaemonError                    500  an internal failure
    +-- InvalidParameter           400
    +-- Unauthorized               401
    +-- Forbidden                  403
    +-- NotFound                   404
    +-- Conflict                   409
    +-- NotModified                304
    +-- NotImplemented             501
    +-- Unavailable                503
"""

from __future__ import annotations

import copy


class DaemonError(Exception):
    """An error that the daemon reports to its client with ``status``."""

    status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def prefixed(self, prefix: str) -> DaemonError:
        """Return an error of the same kind whose message starts with ``prefix``.

        dockerd's routers wrap a backend's error this way ("cannot kill
        container: NAME: ..."); the kind, and so the status, stays.
        """
        error = copy.copy(self)
        error.message = f"{prefix}: {self.message}"
        error.args = (error.message,)
        return error


class InvalidParameter(DaemonError):
    """A request whose parameters or body are invalid."""

    status = 400


class Unauthorized(DaemonError):
    """A request that lacks valid credentials."""

    status = 401


class Forbidden(DaemonError):
    """A request that an authorization policy denies."""

    status = 403


class NotFound(DaemonError):
    """A request for an object that does not exist."""

    status = 404


class Conflict(DaemonError):
    """A request that conflicts with the current state of an object."""

    status = 409


class NotModified(DaemonError):
    """A request that changed nothing, such as starting a running container."""

    status = 304


class NotImplementedByDaemon(DaemonError):
    """A request for something this daemon does not implement."""

    status = 501


class Unavailable(DaemonError):
    """A request that the daemon cannot serve in its current mode."""

    status = 503


class NoSuchContainer(NotFound):
    """A container reference that matches no container."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"No such container: {reference}")
        self.reference = reference


class NoSuchImage(NotFound):
    """An image reference that matches no image."""

    def __init__(self, reference: str) -> None:
        super().__init__(f"No such image: {reference}")
        self.reference = reference
