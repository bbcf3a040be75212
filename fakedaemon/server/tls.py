"""TLS for TCP listeners: the server context, the handshake and the client's name."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ssl

logger = logging.getLogger("fakedaemon")

HANDSHAKE_TIMEOUT = 10.0
"""Seconds a client has to finish the TLS handshake before it is dropped."""


@dataclass(frozen=True)
class TLSSettings:
    """The ``--tls*`` flags: certificate, key, CA and whether clients must verify.

    As with dockerd, ``verify`` implies TLS, and a CA given without ``verify``
    checks a client certificate only when the client sends one.
    """

    cert: str
    key: str
    ca_cert: str | None = None
    verify: bool = False


def server_context(settings: TLSSettings) -> ssl.SSLContext:
    """Build the server's SSL context from the certificate, key and CA files.

    Raises:
        ValueError: a file is missing or does not contain what it should.
    """
    # ssl loads here, so that a daemon without TLS listeners does not pay
    # for it at start.
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # dockerd's default TLS configuration accepts TLS 1.2 and newer.
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(settings.cert, settings.key)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(
            f"could not load X509 key pair from {settings.cert} and "
            f"{settings.key}: {error}"
        ) from None
    if settings.verify and not settings.ca_cert:
        raise ValueError("--tlsverify needs --tlscacert: the CA that signs clients")
    if settings.ca_cert:
        try:
            context.load_verify_locations(cafile=settings.ca_cert)
        except (OSError, ssl.SSLError) as error:
            raise ValueError(
                f"could not read CA certificate {settings.ca_cert}: {error}"
            ) from None
        required = settings.verify
        context.verify_mode = ssl.CERT_REQUIRED if required else ssl.CERT_OPTIONAL
    return context


def handshake(context: ssl.SSLContext) -> Callable[[socket.socket], socket.socket]:
    """Return the ``wrap`` function of ``WSGIServer``: a server-side handshake.

    The handshake runs on the connection's own thread, under a timeout, so a
    client that never speaks cannot hold the listener.
    """
    import ssl

    def wrap(connection: socket.socket) -> socket.socket:
        connection.settimeout(HANDSHAKE_TIMEOUT)
        try:
            wrapped = context.wrap_socket(connection, server_side=True)
        except (ssl.SSLError, OSError):
            connection.close()
            raise
        wrapped.settimeout(None)
        return wrapped

    return wrap


def peer_common_name(connection: socket.socket) -> str | None:
    """Return the common name (CN) of the verified client certificate, if any."""
    getpeercert = getattr(connection, "getpeercert", None)
    if getpeercert is None:
        return None
    try:
        certificate = getpeercert()
    except ValueError:
        return None
    if not certificate:
        return None
    for attributes in certificate.get("subject", ()):
        for name, value in attributes:
            if name == "commonName":
                return str(value)
    return None
