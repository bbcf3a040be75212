"""Engine profiles: the versions a daemon reports and the behaviour that
changed between Docker Engine releases."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .versions import APIVersion


@dataclass(frozen=True, slots=True)
class EngineProfile:
    """The versions one Docker Engine release reports and the behaviour it has.

    Each flag names the release behaviour it reproduces, so a handler reads
    ``profile.plain_text_too_old`` instead of comparing engine versions.
    """

    name: str
    engine_version: str
    max_api: APIVersion
    min_api: APIVersion
    go_version: str
    git_commit: str
    containerd_version: str
    runc_version: str
    # Engine 20.10 wrote errors for URL versions below 1.24 with Go's
    # http.Error (plain text); 25.0 and later always write JSON.
    plain_text_too_old: bool
    # Engine 20.10 worded many errors differently ("Cannot kill container",
    # "Invalid filter", "Content-Type specified (%s) must be
    # 'application/json'") and returned a 500 for malformed JSON.
    legacy_messages: bool
    # `Builder-Version` and `Swarm` ping headers arrived with API 1.42 (23.0).
    ping_builder_and_swarm: bool
    # Pull progress kept the deprecated `progress` string until 28.x.
    progress_bar_text: bool
    kernel_version: str = "6.1.0-fakedaemon"
    operating_system: str = "Debian GNU/Linux 12 (bookworm)"
    # Engine 20.10 stored the HostConfig of a create request as sent (an
    # empty NetworkMode became "default", an empty restart policy stayed
    # ""), set Runtime only at the first start, masked 10 paths (23.0 added
    # /sys/devices/virtual/powercap), sent KernelMemory and KernelMemoryTCP
    # at every API version, and wrote `"Error": null` in every wait answer.
    # 25.0 and later fill those defaults at create, drop the kernel memory
    # fields, and leave out a nil wait Error.
    legacy_host_config: bool = False
    # Engine 20.10 sent container logs without a Content-Type.
    logs_content_type: bool = True
    # Engine 20.10 knew no health check StartInterval (API 1.44, Engine
    # 25.0) and wrote a timed-out check's message without its output.
    legacy_health_checks: bool = False
    # Before Engine 27.0 an unset StartInterval meant the Interval during
    # the start period; 27.0 made it 5 seconds.
    health_start_interval_inherits: bool = False
    # Before Engine 23.0 the `ID` of /info was the fingerprint of the
    # daemon's libtrust key (`ABCD:EFGH:...`); later releases send a UUID.
    trust_key_id: bool = False
    # The `die` event of a container carries `execDuration` (seconds run)
    # from Engine 23.0 on; Engine 20.10 sent `exitCode` only.
    die_exec_duration: bool = True
    # The logentries log driver, removed in Engine 25.0.
    logentries_driver: bool = False
    # `GET /system/df` of Engine 20.10 had a `BuilderSize` and a null
    # `BuildCache` when the classic builder had made no cache.
    df_builder_size: bool = False

    def with_api_range(
        self, minimum: APIVersion | None = None, maximum: APIVersion | None = None
    ) -> EngineProfile:
        """Return this profile with a different supported API range."""
        return replace(
            self,
            min_api=minimum if minimum is not None else self.min_api,
            max_api=maximum if maximum is not None else self.max_api,
        )


PROFILES: dict[str, EngineProfile] = {
    "20.10": EngineProfile(
        name="20.10",
        engine_version="20.10.24",
        max_api=APIVersion(1, 41),
        # Engine 20.10 accepts 1.12 and up. Responses to 1.12 to 1.23 take
        # the shape of 1.24, the oldest version this daemon shapes.
        min_api=APIVersion(1, 12),
        go_version="go1.19.8",
        git_commit="297e128",
        containerd_version="1.6.20",
        runc_version="1.1.5",
        plain_text_too_old=True,
        legacy_messages=True,
        ping_builder_and_swarm=False,
        progress_bar_text=True,
        legacy_host_config=True,
        logs_content_type=False,
        legacy_health_checks=True,
        health_start_interval_inherits=True,
        trust_key_id=True,
        die_exec_duration=False,
        logentries_driver=True,
        df_builder_size=True,
    ),
    "26.1": EngineProfile(
        name="26.1",
        engine_version="26.1.5",
        max_api=APIVersion(1, 45),
        min_api=APIVersion(1, 24),
        go_version="go1.22.5",
        git_commit="411e817",
        containerd_version="1.7.18",
        runc_version="1.1.13",
        plain_text_too_old=False,
        legacy_messages=False,
        ping_builder_and_swarm=True,
        progress_bar_text=True,
        health_start_interval_inherits=True,
    ),
    "28.5": EngineProfile(
        name="28.5",
        engine_version="28.5.2",
        max_api=APIVersion(1, 51),
        min_api=APIVersion(1, 24),
        go_version="go1.24.9",
        git_commit="89c5e8f",
        containerd_version="1.7.28",
        runc_version="1.3.0",
        plain_text_too_old=False,
        legacy_messages=False,
        ping_builder_and_swarm=True,
        progress_bar_text=True,
    ),
    "29.x": EngineProfile(
        name="29.x",
        engine_version="29.7.2",
        max_api=APIVersion(1, 55),
        # Engines 29.3 and later default to 1.40. A daemon started without
        # an engine profile widens the range down to 1.24 (DaemonConfig).
        min_api=APIVersion(1, 40),
        go_version="go1.25.6",
        git_commit="7c8e4d1",
        containerd_version="2.1.5",
        runc_version="1.3.3",
        plain_text_too_old=False,
        legacy_messages=False,
        ping_builder_and_swarm=True,
        progress_bar_text=False,
    ),
}

DEFAULT_PROFILE = "29.x"


def profile_for_version(version: str) -> str | None:
    """Return the name of the profile of an Engine ``version``, or None.

    ``20.10.24+dfsg1`` gives ``20.10`` and ``29.1.0`` gives ``29.x``; a
    version without a profile of its own gives None.
    """
    major, _, rest = version.partition(".")
    minor = rest.partition(".")[0]
    for name in (f"{major}.{minor}", f"{major}.x"):
        if name in PROFILES:
            return name
    return None


def get_profile(name: str) -> EngineProfile:
    """Return the profile called ``name``; raise ValueError naming the choices."""
    try:
        return PROFILES[name]
    except KeyError:
        choices = ", ".join(PROFILES)
        raise ValueError(
            f"unknown engine profile {name!r}: choose one of {choices}"
        ) from None
