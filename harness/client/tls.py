"""TLS settings for tcp:// hosts, loaded from a Docker certificate folder."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

from harness.client.errors import ConfigError


@dataclass(frozen=True, slots=True)
class TLSConfig:
    """Client TLS settings.

    Attributes:
        ca_cert: CA bundle that signs the daemon's certificate; ``None`` uses
            the system's trust store.
        client_cert: client certificate (PEM) for mutual TLS.
        client_key: the client certificate's private key (PEM).
        verify: whether the daemon's certificate and name are checked.
    """

    ca_cert: Path | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    verify: bool = True

    @classmethod
    def from_cert_path(cls, cert_path: str | Path, *, verify: bool) -> TLSConfig:
        """Build settings from a folder holding ``ca.pem``, ``cert.pem``, ``key.pem``.

        All three files are required, as in the moby client: a missing one
        makes :meth:`ssl_context` raise :class:`ConfigError`.
        """
        folder = Path(cert_path)
        return cls(
            ca_cert=folder / "ca.pem",
            client_cert=folder / "cert.pem",
            client_key=folder / "key.pem",
            verify=verify,
        )

    def ssl_context(self) -> ssl.SSLContext:
        """Build an SSL context that requires TLS 1.2 or newer.

        Raises:
            ConfigError: a file cannot be loaded, or only one of the client
                certificate and key is given.
        """
        if (self.client_cert is None) != (self.client_key is None):
            raise ConfigError(
                "TLS client certificate and key must be given together: "
                f"cert={self.client_cert}, key={self.client_key}"
            )

        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        try:
            if self.ca_cert is not None:
                context.load_verify_locations(cafile=str(self.ca_cert))
            if self.client_cert is not None and self.client_key is not None:
                context.load_cert_chain(str(self.client_cert), str(self.client_key))
        except (OSError, ssl.SSLError) as error:
            raise ConfigError(f"failed to load TLS files: {error}") from error

        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context
