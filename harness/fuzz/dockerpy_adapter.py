"""The campaign adapter for docker-py's low-level ``docker.APIClient``."""

from __future__ import annotations

from typing import Any, Literal

from harness.fuzz.adapters import Outcome, Step, other_error

FIXED_VERSION = "1.45"
"""The version docker-py uses outside negotiation steps (its own default)."""


class DockerPyAdapter:
    """Runs campaign steps with a new ``docker.APIClient`` each time.

    docker-py keeps the daemon's text apart as ``APIError.explanation``, so
    error texts are compared in the ``explanation`` form. It has no client
    minimum or generations, so negotiation steps ignore those options.
    """

    name = "docker-py"
    message_form: Literal["go", "explanation"] = "explanation"
    fixed_max_version = "1.45"
    fixed_min_version = "1.24"

    def run(self, step: Step) -> Outcome:
        """Perform ``step`` and close the client."""
        import docker  # type: ignore[import-untyped]

        version = "auto" if step.operation == "negotiate" else FIXED_VERSION
        try:
            client = docker.APIClient(
                base_url=step.host, version=version, timeout=int(step.timeout) or 1
            )
        except docker.errors.DockerException as error:
            if step.operation == "negotiate":
                return Outcome(
                    "negotiation-error",
                    message=str(error),
                    exception=type(error).__name__,
                )
            return other_error(error)
        try:
            return self._perform(client, step)
        finally:
            client.close()

    def _perform(self, client: Any, step: Step) -> Outcome:
        import docker
        import requests

        items: list[Any] = []
        try:
            if step.operation == "error":
                client.info()
                return Outcome("ok")
            if step.operation == "negotiate":
                return Outcome("ok", version=str(client.api_version))
            if step.operation == "logs":
                for payload in client.logs("c1", stream=True, stdout=True, stderr=True):
                    items.append((None, payload))
                return Outcome("ok", items=items)
            for message in client.pull(
                "busybox", tag="latest", stream=True, decode=True
            ):
                items.append(message)
            return Outcome("ok", items=items)
        except docker.errors.APIError as error:
            explanation = error.explanation
            if isinstance(explanation, bytes):
                explanation = explanation.decode("utf-8", "replace")
            return Outcome(
                "api-error",
                status=error.status_code,
                message=str(error),
                daemon_message=None if explanation is None else str(explanation),
                error_kind="NotFound"
                if isinstance(error, docker.errors.NotFound)
                else None,
                items=items,
                exception=type(error).__name__,
            )
        except (
            requests.exceptions.ChunkedEncodingError,
            requests.ConnectionError,
        ) as error:
            return Outcome(
                "protocol-error",
                message=str(error),
                items=items,
                exception=type(error).__name__,
            )
        except Exception as error:  # noqa: BLE001 - any other exception is a finding
            outcome = other_error(error)
            outcome.items = items
            return outcome
