"""TLS on loopback TCP: handshakes, client verification and the client's name."""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from fakedaemon import Daemon, DaemonConfig
from fakedaemon.server.tls import TLSSettings, server_context


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def files(tmp_path: Path, authority: trustme.CA) -> dict[str, Path]:
    server = authority.issue_cert("127.0.0.1", "localhost")
    paths = {
        "ca": tmp_path / "ca.pem",
        "cert": tmp_path / "server-cert.pem",
        "key": tmp_path / "server-key.pem",
    }
    authority.cert_pem.write_to_path(str(paths["ca"]))
    server.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    server.private_key_pem.write_to_path(str(paths["key"]))
    return paths


def tls_config(files: dict[str, Path], **settings: object) -> DaemonConfig:
    return DaemonConfig(
        tls=True,
        tls_cert=str(files["cert"]),
        tls_key=str(files["key"]),
        tls_ca_cert=str(files["ca"]),
        **settings,  # type: ignore[arg-type]
    )


def client_context(
    authority: trustme.CA, common_name: str | None = None
) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    authority.configure_trust(context)
    if common_name is not None:
        authority.issue_cert(
            f"{common_name}@clients.test", common_name=common_name
        ).configure_cert(context)
    return context


@pytest.fixture
def verifying(files: dict[str, Path]) -> Iterator[Daemon]:
    config = tls_config(files, tls_verify=True)
    with Daemon(config, hosts=["tcp://127.0.0.1:0"]) as running:
        yield running


def base_url(daemon: Daemon) -> str:
    return f"https://127.0.0.1:{daemon.addresses[0].port}"


def test_verified_client_served(verifying: Daemon, authority: trustme.CA) -> None:
    context = client_context(authority, "alice")
    response = httpx.get(base_url(verifying) + "/_ping", verify=context)
    assert response.text == "OK"


def test_client_without_certificate_rejected(
    verifying: Daemon, authority: trustme.CA
) -> None:
    context = client_context(authority)
    with pytest.raises(
        (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)
    ):
        httpx.get(base_url(verifying) + "/_ping", verify=context)


def test_client_of_other_ca_rejected(verifying: Daemon, authority: trustme.CA) -> None:
    stranger = trustme.CA()
    context = client_context(authority)
    stranger.issue_cert("mallory@clients.test", common_name="mallory").configure_cert(
        context
    )
    with pytest.raises(
        (httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)
    ):
        httpx.get(base_url(verifying) + "/_ping", verify=context)


def test_plain_http_on_tls_port_fails(verifying: Daemon) -> None:
    url = f"http://127.0.0.1:{verifying.addresses[0].port}/_ping"
    with pytest.raises(httpx.HTTPError):
        httpx.get(url, timeout=5)


def test_tls_without_verify_allows_anonymous(
    files: dict[str, Path], authority: trustme.CA
) -> None:
    with Daemon(tls_config(files), hosts=["tcp://127.0.0.1:0"]) as daemon:
        response = httpx.get(
            base_url(daemon) + "/_ping", verify=client_context(authority)
        )
    assert response.text == "OK"


def test_unix_socket_stays_plain(files: dict[str, Path], tmp_path: Path) -> None:
    socket_path = tmp_path / "d.sock"
    config = tls_config(files, tls_verify=True)
    with Daemon(config, hosts=[f"unix://{socket_path}"]):
        transport = httpx.HTTPTransport(uds=str(socket_path))
        with httpx.Client(transport=transport, base_url="http://docker") as client:
            assert client.get("/_ping").text == "OK"


def test_common_name_reaches_policy(
    files: dict[str, Path], authority: trustme.CA, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "name": "tls-policy",
                "rules": [
                    {
                        "action": "deny",
                        "users": ["guest"],
                        "methods": ["POST"],
                        "message": "guests are read-only",
                    }
                ],
            }
        )
    )
    config = tls_config(files, tls_verify=True, authorization_rules=str(rules))
    with Daemon(config, hosts=["tcp://127.0.0.1:0"]) as daemon:
        url = base_url(daemon) + "/containers/create"
        guest = httpx.post(
            url, json={"Image": "busybox"}, verify=client_context(authority, "guest")
        )
        admin = httpx.post(
            url, json={"Image": "busybox"}, verify=client_context(authority, "admin")
        )
    assert guest.status_code == 403
    assert guest.json() == {
        "message": "authorization denied by plugin tls-policy: guests are read-only"
    }
    assert admin.status_code == 201


def test_missing_key_file_reported(files: dict[str, Path], tmp_path: Path) -> None:
    settings = TLSSettings(cert=str(files["cert"]), key=str(tmp_path / "absent.pem"))
    with pytest.raises(ValueError, match="could not load X509 key pair"):
        server_context(settings)


def test_verify_needs_ca(files: dict[str, Path]) -> None:
    settings = TLSSettings(cert=str(files["cert"]), key=str(files["key"]), verify=True)
    with pytest.raises(ValueError, match="--tlscacert"):
        server_context(settings)
