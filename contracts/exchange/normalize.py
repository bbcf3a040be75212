"""Normalise values that change from run to run, so two exchanges compare.

A :class:`Normalizer` lives for one scenario. It replaces every 64-hex id
with ``<id-N>`` and its 12-hex short form with ``<id-N:short>``, so the
same id always gets the same placeholder. On its own a normaliser numbers
ids in order of first appearance. The verifier gives both sides of a
comparison one :class:`IdNumbering` and lets the replayed side translate
each id to the recorded id it was paired with first, so an id missing on
one side changes only its own placeholder, not every later one.
Swarm object ids (25 base-36 digits) share that numbering as
``<swarm-id-N>``; join tokens, unlock keys, certificates and the root CA's
public key, made up anew by every swarm, become fixed tokens.
Generated container names become ``<name-N>`` in order of appearance.
Timestamps, sizes, counters, kernel versions, paths under the data root,
sandbox keys, pids and addresses become fixed tokens such as ``<time>``.
The rules are described in docs/contracts.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

# An id starts after a character that is not a hex digit, or right after a
# percent escape such as the %22 before an id in a URL-encoded filter.
_ID_START = r"(?:(?<![0-9a-f])|(?<=%[0-9A-Fa-f]{2}))"
LONG_ID = re.compile(_ID_START + r"[0-9a-f]{64}(?![0-9a-f])")
# Twelve hex digits with at least one letter: a bare 12-digit number is far
# more likely a size or a count than a short id.
SHORT_ID = re.compile(
    r"(?:(?<![0-9a-f<])|(?<=%[0-9A-Fa-f]{2}))(?=[0-9]*[a-f])[0-9a-f]{12}(?![0-9a-f])"
)
# Twelve decimal digits, which are a short id only when a known id starts
# with them: about one random id in 280 has no letter in its first twelve.
DIGITS_SHORT_ID = re.compile(
    r"(?:(?<![0-9a-f<])|(?<=%[0-9A-Fa-f]{2}))[0-9]{12}(?![0-9a-f])"
)
# A swarm object id (node, service, task, secret, config, the swarm itself):
# 25 lowercase base-36 digits, where a URL-encoded filter may put a percent
# escape right before it.
SWARM_ID = re.compile(
    r"(?:(?<![0-9A-Za-z])|(?<=%[0-9A-Fa-f]{2}))[0-9a-z]{25}(?![0-9A-Za-z])"
)
# Secrets a swarm makes up when it is created: the join tokens (the digest
# of the root CA, then a secret per role), the unlock key, the certificates.
JOIN_TOKEN = re.compile(r"SWMTKN-1-[0-9a-z]{50}-([0-9a-z]{25})")
UNLOCK_KEY = re.compile(r"SWMKEY-1-[A-Za-z0-9+/]{43}")
CERTIFICATE = re.compile(
    r"-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]*-----END CERTIFICATE-----\n?"
)
RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})"
)
ZERO_TIME = "0001-01-01T00:00:00Z"
# The human durations of `Status` in container lists ("Up 3 seconds",
# "Exited (0) About a minute ago").
DURATION = re.compile(
    r"\b(?:Less than a second|About an? (?:minute|hour)|"
    r"\d+ (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?))\b"
)
# Names the Engine generates for unnamed containers: adjective_surname, with a
# digit suffix after a collision.
GENERATED_NAME = re.compile(r"^/?([a-z]+_[a-z]+[0-9]?)$")

UNIX_SECONDS_KEYS = frozenset({"Created", "time"})
UNIX_NANOS_KEYS = frozenset({"timeNano"})
SIZE_KEYS = frozenset(
    {"Size", "VirtualSize", "SizeRw", "SizeRootFs", "SharedSize", "LayersSize"}
)
# Info counters and resources depend on the machine and on everything else
# the daemon runs.
COUNTER_KEYS = frozenset(
    {
        "Containers",
        "ContainersRunning",
        "ContainersPaused",
        "ContainersStopped",
        "Images",
        "NCPU",
        "MemTotal",
        "NFd",
        "NGoroutines",
        "NEventsListener",
    }
)
KERNEL_KEYS = frozenset({"KernelVersion", "Kernel"})
PATH_KEYS = frozenset(
    {
        "DockerRootDir",
        "LogPath",
        "ResolvConfPath",
        "HostnamePath",
        "HostsPath",
        "MergedDir",
        "UpperDir",
        "LowerDir",
        "WorkDir",
        "Mountpoint",
    }
)
PID_KEYS = frozenset({"Pid", "PID"})
ADDRESS_KEYS = frozenset(
    {"IPAddress", "MacAddress", "GlobalIPv6Address", "LinkLocalIPv6Address"}
)
SANDBOX_KEYS = frozenset({"SandboxKey"})
# The public key of a swarm's root CA, made up when the swarm is created.
PUBLIC_KEY_KEYS = frozenset({"CertIssuerPublicKey"})
# Strings naming the Engine build; they differ between a real Engine and a
# fake of the same release (packaging suffixes, commits, Go versions).
VERSION_KEYS = frozenset(
    {
        "Version",
        "GitCommit",
        "GoVersion",
        "BuildTime",
        "ServerVersion",
        "DockerVersion",
        "EngineVersion",
    }
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class IdNumbering:
    """Placeholder numbers of ids, long and short, in order of first appearance.

    One numbering may serve two normalisers, so that an id and the id it
    was paired with get the same number on both sides of a comparison.
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._shorts: dict[str, int] = {}
        self._count = 0

    def long(self, value: str) -> int:
        """Return the number of a 64-hex or swarm id, numbering new ids."""
        number = self._ids.get(value)
        if number is None:
            number = self._shorts.get(value[:12]) or self._next_number()
            self._ids[value] = number
        return number

    def short(self, value: str) -> int:
        """Return the number of a 12-hex short id (that of its long id if known)."""
        number = self._shorts.get(value)
        if number is None:
            number = (
                next(
                    (
                        n
                        for long_id, n in self._ids.items()
                        if long_id.startswith(value)
                    ),
                    None,
                )
                or self._next_number()
            )
            self._shorts[value] = number
        return number

    def _next_number(self) -> int:
        self._count += 1
        return self._count


