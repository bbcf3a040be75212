"""Differential tests: the client and the docker CLI 28.x against one fake daemon.

Each case configures a fake daemon, runs the docker CLI against it, then the
client with :attr:`NegotiationPolicy.ENGINE_V28` and ``max_version="1.50"``
(the generation and API maximum of the CLI 28.2 client), and compares what
each sent or printed. The expected CLI results were measured with the docker
CLI 28.2.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fakedaemon import Daemon, DaemonConfig
from harness.client import (
    APIError,
    Client,
    ConflictError,
    DockerError,
    InternalError,
    InvalidArgumentError,
    NegotiationPolicy,
    NotFoundError,
    PermissionDeniedError,
    Query,
    UnauthenticatedError,
    UnavailableError,
    UnexpectedStatusError,
    UnimplementedError,
)

pytestmark = pytest.mark.docker_cli

CLI_MAX_VERSION = "1.50"
"""The newest API version of the docker CLI 28.2, where its negotiation starts."""

_VERSION_PREFIX = re.compile(r"^/(v[^/]*)/")


def _missing(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where the CLI is installed."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true requires it)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def docker_cli() -> str:
    """The path of a docker CLI of the 28.x series."""
    executable = shutil.which("docker")
    if executable is None:
        _missing("the docker CLI is not installed on this machine")
    assert executable is not None
    output = subprocess.run(
        [executable, "--version"], capture_output=True, check=True, timeout=30
    ).stdout.decode()
    if not output.startswith("Docker version 28."):
        _missing(f"these cases were measured with the docker CLI 28.x, not {output}")
    return executable


@dataclass
class Setup:
    """A running fake daemon and a way to run the docker CLI against it."""

    daemon: Daemon
    executable: str
    home: Path

    def run_cli(self, *arguments: str) -> subprocess.CompletedProcess[bytes]:
        """Run ``docker ARGUMENTS`` with a fresh configuration directory."""
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(self.home),
            "DOCKER_CONFIG": str(self.home),
            "DOCKER_HOST": self.daemon.docker_host,
            "DOCKER_CLI_HINTS": "false",
        }
        return subprocess.run(
            [self.executable, *arguments],
            capture_output=True,
            env=environment,
            timeout=60,
            check=False,
        )

    def client(self) -> Client:
        """Return a client of the CLI's generation, pointed at the daemon."""
        return Client(
            host=self.daemon.docker_host,
            max_version=CLI_MAX_VERSION,
            negotiation_policy=NegotiationPolicy.ENGINE_V28,
        )

    def first_request(self) -> tuple[str, bool]:
        """Return the version prefix of the first request after the pings,
        and whether a ``GET /_ping`` was sent; then clear the journal."""
        entries = self.daemon.control.journal.entries
        self.daemon.control.journal.clear()
        pinged_with_get = any(
            entry.method == "GET" and entry.path.endswith("/_ping") for entry in entries
        )
        for entry in entries:
            if entry.path.endswith("/_ping"):
                continue
            match = _VERSION_PREFIX.match(entry.path)
            return (match.group(1) if match else ""), pinged_with_get
        raise AssertionError(f"no API request after the ping: {entries}")


@pytest.fixture
def start(docker_cli: str) -> Iterator[Any]:
    """Start fake daemons on short socket paths (unix sockets allow ~107 bytes)."""
    stack: list[tuple[Daemon, tempfile.TemporaryDirectory[str]]] = []

    def launch(
        config: DaemonConfig, faults: tuple[Mapping[str, Any], ...] = ()
    ) -> Setup:
        directory = tempfile.TemporaryDirectory(prefix="fakedaemon-cli-")
        daemon = Daemon(config, hosts=[f"unix://{directory.name}/docker.sock"])
        daemon.start()
        stack.append((daemon, directory))
        daemon.control.faults.extend(faults)
        return Setup(daemon, docker_cli, Path(directory.name))

    yield launch
    for daemon, directory in stack:
        daemon.stop()
        directory.cleanup()


# -- negotiation ---------------------------------------------------------------


