"""Swarm identifiers: object ids, join tokens and unlock keys.

SwarmKit writes object ids as a random 128-bit number in base 36, padded to
25 characters; join tokens are ``SWMTKN-1-<root CA digest>-<secret>`` with a
50-character and a 25-character base-36 part; unlock keys are
``SWMKEY-1-`` and 32 random bytes in unpadded standard base64.
"""

from __future__ import annotations

import base64

from ...ids import IdSource

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def base36(number: int, width: int) -> str:
    """Write ``number`` in lowercase base 36, left-padded with zeros to ``width``."""
    digits = ""
    while number:
        number, remainder = divmod(number, 36)
        digits = _DIGITS[remainder] + digits
    return digits.rjust(width, "0")[-width:]


def object_id(ids: IdSource) -> str:
    """Return a new 25-character object id (node, service, task, secret...)."""
    return base36(int(ids.hex_id(32), 16), 25)


def token_secret(ids: IdSource) -> str:
    """Return the 25-character random part of a join token."""
    return object_id(ids)


def ca_digest(ids: IdSource) -> str:
    """Return the 50-character part of a join token that names the root CA."""
    return base36(int(ids.hex_id(64), 16), 50)


def join_token(digest: str, secret: str) -> str:
    """Return a join token from its root CA digest and its secret."""
    return f"SWMTKN-1-{digest}-{secret}"


def is_join_token(token: str) -> bool:
    """Return whether ``token`` has the form of a SwarmKit join token."""
    parts = token.split("-")
    return (
        len(parts) == 4
        and parts[0] == "SWMTKN"
        and parts[1] == "1"
        and len(parts[2]) == 50
        and len(parts[3]) == 25
        and all(c in _DIGITS for c in parts[2] + parts[3])
    )


UNLOCK_KEY_PREFIX = "SWMKEY-1-"


def unlock_key(ids: IdSource) -> str:
    """Return a new human-readable unlock key."""
    raw = bytes.fromhex(ids.hex_id(64))
    return UNLOCK_KEY_PREFIX + base64.b64encode(raw).decode("ascii").rstrip("=")


def parse_unlock_key(key: str) -> bytes | None:
    """Return the bytes of a human-readable unlock key, or None when malformed."""
    if not key.startswith(UNLOCK_KEY_PREFIX):
        return None
    body = key[len(UNLOCK_KEY_PREFIX) :]
    if "=" in body:
        return None
    try:
        return base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except ValueError:
        return None
