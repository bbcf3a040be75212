"""The campaign adapter for this project's client, :class:`harness.client.Client`."""

from __future__ import annotations

from typing import Literal

import httpx

from harness.client import (
    APIError,
    Client,
    ConfigError,
    ConflictError,
    DaemonStreamError,
    FailedPreconditionError,
    InternalError,
    InvalidArgumentError,
    NegotiationPolicy,
    NotFoundError,
    PermissionDeniedError,
    ProgressError,
    ProtocolError,
    ResourceExhaustedError,
    TransportError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
    UnsupportedVersionError,
)
from harness.fuzz.adapters import Outcome, Step, other_error

_KINDS: dict[type[APIError], str] = {
    InvalidArgumentError: "InvalidArgument",
    UnauthenticatedError: "Unauthenticated",
    PermissionDeniedError: "PermissionDenied",
    NotFoundError: "NotFound",
    ConflictError: "Conflict",
    FailedPreconditionError: "FailedPrecondition",
    ResourceExhaustedError: "ResourceExhausted",
    InternalError: "Internal",
    UnimplementedError: "NotImplemented",
    UnavailableError: "Unavailable",
}

_POLICIES = {
    "current": NegotiationPolicy.CURRENT,
    "client-v0.1": NegotiationPolicy.CLIENT_V0_1,
    "engine-v28": NegotiationPolicy.ENGINE_V28,
}


class HarnessAdapter:
    """Runs campaign steps with a new :class:`harness.client.Client` each time."""

    name = "harness"
    message_form: Literal["go", "explanation"] = "go"

    def run(self, step: Step) -> Outcome:
        """Perform ``step`` and close the client."""
        options = step.options
        try:
            client = Client(
                step.host,
                timeout=httpx.Timeout(step.timeout),
                max_version=options.get("max_version", "1.55"),
                min_version=options.get("min_version", "1.24"),
                negotiation_policy=_POLICIES[options.get("generation", "current")],
            )
        except ConfigError as error:
            return other_error(error)
        try:
            return self._perform(client, step)
        finally:
            client.close()

    def _perform(self, client: Client, step: Step) -> Outcome:
        try:
            if step.operation == "error":
                client.system_info()
                return Outcome("ok")
            if step.operation == "negotiate":
                return Outcome("ok", version=client.negotiate_api_version())
            if step.operation == "logs":
                items: list[object] = []
                try:
                    with client.container_logs(
                        "c1", stdout=True, stderr=True, tty=False
                    ) as frames:
                        for stream, payload in frames:
                            items.append((int(stream), payload))
                except DaemonStreamError as error:
                    return Outcome(
                        "stream-error",
                        message=error.payload.decode("utf-8", "replace"),
                        items=items,
                    )
                except ProtocolError as error:
                    return Outcome("protocol-error", message=str(error), items=items)
                return Outcome("ok", items=items)
            messages: list[object] = []
            try:
                with client.image_create(from_image="busybox", tag="latest") as pull:
                    messages.extend(pull)
            except ProgressError as error:
                return Outcome("stream-error", message=error.message, items=messages)
            return Outcome("ok", items=messages)
        except APIError as error:
            return Outcome(
                "api-error",
                status=error.status,
                message=error.message,
                error_kind=_KINDS.get(type(error), "UnexpectedStatus"),
                exception=type(error).__name__,
            )
        except (UnsupportedVersionError, ConfigError) as error:
            return Outcome(
                "negotiation-error", message=str(error), exception=type(error).__name__
            )
        except TransportError as error:
            return Outcome(
                "protocol-error", message=str(error), exception=type(error).__name__
            )
        except Exception as error:  # noqa: BLE001 - any other exception is a finding
            return other_error(error)
