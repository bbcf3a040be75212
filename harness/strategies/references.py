"""Strategies for image references with the daemon's normalised forms."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from harness.strategies._options import check_bool

DEFAULT_DOMAIN = "docker.io"
OFFICIAL_PREFIX = "library/"


@dataclass(frozen=True, slots=True)
class ReferenceExample:
    """An image reference as a user types it, with the daemon's reading of it.

    Attributes:
        text: the reference as given.
        valid: whether dockerd accepts it.
        name: the full repository name (``docker.io/library/busybox``).
        familiar_name: the short name (``busybox``).
        tag: the tag, or None.
        digest: the digest, or None.
        error: for an invalid reference, a text the daemon's message contains.
    """

    text: str
    valid: bool
    name: str = ""
    familiar_name: str = ""
    tag: str | None = None
    digest: str | None = None
    error: str = ""

    @property
    def normalized(self) -> str:
        """The full form: ``docker.io/library/busybox:latest`` when tagged."""
        return _format(self.name, self.tag, self.digest)

    @property
    def familiar(self) -> str:
        """The familiar form: ``busybox:latest``."""
        return _format(self.familiar_name, self.tag, self.digest)


def _format(name: str, tag: str | None, digest: str | None) -> str:
    text = name
    if tag is not None:
        text += f":{tag}"
    if digest is not None:
        text += f"@{digest}"
    return text


_COMPONENT = st.from_regex(
    r"[a-z0-9]{1,10}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,6}){0,2}", fullmatch=True
)
# On Docker Hub a first component with a dot would be read as a registry.
_HUB_COMPONENT = st.from_regex(
    r"[a-z0-9]{1,10}(?:(?:_|__|-{1,2})[a-z0-9]{1,6}){0,2}", fullmatch=True
).filter(lambda component: component != "localhost")
_TAG = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_HEX64 = st.from_regex(r"[0-9a-f]{64}", fullmatch=True)
_DIGEST = _HEX64.map("sha256:".__add__)
_REGISTRY = st.one_of(
    st.sampled_from(["localhost", "localhost:5000", "ghcr.io", "[::1]:5000"]),
    st.builds(
        lambda host, port: f"{host}{port}",
        st.from_regex(r"[a-z0-9]{1,8}\.[a-z]{2,4}", fullmatch=True).filter(
            lambda host: host not in ("docker.io", "index.docker.io")
        ),
        st.sampled_from(["", ":443", ":5000"]),
    ),
)
_HUB_PREFIXES = {"hub": "", "hub-explicit": "docker.io/", "legacy": "index.docker.io/"}


@st.composite
def _valid(draw: st.DrawFn) -> ReferenceExample:
    form = draw(st.sampled_from(["hub", "hub-explicit", "legacy", "registry"]))
    tag = draw(st.one_of(st.none(), _TAG))
    digest = draw(st.one_of(st.none(), _DIGEST))

    if form == "registry":
        domain = draw(_REGISTRY)
        path = draw(st.lists(_COMPONENT, min_size=1, max_size=3))
        name = f"{domain}/" + "/".join(path)
        text = _format(name, tag, digest)
        return ReferenceExample(text, True, name, name, tag, digest)

    path = draw(st.lists(_HUB_COMPONENT, min_size=1, max_size=3))
    full_path = ["library", *path] if len(path) == 1 else path
    if len(full_path) == 2 and full_path[0] == "library":
        familiar = full_path[1]
    else:
        familiar = "/".join(full_path)
    name = f"{DEFAULT_DOMAIN}/" + "/".join(full_path)
    text = _format(_HUB_PREFIXES[form] + "/".join(path), tag, digest)
    return ReferenceExample(text, True, name, familiar, tag, digest)


def _acceptable(example: ReferenceExample) -> bool:
    # dockerd reads a 64-hex text as an image id and caps names at 255.
    return len(example.name) <= 255 and not _is_hex64(example.text)


def _is_hex64(text: str) -> bool:
    return len(text) == 64 and all(char in "0123456789abcdef" for char in text)


def _invalid() -> st.SearchStrategy[ReferenceExample]:
    def bad(error: str) -> st.SearchStrategy[str]:
        return st.just(error)

    # The first letter is made uppercase, so the name must start with one.
    upper = st.builds(
        lambda name: name[:1].upper() + name[1:],
        _COMPONENT.filter(lambda name: name[:1].isalpha()),
    )
    cases = st.one_of(
        st.tuples(upper, bad("must be lowercase")),
        st.tuples(st.just(""), bad("invalid reference format")),
        st.tuples(
            _HEX64,
            bad("cannot specify 64-byte hexadecimal strings"),
        ),
        st.tuples(
            st.builds(lambda n, c: n + c, _COMPONENT, st.sampled_from("!$ ,'")),
            bad("invalid reference format"),
        ),
        st.tuples(
            st.builds(lambda n: f"{n}:" + "t" * 129, _COMPONENT),
            bad("invalid reference format"),
        ),
        st.tuples(
            st.builds(lambda n: f"{n}@sha256:abc", _COMPONENT),
            bad("invalid reference format"),
        ),
        st.tuples(
            st.builds(lambda n: "a/" + n + "x" * 260, _COMPONENT),
            bad("must not be more than 255 characters"),
        ),
        st.tuples(
            st.builds(lambda n: f"{n}//{n}", _COMPONENT),
            bad("invalid reference format"),
        ),
    )
    return cases.map(lambda pair: ReferenceExample(pair[0], False, error=pair[1]))


def image_references(*, valid: bool = True) -> st.SearchStrategy[ReferenceExample]:
    """Generate image references with the names dockerd normalises them to.

    Valid references are Docker Hub names (bare, ``docker.io/``, the legacy
    ``index.docker.io/``, with ``library/`` added to single names) and names
    on other registries (with ports, IPv6 literals, ``localhost``), with an
    optional tag and ``sha256`` digest. Invalid ones are uppercase names, the
    empty string, 64-hex names, bad characters, tags over 128 characters,
    short digests, names over 255 characters and empty path components.
    Shrinks toward a one-component Hub name without tag or digest.

    Raises:
        InvalidArgument: ``valid`` is not a bool.
    """
    check_bool("valid", valid)
    return _valid().filter(_acceptable) if valid else _invalid()
