"""CORS headers, OPTIONS preflights and the /debug endpoints."""

from __future__ import annotations

import json

from werkzeug.test import Client

from fakedaemon import Daemon, DaemonConfig


def client(**settings: object) -> Client:
    return Client(Daemon(DaemonConfig(**settings)).app)  # type: ignore[arg-type]


def test_cors_headers_sent() -> None:
    response = client(api_cors_header="https://ui.test").get("/_ping")
    assert response.headers["Access-Control-Allow-Origin"] == "https://ui.test"
    assert response.headers["Access-Control-Allow-Methods"] == (
        "HEAD, GET, POST, DELETE, PUT, OPTIONS"
    )
    assert response.headers["Access-Control-Allow-Headers"] == (
        "Origin, X-Requested-With, Content-Type, Accept, X-Registry-Auth"
    )


def test_cors_absent_by_default() -> None:
    response = client().get("/_ping")
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_skips_unknown_path() -> None:
    response = client(api_cors_header="*").get("/nowhere")
    assert response.status_code == 404
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_empty_200() -> None:
    response = client(api_cors_header="*").options("/v1.41/containers/create")
    assert response.status_code == 200
    assert response.data == b""
    assert "Content-Type" not in response.headers
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Api-Version"]


def test_preflight_any_path() -> None:
    assert client().options("/made/up/path").status_code == 200


def test_preflight_version_checked() -> None:
    response = client().options("/v1.99/_ping")
    assert response.status_code == 400


def test_debug_vars_counts_requests() -> None:
    http = client()
    http.get("/_ping")
    http.get("/nowhere")
    response = http.get("/debug/vars")
    variables = json.loads(response.data)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert set(variables) == {"cmdline", "memstats", "fakedaemon"}
    assert variables["fakedaemon"]["statuses"] == {"2xx": 1, "4xx": 1}
    assert variables["fakedaemon"]["operations"]["SystemPing"] == 1
    assert variables["fakedaemon"]["event_listeners"] == 0
    assert variables["fakedaemon"]["log_followers"] == 0


def test_debug_pprof_index_html() -> None:
    response = client().get("/debug/pprof/")
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"goroutine" in response.data


def test_debug_threads_listed() -> None:
    response = client().get("/debug/pprof/goroutine")
    assert response.data.startswith(b"threads: ")


def test_debug_any_method() -> None:
    assert client().post("/debug/vars").status_code == 200


def test_debug_unversioned_only() -> None:
    assert client().get("/v1.41/debug/vars").status_code == 404
