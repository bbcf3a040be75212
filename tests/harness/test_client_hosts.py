"""Tests of Docker host parsing."""

from __future__ import annotations

import pytest

from harness.client import ConfigError, parse_host


def test_unix_host() -> None:
    host = parse_host("unix:///var/run/docker.sock")
    assert host.proto == "unix"
    assert host.addr == "/var/run/docker.sock"
    assert host.base_path == ""


def test_tcp_host_with_prefix() -> None:
    host = parse_host("tcp://127.0.0.1:2375/custom/prefix")
    assert host.proto == "tcp"
    assert host.addr == "127.0.0.1:2375"
    assert host.base_path == "/custom/prefix"


def test_tcp_host_without_prefix() -> None:
    host = parse_host("tcp://localhost:2376")
    assert host.addr == "localhost:2376"
    assert host.base_path == ""


@pytest.mark.parametrize("proto", ["http", "https"])
def test_http_hosts(proto: str) -> None:
    host = parse_host(f"{proto}://127.0.0.1:2375")
    assert host.proto == proto
    assert host.addr == "127.0.0.1:2375"


@pytest.mark.parametrize("text", ["", "localhost:2375", "tcp://", "unix://", "://x"])
def test_malformed_host(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_host(text)
    assert str(caught.value) == f"unable to parse docker host `{text}`"


def test_npipe_rejected() -> None:
    with pytest.raises(ConfigError, match="only on Windows"):
        parse_host("npipe:////./pipe/docker_engine")


def test_ssh_rejected() -> None:
    with pytest.raises(ConfigError, match="ssh:// hosts are not supported"):
        parse_host("ssh://user@example")


def test_unknown_protocol_rejected() -> None:
    with pytest.raises(ConfigError, match="unsupported protocol 'udp'"):
        parse_host("udp://127.0.0.1:1")


def test_unix_url_authority_escaped() -> None:
    host = parse_host("unix:///var/run/docker.sock")
    assert host.url_authority == "%2Fvar%2Frun%2Fdocker.sock"
