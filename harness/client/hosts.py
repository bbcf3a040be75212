"""Docker host strings (``unix://``, ``tcp://`` ...) parsed like moby's client."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from harness.client.errors import ConfigError

DEFAULT_HOST = "unix:///var/run/docker.sock"
"""The host used when neither the caller nor ``DOCKER_HOST`` names one."""

DUMMY_HOST = "api.moby.localhost"
"""The ``Host`` header sent over unix sockets, where there is no host name."""


@dataclass(frozen=True, slots=True)
class Host:
    """A parsed Docker host.

    Attributes:
        proto: ``unix``, ``tcp``, ``http`` or ``https``.
        addr: the socket path for ``unix``, else ``host:port``.
        base_path: the path prefix of a ``tcp://host:port/prefix`` host, or "".
        text: the host string as given.
    """

    proto: str
    addr: str
    base_path: str
    text: str

    @property
    def is_unix(self) -> bool:
        """Whether the daemon listens on a unix socket."""
        return self.proto == "unix"

    @property
    def url_authority(self) -> str:
        """The host part of request URLs, as Go's ``url.URL`` prints it.

        For unix sockets moby puts the socket path in the URL's host, so error
        messages show it escaped, e.g. ``http://%2Fvar%2Frun%2Fdocker.sock``.
        """
        if self.is_unix:
            return urllib.parse.quote(self.addr, safe="!$&'()*+,;=:[]<>\"")
        return self.addr


def parse_host(text: str) -> Host:
    """Parse a Docker host string the way moby's ``ParseHostURL`` does.

    The text must contain ``proto://addr``. For ``tcp``, ``http`` and ``https``
    hosts, a path after the address becomes the base path of every request.

    Raises:
        ConfigError: the text is malformed or names a protocol this client
            cannot use on Linux (``npipe``) or does not implement (``ssh``).
    """
    proto, separator, addr = text.partition("://")
    if not separator or not addr or not proto:
        raise ConfigError(f"unable to parse docker host `{text}`")

    if proto == "npipe":
        raise ConfigError(
            f"cannot use docker host `{text}`: named pipes (npipe://) exist only "
            "on Windows; use unix:// or tcp://"
        )
    if proto == "ssh":
        raise ConfigError(
            f"cannot use docker host `{text}`: ssh:// hosts are not supported by "
            "this client; forward the daemon's socket and use unix:// or tcp://"
        )
    if proto == "unix":
        return Host(proto, addr, "", text)
    if proto not in ("tcp", "http", "https"):
        raise ConfigError(
            f"cannot use docker host `{text}`: unsupported protocol {proto!r}; "
            "use unix://, tcp://, http:// or https://"
        )

    parsed = urllib.parse.urlsplit(f"tcp://{addr}")
    if not parsed.netloc:
        raise ConfigError(f"unable to parse docker host `{text}`")
    return Host(proto, parsed.netloc, parsed.path, text)
