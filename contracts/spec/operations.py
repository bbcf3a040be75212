"""Operations of a specification: parameters, responses, media types."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")


class OperationInfo(NamedTuple):
    """One row of an operations listing."""

    method: str
    path: str
    operation_id: str
    tag: str


@dataclass(frozen=True, slots=True)
class Parameter:
    """A documented parameter of an operation.

    ``location`` is the Swagger ``in`` value: ``query``, ``path``,
    ``header``, ``body`` or ``formData``. Body parameters carry ``schema``;
    the others carry ``type``, ``items``, ``enum`` and ``collection_format``.
    """

    name: str
    location: str
    required: bool
    type: str | None = None
    enum: tuple[Any, ...] | None = None
    items: Mapping[str, Any] | None = None
    collection_format: str = "csv"
    default: Any = None
    schema: Mapping[str, Any] | None = None

    @classmethod
    def from_swagger(cls, raw: Mapping[str, Any]) -> Parameter:
        """Build a parameter from its Swagger 2.0 parameter object."""
        enum = raw.get("enum")
        location = str(raw["in"])
        return cls(
            name=str(raw["name"]),
            location=location,
            # Swagger 2.0 makes every path parameter required.
            required=bool(raw.get("required", False)) or location == "path",
            type=raw.get("type"),
            enum=tuple(enum) if isinstance(enum, list) else None,
            items=raw.get("items"),
            collection_format=str(raw.get("collectionFormat", "csv")),
            default=raw.get("default"),
            schema=raw.get("schema"),
        )


@dataclass(frozen=True, slots=True)
class Response:
    """A documented response of an operation for one status (or ``default``)."""

    status: str
    description: str
    schema: Mapping[str, Any] | None
    headers: Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation: a method on a path template, as the specification has it.

    ``produces`` and ``consumes`` already fall back to the document-wide
    lists when the operation has none of its own, as Swagger 2.0 specifies.
    """

    method: str
    path: str
    operation_id: str
    tags: tuple[str, ...]
    summary: str
    parameters: tuple[Parameter, ...]
    responses: Mapping[str, Response]
    produces: tuple[str, ...]
    consumes: tuple[str, ...]
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def tag(self) -> str:
        """The first tag, which groups the operation in the documentation."""
        return self.tags[0] if self.tags else ""

    @property
    def info(self) -> OperationInfo:
        """The listing row of this operation."""
        return OperationInfo(self.method, self.path, self.operation_id, self.tag)

    @property
    def body_parameter(self) -> Parameter | None:
        """The ``in: body`` parameter, if the operation takes one."""
        for parameter in self.parameters:
            if parameter.location == "body":
                return parameter
        return None

    def parameters_in(self, location: str) -> tuple[Parameter, ...]:
        """Return the parameters whose ``in`` is ``location``."""
        return tuple(p for p in self.parameters if p.location == location)

    def response_for(self, status: int) -> Response | None:
        """Return the response documented for ``status``, else ``default``.

        Status ranges such as ``5XX`` exist only from OpenAPI 3 on, so only
        exact codes and ``default`` are looked up.
        """
        return self.responses.get(str(status)) or self.responses.get("default")

    @classmethod
    def from_swagger(
        cls,
        method: str,
        path: str,
        raw: Mapping[str, Any],
        *,
        path_parameters: list[Mapping[str, Any]],
        produces: tuple[str, ...],
        consumes: tuple[str, ...],
    ) -> Operation:
        """Build an operation from its Swagger 2.0 operation object.

        ``path_parameters`` are the ones declared on the path item; an
        operation's own parameter with the same name and location wins.
        """
        own = [Parameter.from_swagger(p) for p in raw.get("parameters", [])]
        names = {(p.name, p.location) for p in own}
        inherited = [
            Parameter.from_swagger(p)
            for p in path_parameters
            if (p["name"], p["in"]) not in names
        ]
        responses = {
            str(status): Response(
                status=str(status),
                description=str(body.get("description", "")),
                schema=body.get("schema"),
                headers=body.get("headers", {}),
            )
            for status, body in raw.get("responses", {}).items()
        }
        tags = raw.get("tags", [])
        return cls(
            method=method.upper(),
            path=path,
            operation_id=str(raw.get("operationId", f"{method.upper()} {path}")),
            tags=tuple(str(tag) for tag in tags),
            summary=str(raw.get("summary", "")),
            parameters=tuple(inherited + own),
            responses=responses,
            produces=tuple(raw.get("produces", produces)),
            consumes=tuple(raw.get("consumes", consumes)),
            raw=raw,
        )