def _same_id(value: str) -> str:
    return value


class Normalizer:
    """Replace volatile values with stable tokens, consistently per scenario.

    Args:
        versions: also replace Engine version strings (``Server`` header,
            ``Version``, ``GitCommit``...), for comparing one Engine with
            another build of the same release.
        numbering: the id numbers to use; share one between the two sides
            of a comparison. A new numbering by default.
        canonical: maps an id (64-hex or 12-hex short) to the id whose
            number it takes, such as the recorded id a replayed id was
            paired with. Ids map to themselves by default.
    """

    def __init__(
        self,
        *,
        versions: bool = True,
        numbering: IdNumbering | None = None,
        canonical: Callable[[str], str] | None = None,
    ) -> None:
        self.versions = versions
        self._numbering = numbering if numbering is not None else IdNumbering()
        self._canonical = canonical or _same_id
        self._seen: dict[str, int] = {}
        self._names: dict[str, int] = {}
        self._join_secrets: dict[str, int] = {}

    # Placeholders -------------------------------------------------------

    def id_placeholder(self, value: str) -> str:
        """Return the placeholder of a 64-hex id, numbering new ids."""
        number = self._numbering.long(self._canonical(value))
        self._seen[value] = number
        return f"<id-{number}>"

    def swarm_placeholder(self, value: str) -> str:
        """Return the placeholder of a 25-character swarm object id."""
        return f"<swarm-id-{self._numbering.long(self._canonical(value))}>"

    def join_secret_placeholder(self, value: str) -> str:
        """Return the placeholder of a join token's secret, by first appearance."""
        number = self._join_secrets.setdefault(value, len(self._join_secrets) + 1)
        return f"SWMTKN-1-<ca-digest>-<join-secret-{number}>"

    def short_placeholder(self, value: str) -> str:
        """Return the placeholder of a 12-hex short id (of a known id if any)."""
        return f"<id-{self._numbering.short(self._canonical(value))}:short>"

    def _known_short(self, match: re.Match[str]) -> str:
        """Return the placeholder of digits that start a seen id, or the digits."""
        digits = match.group()
        if any(seen.startswith(digits) for seen in self._seen):
            return self.short_placeholder(digits)
        return digits

    def name_placeholder(self, name: str) -> str:
        """Return the placeholder of a generated container name."""
        number = self._names.setdefault(name, len(self._names) + 1)
        return f"<name-{number}>"

    def ids(self) -> dict[str, str]:
        """Return every long id seen, mapped to its placeholder."""
        return {value: f"<id-{number}>" for value, number in self._seen.items()}

    def names(self) -> dict[str, str]:
        """Return every generated name seen, mapped to its placeholder."""
        return {value: f"<name-{number}>" for value, number in self._names.items()}

    # Values -------------------------------------------------------------

    def learn_names(self, value: Any) -> None:
        """Register the generated names found under ``Name`` and ``Names`` keys."""
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("Name", "Names", "name"):
                    for candidate in item if isinstance(item, list) else [item]:
                        if isinstance(candidate, str):
                            match = GENERATED_NAME.match(candidate)
                            if match:
                                self.name_placeholder(match.group(1))
                self.learn_names(item)
        elif isinstance(value, list):
            for item in value:
                self.learn_names(item)

    def text(self, value: str) -> str:
        """Normalise the volatile parts of a string."""
        value = JOIN_TOKEN.sub(
            lambda match: self.join_secret_placeholder(match.group(1)), value
        )
        value = UNLOCK_KEY.sub("SWMKEY-1-<unlock-key>", value)
        value = CERTIFICATE.sub("<certificate>", value)
        value = LONG_ID.sub(lambda match: self.id_placeholder(match.group()), value)
        # Before short ids: twelve of a swarm id's digits may all be hex.
        value = SWARM_ID.sub(lambda match: self.swarm_placeholder(match.group()), value)
        value = SHORT_ID.sub(lambda match: self.short_placeholder(match.group()), value)
        if self._seen:
            value = DIGITS_SHORT_ID.sub(self._known_short, value)
        value = RFC3339.sub(
            lambda match: match.group() if match.group() == ZERO_TIME else "<time>",
            value,
        )
        value = DURATION.sub("<duration>", value)
        for name, placeholder in self.names().items():
            if name in value:
                pattern = rf"(?<![\w-]){re.escape(name)}(?![\w-])"
                value = re.sub(pattern, placeholder, value)
        return value

    def value(self, value: Any, key: str | None = None) -> Any:
        """Normalise a decoded JSON value; ``key`` is the name it was found under."""
        if key in MEASURED_KEYS:
            return _measured(value)
        if isinstance(value, dict):
            found = {name: self.value(item, name) for name, item in value.items()}
            return _node_host(found) if key == "Description" else found
        if isinstance(value, list):
            return [self.value(item, key) for item in value]
        rule = _key_rule(key, self.versions) if key is not None else None
        if rule is not None:
            replaced = rule(value)
            if replaced is not None:
                return replaced
        if isinstance(value, str):
            return self.text(value)
        return value


