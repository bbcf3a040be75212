"""A loaded Engine API specification: operations, routing, schemas."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft4Validator

from contracts.spec.failures import (
    ContractFailure,
    UndocumentedOperation,
    Where,
    raise_failures,
)
from contracts.spec.operations import (
    HTTP_METHODS,
    Operation,
    OperationInfo,
)
from contracts.spec.refs import JSONObject, inline_refs, resolve
from contracts.spec.request_checks import Query, check_request
from contracts.spec.response_checks import check_response
from contracts.spec.routing import RouteMatch, Router
from contracts.spec.schema import definitions_to_json_schema, to_json_schema


class Specification:
    """One Swagger 2.0 Engine API document, ready for matching and validation.

    Build it with :func:`contracts.spec.load_spec` or
    :func:`contracts.spec.load_version`, which cache parsed documents.
    Instances do not change after construction apart from their validator
    caches, which a lock guards, so they are safe to share between threads.
    """

    def __init__(self, document: Mapping[str, Any], *, source: str = "") -> None:
        if document.get("swagger") != "2.0":
            raise ValueError(
                f"{source or 'document'} is not a Swagger 2.0 document "
                f"(swagger: {document.get('swagger')!r})"
            )
        self.document: JSONObject = document
        self.source = source
        info = document.get("info", {})
        self.version = str(info.get("version", ""))
        self.base_path = str(document.get("basePath", ""))
        produces = tuple(document.get("produces", ["application/json"]))
        consumes = tuple(document.get("consumes", ["application/json"]))
        self._operations = tuple(self._build_operations(produces, consumes))
        self._by_id = {op.operation_id: op for op in self._operations}
        self.router = Router(self._operations)
        self._lock = threading.Lock()
        self._definitions: dict[bool, dict[str, dict[str, Any]]] = {}
        self._validators: dict[
            tuple[int, bool], tuple[JSONObject, Draft4Validator]
        ] = {}

    def __repr__(self) -> str:
        return f"<Specification API {self.version} from {self.source or '?'}>"

    def _build_operations(
        self, produces: tuple[str, ...], consumes: tuple[str, ...]
    ) -> list[Operation]:
        operations = []
        for path, item in self.document.get("paths", {}).items():
            shared = [resolve(self.document, p) for p in item.get("parameters", [])]
            for method, raw in item.items():
                if method not in HTTP_METHODS:
                    continue
                own = [resolve(self.document, p) for p in raw.get("parameters", [])]
                operations.append(
                    Operation.from_swagger(
                        method,
                        path,
                        {**raw, "parameters": own},
                        path_parameters=shared,
                        produces=produces,
                        consumes=consumes,
                    )
                )
        return operations

    @property
    def operations(self) -> tuple[Operation, ...]:
        """All operations, in document order."""
        return self._operations

    def list_operations(self) -> list[OperationInfo]:
        """Return ``(method, path, operation_id, tag)`` rows, sorted by path."""
        return sorted(
            (op.info for op in self._operations), key=lambda row: (row[1], row[0])
        )

    def operation(self, operation_id: str) -> Operation:
        """Return the operation with this operationId.

        Raises:
            KeyError: when the specification has no such operation.
        """
        try:
            return self._by_id[operation_id]
        except KeyError:
            raise KeyError(
                f"API {self.version} has no operation {operation_id!r}"
            ) from None

    def find(self, method: str, path: str) -> RouteMatch | None:
        """Return the operation matching ``method`` and ``path``, or None."""
        return self.router.match(method, path)

    def match(self, method: str, path: str) -> RouteMatch:
        """Return the operation matching ``method`` and ``path``.

        Raises:
            UndocumentedOperation: when no template and method fit; the
                message lists the methods documented for the path, if any.
        """
        found = self.router.match(method, path)
        if found is not None:
            return found
        methods = self.router.methods_for(path)
        detail = (
            f"the path is documented only for {', '.join(methods)}"
            if methods
            else "no path template of the specification fits the path"
        )
        raise UndocumentedOperation(
            f"{method.upper()} is not documented for this path: {detail}",
            where=Where(self.version, method.upper(), path),
        )

    def resolve(self, schema: JSONObject) -> JSONObject:
        """Follow ``$ref`` links from ``schema`` to the schema they name."""
        return resolve(self.document, schema)

    def inline(self, schema: JSONObject) -> Any:
        """Return ``schema`` with its references inlined (recursion kept as refs)."""
        return inline_refs(self.document, schema)

    def definition(self, name: str) -> JSONObject:
        """Return the Swagger schema of ``definitions/<name>``.

        Raises:
            KeyError: when there is no such definition.
        """
        definitions: Mapping[str, JSONObject] = self.document.get("definitions", {})
        return definitions[name]

    def json_schema(
        self, schema: JSONObject, *, nil_collections: bool = False
    ) -> dict[str, Any]:
        """Return a self-contained draft 4 JSON Schema for a Swagger schema.

        The result carries every converted definition under ``definitions``,
        so its ``$ref`` pointers resolve inside it. ``nil_collections`` is
        explained in :func:`contracts.spec.schema.to_json_schema`.
        """
        converted = to_json_schema(schema, nil_collections=nil_collections)
        return {
            "definitions": self._json_definitions(nil_collections),
            "allOf": [converted],
        }

    def validator(
        self, schema: JSONObject, *, nil_collections: bool = False
    ) -> Draft4Validator:
        """Return a cached draft 4 validator for a schema of this document."""
        key = (id(schema), nil_collections)
        with self._lock:
            cached = self._validators.get(key)
        if cached is not None and cached[0] is schema:
            return cached[1]
        validator = Draft4Validator(
            self.json_schema(schema, nil_collections=nil_collections)
        )
        with self._lock:
            # The schema is kept alongside so its id cannot be reused.
            self._validators[key] = (schema, validator)
        return validator

    def _json_definitions(self, nil_collections: bool) -> dict[str, dict[str, Any]]:
        with self._lock:
            converted = self._definitions.get(nil_collections)
            if converted is None:
                converted = definitions_to_json_schema(
                    self.document.get("definitions", {}),
                    nil_collections=nil_collections,
                )
                self._definitions[nil_collections] = converted
            return converted

    def check_response(
        self,
        method: str,
        path: str,
        status: int,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        *,
        strict: bool = False,
        nil_collections: bool = True,
    ) -> list[ContractFailure]:
        """Return the failures of a response (empty when it conforms).

        See :func:`contracts.spec.response_checks.check_response`.
        """
        return check_response(
            self,
            method,
            path,
            status,
            headers,
            body,
            strict=strict,
            nil_collections=nil_collections,
        )

    def validate_response(
        self,
        method: str,
        path: str,
        status: int,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        *,
        strict: bool = False,
        nil_collections: bool = True,
    ) -> None:
        """Check a response and raise its failures.

        Raises:
            ContractFailure: the one failure found.
            ContractFailureGroup: all failures, when there are several.
        """
        failures = self.check_response(
            method,
            path,
            status,
            headers,
            body,
            strict=strict,
            nil_collections=nil_collections,
        )
        raise_failures(failures, f"{method.upper()} {path} -> {status}")

    def check_request(
        self,
        method: str,
        path: str,
        *,
        query: Query | str | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        strict: bool = False,
        nil_collections: bool = True,
    ) -> list[ContractFailure]:
        """Return the failures of a request (empty when it conforms).

        See :func:`contracts.spec.request_checks.check_request`.
        """
        return check_request(
            self,
            method,
            path,
            query=query,
            headers=headers,
            body=body,
            strict=strict,
            nil_collections=nil_collections,
        )

    def validate_request(
        self,
        method: str,
        path: str,
        *,
        query: Query | str | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
        strict: bool = False,
        nil_collections: bool = True,
    ) -> None:
        """Check a request and raise its failures.

        Raises:
            ContractFailure: the one failure found.
            ContractFailureGroup: all failures, when there are several.
        """
        failures = self.check_request(
            method,
            path,
            query=query,
            headers=headers,
            body=body,
            strict=strict,
            nil_collections=nil_collections,
        )
        raise_failures(failures, f"{method.upper()} {path}")
