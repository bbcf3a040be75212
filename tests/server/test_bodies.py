"""Request bodies on the wire: chunked encoding, lengths and broken bodies."""

from __future__ import annotations

import json
import socket

import pytest

from fakedaemon import Daemon

CREATE = (
    b"POST /v1.45/containers/create HTTP/1.1\r\nHost: d\r\n"
    b"Content-Type: application/json\r\n"
)


def exchange(daemon: Daemon, request: bytes, *, half_close: bool = True) -> bytes:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(daemon.addresses[0].path)
    sock.settimeout(10)
    with sock:
        sock.sendall(request)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return received
            received += chunk


def status_and_message(response: bytes) -> tuple[str, str]:
    head, _, body = response.partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].decode()
    document = json.loads(body.decode()) if body.startswith(b"{") else {}
    message = document.get("message", "")
    return status, message


@pytest.mark.parametrize(
    ("size", "message"),
    [
        (b"fffff", "invalid JSON: unexpected EOF"),
        (b"100000000", "invalid JSON: unexpected EOF"),
        (b"ffffffffffffffffff", "invalid JSON: http chunk length too large"),
        (b"zz", "invalid JSON: invalid byte in chunk length"),
        (b"-2", "invalid JSON: invalid byte in chunk length"),
    ],
)
def test_broken_chunk_sizes(daemon: Daemon, size: bytes, message: str) -> None:
    request = CREATE + b"Transfer-Encoding: chunked\r\n\r\n" + size + b'\r\n{"Image"'
    status, text = status_and_message(exchange(daemon, request))
    assert status == "HTTP/1.1 400 Bad Request"
    assert text == message


def test_chunk_extension_accepted(daemon: Daemon) -> None:
    body = b'{"Image":"busybox"}'
    request = (
        CREATE
        + b"Transfer-Encoding: chunked\r\n\r\n"
        + b"%x;name=value\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    )
    status, _ = status_and_message(exchange(daemon, request))
    assert status == "HTTP/1.1 201 Created"


def test_document_before_early_end_decodes(daemon: Daemon) -> None:
    request = (
        CREATE + b'Transfer-Encoding: chunked\r\n\r\n13\r\n{"Image":"busybox"}\r\n'
    )
    status, _ = status_and_message(exchange(daemon, request))
    assert status == "HTTP/1.1 201 Created"


def test_content_after_document_rejected(daemon: Daemon) -> None:
    request = CREATE + b"Transfer-Encoding: chunked\r\n\r\n5\r\n{}\r\n0\r\n\r\n"
    status, text = status_and_message(exchange(daemon, request))
    assert status == "HTTP/1.1 400 Bad Request"
    assert text == "unexpected content after JSON"


def test_unsupported_transfer_encoding(daemon: Daemon) -> None:
    request = CREATE + b"Transfer-Encoding: gzip\r\n\r\n{}"
    response = exchange(daemon, request)
    assert response.startswith(b"HTTP/1.1 501 Not Implemented\r\n")
    assert response.count(b"HTTP/1.1") == 1


def test_length_and_chunked_together_rejected(daemon: Daemon) -> None:
    request = CREATE + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}"
    assert exchange(daemon, request).startswith(b"HTTP/1.1 400 Bad Request\r\n")


def test_enormous_content_length_rejected(daemon: Daemon) -> None:
    request = CREATE + b"Content-Length: 99999999999999999999999\r\n\r\n{}"
    assert exchange(daemon, request).startswith(b"HTTP/1.1 400 Bad Request\r\n")


def test_short_body_reports_eof(daemon: Daemon) -> None:
    request = CREATE + b'Content-Length: 50\r\n\r\n{"Image"'
    status, text = status_and_message(exchange(daemon, request))
    assert status == "HTTP/1.1 400 Bad Request"
    assert text == "invalid JSON: unexpected EOF"


def test_raw_high_bytes_in_query(daemon: Daemon) -> None:
    request = b"GET /v1.45/containers/json?all=\xff HTTP/1.1\r\nHost: d\r\n\r\n"
    response = exchange(daemon, request)
    assert response.startswith(b"HTTP/1.1 200 OK\r\n")


def test_missing_host_rejected(daemon: Daemon) -> None:
    response = exchange(daemon, b"GET /_ping HTTP/1.1\r\n\r\n")
    # Engines 20.10 and 26.1 name the cause in the status line and the body.
    status = b"400 Bad Request: missing required Host header"
    assert response.startswith(b"HTTP/1.1 " + status + b"\r\n")
    assert response.endswith(b"\r\n\r\n" + status)


def test_http2_request_line_rejected(daemon: Daemon) -> None:
    response = exchange(daemon, b"GET /_ping HTTP/2.0\r\nHost: d\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 505 HTTP Version Not Supported")


def test_unknown_expectation_rejected(daemon: Daemon) -> None:
    response = exchange(
        daemon, b"GET /_ping HTTP/1.1\r\nHost: d\r\nExpect: bogus\r\n\r\n"
    )
    # Go sends the status with an empty body and closes the connection.
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 417 Expectation Failed"
    assert b"Content-Length: 0" in lines
    assert b"Connection: close" in lines
    assert not any(line.startswith(b"Content-Type:") for line in lines)
    assert body == b""


def test_continue_among_expectations(daemon: Daemon) -> None:
    # Go looks for 100-continue in the list, in any case, and sends 100
    # Continue only when a body follows.
    listed = exchange(
        daemon,
        b"GET /_ping HTTP/1.1\r\nHost: d\r\nExpect: 100-continue, other\r\n\r\n",
    )
    bodiless = exchange(
        daemon, b"GET /_ping HTTP/1.1\r\nHost: d\r\nExpect: 100-Continue\r\n\r\n"
    )
    assert listed.startswith(b"HTTP/1.1 200 OK\r\n")
    assert bodiless.startswith(b"HTTP/1.1 200 OK\r\n")


def test_continue_sent_before_body(daemon: Daemon) -> None:
    body = b'{"Image":"busybox"}'
    request = (
        CREATE
        + b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)
        + body
    )
    response = exchange(daemon, request)
    assert response.startswith(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created")
