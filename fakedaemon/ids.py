"""The daemon's source of ids: random by default, reproducible when seeded."""

from __future__ import annotations

import random
import secrets
import threading


class IdSource:
    """Hands out 64-hex-digit object ids and random choices.

    With a seed, the same sequence of calls gives the same ids, so a test run
    can be reproduced byte for byte.
    """

    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed) if seed is not None else None

    def hex_id(self, length: int = 64) -> str:
        """Return a new lowercase hex id of ``length`` digits."""
        with self._lock:
            if self._random is None:
                return secrets.token_hex((length + 1) // 2)[:length]
            return f"{self._random.getrandbits(length * 4):0{length}x}"

    def choice(self, options: list[str]) -> str:
        """Return one of ``options``."""
        with self._lock:
            if self._random is None:
                return secrets.choice(options)
            return self._random.choice(options)
