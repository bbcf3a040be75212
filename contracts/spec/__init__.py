"""The upstream Engine API specifications, made usable.

Load a Swagger 2.0 document per API version, list its operations, match a
method and path to an operation, and check requests and responses against
it::

    spec = load_version(folder, "1.41")
    spec.validate_response("GET", "/v1.41/version", 200, headers, body)

``check_*`` methods return a list of :class:`ContractFailure`; the
``validate_*`` methods raise them (several at once as a
:class:`ContractFailureGroup`).
"""

from __future__ import annotations

from contracts.spec.document import Specification as Specification
from contracts.spec.failures import ContractFailure as ContractFailure
from contracts.spec.failures import ContractFailureGroup as ContractFailureGroup
from contracts.spec.failures import InvalidHeader as InvalidHeader
from contracts.spec.failures import InvalidParameter as InvalidParameter
from contracts.spec.failures import MalformedBody as MalformedBody
from contracts.spec.failures import MissingHeader as MissingHeader
from contracts.spec.failures import MissingParameter as MissingParameter
from contracts.spec.failures import SchemaViolation as SchemaViolation
from contracts.spec.failures import UndocumentedField as UndocumentedField
from contracts.spec.failures import UndocumentedOperation as UndocumentedOperation
from contracts.spec.failures import UndocumentedParameter as UndocumentedParameter
from contracts.spec.failures import UndocumentedStatus as UndocumentedStatus
from contracts.spec.failures import UnexpectedContentType as UnexpectedContentType
from contracts.spec.failures import Where as Where
from contracts.spec.loader import SpecificationNotFound as SpecificationNotFound
from contracts.spec.loader import available_versions as available_versions
from contracts.spec.loader import clear_cache as clear_cache
from contracts.spec.loader import load_spec as load_spec
from contracts.spec.loader import load_version as load_version
from contracts.spec.loader import parse_spec as parse_spec
from contracts.spec.loader import spec_path as spec_path
from contracts.spec.operations import Operation as Operation
from contracts.spec.operations import OperationInfo as OperationInfo
from contracts.spec.operations import Parameter as Parameter
from contracts.spec.operations import Response as Response
from contracts.spec.refs import RefError as RefError
from contracts.spec.routing import RouteMatch as RouteMatch
from contracts.spec.routing import split_version_prefix as split_version_prefix
from contracts.spec.schema import to_json_schema as to_json_schema

__all__ = [
    "ContractFailure",
    "ContractFailureGroup",
    "InvalidHeader",
    "InvalidParameter",
    "MalformedBody",
    "MissingHeader",
    "MissingParameter",
    "Operation",
    "OperationInfo",
    "Parameter",
    "RefError",
    "Response",
    "RouteMatch",
    "SchemaViolation",
    "Specification",
    "SpecificationNotFound",
    "UndocumentedField",
    "UndocumentedOperation",
    "UndocumentedParameter",
    "UndocumentedStatus",
    "UnexpectedContentType",
    "Where",
    "available_versions",
    "clear_cache",
    "load_spec",
    "load_version",
    "parse_spec",
    "spec_path",
    "split_version_prefix",
    "to_json_schema",
]
