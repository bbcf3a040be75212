"""Image references parsed and printed as dockerd's ``distribution/reference`` does.

A reference is ``[domain/]path[:tag][@digest]``. Docker Hub names are
normalised: ``busybox`` becomes ``docker.io/library/busybox`` and prints back
in its familiar form ``busybox``. The grammar, the length limit and the error
texts follow ``github.com/distribution/reference`` (``regexp.go``,
``normalize.go``, ``reference.go``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..errors import InvalidParameter

DEFAULT_DOMAIN = "docker.io"
LEGACY_DEFAULT_DOMAIN = "index.docker.io"
OFFICIAL_PREFIX = "library/"
DEFAULT_TAG = "latest"
NAME_TOTAL_LENGTH_MAX = 255

_ALPHANUMERIC = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALPHANUMERIC}(?:{_SEPARATOR}{_ALPHANUMERIC})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"

_REFERENCE = re.compile(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?")
_NAME_PARTS = re.compile(
    rf"(?:({_DOMAIN})/)?({_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*)"
)
_TAG_ONLY = re.compile(_TAG)
_IDENTIFIER = re.compile(r"[a-f0-9]{64}")
_HEX = re.compile(r"[a-f0-9]+")

# Lengths of the hex part for the algorithms go-digest registers.
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}

INVALID_FORMAT = "invalid reference format"


class InvalidReference(InvalidParameter):
    """A reference that does not follow the grammar (400, like dockerd)."""


@dataclass(frozen=True, slots=True)
class Reference:
    """A normalised image reference: domain, path, optional tag and digest."""

    domain: str
    path: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """The full repository name, such as ``docker.io/library/busybox``."""
        return f"{self.domain}/{self.path}"

    @property
    def familiar_name(self) -> str:
        """The repository name as users write it, such as ``busybox``."""
        if self.domain != DEFAULT_DOMAIN:
            return self.name
        parts = self.path.split("/")
        if len(parts) == 2 and parts[0] == OFFICIAL_PREFIX.rstrip("/"):
            return parts[1]
        return self.path

    @property
    def is_name_only(self) -> bool:
        """Whether the reference has neither tag nor digest."""
        return self.tag is None and self.digest is None

    def __str__(self) -> str:
        return self._format(self.name)

    def familiar(self) -> str:
        """Format as users write it: ``busybox:latest``, ``user/app@sha256:...``."""
        return self._format(self.familiar_name)

    def _format(self, name: str) -> str:
        text = name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text

    def trimmed(self) -> Reference:
        """Return the bare repository name without tag and digest."""
        return replace(self, tag=None, digest=None)

    def with_default_tag(self) -> Reference:
        """Add ``latest`` to a name-only reference (dockerd's ``TagNameOnly``)."""
        if self.is_name_only:
            return replace(self, tag=DEFAULT_TAG)
        return self

    def with_tag(self, tag: str) -> Reference:
        """Return this reference with ``tag`` (keeping a digest).

        Raises:
            InvalidReference: ``invalid tag format`` when ``tag`` is malformed.
        """
        if not _TAG_ONLY.fullmatch(tag):
            raise InvalidReference("invalid tag format")
        return replace(self, tag=tag)

    def with_digest(self, digest: str) -> Reference:
        """Return this reference with ``digest`` (keeping a tag)."""
        return replace(self, digest=parse_digest(digest))


@dataclass(frozen=True, slots=True)
class DigestReference:
    """A bare content digest such as ``sha256:<64 hex>``, which names an image id."""

    digest: str

    def __str__(self) -> str:
        return self.digest

    def familiar(self) -> str:
        """Format the digest; a digest has no shorter familiar form."""
        return self.digest


AnyReference = Reference | DigestReference


def parse_digest(text: str) -> str:
    """Validate ``algorithm:hex`` as go-digest's ``Parse`` does.

    Raises:
        InvalidReference: with go-digest's message for a malformed digest.
    """
    algorithm, separator, encoded = text.partition(":")
    if not separator or not algorithm or not encoded:
        raise InvalidReference("invalid checksum digest format")
    expected = _DIGEST_LENGTHS.get(algorithm)
    if expected is None:
        raise InvalidReference("unsupported digest algorithm")
    if len(encoded) != expected:
        raise InvalidReference("invalid checksum digest length")
    if not _HEX.fullmatch(encoded):
        raise InvalidReference("invalid checksum digest format")
    return text


def parse(text: str) -> Reference:
    """Parse a reference that is already in its full form (``Parse``).

    The domain is optional and nothing is normalised, so ``busybox`` gives a
    reference with an empty domain; most callers want ``parse_normalized``.

    Raises:
        InvalidReference: with distribution/reference's message.
    """
    match = _REFERENCE.fullmatch(text)
    if match is None:
        if text == "":
            raise InvalidReference("repository name must have at least one component")
        if _REFERENCE.fullmatch(text.lower()):
            raise InvalidReference(
                f"{INVALID_FORMAT}: repository name must be lowercase"
            )
        raise InvalidReference(INVALID_FORMAT)

    name, tag, digest = match.group(1), match.group(2), match.group(3)
    if len(name) > NAME_TOTAL_LENGTH_MAX:
        raise InvalidReference(
            f"repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters"
        )
    if digest is not None:
        parse_digest(digest)
    domain, path = _split_domain(name)
    return Reference(domain, path, tag, digest)


def _split_domain(name: str) -> tuple[str, str]:
    # Like the anchored name pattern upstream, the optional domain group is
    # greedy: in a bare Parse the first of two components is the domain.
    match = _NAME_PARTS.fullmatch(name)
    if match is None:
        raise InvalidReference(INVALID_FORMAT)
    return match.group(1) or "", match.group(2)


def parse_normalized(text: str, *, name_in_lowercase_error: bool = True) -> Reference:
    """Parse what a user typed into a full reference (``ParseNormalizedNamed``).

    Args:
        text: such as ``busybox``, ``user/app:1`` or ``ghcr.io/a/b@sha256:...``.
        name_in_lowercase_error: name the repository in the lowercase error,
            as distribution/reference 0.5 and later (Engine 24 and later) do;
            Engine 20.10 reports only ``repository name must be lowercase``.

    Raises:
        InvalidReference: with dockerd's message.
    """
    if _IDENTIFIER.fullmatch(text):
        raise InvalidReference(
            f"invalid repository name ({text}), cannot specify 64-byte "
            "hexadecimal strings"
        )

    domain, remainder = split_docker_domain(text)
    # The lowercase check looks at the text before the first colon, so a
    # digest's algorithm stays in the name shown in the message.
    remote_name = remainder.split(":", 1)[0]
    if remote_name.lower() != remote_name:
        if name_in_lowercase_error:
            raise InvalidReference(
                f"{INVALID_FORMAT}: repository name ({remote_name}) must be lowercase"
            )
        raise InvalidReference(f"{INVALID_FORMAT}: repository name must be lowercase")

    parsed = parse(f"{domain}/{remainder}")
    if not parsed.domain:
        # The joined text always starts with a domain; a failed split means
        # the remainder itself was malformed.
        raise InvalidReference(INVALID_FORMAT)
    return parsed


def split_docker_domain(text: str) -> tuple[str, str]:
    """Split ``text`` into a registry domain and the rest, adding Docker Hub's.

    The first component is a domain only when it contains ``.`` or ``:``, is
    ``localhost`` or has uppercase letters; otherwise Docker Hub is assumed and
    single-component names get the ``library/`` prefix.
    """
    first, separator, rest = text.partition("/")
    if not separator or (
        "." not in first
        and ":" not in first
        and first != "localhost"
        and first.lower() == first
    ):
        domain, remainder = DEFAULT_DOMAIN, text
    else:
        domain, remainder = first, rest
    if domain == LEGACY_DEFAULT_DOMAIN:
        domain = DEFAULT_DOMAIN
    if domain == DEFAULT_DOMAIN and "/" not in remainder:
        remainder = OFFICIAL_PREFIX + remainder
    return domain, remainder


def parse_any(text: str, *, name_in_lowercase_error: bool = True) -> AnyReference:
    """Parse a name or an image id, as dockerd's ``ParseAnyReference`` does.

    A 64-hex string and a valid ``sha256:<hex>`` digest become a
    ``DigestReference``; anything else is parsed as a normalised name, so
    ``sha256:9`` is the repository ``sha256`` with tag ``9``.
    """
    if _IDENTIFIER.fullmatch(text):
        return DigestReference(f"sha256:{text}")
    try:
        return DigestReference(parse_digest(text))
    except InvalidReference:
        pass
    return parse_normalized(text, name_in_lowercase_error=name_in_lowercase_error)


def is_full_id(text: str) -> bool:
    """Return whether ``text`` is a full image id: 64 hex or ``sha256:`` and 64."""
    bare = text.removeprefix("sha256:")
    return _IDENTIFIER.fullmatch(bare) is not None


def is_id_prefix(image_id: str, text: str) -> bool:
    """Return whether ``text`` names ``image_id`` by id (``isImageIDPrefix``).

    ``image_id`` is ``sha256:<hex>``; ``text`` may be a prefix of either the
    whole id or of its hex part.
    """
    if not text:
        return False
    if image_id.startswith(text):
        return True
    _, _, encoded = image_id.partition(":")
    return encoded.startswith(text)


def short_id(image_id: str) -> str:
    """Return the 12-digit form of an id, without its ``sha256:`` prefix."""
    return image_id.partition(":")[2][:12] if ":" in image_id else image_id[:12]
