"""The client over TLS: a certificate folder, requests and a hijacked attach."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from fakedaemon import Daemon, DaemonConfig
from harness.client import Client, ProtocolError, StreamType
from harness.client.tls import TLSConfig


@pytest.fixture
def cert_folder(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Return (client folder, server cert, server key) signed by one CA."""
    authority = trustme.CA()
    server = authority.issue_cert("127.0.0.1", "localhost")
    client = authority.issue_cert("client@tests", common_name="client")
    folder = tmp_path / "certs"
    folder.mkdir()
    authority.cert_pem.write_to_path(str(folder / "ca.pem"))
    client.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    client.private_key_pem.write_to_path(str(folder / "key.pem"))
    server_cert = tmp_path / "server-cert.pem"
    server_key = tmp_path / "server-key.pem"
    server.cert_chain_pems[0].write_to_path(str(server_cert))
    server.private_key_pem.write_to_path(str(server_key))
    return folder, server_cert, server_key


@pytest.fixture
def tls_daemon(cert_folder: tuple[Path, Path, Path]) -> Iterator[Daemon]:
    folder, server_cert, server_key = cert_folder
    config = DaemonConfig(
        tls=True,
        tls_verify=True,
        tls_cert=str(server_cert),
        tls_key=str(server_key),
        tls_ca_cert=str(folder / "ca.pem"),
    )
    with Daemon(config, hosts=["tcp://127.0.0.1:0"]) as running:
        yield running


def test_requests_over_verified_tls(
    tls_daemon: Daemon, cert_folder: tuple[Path, Path, Path]
) -> None:
    host = f"tcp://127.0.0.1:{tls_daemon.addresses[0].port}"
    tls = TLSConfig.from_cert_path(cert_folder[0], verify=True)
    with Client(host=host, tls=tls) as client:
        tags = [tag for image in client.image_list() for tag in image["RepoTags"]]
        assert tags == ["busybox:latest"]


def test_attach_over_verified_tls(
    tls_daemon: Daemon, cert_folder: tuple[Path, Path, Path]
) -> None:
    host = f"tcp://127.0.0.1:{tls_daemon.addresses[0].port}"
    tls = TLSConfig.from_cert_path(cert_folder[0], verify=True)
    with Client(host=host, tls=tls) as client:
        created = client.container_create(
            {"Image": "busybox", "Cmd": ["sh", "-c", "echo out; echo err >&2"]}
        )
        with client.container_attach(created["Id"]) as connection:
            connection.settimeout(10)
            client.container_start(created["Id"])
            frames = list(connection.frames())
        assert frames == [(StreamType.STDOUT, b"out\n"), (StreamType.STDERR, b"err\n")]


def test_stdin_half_close_refused_over_tls(
    tls_daemon: Daemon, cert_folder: tuple[Path, Path, Path]
) -> None:
    host = f"tcp://127.0.0.1:{tls_daemon.addresses[0].port}"
    tls = TLSConfig.from_cert_path(cert_folder[0], verify=True)
    with Client(host=host, tls=tls) as client:
        created = client.container_create(
            {"Image": "busybox", "Cmd": ["cat"], "OpenStdin": True, "StdinOnce": True}
        )
        with client.container_attach(created["Id"], stdin=True) as connection:
            with pytest.raises(ProtocolError, match="half-close"):
                connection.close_stdin()
