"""A Docker Engine API client on httpx that behaves like moby's Go client.

Start with :class:`Client` or :meth:`Client.from_env`; every exception is a
:class:`DockerError` (see :mod:`harness.client.errors` for the tree).
"""

from __future__ import annotations

from harness.client.client import Client as Client
from harness.client.core import PingResult as PingResult
from harness.client.encoding import Query as Query
from harness.client.encoding import encode_filters as encode_filters
from harness.client.encoding import encode_registry_auth as encode_registry_auth
from harness.client.errors import APIError as APIError
from harness.client.errors import ConfigError as ConfigError
from harness.client.errors import ConflictError as ConflictError
from harness.client.errors import ConnectError as ConnectError
from harness.client.errors import DaemonStreamError as DaemonStreamError
from harness.client.errors import DockerError as DockerError
from harness.client.errors import FailedPreconditionError as FailedPreconditionError
from harness.client.errors import InternalError as InternalError
from harness.client.errors import InvalidArgumentError as InvalidArgumentError
from harness.client.errors import NotFoundError as NotFoundError
from harness.client.errors import PermissionDeniedError as PermissionDeniedError
from harness.client.errors import ProgressError as ProgressError
from harness.client.errors import ProtocolError as ProtocolError
from harness.client.errors import RequestTimeout as RequestTimeout
from harness.client.errors import ResourceExhaustedError as ResourceExhaustedError
from harness.client.errors import StreamError as StreamError
from harness.client.errors import TransportError as TransportError
from harness.client.errors import UnauthenticatedError as UnauthenticatedError
from harness.client.errors import UnavailableError as UnavailableError
from harness.client.errors import UnexpectedStatusError as UnexpectedStatusError
from harness.client.errors import UnimplementedError as UnimplementedError
from harness.client.errors import UnsupportedVersionError as UnsupportedVersionError
from harness.client.errors import UpgradeError as UpgradeError
from harness.client.hijack import HijackedConnection as HijackedConnection
from harness.client.hosts import DEFAULT_HOST as DEFAULT_HOST
from harness.client.hosts import Host as Host
from harness.client.hosts import parse_host as parse_host
from harness.client.protocol import APIClient as APIClient
from harness.client.streams import Stream as Stream
from harness.client.streams import StreamType as StreamType
from harness.client.tls import TLSConfig as TLSConfig
from harness.client.versions import MAX_API_VERSION as MAX_API_VERSION
from harness.client.versions import MIN_API_VERSION as MIN_API_VERSION
from harness.client.versions import OLDEST_API_VERSION as OLDEST_API_VERSION
from harness.client.versions import NegotiationPolicy as NegotiationPolicy

__all__ = [
    "DEFAULT_HOST",
    "MAX_API_VERSION",
    "MIN_API_VERSION",
    "OLDEST_API_VERSION",
    "APIClient",
    "APIError",
    "Client",
    "ConfigError",
    "ConflictError",
    "ConnectError",
    "DaemonStreamError",
    "DockerError",
    "FailedPreconditionError",
    "HijackedConnection",
    "Host",
    "InternalError",
    "InvalidArgumentError",
    "NegotiationPolicy",
    "NotFoundError",
    "PermissionDeniedError",
    "PingResult",
    "ProgressError",
    "ProtocolError",
    "Query",
    "RequestTimeout",
    "ResourceExhaustedError",
    "Stream",
    "StreamError",
    "StreamType",
    "TLSConfig",
    "TransportError",
    "UnauthenticatedError",
    "UnavailableError",
    "UnexpectedStatusError",
    "UnimplementedError",
    "UnsupportedVersionError",
    "UpgradeError",
    "encode_filters",
    "encode_registry_auth",
    "parse_host",
]
