"""State that survives a restart: saved under ``--data-root``, restored at start.

The state is the control API's dump (``Control.dump``) and the time it
was saved. Each save writes a temporary file in the data root, flushes it
to disk and renames it over the state file, so a crash at any moment leaves
either the old state or the new one. Saves follow state changes, because
each change publishes an event. A short delay gathers a burst of changes
into one save, and one more save runs at shutdown.

On start the state comes back as dockerd brings its own back without
live-restore (``control/state/restart.py`` lists the rules): containers
that were running are stopped, and their restart policies decide which
start again. Events are not restored, because dockerd keeps them in memory
only.

Nothing outside the data root is read or written.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .control import Control
    from .engine.engine import Engine

logger = logging.getLogger("fakedaemon")

STATE_FILE = "fakedaemon-state.json"
LOCK_FILE = "fakedaemon.lock"
FORMAT = 2
"""The version of the state file's wrapper; the dump inside has its own.

Format 1 files, written before the dump held volumes, networks and swarm,
are rejected with a message that names the file and what to do.
"""


class DataRootError(RuntimeError):
    """The data root cannot be used: locked by another daemon or unreadable."""


class StateFile:
    """The state file of one data root, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / STATE_FILE

    def read(self) -> dict[str, Any] | None:
        """Return the saved document, or None when nothing was saved yet.

        Raises:
            DataRootError: the file exists but is not a state document.
        """
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise DataRootError(f"cannot read {self.path}: {error}") from None
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise DataRootError(
                f"state file {self.path} is not valid JSON ({error}): move it "
                "away to start with an empty state"
            ) from None
        found = document.get("format") if isinstance(document, dict) else None
        if found == 1:
            raise DataRootError(
                f"state file {self.path} has format 1, written by an earlier "
                f"fakedaemon; this version reads format {FORMAT} only: move the "
                "file away to start with an empty state"
            )
        if not isinstance(document, dict) or found != FORMAT:
            raise DataRootError(
                f"state file {self.path} has an unsupported format: expected "
                f"format {FORMAT}"
            )
        return document

    def write(self, document: dict[str, Any]) -> None:
        """Replace the file with ``document``: temporary file, fsync, rename."""
        data = json.dumps(document, separators=(",", ":")).encode()
        temporary = self.root / f".{STATE_FILE}.{os.getpid()}.{threading.get_ident()}"
        with open(temporary, "wb") as output:
            output.write(data)
            output.flush()
            os.fsync(output.fileno())
        os.replace(temporary, self.path)
        # The rename is durable only once the folder itself is flushed.
        folder = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)

    def remove_leftovers(self) -> int:
        """Delete temporary files a crash left mid-write; return how many."""
        count = 0
        for leftover in self.root.glob(f".{STATE_FILE}.*"):
            leftover.unlink(missing_ok=True)
            count += 1
        return count


class Persistence:
    """Saves one daemon's state under ``root`` and restores it at start."""

    def __init__(self, control: Control, root: str | Path, delay: float = 0.2) -> None:
        self.control = control
        self.root = Path(root)
        self.delay = delay
        self.file = StateFile(self.root)
        self.saves = 0
        self._lock_file: IO[str] | None = None
        self._save_lock = threading.Lock()
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    @property
    def engine(self) -> Engine:
        """The engine whose state is saved."""
        return self.control.engine

    def open(self) -> None:
        """Lock the data root, then restore the saved state if there is one.

        Raises:
            DataRootError: another daemon uses the data root, or its state
                file is not readable.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        lock_file = open(self.root / LOCK_FILE, "w")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock_file.close()
            raise DataRootError(
                f"data root {self.root} is in use by another daemon"
            ) from None
        self._lock_file = lock_file
        try:
            leftovers = self.file.remove_leftovers()
            if leftovers:
                logger.warning(
                    "removed %d partly written state file(s) from %s",
                    leftovers,
                    self.root,
                )
            document = self.file.read()
            if document is not None:
                self._restore(document)
        except BaseException:
            self._unlock()
            raise

    def start(self) -> None:
        """Begin saving after each burst of state changes."""
        self._stop.clear()
        follower = threading.Thread(
            target=self._follow, name="fakedaemon-state-follow", daemon=True
        )
        saver = threading.Thread(
            target=self._save_loop, name="fakedaemon-state-save", daemon=True
        )
        self._threads = [follower, saver]
        for thread in self._threads:
            thread.start()

    def save(self) -> None:
        """Write the current state now."""
        with self._save_lock:
            document = self._document()
            self.file.write(document)
            self.saves += 1
        logger.debug(
            "saved state of %d container(s) to %s",
            len(document["state"].get("containers") or []),
            self.file.path,
        )

    def close(self) -> None:
        """Stop saving on changes, save a last time and unlock the data root.

        Call it after the engine has stopped its containers, so the saved
        state is the one the daemon stopped with.
        """
        self._stop.set()
        self._dirty.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._threads = []
        try:
            if self._lock_file is not None:
                self.save()
        except OSError as error:
            logger.error("failed to save state to %s: %s", self.file.path, error)
        finally:
            self._unlock()

    def _unlock(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def _follow(self) -> None:
        for event in self.engine.events.follow(self._stop):
            if event is not None:
                self._dirty.set()

    def _save_loop(self) -> None:
        while True:
            self._dirty.wait()
            if self._stop.is_set():
                return
            # Changes come in bursts (create, start, attach...): one save
            # after the burst is enough.
            if self._stop.wait(self.delay):
                return
            self._dirty.clear()
            try:
                self.save()
            except OSError as error:
                logger.error("failed to save state to %s: %s", self.file.path, error)

    def _document(self) -> dict[str, Any]:
        engine = self.engine
        with engine.lock:
            state = self.control.dump()
        # dockerd keeps events in memory only, so a restart has none.
        state["events"] = []
        return {"format": FORMAT, "saved_ns": engine.clock.time_ns(), "state": state}

    def _restore(self, document: dict[str, Any]) -> None:
        # Imported here: `fakedaemon serve` imports this module at start, and
        # the restart rules pull in the whole engine.
        from .control.state.restart import apply_restart_policies, prepare_restart

        state = dict(document.get("state") or {})
        saved_ns = int(document.get("saved_ns") or 0)
        report = prepare_restart(state, saved_ns, self.engine.clock.time_ns())
        try:
            self.control.load(state)
        except ValueError as error:
            raise DataRootError(
                f"state file {self.file.path} cannot be loaded ({error}): move it "
                "away to start with an empty state"
            ) from None
        restarted = apply_restart_policies(self.engine, report)
        logger.info(
            "restored %d container(s) from %s: %d were running when the daemon "
            "stopped uncleanly, %d restarted by their restart policy, %d swarm "
            "task(s) to be replaced",
            len(self.engine.containers.all()),
            self.file.path,
            report.crashed,
            restarted,
            report.failed_tasks,
        )
