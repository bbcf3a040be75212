"""The ``--pidfile``: one daemon per file, a stale file replaced."""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger("fakedaemon")


class PidFileError(RuntimeError):
    """Another live process owns the pid file."""


class PidFile:
    """A file holding the daemon's process id while it runs.

    As dockerd does, a file whose process is alive rejects a second daemon,
    and a file left behind by a process that no longer runs is replaced.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._written = False

    def acquire(self) -> None:
        """Write this process's id, unless another live process owns the file.

        Raises:
            PidFileError: the file names a process that is still running.
        """
        owner = _read_pid(self.path)
        if owner is not None and owner != os.getpid() and _process_alive(owner):
            raise PidFileError(
                f"pid file found, ensure docker is not running or delete {self.path}"
            )
        if owner is not None:
            logger.info("replacing stale pid file %s of process %d", self.path, owner)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        temporary.write_text(f"{os.getpid()}")
        os.replace(temporary, self.path)
        self._written = True

    def release(self) -> None:
        """Remove the file if this process wrote it and still owns it."""
        if not self._written:
            return
        self._written = False
        if _read_pid(self.path) == os.getpid():
            self.path.unlink(missing_ok=True)


def _read_pid(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise PidFileError(f"cannot read pid file {path}: {error}") from None
    try:
        return int(text)
    except ValueError:
        # A file with no number is stale, as for dockerd.
        return 0


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
