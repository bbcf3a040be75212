"""API version parsing, comparison and the negotiation policies of the client."""

from __future__ import annotations

import enum
import re

from harness.client.errors import ConfigError

MAX_API_VERSION = "1.55"
"""The newest API version this client speaks, and where negotiation starts."""

MIN_API_VERSION = "1.40"
"""The default minimum: older daemons fail negotiation, as with moby client v0.5."""

OLDEST_API_VERSION = "1.24"
"""The lowest minimum a caller may configure, for daemons older than 19.03."""

_INTEGER = re.compile(r"[+-]?[0-9]+")


class NegotiationPolicy(enum.Enum):
    """What a Docker client generation does when ``/_ping`` has no ``Api-Version``.

    The three generations also differ in whether they check the daemon's
    version against the client's minimum.
    """

    CURRENT = "current"
    """moby client v0.2 and later: keep the client's maximum, check the minimum."""

    CLIENT_V0_1 = "client-v0.1"
    """moby client v0.1.0: fall back to 1.44, check the minimum."""

    ENGINE_V28 = "engine-v28"
    """The client shipped with Engine 28.x: fall back to 1.24, no minimum check."""

    def missing_header_version(self, client_max: str) -> str:
        """Return the version assumed when the daemon sends no ``Api-Version``."""
        if self is NegotiationPolicy.CLIENT_V0_1:
            return "1.44"
        if self is NegotiationPolicy.ENGINE_V28:
            return "1.24"
        return client_max

    @property
    def retries_ping_after_transport_error(self) -> bool:
        """Whether a HEAD ``/_ping`` that failed in transport is retried with GET.

        The Engine 28.x client counts every transport error as a failure to
        connect, so it never retries; a failure to connect is never retried.
        """
        # NOTE: the later generations' behaviour is taken from the moby
        # source comment "We managed to connect, but got some error; continue
        # and try GET request" and has not been run against a Go client.
        return self is not NegotiationPolicy.ENGINE_V28

    @property
    def checks_minimum(self) -> bool:
        """Whether a daemon below the client's minimum fails negotiation."""
        return self is not NegotiationPolicy.ENGINE_V28


def version_key(version: str) -> tuple[int, ...]:
    """Return a sort key that compares versions the way moby's ``versions`` does.

    The parts are split on ``.`` and compared as integers; a part that is not a
    number counts as 0, and a missing part counts as 0.
    """
    parts: list[int] = []
    for part in version.split("."):
        parts.append(int(part) if _INTEGER.fullmatch(part) else 0)

    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def less_than(left: str, right: str) -> bool:
    """Return whether version ``left`` is older than version ``right``."""
    return version_key(left) < version_key(right)


def parse_major_minor(version: str) -> str:
    """Normalise ``MAJOR.MINOR`` to ``"%d.%d"`` or raise :class:`ConfigError`.

    The messages are the ones moby's client returns for a bad version (no
    ``v`` prefix here: callers strip it first).
    """
    if version.startswith("v"):
        raise ConfigError("must be formatted <major>.<minor>")
    if not version.strip():
        raise ConfigError("value is empty")

    major_text, dot, minor_text = version.partition(".")
    if not dot:
        raise ConfigError("must be formatted <major>.<minor>")
    if not _INTEGER.fullmatch(major_text):
        raise ConfigError("invalid major version: must be formatted <major>.<minor>")
    if not _INTEGER.fullmatch(minor_text):
        raise ConfigError("invalid minor version: must be formatted <major>.<minor>")
    return f"{int(major_text)}.{int(minor_text)}"


def parse_fixed_version(version: str) -> str | None:
    """Parse a version fixed by the caller or ``DOCKER_API_VERSION``.

    Surrounding whitespace and one leading ``v`` are ignored, and an empty
    value means "not fixed" (``None``).

    Raises:
        ConfigError: ``invalid API version (<value>): <reason>``.
    """
    trimmed = version.strip()
    value = trimmed.removeprefix("v")
    if not value:
        return None

    try:
        return parse_major_minor(value)
    except ConfigError as error:
        raise ConfigError(f"invalid API version ({trimmed}): {error}") from None
