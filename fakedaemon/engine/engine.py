"""The engine: every store of the daemon's state, and nothing of HTTP."""

from __future__ import annotations

import base64
import threading
import uuid
from typing import TYPE_CHECKING

from ..clock import Clock
from ..config import DaemonConfig
from ..ids import IdSource
from ..rigs import Rig, get_rig
from .events import EventLog
from .execs import ExecStore
from .health_monitor import HealthMonitors
from .networks import NetworkStore
from .swarm import Swarm
from .volumes import VolumeStore

if TYPE_CHECKING:
    from ..profiles import EngineProfile
    from .containers import ContainerStore
    from .images import ImageStore
    from .registry import Registry


class Engine:
    """The state and behaviour of one daemon.

    Each daemon owns one engine, so one process may run many daemons side by
    side; nothing here is shared between engines.
    """

    def __init__(self, config: DaemonConfig | None = None) -> None:
        from ..control.behaviours import Behaviours
        from .containers import ContainerStore
        from .images import ImageRules, ImageStore
        from .registry import Registry

        self.config = config or DaemonConfig()
        self.profile: EngineProfile = self.config.profile()
        self.rig: Rig = get_rig(self.config.rig)
        self.clock = Clock()
        self.ids = IdSource(self.config.seed)
        self.events = EventLog(self.clock)
        self.lock = threading.RLock()
        self.daemon_id = self._new_daemon_id()
        self.started_ns = self.clock.time_ns()
        self.bridge_network_id = self.ids.hex_id()
        self.registry: Registry = Registry(self.config)
        self.volumes = VolumeStore(self)
        self.networks = NetworkStore(self)
        self.images: ImageStore = ImageStore(
            self.clock,
            self.ids,
            self.events,
            rules=ImageRules.for_profile(self.profile.name),
        )
        self.containers: ContainerStore = ContainerStore(self)
        self.execs = ExecStore(self)
        self.health = HealthMonitors(self)
        self.swarm = Swarm(self)
        self._install_images()
        self.behaviours = Behaviours()

    def _new_daemon_id(self) -> str:
        """Return an identity in the shape the profile's release gives one."""
        if self.profile.trust_key_id:
            # Before 23.0 the ID was the fingerprint of the daemon's libtrust
            # key: 240 bits in base32, in twelve groups of four.
            text = base64.b32encode(bytes.fromhex(self.ids.hex_id(60))).decode()
            return ":".join(text[start : start + 4] for start in range(0, 48, 4))
        return str(uuid.UUID(self.ids.hex_id(32)))

    def _install_images(self) -> None:
        """Add the configured starting images, pulled or imported as the rig has it."""
        for reference in self.config.images:
            image = self.registry.install(self.images, reference)
            if not self.rig.import_images:
                continue
            # The archive code, and the builder with it, loads only here.
            from .archives import import_image

            # As `docker import -c 'CMD ["sh"]' - NAME`: one layer made of the
            # pulled image's files, which replaces the pulled image.
            layer = image.filesystem.to_tar("/.")
            self.images.delete(image.id, force=True)
            name, _, tag = reference.rpartition(":")
            if not name or "/" in tag:
                name, tag = reference, "latest"
            import_image(self, layer, repository=name, tag=tag, changes=['CMD ["sh"]'])
            self.events.clear()

    def reset(self, *, install_images: bool = True) -> None:
        """Return to the start state: no containers, the configured images only.

        Every store that ``__init__`` creates is created again here, except
        the event log, which is emptied so open event streams keep reading
        it. The clock, the id source and the behaviours stay as they are.
        Without ``install_images`` the image store stays empty, for a state
        load that brings every image itself.
        """
        from .containers import ContainerStore
        from .registry import Registry

        self.swarm.close()
        self.containers.shutdown()
        with self.lock:
            self.registry = Registry(self.config)
            self.volumes = VolumeStore(self)
            self.networks = NetworkStore(self)
            self.images.reset()
            self.containers = ContainerStore(self)
            self.execs = ExecStore(self)
            self.swarm = Swarm(self)
            if install_images:
                self._install_images()
            self.events.clear()

    def close(self) -> None:
        """Stop every simulated process and end open event streams."""
        self.swarm.close()
        self.containers.shutdown()
        self.events.close()
