"""Exceptions raised by the Engine API client.

Every exception derives from :class:`DockerError`::

    DockerError
    ├── ConfigError (also ValueError)    bad host, version, TLS or option
    ├── UnsupportedVersionError          daemon below the client's minimum
    ├── TransportError                   no HTTP response was received
    │   ├── ConnectError                 daemon unreachable
    │   ├── RequestTimeout               connect, read or write timed out
    │   └── ProtocolError                malformed HTTP or stream framing
    │       └── UpgradeError             attach or exec got no 101 upgrade
    ├── APIError                         the daemon returned status >= 400
    │   ├── InvalidArgumentError         400
    │   ├── UnauthenticatedError         401
    │   ├── PermissionDeniedError        403
    │   ├── NotFoundError                404
    │   ├── ConflictError                409
    │   ├── FailedPreconditionError      412
    │   ├── ResourceExhaustedError       429
    │   ├── InternalError                500
    │   ├── UnimplementedError           501
    │   ├── UnavailableError             503
    │   └── UnexpectedStatusError        any other status
    └── StreamError                      an error sent inside a 200 stream
        ├── ProgressError                ``{"error": ..., "errorDetail": ...}``
        └── DaemonStreamError            stdcopy frame of type 3 (system error)

The status classes follow containerd's ``errhttp.ToNative``, which the moby
client uses to classify a failed response.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    import httpx


class DockerError(Exception):
    """The root of every exception the client raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(DockerError, ValueError):
    """An invalid host, API version, TLS setting or client option."""


class UnsupportedVersionError(DockerError):
    """The daemon's API version is below the minimum this client accepts."""

    def __init__(self, daemon_version: str, minimum: str) -> None:
        super().__init__(
            f"API version {daemon_version} is not supported by this client: "
            f"the minimum supported API version is {minimum}"
        )
        self.daemon_version = daemon_version
        self.minimum = minimum


class TransportError(DockerError):
    """The request failed before a complete HTTP response arrived."""

    def __init__(self, message: str, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class ConnectError(TransportError):
    """The daemon's socket or address could not be reached."""


class RequestTimeout(TransportError):
    """A connect, read, write or pool timeout expired."""


class ProtocolError(TransportError):
    """The daemon sent bytes that break HTTP or the stream framing."""


class UpgradeError(ProtocolError):
    """An attach or exec request was answered without ``101`` (no hijack)."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"unable to upgrade to tcp, received {status}")
        self.status = status
        self.body = body


class APIError(DockerError):
    """The daemon answered with a status below 200 or at 400 and above.

    Attributes:
        status: the HTTP status code.
        message: the error text built the way the moby client builds it.
        request: the request that failed.
        response: the response, whose body has already been read.
    """

    status_code: ClassVar[int | None] = None

    def __init__(
        self,
        message: str,
        *,
        status: int,
        request: httpx.Request | None = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.request = request
        self.response = response


class InvalidArgumentError(APIError):
    """Status 400: the daemon rejected a parameter or body."""

    status_code = 400


class UnauthenticatedError(APIError):
    """Status 401: registry or daemon credentials are missing or wrong."""

    status_code = 401


class PermissionDeniedError(APIError):
    """Status 403: an authorization plugin or the daemon forbade the request."""

    status_code = 403


class NotFoundError(APIError):
    """Status 404: no such object, or no such route."""

    status_code = 404


class ConflictError(APIError):
    """Status 409: the object's state or name conflicts with the request."""

    status_code = 409


class FailedPreconditionError(APIError):
    """Status 412: a precondition of the request does not hold."""

    status_code = 412


class ResourceExhaustedError(APIError):
    """Status 429: too many requests or a quota was reached."""

    status_code = 429


class InternalError(APIError):
    """Status 500: the daemon failed while handling the request."""

    status_code = 500


class UnimplementedError(APIError):
    """Status 501: the daemon does not implement the operation."""

    status_code = 501


class UnavailableError(APIError):
    """Status 503: the daemon or a component it needs is unavailable."""

    status_code = 503


class UnexpectedStatusError(APIError):
    """Any other failing status (for example 402, 405, 502, 504 or 1xx)."""


_STATUS_CLASSES: dict[int, type[APIError]] = {
    cls.status_code: cls
    for cls in (
        InvalidArgumentError,
        UnauthenticatedError,
        PermissionDeniedError,
        NotFoundError,
        ConflictError,
        FailedPreconditionError,
        ResourceExhaustedError,
        InternalError,
        UnimplementedError,
        UnavailableError,
    )
    if cls.status_code is not None
}


def error_class_for_status(status: int) -> type[APIError]:
    """Return the :class:`APIError` subclass for an HTTP status code."""
    return _STATUS_CLASSES.get(status, UnexpectedStatusError)


class StreamError(DockerError):
    """An error the daemon sent inside a stream after answering 200."""


class ProgressError(StreamError):
    """An ``error``/``errorDetail`` message in a JSON progress or build stream.

    Attributes:
        code: ``errorDetail.code`` when the daemon sent one, else ``None``.
        detail: the whole message object.
    """

    def __init__(
        self, message: str, *, code: int | None, detail: dict[str, object]
    ) -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail


class DaemonStreamError(StreamError):
    """A stdcopy frame of type 3, which the daemon uses to report a failure."""

    def __init__(self, payload: bytes) -> None:
        text = payload.decode("utf-8", "replace")
        super().__init__(f"error from daemon in stream: {text}")
        self.payload = payload
