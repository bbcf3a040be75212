"""The daemon's settings, from flags, a configuration file or Python."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .profiles import DEFAULT_PROFILE, EngineProfile, get_profile
from .versions import OLDEST, APIVersion


@dataclass
class DaemonConfig:
    """Settings of one daemon; every field has a default that works in tests."""

    engine: str | None = None
    """Engine profile name; None answers as Engine 29.x with API 1.24 to 1.55."""
    min_api_version: str | None = None
    max_api_version: str | None = None
    experimental: bool = False
    debug: bool = False
    labels: list[str] = field(default_factory=list)
    seed: int | None = None
    offline: bool = False
    # The host the daemon pretends to run on (fakedaemon.rigs.RIGS).
    rig: str = "default"
    deny: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=lambda: ["busybox:latest"])
    architecture: str = "amd64"
    name: str = "fakedaemon"
    ncpu: int = 2
    mem_total: int = 8 * 1024**3
    environ: dict[str, str] | None = None
    data_root: str | None = None
    """Folder where state is saved and restored; None keeps state in memory."""
    api_cors_header: str = ""
    """``Access-Control-Allow-Origin`` value; empty sends no CORS headers."""
    authorization_rules: str | None = None
    """JSON file of the authorization policy (``fakedaemon.authz``)."""
    tls: bool = False
    tls_verify: bool = False
    tls_ca_cert: str | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    group: str | None = None
    """Group (name or number) that owns the unix sockets."""
    pidfile: str | None = None
    log_level: str = "info"
    log_format: str = "text"
    save_delay: float = 0.2
    """Seconds a state change waits before it is saved under ``data_root``."""

    def profile(self) -> EngineProfile:
        """Return the engine profile with this configuration's API range applied.

        ``DOCKER_MIN_API_VERSION`` lowers or raises the minimum as dockerd
        25.0 and later honour it; an explicit ``min_api_version`` wins.
        """
        profile = get_profile(self.engine or DEFAULT_PROFILE)
        if self.engine is None:
            # Without a chosen profile, old clients work out of the box.
            profile = profile.with_api_range(minimum=OLDEST)
        environ = os.environ if self.environ is None else self.environ
        minimum_text = self.min_api_version or environ.get("DOCKER_MIN_API_VERSION")
        minimum = (
            validate_min_api_version(minimum_text, profile.max_api)
            if minimum_text
            else None
        )
        maximum = (
            APIVersion.parse(self.max_api_version) if self.max_api_version else None
        )
        return profile.with_api_range(minimum, maximum)


def validate_min_api_version(text: str, maximum: APIVersion) -> APIVersion:
    """Check a minimum API version as dockerd's ``ValidateMinAPIVersion`` does."""
    value = text.strip()
    if not value:
        raise ValueError("value is empty")
    if value.startswith("v"):
        raise ValueError('API version must be provided without "v" prefix')
    try:
        version = APIVersion.parse(value)
    except ValueError:
        raise ValueError(f"invalid API version: {value}") from None
    if version < OLDEST:
        raise ValueError(f"minimum supported API version is {OLDEST}: {value}")
    if version > maximum:
        raise ValueError(f"maximum supported API version is {maximum}: {value}")
    return version
