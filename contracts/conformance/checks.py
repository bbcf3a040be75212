"""Docker's own rules for an answer, and the specification's schemas."""

from __future__ import annotations

import json
from dataclasses import dataclass

from contracts.spec import (
    MalformedBody,
    MissingHeader,
    SchemaViolation,
    Specification,
    UnexpectedContentType,
)

from .policy import DOCKERD_SERVER_ERRORS, REGISTRY_OPERATIONS, SWARM_TAGS
from .targets import Answer

# The specification failures a run reports. An undocumented 4xx is left
# out: the upstream files omit many of the 400s dockerd sends for invalid
# input, and the server-error check already catches a 5xx.
SCHEMA_FAILURES = (SchemaViolation, MalformedBody, UnexpectedContentType, MissingHeader)


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule an answer broke."""

    operation: str
    check: str
    message: str
    request: str

    def describe(self) -> str:
        """Return the finding as one line."""
        return f"{self.operation} [{self.check}] {self.message} ({self.request})"


def check_answer(
    spec: Specification,
    operation: str,
    tags: tuple[str, ...],
    method: str,
    path: str,
    answer: Answer,
) -> list[tuple[str, str]]:
    """Return (check, message) for every rule ``answer`` breaks."""
    found: list[tuple[str, str]] = []
    status = answer.status
    swarm = bool(SWARM_TAGS.intersection(tags))
    if swarm and status < 400:
        found.append(("swarm", f"expected 503 outside a swarm, got {status}"))
    elif status >= 500 and not _expected_server_error(operation, swarm, answer):
        found.append(("server-error", f"status {status}: {_message(answer)}"))
    if answer.header("Api-Version") is None:
        found.append(("api-version", "no Api-Version header"))
    if status >= 400 and method != "HEAD":
        problem = _error_body_problem(answer.body)
        if problem:
            found.append(("error-body", problem))
    if answer.complete:
        headers = dict(answer.headers)
        for failure in spec.check_response(method, path, status, headers, answer.body):
            if isinstance(failure, SCHEMA_FAILURES):
                found.append(("schema", failure.message))
    return found


def _expected_server_error(operation: str, swarm: bool, answer: Answer) -> bool:
    status = answer.status
    if status == 503 and (swarm or "swarm" in _message(answer).lower()):
        # Outside a swarm, swarm operations and cluster volume updates
        # answer 503.
        return True
    if status == 501:
        # 501 is how this daemon names a feature it does not emulate (a
        # known gap listed in docs/operations.md), not a crash.
        return True
    known = DOCKERD_SERVER_ERRORS.get(operation, ())
    if status == 500 and any(text in _message(answer) for text in known):
        return True
    # Without network access a registry operation fails with the transport
    # error as a 500, as dockerd does.
    return operation in REGISTRY_OPERATIONS and status == 500


def _message(answer: Answer) -> str:
    try:
        document = json.loads(answer.body)
    except ValueError:
        return answer.body[:120].decode("utf-8", "replace")
    if isinstance(document, dict):
        return str(document.get("message", ""))[:120]
    return ""


def _error_body_problem(body: bytes) -> str:
    """Return why an error body is not dockerd's ``{"message": ...}``, or ''."""
    try:
        document = json.loads(body)
    except ValueError:
        return f"error body is not JSON: {body[:80]!r}"
    if not isinstance(document, dict) or not isinstance(document.get("message"), str):
        return f"error body has no message string: {body[:80]!r}"
    return ""