@dataclass(frozen=True)
class NegotiationCase:
    """A daemon setup and the version prefix each side used after the ping.

    ``client`` is None when the client must match the CLI; otherwise the
    two differ on purpose and ``reason`` says why.
    """

    id: str
    config: DaemonConfig
    cli: str
    faults: tuple[Mapping[str, Any], ...] = ()
    client: str | None = None
    reason: str = ""


def _ping_fault(**settings: Any) -> tuple[Mapping[str, Any], ...]:
    return ({"path": "/_ping", **settings},)


# A daemon limited to 1.44 shows whether a failing ping still negotiated.
_MAX_144 = DaemonConfig(max_api_version="1.44")

_CLI_LAYER = (
    "the docker CLI itself (not its Go client library) negotiates from the "
    "Api-Version header of a ping that failed; the library, and this client, "
    "keep the maximum after a failed ping"
)

NEGOTIATION_CASES = [
    NegotiationCase("default-1.55", DaemonConfig(), cli="v1.50"),
    NegotiationCase("engine-26.1", DaemonConfig(engine="26.1"), cli="v1.45"),
    NegotiationCase("engine-20.10", DaemonConfig(engine="20.10"), cli="v1.41"),
    NegotiationCase("max-1.44", _MAX_144, cli="v1.44"),
    NegotiationCase("min-1.45", DaemonConfig(min_api_version="1.45"), cli="v1.50"),
    NegotiationCase(
        "no-header", _MAX_144, cli="v1.24", faults=_ping_fault(api_version_header=None)
    ),
    NegotiationCase(
        "empty-header", _MAX_144, cli="v1.24", faults=_ping_fault(api_version_header="")
    ),
    NegotiationCase(
        "header-abc", _MAX_144, cli="vabc", faults=_ping_fault(api_version_header="abc")
    ),
    NegotiationCase(
        "header-1", _MAX_144, cli="v1", faults=_ping_fault(api_version_header="1")
    ),
    NegotiationCase(
        "header-2.0",
        _MAX_144,
        cli="v1.50",
        faults=_ping_fault(api_version_header="2.0"),
    ),
    NegotiationCase(
        "header-1.x", _MAX_144, cli="v1.x", faults=_ping_fault(api_version_header="1.x")
    ),
    NegotiationCase(
        "head-404", _MAX_144, cli="v1.44", faults=_ping_fault(method="HEAD", status=404)
    ),
    NegotiationCase(
        "head-503", _MAX_144, cli="v1.44", faults=_ping_fault(method="HEAD", status=503)
    ),
    NegotiationCase(
        "head-dropped",
        _MAX_144,
        cli="v1.50",
        faults=_ping_fault(method="HEAD", drop_connection=True),
    ),
    NegotiationCase(
        "head-500",
        _MAX_144,
        cli="v1.44",
        faults=_ping_fault(method="HEAD", status=500),
        client="v1.50",
        reason=_CLI_LAYER,
    ),
    NegotiationCase(
        "ping-500",
        _MAX_144,
        cli="v1.44",
        faults=_ping_fault(status=500),
        client="v1.50",
        reason=_CLI_LAYER,
    ),
    NegotiationCase(
        "ping-503",
        _MAX_144,
        cli="v1.44",
        faults=_ping_fault(status=503),
        client="v1.50",
        reason=_CLI_LAYER,
    ),
    NegotiationCase(
        "ping-dropped", _MAX_144, cli="v1.50", faults=_ping_fault(drop_connection=True)
    ),
]


@pytest.mark.parametrize("case", NEGOTIATION_CASES, ids=lambda case: case.id)
def test_negotiated_version(case: NegotiationCase, start: Any) -> None:
    setup = start(case.config, case.faults)

    setup.run_cli("ps")
    cli_version, cli_used_get = setup.first_request()

    with setup.client() as client:
        try:
            client.container_list()
        except DockerError:
            pass  # a garbage version makes the daemon reject the request
    client_version, client_used_get = setup.first_request()

    assert cli_version == case.cli
    assert client_version == (case.client or case.cli), case.reason
    assert client_used_get == cli_used_get


def test_differences_have_reasons() -> None:
    for case in NEGOTIATION_CASES:
        assert (case.client is None) == (case.reason == ""), case.id


