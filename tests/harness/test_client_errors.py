"""Tests of error decoding: messages, classes and transport errors."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

from harness.client import (
    APIError,
    Client,
    ConflictError,
    ConnectError,
    DockerError,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    RequestTimeout,
    UnexpectedStatusError,
)
from harness.client.errors import (
    FailedPreconditionError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
    error_class_for_status,
)

if TYPE_CHECKING:
    from conftest import MockDaemon

ClientFactory = Callable[..., Client]
URL = "http://%2Fvar%2Frun%2Fdocker.sock/v1.41/containers/c1/json"


def _fail_with(
    daemon: MockDaemon, make_client: ClientFactory, response: httpx.Response
) -> APIError:
    daemon.route("GET", "/containers/c1/json", lambda r: response)
    client = make_client(version="1.41")
    with pytest.raises(APIError) as caught:
        client.container_inspect("c1")
    return caught.value


def test_json_message(daemon: MockDaemon, make_client: ClientFactory) -> None:
    response = httpx.Response(404, json={"message": "No such container: c1\n"})
    error = _fail_with(daemon, make_client, response)
    assert str(error) == "Error response from daemon: No such container: c1"
    assert isinstance(error, NotFoundError)
    assert error.status == 404


def test_error_carries_request(daemon: MockDaemon, make_client: ClientFactory) -> None:
    response = httpx.Response(409, json={"message": "conflict"})
    error = _fail_with(daemon, make_client, response)
    assert error.request is not None
    assert error.request.url.path == "/v1.41/containers/c1/json"
    assert error.response is not None
    assert error.response.status_code == 409


def test_empty_body(daemon: MockDaemon, make_client: ClientFactory) -> None:
    error = _fail_with(daemon, make_client, httpx.Response(500))
    assert str(error) == (
        f"request returned 500 Internal Server Error for API route and version "
        f"{URL}, check if the server supports the requested API version"
    )


def test_body_over_limit(daemon: MockDaemon, make_client: ClientFactory) -> None:
    response = httpx.Response(
        404, content=b"x" * (1024 * 1024), headers={"Content-Type": "text/plain"}
    )
    error = _fail_with(daemon, make_client, response)
    assert str(error) == (
        "request returned 404 Not Found with a message (> 1048576 bytes) for API "
        f"route and version {URL}, check if the server supports the requested "
        "API version"
    )


def test_body_just_under_limit(daemon: MockDaemon, make_client: ClientFactory) -> None:
    response = httpx.Response(400, content=b"y" * (1024 * 1024 - 1))
    error = _fail_with(daemon, make_client, response)
    assert str(error).startswith("Error response from daemon: yyy")


def test_json_with_charset_is_text(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    response = httpx.Response(
        400,
        content=b'{"message":"bad"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    error = _fail_with(daemon, make_client, response)
    assert str(error) == 'Error response from daemon: {"message":"bad"}'


def test_invalid_json(daemon: MockDaemon, make_client: ClientFactory) -> None:
    response = httpx.Response(
        500, content=b"<html>", headers={"Content-Type": "application/json"}
    )
    error = _fail_with(daemon, make_client, response)
    assert str(error) == (
        "error reading JSON: invalid character '<' looking for beginning of value"
    )
    assert isinstance(error, InternalError)


def test_truncated_json(daemon: MockDaemon, make_client: ClientFactory) -> None:
    response = httpx.Response(
        500, content=b'{"message":', headers={"Content-Type": "application/json"}
    )
    error = _fail_with(daemon, make_client, response)
    assert str(error) == "error reading JSON: unexpected end of JSON input"


def test_json_without_message(daemon: MockDaemon, make_client: ClientFactory) -> None:
    error = _fail_with(daemon, make_client, httpx.Response(409, json={"other": 1}))
    assert str(error) == (
        "Error response from daemon: API returned a 409 (Conflict) but provided "
        "no error-message"
    )
    assert isinstance(error, ConflictError)


def test_plain_text_trimmed(daemon: MockDaemon, make_client: ClientFactory) -> None:
    response = httpx.Response(
        400,
        content=b"  client version 1.99 is too new\n",
        headers={"Content-Type": "text/plain; charset=utf-8"},
    )
    error = _fail_with(daemon, make_client, response)
    assert str(error) == "Error response from daemon: client version 1.99 is too new"
    assert isinstance(error, InvalidArgumentError)


def test_html_body(daemon: MockDaemon, make_client: ClientFactory) -> None:
    response = httpx.Response(
        502,
        content=b"<html>Bad Gateway</html>\n",
        headers={"Content-Type": "text/html"},
    )
    error = _fail_with(daemon, make_client, response)
    assert str(error) == "Error response from daemon: <html>Bad Gateway</html>"
    assert isinstance(error, UnexpectedStatusError)


def test_304_is_success(daemon: MockDaemon, make_client: ClientFactory) -> None:
    daemon.route("POST", "/containers/c1/stop", lambda r: httpx.Response(304))
    client = make_client(version="1.41")
    client.container_stop("c1")
    assert daemon.requests[-1].method == "POST"


def test_head_body_skipped(daemon: MockDaemon, make_client: ClientFactory) -> None:
    daemon.route(
        "HEAD",
        "/containers/c1/archive",
        lambda r: httpx.Response(404, json={"message": "not there"}),
    )
    client = make_client(version="1.41")
    with pytest.raises(NotFoundError) as caught:
        client.container_archive_info("c1", path="/x")
    assert str(caught.value) == (
        "request returned 404 Not Found for API route and version "
        "http://%2Fvar%2Frun%2Fdocker.sock/v1.41/containers/c1/archive?path=%2Fx, "
        "check if the server supports the requested API version"
    )


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, InvalidArgumentError),
        (401, UnauthenticatedError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (412, FailedPreconditionError),
        (429, ResourceExhaustedError),
        (500, InternalError),
        (501, UnimplementedError),
        (503, UnavailableError),
        (402, UnexpectedStatusError),
        (502, UnexpectedStatusError),
        (199, UnexpectedStatusError),
    ],
)
def test_status_classes(status: int, cls: type[APIError]) -> None:
    assert error_class_for_status(status) is cls


def test_all_errors_share_root() -> None:
    assert issubclass(UnexpectedStatusError, DockerError)


# httpcore 1.0.9 leaves the socket open when a unix connect fails; the
# ResourceWarning comes from there, not from the client.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_connection_refused(tmp_path: object) -> None:
    with (
        Client(f"unix://{tmp_path}/missing.sock", version="1.41") as client,
        pytest.raises(ConnectError) as caught,
    ):
        client.system_info()
    assert str(caught.value) == (
        f"Cannot connect to the Docker daemon at unix://{tmp_path}/missing.sock. "
        "Is the docker daemon running?"
    )
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    del caught
    gc.collect()


def test_timeout_translated(daemon: MockDaemon, make_client: ClientFactory) -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    daemon.route("GET", "/info", slow)
    client = make_client(version="1.41")
    with pytest.raises(RequestTimeout) as caught:
        client.system_info()
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


def test_redirect_rejected_for_post(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    daemon.route(
        "POST",
        "/containers/c1/start",
        lambda r: httpx.Response(307, headers={"Location": "/elsewhere"}),
    )
    client = make_client(version="1.41")
    with pytest.raises(DockerError, match="unexpected redirect in response"):
        client.container_start("c1")
