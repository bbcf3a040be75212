"""The app's lean request and response objects against werkzeug's own."""

from __future__ import annotations

from typing import Any

import pytest
from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder, run_wsgi_app
from werkzeug.wrappers import Request, Response

from fakedaemon.api.jsonenc import dump_line
from fakedaemon.api.request import APIRequest
from fakedaemon.api.responses import (
    JSON,
    Buffered,
    empty,
    extend_trusted,
    json_bytes_response,
    json_response,
)

ATTRIBUTES = (
    "method",
    "path",
    "scheme",
    "server",
    "root_path",
    "query_string",
    "remote_addr",
    "full_path",
    "url",
)


def _environ(**overrides: Any) -> dict[str, Any]:
    environ = EnvironBuilder(
        path="/v1.41/containers/json",
        query_string="all=1&filters=%7B%7D&all=0",
        headers=[("Content-Type", "application/json"), ("X-Registry-Auth", "e30=")],
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    ).get_environ()
    environ.update(overrides)
    return environ


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"REQUEST_METHOD": "post"},
        {"PATH_INFO": ""},
        {"PATH_INFO": "//containers//json"},
        # "/containers/é" as a WSGI server passes it: UTF-8 bytes as latin-1.
        {"PATH_INFO": "/containers/\xc3\xa9/json"},
        {"PATH_INFO": "/containers/\xff/json"},
        {"SCRIPT_NAME": "/mounted/"},
        {"QUERY_STRING": ""},
        {"QUERY_STRING": "name=%C3%A9&name=b&size"},
        {"wsgi.url_scheme": "https", "SERVER_PORT": "2376"},
        {"HTTP_HOST": "docker"},
    ],
    ids=repr,
)
def test_request_reads_environ_like_werkzeug(overrides: dict[str, Any]) -> None:
    environ = _environ(**overrides)
    lean = APIRequest(environ)
    full = Request(dict(environ), populate_request=False)
    for name in ATTRIBUTES:
        assert getattr(lean, name) == getattr(full, name), name
    assert lean.args.to_dict(flat=False) == full.args.to_dict(flat=False)
    assert list(lean.headers.items()) == list(full.headers.items())


def test_empty_query_shares_immutable_args() -> None:
    first = APIRequest(_environ(QUERY_STRING=""))
    second = APIRequest(_environ(QUERY_STRING=""))
    assert first.args is second.args
    assert not first.args
    with pytest.raises(TypeError):
        first.args["all"] = "1"


def test_request_body_is_readable() -> None:
    environ = EnvironBuilder(
        method="POST", path="/containers/create", data=b'{"Image":"busybox"}'
    ).get_environ()
    assert APIRequest(environ).get_data() == b'{"Image":"busybox"}'


def _wire(response: Response) -> tuple[str, list[tuple[str, str]], bytes]:
    """Return what werkzeug would send for ``response``."""
    environ = EnvironBuilder(path="/_ping").get_environ()
    body, status, headers = run_wsgi_app(response, environ)
    return status, list(headers.items()), b"".join(body)


@pytest.mark.parametrize(
    ("lean", "werkzeug_made"),
    [
        (
            lambda: json_response({"Id": "abc", "Warnings": []}, status=201),
            lambda: Response(
                dump_line({"Id": "abc", "Warnings": []}), 201, content_type=JSON
            ),
        ),
        (
            lambda: json_bytes_response(b"[]\n"),
            lambda: Response(b"[]\n", 200, content_type=JSON),
        ),
        (
            lambda: json_response({"message": "no such container"}, status=404),
            lambda: Response(
                dump_line({"message": "no such container"}), 404, content_type=JSON
            ),
        ),
        (lambda: empty(), lambda: _without_type(Response(b"", 204))),
        (lambda: empty(304), lambda: _without_type(Response(b"", 304))),
        (lambda: empty(200), lambda: _without_type(Response(b"", 200))),
    ],
    ids=["created", "bytes", "error", "no content", "not modified", "empty 200"],
)
def test_buffered_matches_werkzeug(lean: Any, werkzeug_made: Any) -> None:
    built, reference = lean(), werkzeug_made()
    assert isinstance(built, Buffered)
    assert built.status == reference.status
    assert built.status_code == reference.status_code
    assert list(built.headers.items()) == list(reference.headers.items())
    assert built.get_data() == reference.get_data()
    assert _wire(built) == _wire(reference)


def _without_type(response: Response) -> Response:
    response.headers.remove("Content-Type")
    return response


def test_buffered_stays_editable() -> None:
    response = json_response({"a": 1})
    response.headers["Content-Type"] = "text/plain"
    response.set_data(b"changed")
    assert response.headers["Content-Length"] == "7"
    assert _wire(response)[2] == b"changed"
    assert ("Content-Type", "text/plain") in _wire(response)[1]


def test_trusted_headers_keep_order() -> None:
    headers = Headers([("Content-Type", JSON)])
    extend_trusted(headers, (("Api-Version", "1.41"), ("Ostype", "linux")))
    assert list(headers.items()) == [
        ("Content-Type", JSON),
        ("Api-Version", "1.41"),
        ("Ostype", "linux"),
    ]
    assert headers["api-version"] == "1.41"