def test_failed_ping_keeps_header(start: Any) -> None:
    # The CLI-only rows above rely on the failed ping carrying Api-Version.
    setup = start(_MAX_144, _ping_fault(status=500))
    with setup.client() as client:
        with pytest.raises(InternalError) as caught:
            client.ping()
    response = caught.value.response
    assert response is not None
    assert response.headers.get("Api-Version") == "1.44"


# -- error responses -------------------------------------------------------------


@dataclass(frozen=True)
class ErrorCase:
    """An error response served by a fault and the expected outcome.

    ``cli`` is the CLI's message with ``{url}`` for the request URL, and
    ``client`` the client's message when it differs on purpose (see
    ``reason``).
    """

    id: str
    fault: Mapping[str, Any]
    cli: str
    error_class: type[APIError] = InternalError
    client: str | None = None
    reason: str = ""
    command: tuple[str, ...] = ("container", "inspect", "missing")
    operation: str = "ContainerInspect"


_LOWERCASE = (
    "the CLI 28.2 prints 'Error reading JSON'; the client follows the current "
    "moby client, which wraps the error as 'error reading JSON'"
)


def _json_error(id: str, body: str, cli_reason: str) -> ErrorCase:
    """A case whose body is invalid JSON sent as ``application/json``."""
    return ErrorCase(
        id,
        {"status": 500, "body": body, "content_type": "application/json"},
        cli=f"Error reading JSON: {cli_reason}",
        client=f"error reading JSON: {cli_reason}",
        reason=_LOWERCASE,
    )


