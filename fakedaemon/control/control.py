"""The control of one daemon: reset, snapshots, faults, journal, clock, behaviours."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import DaemonError
from .faults import FaultSet
from .images import ImageRegistrations
from .journal import Journal

if TYPE_CHECKING:
    from ..api.app import APIApp
    from ..clock import Clock
    from ..engine.engine import Engine
    from .behaviours import Behaviours


@dataclass(frozen=True)
class Snapshot:
    """A copy of a daemon's state, as ``Control.dump`` returns it."""

    state: dict[str, Any] = field(repr=False)
    id: str = ""


class Control:
    """Test control of one daemon, in Python; the HTTP control API wraps it.

    Attributes:
        faults: the fault rules (``faults.add(operation=..., status=500)``).
        journal: every Engine API request received.
        images: images registered by tests (``images.add("app:1", ...)``).
    """

    def __init__(self, engine: Engine, app: APIApp) -> None:
        from .middleware import ControlMiddleware

        self.engine = engine
        self.app = app
        self.faults = FaultSet()
        self.journal = Journal()
        self.images = ImageRegistrations(engine)
        self._snapshots: dict[str, Snapshot] = {}
        self._lock = threading.Lock()
        self._next_snapshot = 1
        # Outermost, so the journal and faults see every request first.
        app.middlewares.insert(0, ControlMiddleware(self))

    @property
    def clock(self) -> Clock:
        """The daemon's clock (``freeze``, ``advance``, ``unfreeze``)."""
        return self.engine.clock

    @property
    def behaviours(self) -> Behaviours:
        """What containers of a given image or command do when they run."""
        return self.engine.behaviours

    def reset(self) -> None:
        """Return the daemon to its start state.

        Containers are stopped and removed, images are those of the
        configuration, events, faults, behaviours, registered images and the
        journal are cleared, and a frozen clock runs again.
        """
        self.faults.clear()
        self.behaviours.clear()
        self.images.clear()
        self.clock.unfreeze()
        self.engine.reset()
        self.journal.clear()

    def snapshot(self) -> Snapshot:
        """Copy the whole state, as ``dump`` returns it, for ``restore``.

        Faults, behaviours and the journal are not part of a snapshot.
        """
        with self._lock:
            snapshot_id = f"snapshot-{self._next_snapshot}"
            self._next_snapshot += 1
            snapshot = Snapshot(self.dump(), snapshot_id)
            self._snapshots[snapshot_id] = snapshot
        return snapshot

    def restore(self, snapshot: Snapshot | str) -> None:
        """Return the state to ``snapshot`` (a ``Snapshot`` or its id).

        Raises:
            KeyError: no snapshot has that id.
        """
        if isinstance(snapshot, str):
            with self._lock:
                snapshot = self._snapshots[snapshot]
        with self.engine.lock:
            self._replace(_copy(snapshot.state))

    def dump(self) -> dict[str, Any]:
        """Return the whole state as JSON values, for ``load`` or a file.

        Images come with their metadata, references, files and layer tars,
        volumes with their files and networks with their address pools.
        Containers come with their configuration, state, output, file
        changes, mounts and endpoints, and swarm mode with its cluster,
        services, tasks, secrets and configs. Events keep their times. Exec
        instances are left out, because dockerd does not keep them across a
        restart.
        """
        from .state import dump_state

        with self.engine.lock:
            return _copy(dump_state(self.engine, self.images))

    def load(self, state: dict[str, Any]) -> None:
        """Replace the state with a ``dump``; running containers start again.

        When ``state`` fails to load, the state before the call is loaded
        again, so nothing of the failed document remains.

        Raises:
            ValueError: ``state`` is not a dump this version can read.
        """
        from .state import check_format, dump_state

        check_format(state)
        document = _copy(state)
        with self.engine.lock:
            previous = _copy(dump_state(self.engine, self.images))
            try:
                self._replace(document)
            except (
                ValueError,
                KeyError,
                TypeError,
                AttributeError,
                DaemonError,
            ) as error:
                self._replace(previous)
                raise ValueError(_invalid_state(error)) from None

    def _replace(self, document: dict[str, Any]) -> None:
        """Reset the engine and load ``document``. The caller holds the engine lock."""
        from .state import load_state

        engine = self.engine
        reusable = {image.id: image for image in engine.images.images()}
        engine.reset(install_images=False)
        self.clock.unfreeze()
        load_state(engine, self.images, document, reusable)


def _invalid_state(error: Exception) -> str:
    if isinstance(error, KeyError):
        return f"invalid state: missing field {error.args[0]!r}"
    if isinstance(error, DaemonError):
        return f"invalid state: {error.message}"
    text = str(error)
    return text if text.startswith("invalid state") else f"invalid state: {text}"


def _copy(document: dict[str, Any]) -> dict[str, Any]:
    """Return a deep copy of JSON values, several times faster than deepcopy."""
    import pickle

    copied: dict[str, Any] = pickle.loads(
        pickle.dumps(document, pickle.HIGHEST_PROTOCOL)
    )
    return copied
