"""Wire encodings the moby client uses: query strings, JSON, filters, auth."""

from __future__ import annotations

import base64
import json
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from harness.client.errors import ConfigError

FiltersForm = Literal["map", "list"]
"""``map`` sends ``{"key":{"value":true}}`` (moby client); ``list`` sends lists."""

Filters = Mapping[str, Iterable[str] | Mapping[str, bool]]
"""Filters as a dict of value lists or a dict of ``{value: bool}`` dicts."""

# Go's encoding/json escapes these for safe embedding in HTML; the daemon
# decodes them the same either way, but recorded bytes then match.
_GO_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def go_json(value: Any, *, sort_keys: bool = False) -> str:
    """Serialise ``value`` compactly as Go's ``json.Marshal`` would.

    Go sorts map keys but keeps struct fields in declaration order, so callers
    pass ``sort_keys=True`` for values that are maps in Go.
    """
    text = json.dumps(
        value, separators=(",", ":"), ensure_ascii=False, sort_keys=sort_keys
    )
    for char, escape in _GO_JSON_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def json_body(value: Any) -> bytes:
    """Encode a request body as Go's ``json.NewEncoder`` does (newline at the end)."""
    return (go_json(value) + "\n").encode()


class Query:
    """Query parameters encoded like Go's ``url.Values.Encode``.

    Keys are sorted, values of one key keep their order, and both are escaped
    with ``QueryEscape`` rules (space as ``+``, only ``A-Za-z0-9-_.~`` kept).
    """

    def __init__(self) -> None:
        self._values: dict[str, list[str]] = {}

    def add(self, key: str, value: str) -> None:
        """Append one value for ``key``."""
        self._values.setdefault(key, []).append(value)

    def set(self, key: str, value: str | None) -> None:
        """Set ``key`` to ``value``, or leave the key out when ``value`` is None."""
        if value is not None:
            self._values[key] = [value]

    def flag(self, key: str, value: bool | None) -> None:
        """Send ``1`` for True; leave the key out for False or None.

        For parameters whose server default is false, this is what the moby
        client sends.
        """
        if value:
            self._values[key] = ["1"]

    def explicit_flag(self, key: str, value: bool | None) -> None:
        """Send ``1`` or ``0``, or nothing for None (server default applies)."""
        if value is not None:
            self._values[key] = ["1" if value else "0"]

    def integer(self, key: str, value: int | None) -> None:
        """Set ``key`` to a decimal integer, or leave it out for None."""
        if value is not None:
            self._values[key] = [str(value)]

    def extend(self, key: str, values: Iterable[str] | None) -> None:
        """Append several values for ``key`` (a repeated parameter)."""
        for value in values or ():
            self.add(key, value)

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __getitem__(self, key: str) -> list[str]:
        return self._values[key]

    def encode(self) -> str:
        """Return the encoded query string without the leading ``?``."""
        parts: list[str] = []
        for key in sorted(self._values):
            escaped_key = urllib.parse.quote_plus(key, safe="")
            for value in self._values[key]:
                escaped = urllib.parse.quote_plus(value, safe="")
                parts.append(f"{escaped_key}={escaped}")
        return "&".join(parts)


def encode_filters(filters: Filters | None, *, form: FiltersForm = "map") -> str | None:
    """Encode a ``filters`` parameter as JSON, or return None for no filters.

    Both input shapes are accepted: ``{"status": ["running"]}`` and
    ``{"status": {"running": True}}``. ``form`` picks the wire shape: ``map``
    (what the moby client sends) or ``list`` (what the swagger documents and
    docker-py sends). Values whose flag is False are dropped from the list form.

    Raises:
        ConfigError: a value is neither a list of strings nor a dict of bools,
            or ``form`` is unknown.
    """
    if not filters:
        return None
    if form not in ("map", "list"):
        raise ConfigError(f"invalid filters form {form!r}: use 'map' or 'list'")

    normalised: dict[str, dict[str, bool]] = {}
    for key, values in filters.items():
        if isinstance(values, Mapping):
            normalised[key] = {str(value): bool(on) for value, on in values.items()}
        elif isinstance(values, str | bytes):
            raise ConfigError(
                f"invalid filter value for {key!r}: expected a list of strings or "
                f"a dict of booleans, got the string {values!r}"
            )
        else:
            normalised[key] = {str(value): True for value in values}

    if form == "map":
        return go_json(normalised, sort_keys=True)
    listed = {
        key: [value for value, on in values.items() if on]
        for key, values in normalised.items()
    }
    return go_json(listed, sort_keys=True)


AUTH_FIELDS = (
    "username",
    "password",
    "auth",
    "email",
    "serveraddress",
    "identitytoken",
    "registrytoken",
)
"""The fields of the Engine API ``AuthConfig``, in the order moby declares them."""


def encode_registry_auth(auth: Mapping[str, str] | None) -> str:
    """Encode credentials for ``X-Registry-Auth``: base64url, padded, of JSON.

    Empty fields are left out (they are ``omitempty`` in Go), and ``None``
    encodes as the empty string, which the daemon reads as no credentials.

    Raises:
        ConfigError: ``auth`` has a key that ``AuthConfig`` does not define.
    """
    if auth is None:
        return ""
    unknown = sorted(set(auth) - set(AUTH_FIELDS))
    if unknown:
        raise ConfigError(
            f"invalid registry auth field(s) {unknown}: use {list(AUTH_FIELDS)}"
        )

    ordered = {field: auth[field] for field in AUTH_FIELDS if auth.get(field)}
    return base64.urlsafe_b64encode(go_json(ordered).encode()).decode()


def encode_registry_config(configs: Mapping[str, Mapping[str, str]]) -> str:
    """Encode ``X-Registry-Config`` (build): base64url JSON keyed by registry."""
    payload = {
        registry: {field: auth[field] for field in AUTH_FIELDS if auth.get(field)}
        for registry, auth in configs.items()
    }
    return base64.urlsafe_b64encode(go_json(payload, sort_keys=True).encode()).decode()
