"""Rigs: how the machine under a daemon is set up, apart from the Engine release.

A profile names an Engine release; a rig names the host it runs on. The
``real-dockerd`` rig reproduces the reference Engines the recorded corpus
came from: dockerd started with ``--storage-driver=vfs --bridge=none``, an
HTTP proxy on a closed loopback port, cgroup v1, and ``busybox:latest``
imported from a root filesystem tar with ``CMD ["sh"]`` instead of pulled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rig:
    """Host settings that change what a daemon reports, whatever its release."""

    name: str
    storage_driver: str = "overlay2"
    # False reproduces `--bridge=none`: containers in the default network
    # mode get no endpoint and `Config.NetworkDisabled` once started.
    bridge: bool = True
    # True makes the starting images single-layer imports (`docker import -c
    # 'CMD ["sh"]'`): no RepoDigests, `Comment: "Imported from -"`, no Env.
    import_images: bool = False
    # The transport error after `Get "<url>":` of every registry request,
    # or None for the offline daemon's default.
    registry_error: str | None = None
    cgroup_version: int = 2
    platform_name: str = "fakedaemon"


RIGS: dict[str, Rig] = {
    "default": Rig(name="default"),
    "real-dockerd": Rig(
        name="real-dockerd",
        storage_driver="vfs",
        bridge=False,
        import_images=True,
        registry_error=(
            "proxyconnect tcp: dial tcp 127.0.0.1:9: connect: connection refused"
        ),
        cgroup_version=1,
        # Debian's docker.io packages report an empty platform name.
        platform_name="",
    ),
}


def get_rig(name: str) -> Rig:
    """Return the rig called ``name``; raise ValueError naming the choices."""
    try:
        return RIGS[name]
    except KeyError:
        choices = ", ".join(RIGS)
        raise ValueError(f"unknown rig {name!r}: choose one of {choices}") from None
