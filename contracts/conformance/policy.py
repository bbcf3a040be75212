"""The operations a conformance run sends, and the responses it expects."""

from __future__ import annotations

import io
import tarfile

# Operations never sent, with the reason. Hijacked connections need a raw
# socket conversation that generated requests cannot hold. The swarm set-up
# operations would turn the daemon into a manager and change every later
# response. Session and plugin installs reach outside the daemon.
SKIPPED: dict[str, str] = {
    "ContainerAttach": "hijacks the connection (101 UPGRADED)",
    "ContainerAttachWebsocket": "upgrades the connection to a WebSocket",
    "ExecStart": "hijacks the connection unless Detach is set",
    "Session": "hijacks the connection for the BuildKit session",
    "SwarmInit": "would make the daemon a swarm manager for the rest of the run",
    "SwarmJoin": "would make the daemon join a swarm for the rest of the run",
    "SwarmLeave": "changes the daemon's swarm state for the rest of the run",
    "SwarmUnlock": "changes the daemon's swarm state for the rest of the run",
    "PluginPull": "pulls a plugin from a registry",
    "PluginUpgrade": "pulls a plugin from a registry",
    "PluginCreate": "needs a plugin root filesystem archive",
    "SystemEvents": "streams until the client disconnects; bounded reads cannot "
    "tell a hang from a quiet daemon",
    "ContainerWait": "blocks until a container exits",
}

# Tags of the swarm operations: a daemon outside a swarm returns 503 for them.
SWARM_TAGS = frozenset({"Swarm", "Node", "Service", "Task", "Secret", "Config"})

# Operations that talk to a registry. A daemon without network access
# fails them with a 500 carrying the transport error, as dockerd does.
REGISTRY_OPERATIONS = frozenset(
    {
        "ImageCreate",
        "ImagePush",
        "ImageSearch",
        "SystemAuth",
        "DistributionInspect",
        "GetPluginPrivileges",
    }
)


# Server errors dockerd itself sends for these invalid inputs; the daemon
# under test is expected to send them too. Keyed by operation, with a piece
# of the message.
DOCKERD_SERVER_ERRORS: dict[str, tuple[str, ...]] = {
    # A `timeout` that is not a number fails strconv.Atoi unwrapped.
    "PluginEnable": ("strconv.Atoi",),
    # Service and task logs check their stream flags before the cluster,
    # and report the missing choice as a plain error.
    "ServiceLogs": ("you must choose at least one stream",),
    "TaskLogs": ("you must choose at least one stream",),
    # A build context that is not a tar archive fails in the tar reader,
    # whose error Engines 20.10 and 26.1 pass on unwrapped.
    "ImageBuild": ("unexpected EOF", "archive/tar: "),
}


def tar_body() -> bytes:
    """Return a small tar archive: a Dockerfile building from scratch."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        data = b"FROM scratch\nLABEL conformance=1\n"
        member = tarfile.TarInfo("Dockerfile")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()