_STATUS_CLASSES: list[tuple[int, type[APIError]]] = [
    (400, InvalidArgumentError),
    (401, UnauthenticatedError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (500, InternalError),
    (501, UnimplementedError),
    (503, UnavailableError),
]

_NO_MESSAGE = (
    "Error response from daemon: API returned a {status} ({text}) but provided "
    "no error-message"
)
_EMPTY = (
    "request returned 500 Internal Server Error for API route and version {url}, "
    "check if the server supports the requested API version"
)
_TOO_LONG = (
    "request returned 500 Internal Server Error with a message (> 1048576 bytes) "
    "for API route and version {url}, check if the server supports the requested "
    "API version"
)
_HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>"

ERROR_CASES = [
    *(
        ErrorCase(
            f"json-{status}",
            {"status": status, "body": {"message": "x"}},
            cli="Error response from daemon: x",
            error_class=error_class,
        )
        for status, error_class in _STATUS_CLASSES
    ),
    ErrorCase(
        "no-message-500",
        {"status": 500, "body": {}},
        cli=_NO_MESSAGE.format(status=500, text="Internal Server Error"),
    ),
    ErrorCase(
        "no-message-404",
        {"status": 404, "body": {"other": "x"}},
        cli=_NO_MESSAGE.format(status=404, text="Not Found"),
        error_class=NotFoundError,
    ),
    ErrorCase(
        "json-null",
        {"status": 500, "body": "null", "content_type": "application/json"},
        cli=_NO_MESSAGE.format(status=500, text="Internal Server Error"),
    ),
    ErrorCase(
        "extra-fields",
        {"status": 409, "body": {"message": "x", "code": 7, "detail": {"a": [1]}}},
        cli="Error response from daemon: x",
        error_class=ConflictError,
    ),
    ErrorCase(
        "key-case",
        {"status": 500, "body": {"MESSAGE": "x"}},
        cli="Error response from daemon: x",
    ),
    ErrorCase(
        "message-spaces",
        {"status": 500, "body": {"message": " \t x y \n"}},
        cli="Error response from daemon: x y",
    ),
    ErrorCase(
        "body-spaces",
        {
            "status": 500,
            "body": ' \n\t{"message": "x"} \r\n',
            "content_type": "application/json",
        },
        cli="Error response from daemon: x",
    ),
    ErrorCase(
        "charset-json",
        {
            "status": 500,
            "body": '{"message":"x"}',
            "content_type": "application/json; charset=utf-8",
        },
        cli='Error response from daemon: {"message":"x"}',
    ),
    ErrorCase(
        "text-plain",
        {"status": 503, "body": "\n  x y \t\n", "content_type": "text/plain"},
        cli="Error response from daemon: x y",
        error_class=UnavailableError,
    ),
    ErrorCase(
        "proxy-html",
        {"status": 502, "body": _HTML + "\n", "content_type": "text/html"},
        cli=f"Error response from daemon: {_HTML}",
        error_class=UnexpectedStatusError,
    ),
    ErrorCase(
        "status-418",
        {"status": 418, "body": {"message": "x"}},
        cli="Error response from daemon: x",
        error_class=UnexpectedStatusError,
    ),
    ErrorCase(
        "empty-json",
        {"status": 500, "body": b"", "content_type": "application/json"},
        cli=_EMPTY,
    ),
    ErrorCase(
        "empty-text",
        {"status": 500, "body": b"", "content_type": "text/plain"},
        cli=_EMPTY,
    ),
    ErrorCase(
        "body-1.5MiB",
        {"status": 500, "body": "x" * (1536 * 1024), "content_type": "text/plain"},
        cli=_TOO_LONG,
    ),
    _json_error("json-cut-off", '{"message": "x"', "unexpected end of JSON input"),
    _json_error("json-spaces-only", "  \n", "unexpected end of JSON input"),
    _json_error(
        "json-not-json",
        "not json",
        "invalid character 'o' in literal null (expecting 'u')",
    ),
    _json_error(
        "json-html",
        _HTML,
        "invalid character '<' looking for beginning of value",
    ),
    _json_error(
        "json-single-quotes",
        "{'message': 'x'}",
        "invalid character '\\'' looking for beginning of object key string",
    ),
    _json_error(
        "json-no-colon",
        '{"message" "x"}',
        "invalid character '\"' after object key",
    ),
    _json_error(
        "json-trailing-comma",
        '{"message": "x",}',
        "invalid character '}' looking for beginning of object key string",
    ),
    _json_error(
        "json-after-value",
        '{"message": "x"} y',
        "invalid character 'y' after top-level value",
    ),
    _json_error(
        "json-bad-escape",
        '{"message": "\\q"}',
        "invalid character 'q' in string escape code",
    ),
    _json_error(
        "json-bad-number",
        '{"message": 1.e5}',
        "invalid character 'e' after decimal point in numeric literal",
    ),
    _json_error(
        "json-array",
        "[1, 2]",
        "json: cannot unmarshal array into Go value of type types.ErrorResponse",
    ),
    _json_error(
        "json-number-message",
        '{"message": 5}',
        "json: cannot unmarshal number into Go struct field "
        "ErrorResponse.message of type string",
    ),
    ErrorCase(
        "list-json-500",
        {"status": 500, "body": {"message": "x"}},
        cli="Error response from daemon: x",
        command=("ps",),
        operation="ContainerList",
    ),
    ErrorCase(
        "list-no-message",
        {"status": 500, "body": {}},
        cli=_NO_MESSAGE.format(status=500, text="Internal Server Error"),
        command=("ps",),
        operation="ContainerList",
    ),
]


def _call(client: Client, operation: str) -> None:
    if operation == "ContainerList":
        client.container_list()
    else:
        client.container_inspect("missing")


@pytest.mark.parametrize("case", ERROR_CASES, ids=lambda case: case.id)
def test_error_message(case: ErrorCase, start: Any) -> None:
    setup = start(DaemonConfig(), ({"operation": case.operation, **case.fault},))

    completed = setup.run_cli(*case.command)
    # The CLI prints the error's text and a newline on stderr.
    cli_message = completed.stderr.decode().removesuffix("\n")
    api_path = setup.daemon.control.journal.calls(case.operation)[0].path

    with setup.client() as client:
        with pytest.raises(APIError) as caught:
            _call(client, case.operation)

    url = client.display_url(api_path, Query())
    assert completed.returncode == 1
    assert cli_message == case.cli.replace("{url}", url)
    assert str(caught.value) == (case.client or case.cli).replace("{url}", url), (
        case.reason
    )
    assert type(caught.value) is case.error_class