def _node_host(description: dict[str, Any]) -> dict[str, Any]:
    """Replace the host's name and resources in a swarm node's ``Description``."""
    if isinstance(description.get("Hostname"), str) and description["Hostname"]:
        description["Hostname"] = "<hostname>"
    resources = description.get("Resources")
    if isinstance(resources, dict):
        for name in ("NanoCPUs", "MemoryBytes"):
            if _is_number(resources.get(name)):
                resources[name] = "<count>"
    return description


# The host folder of a named volume lies under the daemon's data root; a
# bind mount's source is the client's own path and stays.
VOLUME_DATA = re.compile(r"^/.*/volumes/([^/]+)/_data$")


def _volume_source(value: Any) -> Any:
    found = VOLUME_DATA.match(value) if isinstance(value, str) else None
    return f"<data-root>/volumes/{found.group(1)}/_data" if found else None


# Resource usage of a container (`GET /containers/{id}/stats`): every
# number under these keys is a measurement of the machine, so only the
# shape is compared.
MEASURED_KEYS = frozenset(
    {"cpu_stats", "precpu_stats", "memory_stats", "blkio_stats", "pids_stats"}
)


def _measured(value: Any) -> Any:
    if isinstance(value, dict):
        return {name: _measured(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_measured(item) for item in value]
    if _is_number(value):
        return "<measured>"
    return value


# A daemon's own identity (`ID` in /info): the fingerprint of its libtrust
# key before Engine 23.0, a UUID since. The shape stays compared.
KEY_FINGERPRINT = re.compile(r"^(?:[A-Z2-7]{4}:){11}[A-Z2-7]{4}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _daemon_identity(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    if KEY_FINGERPRINT.match(value):
        return "<key-fingerprint>"
    return "<uuid>" if UUID.match(value) else None


def _key_rule(key: str, versions: bool) -> Callable[[Any], Any] | None:
    """Return the replacement for values under ``key``, or None to keep them."""
    if key in UNIX_SECONDS_KEYS:
        return lambda value: "<unix>" if _is_number(value) and value > 0 else None
    if key in UNIX_NANOS_KEYS:
        return lambda value: "<unix-nano>" if _is_number(value) and value > 0 else None
    if key in SIZE_KEYS:
        return lambda value: "<size>" if _is_number(value) and value > 0 else None
    if key in COUNTER_KEYS:
        return lambda value: "<count>" if _is_number(value) else None
    if key in PID_KEYS:
        return lambda value: "<pid>" if _is_number(value) and value > 0 else None
    if key in KERNEL_KEYS:
        return _token_if_text("<kernel>")
    if key in PATH_KEYS:
        return _token_if_text("<path>")
    if key == "Source":
        return _volume_source
    if key == "ID":
        return _daemon_identity
    if key in PUBLIC_KEY_KEYS:
        return _token_if_text("<public-key>")
    if key in SANDBOX_KEYS:
        return _token_if_text("<sandbox-key>")
    if key in ADDRESS_KEYS:
        return _token_if_text("<address>")
    if versions and key in VERSION_KEYS:
        return _token_if_text("<version>")
    return None


def _token_if_text(token: str) -> Callable[[Any], Any]:
    return lambda value: token if isinstance(value, str) and value else None


def normalize_server(value: str) -> str:
    """Replace the release in a ``Server`` header such as ``Docker/26.1.5 (linux)``."""
    return re.sub(r"^Docker/\S+", "Docker/<version>", value)
