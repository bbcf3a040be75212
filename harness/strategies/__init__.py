"""Hypothesis strategies for the Engine API's wire forms.

Each strategy generates a value together with what a correct client or
daemon makes of it, so a property test compares the two::

    from hypothesis import given
    from harness.strategies import error_responses

    @given(error_responses())
    def test_decoding(response): ...
"""

from __future__ import annotations

from harness.strategies.bodies import request_bodies as request_bodies
from harness.strategies.chunks import chunkings as chunkings
from harness.strategies.errors import ErrorResponse as ErrorResponse
from harness.strategies.errors import error_responses as error_responses
from harness.strategies.filters import FilterExample as FilterExample
from harness.strategies.filters import filters as filters
from harness.strategies.hosts import HostExample as HostExample
from harness.strategies.hosts import docker_hosts as docker_hosts
from harness.strategies.references import ReferenceExample as ReferenceExample
from harness.strategies.references import image_references as image_references
from harness.strategies.streams import FramedStream as FramedStream
from harness.strategies.streams import ProgressStream as ProgressStream
from harness.strategies.streams import framed_streams as framed_streams
from harness.strategies.streams import progress_streams as progress_streams
from harness.strategies.versions import api_versions as api_versions

__all__ = [
    "ErrorResponse",
    "FilterExample",
    "FramedStream",
    "HostExample",
    "ProgressStream",
    "ReferenceExample",
    "api_versions",
    "chunkings",
    "docker_hosts",
    "error_responses",
    "filters",
    "framed_streams",
    "image_references",
    "progress_streams",
    "request_bodies",
]
