"""Tests of API version negotiation and request URLs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import httpx
import pytest

from harness.client import (
    Client,
    ConfigError,
    NegotiationPolicy,
    UnsupportedVersionError,
)

if TYPE_CHECKING:
    from conftest import MockDaemon

ClientFactory = Callable[..., Client]


def _version_route(daemon: MockDaemon) -> None:
    daemon.route(
        "GET", "/version", lambda r: httpx.Response(200, json={"ApiVersion": "x"})
    )


def test_downgrades_to_daemon(daemon: MockDaemon, make_client: ClientFactory) -> None:
    _version_route(daemon)
    client = make_client()
    client.system_version()
    assert client.api_version == "1.45"
    assert daemon.paths() == ["HEAD /_ping", "GET /v1.45/version"]


def test_never_upgrades(daemon: MockDaemon, make_client: ClientFactory) -> None:
    daemon.api_version = "1.99"
    client = make_client()
    assert client.negotiate_api_version() == "1.55"


def test_negotiates_once(daemon: MockDaemon, make_client: ClientFactory) -> None:
    _version_route(daemon)
    client = make_client()
    client.system_version()
    client.system_version()
    assert daemon.paths().count("HEAD /_ping") == 1


def test_head_failure_falls_back_to_get(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    _version_route(daemon)
    daemon.ping_status = 503
    client = make_client()
    client.system_version()
    assert daemon.paths()[:2] == ["HEAD /_ping", "GET /_ping"]


def test_head_500_is_final(daemon: MockDaemon, make_client: ClientFactory) -> None:
    _version_route(daemon)
    daemon.ping_status = 500
    client = make_client()
    client.system_version()
    assert daemon.paths() == ["HEAD /_ping", "GET /v1.55/version"]


def test_failed_negotiation_retried(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    _version_route(daemon)
    daemon.ping_status = 503
    client = make_client()
    client.system_version()
    daemon.ping_status = 200
    client.system_version()
    assert daemon.paths() == [
        "HEAD /_ping",
        "GET /_ping",
        "GET /v1.55/version",
        "HEAD /_ping",
        "GET /v1.45/version",
    ]


def test_below_minimum_error(daemon: MockDaemon, make_client: ClientFactory) -> None:
    daemon.api_version = "1.39"
    client = make_client()
    with pytest.raises(UnsupportedVersionError) as caught:
        client.negotiate_api_version()
    assert str(caught.value) == (
        "API version 1.39 is not supported by this client: the minimum "
        "supported API version is 1.40"
    )
    assert client.negotiated is False
    assert client.api_version == "1.55"


def test_below_minimum_request_proceeds(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    _version_route(daemon)
    daemon.api_version = "1.24"
    client = make_client()
    client.system_version()
    assert daemon.paths()[-1] == "GET /v1.55/version"


def test_configured_minimum_accepts_old(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    daemon.api_version = "1.24"
    client = make_client(min_version="1.24")
    assert client.negotiate_api_version() == "1.24"


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (NegotiationPolicy.CURRENT, "1.55"),
        (NegotiationPolicy.CLIENT_V0_1, "1.44"),
        (NegotiationPolicy.ENGINE_V28, "1.24"),
    ],
)
def test_missing_header_policy(
    daemon: MockDaemon,
    make_client: ClientFactory,
    policy: NegotiationPolicy,
    expected: str,
) -> None:
    daemon.api_version = None
    client = make_client(negotiation_policy=policy)
    assert client.negotiate_api_version() == expected


def test_engine_v28_skips_minimum(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    daemon.api_version = "1.12"
    client = make_client(negotiation_policy=NegotiationPolicy.ENGINE_V28)
    assert client.negotiate_api_version() == "1.12"


def test_malformed_daemon_version(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    daemon.api_version = "banana"
    client = make_client()
    with pytest.raises(ConfigError, match="must be formatted"):
        client.negotiate_api_version()


def test_fixed_version_skips_ping(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    _version_route(daemon)
    client = make_client(version="v1.41")
    client.system_version()
    assert daemon.paths() == ["GET /v1.41/version"]


def test_env_version_wins(daemon: MockDaemon) -> None:
    http = httpx.Client(transport=httpx.MockTransport(daemon))
    env = {"DOCKER_API_VERSION": "1.43"}
    client = Client.from_env(env, version="1.30", http_client=http)
    assert client.api_version == "1.43"
    assert client.negotiate_api_version() == "1.43"


def test_env_version_invalid() -> None:
    with pytest.raises(ConfigError) as caught:
        Client.from_env({"DOCKER_API_VERSION": "1"})
    assert str(caught.value) == (
        "invalid API version (1): must be formatted <major>.<minor>"
    )


def test_env_host() -> None:
    client = Client.from_env({"DOCKER_HOST": "tcp://127.0.0.1:2375/base"})
    assert client.host.addr == "127.0.0.1:2375"
    assert client.host.base_path == "/base"


def test_env_empty_values_ignored() -> None:
    client = Client.from_env({"DOCKER_HOST": "", "DOCKER_API_VERSION": ""})
    assert client.host.text == "unix:///var/run/docker.sock"
    assert client.api_version == "1.55"


def test_env_cert_path_missing_files(tmp_path: object) -> None:
    with pytest.raises(ConfigError, match="failed to load TLS files"):
        Client.from_env({"DOCKER_CERT_PATH": str(tmp_path)})


def test_tls_with_http_client_rejected(daemon: MockDaemon) -> None:
    http = httpx.Client(transport=httpx.MockTransport(daemon))
    with pytest.raises(ConfigError, match="TLS setup cannot be verified"):
        Client("https://127.0.0.1:2376", http_client=http)


def test_min_above_max_rejected() -> None:
    with pytest.raises(ConfigError, match="min_version 1.50 is above"):
        Client(min_version="1.50", max_version="1.45")


def test_min_below_oldest_rejected() -> None:
    with pytest.raises(ConfigError, match="oldest supported API version is 1.24"):
        Client(min_version="1.12")


def test_base_path_in_url() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.raw_path.decode())
        return httpx.Response(200, headers={"Api-Version": "1.41"}, json={})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = Client("tcp://127.0.0.1:2375/prefix/", http_client=http)
    client.system_info()
    assert seen == ["/prefix/_ping", "/prefix/v1.41/info"]


def test_headers_sent(daemon: MockDaemon, make_client: ClientFactory) -> None:
    _version_route(daemon)
    client = make_client(headers={"X-Test": "1"})
    client.system_version()
    request = daemon.requests[-1]
    assert request.headers["X-Test"] == "1"
    assert request.headers["User-Agent"].startswith("fakedaemon-harness/")
    assert request.headers["Host"] == "api.moby.localhost"


def test_post_without_body_is_text_plain(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    daemon.route("POST", "/containers/c1/start", lambda r: httpx.Response(204))
    client = make_client()
    client.container_start("c1")
    request = daemon.requests[-1]
    assert request.headers["Content-Type"] == "text/plain"
    assert request.headers["Content-Length"] == "0"


def test_path_escaping(daemon: MockDaemon, make_client: ClientFactory) -> None:
    daemon.route("GET", "/images/a b/json", lambda r: httpx.Response(200, json={}))
    client = make_client(version="1.41")
    client.image_inspect("a b")
    assert daemon.requests[-1].url.raw_path == b"/v1.41/images/a%20b/json"


def test_filters_query(daemon: MockDaemon, make_client: ClientFactory) -> None:
    daemon.route("GET", "/containers/json", lambda r: httpx.Response(200, json=[]))
    client = make_client(version="1.41")
    client.container_list(all=True, filters={"status": ["running"]})
    assert daemon.requests[-1].url.query == (
        b"all=1&filters=%7B%22status%22%3A%7B%22running%22%3Atrue%7D%7D"
    )


def test_filters_list_form_option(
    daemon: MockDaemon, make_client: ClientFactory
) -> None:
    daemon.route("GET", "/images/json", lambda r: httpx.Response(200, json=[]))
    client = make_client(version="1.41", filters_form="list")
    client.image_list(filters={"dangling": {"true": True}})
    assert daemon.requests[-1].url.params["filters"] == '{"dangling":["true"]}'
