"""Strategies for Docker host strings (``DOCKER_HOST`` values)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from harness.strategies._options import check_bool, check_subset

SCHEMES = ("unix", "tcp", "http", "https", "npipe", "ssh")
"""The schemes a Docker client recognises."""


@dataclass(frozen=True, slots=True)
class HostExample:
    """A host string and how a Docker client parses it.

    Attributes:
        text: the ``DOCKER_HOST`` value.
        valid: whether the Engine client's host parsing accepts it.
        proto: the scheme (``unix``, ``tcp`` ...); "" when invalid.
        addr: the socket path, pipe path or ``host:port``; "" when invalid.
        base_path: the path prefix of a tcp/http(s) host (``/prefix``), or "".
    """

    text: str
    valid: bool
    proto: str = ""
    addr: str = ""
    base_path: str = ""


_NAME = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=12)
_SEGMENT = _NAME.filter(lambda name: name not in (".", ".."))
_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?", fullmatch=True)
_HOSTNAMES = st.one_of(
    st.sampled_from(["127.0.0.1", "localhost", "[::1]", "docker"]),
    st.lists(_LABEL, min_size=1, max_size=3).map(".".join),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda parts: ".".join(map(str, parts))),
)
_PORTS = st.integers(min_value=1, max_value=65535)


def _socket_paths() -> st.SearchStrategy[str]:
    return st.lists(_SEGMENT, min_size=1, max_size=4).map(
        lambda parts: "/" + "/".join(parts)
    )


def _network_hosts(proto: str) -> st.SearchStrategy[HostExample]:
    prefixes = st.one_of(
        st.just(""),
        st.lists(_SEGMENT, min_size=1, max_size=3).map(
            lambda parts: "/" + "/".join(parts)
        ),
    )

    def build(host: str, port: int, prefix: str) -> HostExample:
        addr = f"{host}:{port}"
        return HostExample(f"{proto}://{addr}{prefix}", True, proto, addr, prefix)

    return st.builds(build, _HOSTNAMES, _PORTS, prefixes)


def _valid_hosts(proto: str) -> st.SearchStrategy[HostExample]:
    if proto == "unix":
        return _socket_paths().map(
            lambda path: HostExample(f"unix://{path}", True, "unix", path)
        )
    if proto == "npipe":
        names = st.one_of(st.just("docker_engine"), _SEGMENT)
        return names.map(
            lambda name: HostExample(
                f"npipe:////./pipe/{name}", True, "npipe", f"//./pipe/{name}"
            )
        )
    if proto == "ssh":
        users = st.one_of(st.just(""), _LABEL.map(lambda user: user + "@"))
        ports = st.one_of(st.just(""), _PORTS.map(lambda port: f":{port}"))

        def build(user: str, host: str, port: str) -> HostExample:
            addr = f"{user}{host}{port}"
            return HostExample(f"ssh://{addr}", True, "ssh", addr)

        return st.builds(build, users, _HOSTNAMES, ports)
    return _network_hosts(proto)


def _invalid_hosts() -> st.SearchStrategy[HostExample]:
    no_separator = st.one_of(
        _socket_paths(),
        st.builds(lambda host, port: f"{host}:{port}", _HOSTNAMES, _PORTS),
        st.builds(lambda path: f"unix:{path}", _socket_paths()),
        st.builds(lambda host: f"tcp:/{host}", _HOSTNAMES),
    )
    empty_address = st.sampled_from(SCHEMES).map(lambda proto: f"{proto}://")
    empty_scheme = _HOSTNAMES.map(lambda host: f"://{host}")
    return st.one_of(no_separator, empty_address, empty_scheme, st.just("")).map(
        lambda text: HostExample(text, False)
    )


def docker_hosts(
    *, valid: bool = True, schemes: tuple[str, ...] = SCHEMES
) -> st.SearchStrategy[HostExample]:
    """Generate Docker host strings with the parse a Docker client expects.

    With ``valid`` the hosts are well formed for one of ``schemes``:
    ``unix://`` socket paths, ``tcp://``, ``http://`` and ``https://``
    addresses with an optional path prefix (which becomes the base path of
    every request), ``npipe:////./pipe/NAME`` and ``ssh://[user@]host[:port]``.
    Without it they are malformed: no ``://``, an empty address or an empty
    scheme. Shrinks toward the first scheme and short names.

    Raises:
        InvalidArgument: ``valid`` is not a bool or ``schemes`` names an
            unknown scheme.
    """
    check_bool("valid", valid)
    chosen = check_subset("schemes", schemes, SCHEMES)
    if not valid:
        return _invalid_hosts()
    return st.one_of([_valid_hosts(proto) for proto in chosen])
