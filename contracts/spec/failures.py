"""Contract failures: how a request or response breaks the specification.

Every failure is an :class:`AssertionError`, so pytest reports it as a failed
assertion, and carries a short title, a message, and where it happened::

    ContractFailure (AssertionError)
    ├── UndocumentedOperation    no operation for the method and path
    ├── UndocumentedStatus       the status is not among the documented ones
    ├── UnexpectedContentType    the media type is not in produces/consumes
    ├── MalformedBody            the body does not parse as its media type
    ├── SchemaViolation          a value breaks the schema (type, enum, ...)
    ├── UndocumentedField        strict mode: a field the schema does not list
    ├── MissingHeader            a documented header is absent
    ├── InvalidHeader            a header value breaks its documented type
    ├── MissingParameter         a required parameter is absent
    ├── InvalidParameter         a parameter value breaks its type or enum
    └── UndocumentedParameter    strict mode: a query parameter not documented

Several failures at once travel as a :class:`ContractFailureGroup`, an
:class:`ExceptionGroup` of the failures above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Where:
    """The exchange a failure belongs to."""

    version: str
    method: str
    path: str
    operation_id: str | None = None

    def describe(self) -> str:
        """Return ``OperationId (METHOD /path, API 1.41)`` for messages."""
        request = f"{self.method} {self.path}, API {self.version}"
        if self.operation_id is None:
            return f"({request})"
        return f"{self.operation_id} ({request})"


class ContractFailure(AssertionError):
    """A request or response that breaks the Engine API specification."""

    title: ClassVar[str] = "Contract failure"

    def __init__(self, message: str, *, where: Where, location: str = "") -> None:
        self.message = message
        self.where = where
        self.location = location
        super().__init__(self._render())

    @property
    def operation_id(self) -> str | None:
        """The operationId of the operation, when one matched."""
        return self.where.operation_id

    @property
    def version(self) -> str:
        """The API version of the specification that was checked."""
        return self.where.version

    def _render(self) -> str:
        at = f" at {self.location}" if self.location else ""
        return f"{self.title}{at}: {self.message}\n  in {self.where.describe()}"

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only arguments need a helper so failures survive pickling
        # (pytest-xdist and multiprocessing send them between processes).
        return (_rebuild, (type(self), self.message, self.where, self.location))


def _rebuild(
    cls: type[ContractFailure], message: str, where: Where, location: str
) -> ContractFailure:
    return cls(message, where=where, location=location)


class UndocumentedOperation(ContractFailure):
    """No operation of the specification matches the method and path."""

    title = "Undocumented operation"


class UndocumentedStatus(ContractFailure):
    """The response status is not documented for the operation."""

    title = "Undocumented status"


class UnexpectedContentType(ContractFailure):
    """The media type is not one the operation produces or consumes."""

    title = "Unexpected content type"


class MalformedBody(ContractFailure):
    """A body that does not parse as its Content-Type declares."""

    title = "Malformed body"


class SchemaViolation(ContractFailure):
    """A body value breaks the schema: type, enum, required, null, ..."""

    title = "Schema violation"


class UndocumentedField(ContractFailure):
    """A body field that the schema does not list (strict mode)."""

    title = "Undocumented field"


class MissingHeader(ContractFailure):
    """A header the specification documents is absent."""

    title = "Missing header"


class InvalidHeader(ContractFailure):
    """A header value breaks the type or enum the specification documents."""

    title = "Invalid header"


class MissingParameter(ContractFailure):
    """A required parameter (query, path, header or body) is absent."""

    title = "Missing parameter"


class InvalidParameter(ContractFailure):
    """A parameter value breaks its documented type or enum."""

    title = "Invalid parameter"


class UndocumentedParameter(ContractFailure):
    """A query parameter that the operation does not document (strict mode)."""

    title = "Undocumented parameter"


class ContractFailureGroup(ExceptionGroup[ContractFailure]):
    """Several contract failures found in one request or response."""


def raise_failures(failures: Sequence[ContractFailure], summary: str) -> None:
    """Raise nothing, the one failure, or a group of all of them.

    Raises:
        ContractFailure: when there is exactly one failure.
        ContractFailureGroup: when there are several.
    """
    if not failures:
        return
    if len(failures) == 1:
        raise failures[0]
    raise ContractFailureGroup(f"{summary}: {len(failures)} failures", failures)
