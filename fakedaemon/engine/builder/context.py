"""The build context: the uploaded tar as a filesystem, and its Dockerfile."""

from __future__ import annotations

import fnmatch
import posixpath

from ...errors import DaemonError, InvalidParameter
from ..filesystem import Filesystem, FilesystemError, InvalidArchive, normalize

MAX_CONTEXT_BYTES = 512 * 1024 * 1024
"""Limit on the file data of one build context."""


class BuildContext:
    """The files a build may ``COPY`` and ``ADD``, read from the request body."""

    def __init__(self, data: bytes) -> None:
        self.fs = Filesystem()
        if data:
            try:
                self.fs.extract_tar("/", data, max_bytes=MAX_CONTEXT_BYTES)
            except InvalidArchive as error:
                # Engines 20.10 and 26.1 pass the tar reader's error on as a
                # 500, not as invalid input.
                raise DaemonError(error.message) from None
        self.ignored = _read_dockerignore(self.fs)

    def dockerfile(self, name: str) -> str:
        """Return the text of the Dockerfile ``name`` (relative to the context).

        Raises:
            DaemonError: "Cannot locate specified Dockerfile" (500, as dockerd).
            InvalidParameter: for an empty Dockerfile (400).
        """
        path = normalize(name or "Dockerfile")
        try:
            data = self.fs.read_file(path)
        except FilesystemError:
            if not name and self.fs.is_file("/dockerfile"):
                data = self.fs.read_file("/dockerfile")
            else:
                raise DaemonError(
                    f"Cannot locate specified Dockerfile: {name or 'Dockerfile'}"
                ) from None
        text = data.decode("utf-8", errors="replace")
        if not text.strip():
            raise InvalidParameter(
                f"the Dockerfile ({name or 'Dockerfile'}) cannot be empty"
            )
        return text

    def match(self, pattern: str) -> list[str]:
        """Return the context paths a ``COPY`` source names, globs expanded."""
        path = normalize(pattern)
        if not any(char in path for char in "*?["):
            if self.fs.lexists(path) and not self.is_ignored(path):
                return [path]
            return []
        directory = posixpath.dirname(path)
        if not self.fs.is_dir(directory):
            return []
        return [
            posixpath.join(directory, name)
            for name in self.fs.listdir(directory)
            if fnmatch.fnmatchcase(posixpath.join(directory, name), path)
            and not self.is_ignored(posixpath.join(directory, name))
        ]

    def is_ignored(self, path: str) -> bool:
        """Tell whether ``.dockerignore`` excludes ``path``."""
        # NOTE: patterns match with fnmatch; the `**` of Docker's matcher is
        # not treated specially.
        relative = path.lstrip("/")
        excluded = False
        for negate, pattern in self.ignored:
            if fnmatch.fnmatchcase(relative, pattern) or relative.startswith(
                pattern.rstrip("/") + "/"
            ):
                excluded = not negate
        return excluded


def _read_dockerignore(fs: Filesystem) -> list[tuple[bool, str]]:
    if not fs.is_file("/.dockerignore"):
        return []
    rules = []
    for line in fs.read_file("/.dockerignore").decode(errors="replace").splitlines():
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        negate = text.startswith("!")
        pattern = normalize(text.lstrip("!")).lstrip("/")
        rules.append((negate, pattern))
    return rules
