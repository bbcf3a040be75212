"""Adapters that let a campaign drive any Docker client the same way.

An adapter turns one campaign step (a :class:`Step`) into an
:class:`Outcome`. Three come with the harness: :class:`HarnessAdapter`
(this project's client), :class:`DockerPyAdapter` (``docker.APIClient``)
and :class:`CallableAdapter`, which wraps a user's function.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Operation = Literal["error", "negotiate", "logs", "pull"]
"""The steps a campaign asks for.

``error`` calls ``GET /info`` (which the daemon fails), ``negotiate``
negotiates the API version, ``logs`` reads ``GET /containers/c1/logs`` and
``pull`` reads the progress stream of ``POST /images/create``.
"""


@dataclass(frozen=True, slots=True)
class Step:
    """One request of a campaign to a client.

    Attributes:
        operation: what to do (see :data:`Operation`).
        host: the daemon's ``DOCKER_HOST``.
        timeout: seconds the client may wait for each response.
        options: operation settings: for ``negotiate`` ``max_version``,
            ``min_version`` and ``generation`` (see
            :data:`harness.fuzz.reference.GENERATIONS`).
    """

    operation: Operation
    host: str
    timeout: float = 10.0
    options: dict[str, str] = field(default_factory=dict)


Kind = Literal[
    "ok",
    "api-error",
    "negotiation-error",
    "stream-error",
    "protocol-error",
    "other-error",
]


@dataclass(slots=True)
class Outcome:
    """What the client did, in terms every adapter can fill in.

    Attributes:
        kind: ``ok``; ``api-error`` (a failed status); ``negotiation-error``
            (the daemon's version was rejected); ``stream-error`` (an
            error inside a 200 stream: system frame or in-band message);
            ``protocol-error`` (broken framing, cut body); ``other-error``
            (any other exception, which is a client bug in these campaigns).
        status: the HTTP status of an ``api-error``.
        message: the error text the client shows.
        daemon_message: the daemon's text as the client exposes it apart
            from ``message`` (docker-py's ``explanation``), if it does.
        error_kind: the errdefs kind the client gave the error (see
            :func:`harness.fuzz.reference.error_kind`), or None when it does
            not classify errors by status.
        version: the negotiated version for ``negotiate``.
        items: what a stream yielded before it ended: ``(stream, payload)``
            pairs for ``logs`` (stream None when the client drops it),
            message objects for ``pull``.
        exception: the exception's type name, for reports.
    """

    kind: Kind
    status: int | None = None
    message: str = ""
    daemon_message: str | None = None
    error_kind: str | None = None
    version: str | None = None
    items: list[Any] = field(default_factory=list)
    exception: str = ""


class ClientAdapter(Protocol):
    """Drives one client for the campaigns.

    ``message_form`` says how error texts compare: ``go`` means ``message``
    must equal the Go client's text; ``explanation`` means only
    ``daemon_message`` is compared with the daemon's text.
    """

    name: str
    message_form: Literal["go", "explanation"]

    def run(self, step: Step) -> Outcome:
        """Perform ``step`` with a fresh client, close it, and return the outcome."""
        ...


def other_error(error: BaseException) -> Outcome:
    """Return the outcome of an exception the adapter did not expect."""
    return Outcome(
        "other-error", message=str(error), exception=type(error).__qualname__
    )


class CallableAdapter:
    """Wraps ``function(step) -> Outcome`` as an adapter."""

    message_form: Literal["go", "explanation"]

    def __init__(
        self,
        function: Callable[[Step], Outcome],
        *,
        name: str | None = None,
        message_form: Literal["go", "explanation"] = "go",
    ) -> None:
        self.function = function
        self.name: str = name or str(getattr(function, "__qualname__", "callable"))
        self.message_form = message_form

    def run(self, step: Step) -> Outcome:
        """Call the wrapped function."""
        return self.function(step)


def load_adapter(name: str) -> ClientAdapter:
    """Return the adapter for ``harness``, ``docker-py`` or ``module:attribute``.

    The attribute may be an adapter, a class or factory returning one, or a
    plain function of a :class:`Step`, which is wrapped in
    :class:`CallableAdapter`.

    Raises:
        ValueError: the name is neither built in nor ``module:attribute``.
        ImportError, AttributeError: the module or attribute is missing.
    """
    if name == "harness":
        from harness.fuzz.harness_adapter import HarnessAdapter

        return HarnessAdapter()
    if name in ("docker-py", "dockerpy"):
        from harness.fuzz.dockerpy_adapter import DockerPyAdapter

        return DockerPyAdapter()
    module_name, separator, attribute = name.partition(":")
    if not separator or not module_name or not attribute:
        raise ValueError(
            f"invalid client {name!r}: use harness, docker-py or module:callable"
        )
    target: Any = getattr(importlib.import_module(module_name), attribute)
    if hasattr(target, "run") and hasattr(target, "message_form"):
        return target  # type: ignore[no-any-return]
    if isinstance(target, type):
        instance = target()
        if hasattr(instance, "run"):
            return instance  # type: ignore[no-any-return]
    return CallableAdapter(target, name=name)
