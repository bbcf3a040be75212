"""An in-memory POSIX-like filesystem for images and containers.

A ``Filesystem`` is a tree of directories, regular files and symbolic links.
Paths are absolute and resolved as inside a chroot: ``..`` at the root stays
at the root and absolute link targets start at this filesystem's root, so no
path can leave it.

Copy-on-write: ``child()`` returns a filesystem that shares every node with
its parent. Each filesystem owns the nodes it created; a write copies a
shared node, and its ancestors up to the root, before changing it. A child
that has written nothing therefore costs one small object. The parent
renews its ownership token on ``child()`` so that later writes to the parent
copy as well and never show through in the child.
"""

from __future__ import annotations

import io
import posixpath
import stat as stat_module
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, cast

from fakedaemon.errors import DaemonError, InvalidParameter, NotFound

from .tar_stream import Source, TarStream, TarStreamError

if TYPE_CHECKING:
    import tarfile

MAX_SYMLINK_DEPTH = 40
"""Symbolic links followed while resolving one path before ELOOP, as Linux."""

# NOTE: a real Engine has no archive size limit, only a disk that fills.
# These limits bound the memory one upload can take, and crossing them
# fails with the text of a full disk ("write PATH: no space left on device").
DEFAULT_MAX_ARCHIVE_BYTES = 512 * 1024 * 1024
"""Default limit on the data one ``extract_tar`` may write: file bytes plus
512 per entry."""

DEFAULT_MAX_FILE_BYTES = 128 * 1024 * 1024
"""Default limit on one file of an archive, which is held in memory whole."""

MAX_NAME_BYTES = 255
"""Longest path component Linux accepts (``NAME_MAX``); longer is ENAMETOOLONG."""

MAX_PATH_BYTES = 4095
"""Longest path Linux accepts (``PATH_MAX`` less the NUL); longer is ENAMETOOLONG."""

BLOCK_SIZE = 512
"""Size of a tar header, charged per entry against ``max_bytes``."""

INVALID_TAR_HEADER = "archive/tar: invalid tar header"

_ENOSPC = "no space left on device"

# Kinds of ``changes()`` entries, the numbers of the /containers/{id}/changes
# response (``Kind``: 0 modified, 1 added, 2 deleted).
CHANGE_MODIFIED = 0
CHANGE_ADDED = 1
CHANGE_DELETED = 2

# Bits of Go's ``os.FileMode`` that dockerd writes in path stat headers.
_GO_MODE_DIR = 1 << 31
_GO_MODE_SYMLINK = 1 << 27


class FilesystemError(DaemonError):
    """A failed filesystem operation; ``path`` is the path it concerned."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


class FileNotFound(FilesystemError, NotFound):
    """A path, or one of its parent directories, that does not exist."""

    def __init__(self, path: str) -> None:
        super().__init__(path, f"{path}: No such file or directory")


class NotADirectory(FilesystemError, InvalidParameter):
    """A path used as a directory whose node is not a directory."""

    def __init__(self, path: str) -> None:
        super().__init__(path, f"{path}: Not a directory")


class IsADirectory(FilesystemError, InvalidParameter):
    """A directory used where a file is expected."""

    def __init__(self, path: str) -> None:
        super().__init__(path, f"{path}: Is a directory")


class FileExists(FilesystemError, InvalidParameter):
    """A path to create that already exists."""

    def __init__(self, path: str) -> None:
        super().__init__(path, f"{path}: File exists")


class DirectoryNotEmpty(FilesystemError, InvalidParameter):
    """A non-recursive removal of a directory that has entries."""

    def __init__(self, path: str) -> None:
        super().__init__(path, f"{path}: Directory not empty")


class SymlinkLoop(FilesystemError, InvalidParameter):
    """A path whose resolution follows too many symbolic links."""

    def __init__(self, path: str) -> None:
        super().__init__(path, f"{path}: Too many levels of symbolic links")


class InvalidArchive(InvalidParameter):
    """A tar archive that cannot be read or would write outside its target."""


class ArchiveTooLarge(InvalidArchive):
    """A tar archive that exceeds a size limit of ``extract_tar``."""


class ArchiveDecompressionFailed(InvalidArchive):
    """A compressed archive whose compressed stream is corrupt."""


class ArchiveEntryNotFound(InvalidArchive):
    """An archive entry that fails with ENOENT, such as a link to a missing file."""


class _Node:
    __slots__ = ("gid", "mode", "mtime", "owner", "uid")

    def __init__(self, mode: int, mtime: float, owner: object) -> None:
        self.mode = mode
        self.mtime = mtime
        self.owner = owner
        self.uid = 0
        self.gid = 0

    def copy_meta(self, other: _Node) -> None:
        self.uid = other.uid
        self.gid = other.gid


class _File(_Node):
    __slots__ = ("data",)

    def __init__(self, data: bytes, mode: int, mtime: float, owner: object) -> None:
        super().__init__(mode, mtime, owner)
        self.data = data


class _Dir(_Node):
    __slots__ = ("entries",)

    def __init__(
        self,
        mode: int,
        mtime: float,
        owner: object,
        entries: dict[str, _Node] | None = None,
    ) -> None:
        super().__init__(mode, mtime, owner)
        self.entries: dict[str, _Node] = {} if entries is None else entries


class _Symlink(_Node):
    __slots__ = ("target",)

    def __init__(self, target: str, mtime: float, owner: object) -> None:
        super().__init__(0o777, mtime, owner)
        self.target = target


def _copy_node(node: _Node, owner: object) -> _Node:
    copied: _Node
    if isinstance(node, _Dir):
        copied = _Dir(node.mode, node.mtime, owner, dict(node.entries))
    elif isinstance(node, _File):
        copied = _File(node.data, node.mode, node.mtime, owner)
    else:
        assert isinstance(node, _Symlink)
        copied = _Symlink(node.target, node.mtime, owner)
    copied.copy_meta(node)
    return copied


def _kind(node: _Node) -> str:
    if isinstance(node, _Dir):
        return "dir"
    if isinstance(node, _Symlink):
        return "symlink"
    return "file"


@dataclass(frozen=True)
class Stat:
    """Metadata of one path, as ``lstat`` or ``stat`` returns it."""

    path: str
    kind: str
    """``"file"``, ``"dir"`` or ``"symlink"``."""
    size: int
    mode: int
    """Permission bits only (``0o755``), without the file type."""
    mtime: float
    """Modification time in seconds since the epoch."""
    link_target: str
    """The target of a symbolic link, empty for other kinds."""
    uid: int = 0
    gid: int = 0

    @property
    def name(self) -> str:
        """The last component of the path (``/`` for the root)."""
        return posixpath.basename(self.path) or "/"

    @property
    def go_file_mode(self) -> int:
        """The mode as Go's ``os.FileMode``, as dockerd reports path stats."""
        if self.kind == "dir":
            return self.mode | _GO_MODE_DIR
        if self.kind == "symlink":
            return self.mode | _GO_MODE_SYMLINK
        return self.mode


@dataclass(frozen=True)
class Change:
    """One entry of a container's changes against its image."""

    path: str
    kind: int
    """``CHANGE_MODIFIED`` (0), ``CHANGE_ADDED`` (1) or ``CHANGE_DELETED`` (2)."""


def normalize(path: str, cwd: str = "/") -> str:
    """Return ``path`` made absolute against ``cwd`` with ``.`` and ``..`` gone.

    ``..`` at the root stays at the root, as in a chroot.
    """
    joined = path if path.startswith("/") else f"{cwd.rstrip('/')}/{path}"
    parts: list[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)


def _split(path: str) -> list[str]:
    return [part for part in normalize(path).split("/") if part]


class Filesystem:
    """A thread-safe in-memory filesystem with copy-on-write children."""

    __slots__ = ("_base", "_lock", "_now", "_root", "_token")

    def __init__(self, now: Callable[[], float] | None = None) -> None:
        """Create an empty filesystem holding only the root directory.

        Args:
            now: the source of modification times, in seconds since the
                epoch (the daemon passes its clock's ``time``).
        """
        self._now = now if now is not None else time.time
        self._token = object()
        self._lock = threading.RLock()
        self._root: _Dir = _Dir(0o755, self._now(), self._token)
        self._base: _Dir | None = None

    # Construction

    @classmethod
    def from_files(
        cls,
        files: Mapping[str, bytes | tuple[bytes, int]],
        *,
        symlinks: Mapping[str, str] | None = None,
        dirs: Iterable[str] = (),
        now: Callable[[], float] | None = None,
        mtime: float | None = None,
    ) -> Filesystem:
        """Build a filesystem from a description, creating parents as needed.

        Args:
            files: path to content, or to ``(content, mode)``; mode 0o644 if
                not given.
            symlinks: link path to target.
            dirs: directories to create, even when empty.
            now: the source of modification times.
            mtime: the modification time of every node created here, in
                seconds since the epoch, instead of the time ``now`` gives.
        """
        fs = cls(now if mtime is None else lambda: mtime)
        for directory in dirs:
            fs.mkdir(directory, parents=True)
        for path, spec in files.items():
            data, mode = (spec, 0o644) if isinstance(spec, bytes) else spec
            fs.mkdir(posixpath.dirname(normalize(path)), parents=True)
            fs.write_file(path, data, mode=mode)
        for path, target in (symlinks or {}).items():
            fs.mkdir(posixpath.dirname(normalize(path)), parents=True)
            fs.symlink(target, path)
        fs._now = now if now is not None else time.time
        return fs

    def child(self) -> Filesystem:
        """Return a copy-on-write layer over this filesystem.

        The child shares every node with this filesystem until one of them
        writes; ``changes()`` on the child compares with this filesystem as
        it is now.
        """
        with self._lock:
            # A new token makes this filesystem copy its shared nodes too.
            self._token = object()
            child = Filesystem.__new__(Filesystem)
            child._now = self._now
            child._token = object()
            child._lock = threading.RLock()
            child._root = self._root
            child._base = self._root
            return child

    copy = child

    def detached_copy(self) -> Filesystem:
        """Return a filesystem of the same files that shares nodes until a write.

        Unlike ``child()`` the copy is no layer: its ``changes()`` list every
        path as added, as for a filesystem built from files.
        """
        copied = self.child()
        copied._base = None
        return copied

    # Resolution

    def _resolve(self, path: str, follow: bool = True) -> list[str]:
        """Return the components of ``path`` with every symbolic link resolved.

        Intermediate links are always followed, the last one only when
        ``follow``. Missing last components are allowed (the caller may
        create them), missing or non-directory parents are not.
        """
        pending = _split(path)
        pending.reverse()
        resolved: list[str] = []
        # The node at ``resolved``, kept so that each step costs one lookup
        # and resolution stays linear in the length of the path.
        node: _Node = self._root
        links = 0
        while pending:
            name = pending.pop()
            if not isinstance(node, _Dir):
                raise NotADirectory("/" + "/".join(resolved))
            entry = node.entries.get(name)
            if entry is None:
                if pending:
                    raise FileNotFound("/" + "/".join([*resolved, name]))
                resolved.append(name)
                break
            if isinstance(entry, _Symlink) and (pending or follow):
                links += 1
                if links > MAX_SYMLINK_DEPTH:
                    raise SymlinkLoop(normalize(path))
                base = "/" + "/".join(resolved)
                target = _split(normalize(entry.target, base))
                resolved = []
                node = self._root
                pending.extend(reversed(target))
                continue
            resolved.append(name)
            node = entry
        return resolved

    def _lookup_components(self, parts: list[str]) -> _Node | None:
        node: _Node = self._root
        for name in parts:
            if not isinstance(node, _Dir):
                return None
            found = node.entries.get(name)
            if found is None:
                return None
            node = found
        return node

    def _node(self, path: str, follow: bool = True) -> _Node:
        parts = self._resolve(path, follow)
        node = self._lookup_components(parts)
        if node is None:
            raise FileNotFound(normalize(path))
        return node

    def _mutable_dir(self, parts: list[str]) -> _Dir:
        """Return the directory at resolved ``parts``, copied into this layer."""
        if self._root.owner is not self._token:
            copied = _copy_node(self._root, self._token)
            assert isinstance(copied, _Dir)
            self._root = copied
        node = self._root
        for index, name in enumerate(parts):
            entry = node.entries.get(name)
            if not isinstance(entry, _Dir):
                shown = "/" + "/".join(parts[: index + 1])
                if entry is None:
                    raise FileNotFound(shown)
                raise NotADirectory(shown)
            if entry.owner is not self._token:
                copied = _copy_node(entry, self._token)
                assert isinstance(copied, _Dir)
                node.entries[name] = copied
                entry = copied
            node = entry
        return node

    def _parent_of(self, path: str, follow: bool) -> tuple[_Dir, str, list[str]]:
        parts = self._resolve(path, follow)
        if not parts:
            raise FileExists("/")
        return self._mutable_dir(parts[:-1]), parts[-1], parts

    # Queries

    def exists(self, path: str) -> bool:
        """Tell whether ``path`` exists, following symbolic links."""
        return self._probe(path, lambda node: True)

    def lexists(self, path: str) -> bool:
        """Tell whether ``path`` exists, a dangling symbolic link included."""
        return self._probe(path, lambda node: True, follow=False)

    def is_dir(self, path: str) -> bool:
        """Tell whether ``path`` is a directory, following symbolic links."""
        return self._probe(path, lambda node: isinstance(node, _Dir))

    def is_file(self, path: str) -> bool:
        """Tell whether ``path`` is a regular file, following symbolic links."""
        return self._probe(path, lambda node: isinstance(node, _File))

    def is_symlink(self, path: str) -> bool:
        """Tell whether ``path`` itself is a symbolic link."""
        return self._probe(path, lambda node: isinstance(node, _Symlink), follow=False)

    def _probe(
        self, path: str, test: Callable[[_Node], bool], follow: bool = True
    ) -> bool:
        with self._lock:
            try:
                return test(self._node(path, follow))
            except FilesystemError:
                return False

    def realpath(self, path: str) -> str:
        """Return ``path`` with every symbolic link resolved."""
        with self._lock:
            return "/" + "/".join(self._resolve(path))

    def read_file(self, path: str) -> bytes:
        """Return the content of the regular file at ``path``."""
        with self._lock:
            node = self._node(path)
            if isinstance(node, _Dir):
                raise IsADirectory(normalize(path))
            assert isinstance(node, _File)
            return node.data

    def listdir(self, path: str) -> list[str]:
        """Return the sorted entry names of the directory at ``path``."""
        with self._lock:
            node = self._node(path)
            if not isinstance(node, _Dir):
                raise NotADirectory(normalize(path))
            return sorted(node.entries)

    def stat(self, path: str, follow: bool = True) -> Stat:
        """Return the metadata of ``path``; ``follow=False`` is ``lstat``."""
        with self._lock:
            node = self._node(path, follow)
            size = 0
            target = ""
            if isinstance(node, _File):
                size = len(node.data)
            elif isinstance(node, _Symlink):
                target = node.target
                size = len(target.encode())
            return Stat(
                path=normalize(path),
                kind=_kind(node),
                size=size,
                mode=node.mode,
                mtime=node.mtime,
                link_target=target,
                uid=node.uid,
                gid=node.gid,
            )

    def lstat(self, path: str) -> Stat:
        """Return the metadata of ``path`` without following a last link."""
        return self.stat(path, follow=False)

    def which(self, name: str, path_env: str) -> str | None:
        """Return the path of the executable ``name`` as a shell finds it.

        A name containing ``/`` is taken as a path (relative to ``/``);
        otherwise each directory of ``path_env`` (colon-separated) is tried.
        A match is a regular file, after following links, with an execute
        bit.
        """
        if "/" in name:
            candidates = [normalize(name)]
        else:
            candidates = [
                normalize(f"{directory or '.'}/{name}")
                for directory in path_env.split(":")
            ]
        with self._lock:
            for candidate in candidates:
                try:
                    node = self._node(candidate)
                except FilesystemError:
                    continue
                if isinstance(node, _File) and node.mode & 0o111:
                    return candidate
        return None

    # Writes

    def write_file(
        self, path: str, data: bytes, append: bool = False, mode: int = 0o644
    ) -> None:
        """Create or replace the file at ``path``; ``append`` adds to its end.

        ``mode`` applies only when the file is created. A symbolic link at
        ``path`` is followed, as ``open`` does.
        """
        with self._lock:
            parent, name, _ = self._parent_of(path, follow=True)
            existing = parent.entries.get(name)
            if isinstance(existing, _Dir):
                raise IsADirectory(normalize(path))
            now = self._now()
            if isinstance(existing, _File):
                content = existing.data + data if append else data
                replaced = _File(content, existing.mode, now, self._token)
                replaced.copy_meta(existing)
                parent.entries[name] = replaced
            else:
                parent.entries[name] = _File(data, mode & 0o7777, now, self._token)
            parent.mtime = now

    def chmod(self, path: str, mode: int) -> None:
        """Set the permission bits of ``path``, following symbolic links."""
        with self._lock:
            parent, name, parts = self._parent_of(path, follow=True)
            node = parent.entries.get(name)
            if node is None:
                raise FileNotFound(normalize(path))
            if node.owner is not self._token:
                node = _copy_node(node, self._token)
                parent.entries[name] = node
            node.mode = mode & 0o7777

    def mkdir(self, path: str, parents: bool = False, mode: int = 0o755) -> None:
        """Create the directory ``path``.

        With ``parents``, missing parents are created and an existing
        directory is no error, as ``mkdir -p``.
        """
        with self._lock:
            if parents:
                self._mkdir_parents(path, mode)
                return
            parent, name, _ = self._parent_of(path, follow=False)
            if name in parent.entries:
                raise FileExists(normalize(path))
            now = self._now()
            parent.entries[name] = _Dir(mode, now, self._token)
            parent.mtime = now

    def _mkdir_parents(self, path: str, mode: int, replace: bool = False) -> None:
        """Create ``path`` and its missing parents in one linear walk.

        Symbolic links on the way are followed. A non-directory on the way
        raises ``NotADirectory``, or is replaced by a directory when
        ``replace`` is set, as dockerd does while extracting an archive.
        """
        parts = _split(path)
        resolved: list[str] = []
        directory: _Dir = self._root
        owned = False
        links = 0
        index = 0
        while index < len(parts):
            name = parts[index]
            entry = directory.entries.get(name)
            if isinstance(entry, _Symlink):
                links += 1
                if links > MAX_SYMLINK_DEPTH:
                    raise SymlinkLoop(normalize(path))
                base = "/" + "/".join(resolved)
                parts = _split(normalize(entry.target, base)) + parts[index + 1 :]
                resolved, directory, owned, index = [], self._root, False, 0
                continue
            if not isinstance(entry, _Dir):
                if entry is not None and not replace:
                    raise NotADirectory("/" + "/".join([*resolved, name]))
                if not owned:
                    # Copy the ancestors into this layer once; every
                    # directory created below is owned already.
                    directory = self._mutable_dir(resolved)
                    owned = True
                now = self._now()
                entry = _Dir(mode, now, self._token)
                directory.entries[name] = entry
                directory.mtime = now
            resolved.append(name)
            directory = entry
            owned = owned and entry.owner is self._token
            index += 1

    def symlink(self, target: str, path: str) -> None:
        """Create the symbolic link ``path`` pointing at ``target``."""
        with self._lock:
            parent, name, _ = self._parent_of(path, follow=False)
            if name in parent.entries:
                raise FileExists(normalize(path))
            now = self._now()
            parent.entries[name] = _Symlink(target, now, self._token)
            parent.mtime = now

    def remove(self, path: str, recursive: bool = False) -> None:
        """Remove ``path``; a non-empty directory needs ``recursive``.

        A symbolic link is removed itself, never its target.
        """
        with self._lock:
            parent, name, parts = self._parent_of(path, follow=False)
            node = parent.entries.get(name)
            if node is None:
                raise FileNotFound(normalize(path))
            if isinstance(node, _Dir) and node.entries and not recursive:
                raise DirectoryNotEmpty(normalize(path))
            del parent.entries[name]
            parent.mtime = self._now()

    def touch(self, path: str) -> None:
        """Create an empty file at ``path`` or update its modification time."""
        with self._lock:
            parent, name, _ = self._parent_of(path, follow=True)
            node = parent.entries.get(name)
            now = self._now()
            if node is None:
                parent.entries[name] = _File(b"", 0o644, now, self._token)
                parent.mtime = now
                return
            if node.owner is not self._token:
                node = _copy_node(node, self._token)
                parent.entries[name] = node
            node.mtime = now

    # Changes against the parent layer

    def changes(self) -> list[Change]:
        """Return the paths added, changed or deleted since ``child()``.

        As dockerd reports them: a directory on the path to a change is
        modified, every entry below an added directory is listed as added,
        and a deleted directory is listed once. A filesystem that is no
        child reports every path as added. Sorted by path.
        """
        with self._lock:
            result: list[Change] = []
            base = self._base if self._base is not None else _Dir(0o755, 0, None)
            _diff_dirs("", base, self._root, result)
            return sorted(result, key=lambda change: change.path)

    # Archives

    def to_tar(self, path: str) -> bytes:
        """Return a tar archive of ``path`` as GET /containers/{id}/archive does.

        Entries are named from the last component of ``path`` (``d/``,
        ``d/f``); a path ending in ``/.`` names them from ``.``. A last
        symbolic link is archived as a link unless ``path`` ends in ``/`` or
        ``/.``.
        """
        follow = path.endswith("/") or path.endswith("/.")
        if path.endswith("/."):
            name = "."
        else:
            name = posixpath.basename(normalize(path)) or "."
        # tarfile loads on first use, so a daemon starts without it.
        import tarfile

        buffer = io.BytesIO()
        with self._lock:
            node = self._node(path, follow=follow)
            with tarfile.open(
                fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT
            ) as tar:
                for entry_name, entry in _walk(name, node):
                    _add_to_tar(tar, entry_name, entry)
        return buffer.getvalue()

    def extract_tar(
        self,
        dest_dir: str,
        data: bytes | Source,
        max_bytes: int = DEFAULT_MAX_ARCHIVE_BYTES,
        *,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        no_overwrite_dir_non_dir: bool = False,
        zstd: bool = True,
    ) -> None:
        """Extract a tar archive (plain or compressed) into ``dest_dir``.

        The archive is read as a stream, entry by entry, with dockerd's
        rules and error texts: names are cleaned and joined to
        ``dest_dir``; an entry, hard link or relative symbolic link that
        leaves ``dest_dir`` is rejected, while ``../`` that comes back
        into it is accepted; paths are resolved inside this filesystem,
        so nothing lands above its root. The lock is taken per entry, not
        while the body is read, so a slow upload stalls no other request.

        Args:
            dest_dir: the directory to extract into.
            data: the archive, or a stream of it (a request body).
            max_bytes: limit on the file data, plus 512 bytes per entry,
                that one archive may write.
            max_file_bytes: limit on the size of one file.
            no_overwrite_dir_non_dir: reject an entry that would replace a
                directory by a non-directory or the reverse.
            zstd: detect zstd compression (dockerd 23 and later).

        Raises:
            FileNotFound: ``dest_dir`` does not exist.
            NotADirectory: ``dest_dir`` is not a directory.
            InvalidArchive: the archive is unreadable or an entry fails.
            ArchiveDecompressionFailed: the compressed stream is corrupt.
            ArchiveEntryNotFound: a hard link names a missing file.
            ArchiveTooLarge: the archive exceeds a size limit.
        """
        with self._lock:
            dest = "/" + "/".join(self._resolve(dest_dir))
            if not self.is_dir(dest):
                if self.exists(dest):
                    raise NotADirectory(normalize(dest_dir))
                raise FileNotFound(normalize(dest_dir))
        source = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
        stream = TarStream(source, zstd=zstd)
        extraction = _Extraction(
            dest, max_bytes, max_file_bytes, no_overwrite_dir_non_dir
        )
        try:
            self._extract_stream(stream, extraction)
        except TarStreamError as error:
            if error.decompression:
                raise ArchiveDecompressionFailed(error.message) from error
            raise InvalidArchive(error.message) from error

    def _extract_stream(self, stream: TarStream, extraction: _Extraction) -> None:
        import tarfile

        try:
            tar = tarfile.open(fileobj=cast(IO[bytes], stream), mode="r|")
        except tarfile.ReadError:
            # An empty body or a first block that tarfile rejects.
            stream.finish(0)
            return
        with tar:
            while True:
                try:
                    member = tar.next()
                except tarfile.ReadError:
                    # tarfile rejects a header that passed the stream's
                    # checks; the stream raises Go's error for it.
                    stream.finish(-1)
                    raise
                if member is None:
                    break
                # Stream mode keeps every member otherwise, which a
                # header-only archive would grow without bound.
                vars(tar)["members"].clear()
                self._extract_member(tar, member, extraction)
            stream.finish(tar.offset)

    def _extract_member(
        self, tar: tarfile.TarFile, member: tarfile.TarInfo, extraction: _Extraction
    ) -> None:
        dest = extraction.dest
        if "\x00" in member.name or "\x00" in member.linkname:
            raise InvalidArchive(INVALID_TAR_HEADER)
        name = _go_clean(member.name)
        path = normalize(f"{dest}/{name}")
        if not _within(path, dest):
            raise InvalidArchive(f"{_go_quote(name)} is outside of {_go_quote(dest)}")
        if path == dest:
            # The entry for the directory itself ("." or "/").
            return
        operation = _operation(member, path, dest)
        extraction.charge(BLOCK_SIZE, operation)
        content = b""
        if member.isfile():
            content = self._read_member(tar, member, path, extraction)
        with self._lock:
            try:
                self._apply_member(member, path, operation, content, extraction)
            except FilesystemError as error:
                raise _archive_error(operation, error) from None

    def _read_member(
        self,
        tar: tarfile.TarFile,
        member: tarfile.TarInfo,
        path: str,
        extraction: _Extraction,
    ) -> bytes:
        """Return a file entry's content after checking it against the limits."""
        if member.size > extraction.max_file_bytes:
            raise ArchiveTooLarge(f"write {path}: {_ENOSPC}")
        extraction.charge(member.size, f"write {path}")
        extracted = tar.extractfile(member)
        return extracted.read() if extracted is not None else b""

    def _apply_member(
        self,
        member: tarfile.TarInfo,
        path: str,
        operation: str,
        content: bytes,
        extraction: _Extraction,
    ) -> None:
        dest = extraction.dest
        if self.lexists(path):
            existing_dir = self.is_dir(path) and not self.is_symlink(path)
            if extraction.no_overwrite_dir_non_dir:
                _check_overwrite(existing_dir, member.isdir(), path, dest)
            if not (existing_dir and member.isdir()):
                self.remove(path, recursive=True)
        # NOTE: a running container's /etc/hostname, /etc/hosts and
        # /etc/resolv.conf are bind mounts on a real Engine, which cannot be
        # replaced ("open /etc/hostname/x: not a directory"); here they are.
        self._mkdir_parents(posixpath.dirname(path), 0o755, replace=True)

        if member.issym():
            target = normalize(f"{posixpath.dirname(path)}/{member.linkname}")
            if not target.startswith(dest):
                raise InvalidArchive(
                    f"invalid symlink {_go_quote(path)} -> {_go_quote(member.linkname)}"
                )
            _check_name_length(operation, path)
            # Linux limits a link's target only in its total length.
            if len(member.linkname.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
                raise InvalidArchive(f"{operation}: file name too long")
            self.symlink(member.linkname, path)
        elif member.islnk():
            self._link(member, path, operation, dest)
        else:
            _check_name_length(operation, path)
            if member.isdir():
                if not self.is_dir(path):
                    self.mkdir(path)
            elif member.isfile():
                self.write_file(path, content)
            else:
                # Devices and FIFOs have no meaning here; skip them quietly.
                return
        self._set_meta(path, member)

    def _link(
        self, member: tarfile.TarInfo, path: str, operation: str, dest: str
    ) -> None:
        """Create a hard link, as a copy of the node, since nodes have no count."""
        source = normalize(f"{dest}/{member.linkname}")
        if not source.startswith(dest):
            raise InvalidArchive(
                f"invalid hardlink {_go_quote(source)} -> {_go_quote(member.linkname)}"
            )
        _check_name_length(operation, path, source)
        parent, name, _ = self._parent_of(source, follow=False)
        node = parent.entries.get(name)
        if node is None:
            raise ArchiveEntryNotFound(f"{operation}: no such file or directory")
        if isinstance(node, _Dir):
            raise InvalidArchive(f"{operation}: operation not permitted")
        # NOTE: a real link shares its inode, so later writes show through
        # both names; here each name gets its own copy. Linking a file that
        # a running container has bind-mounted (/etc/hostname) fails with
        # "invalid cross-device link" on a real Engine and succeeds here.
        target_parent, target_name, _ = self._parent_of(path, follow=False)
        target_parent.entries[target_name] = _copy_node(node, self._token)
        target_parent.mtime = self._now()

    def _set_meta(self, path: str, member: tarfile.TarInfo) -> None:
        parent, name, _ = self._parent_of(path, follow=False)
        node = parent.entries[name]
        if node.owner is not self._token:
            node = _copy_node(node, self._token)
            parent.entries[name] = node
        if not isinstance(node, _Symlink):
            node.mode = member.mode & 0o7777
        node.mtime = float(member.mtime)
        node.uid = member.uid
        node.gid = member.gid


class _Extraction:
    """The settings and the remaining size budget of one ``extract_tar``."""

    def __init__(
        self,
        dest: str,
        max_bytes: int,
        max_file_bytes: int,
        no_overwrite_dir_non_dir: bool,
    ) -> None:
        self.dest = dest
        self.remaining = max_bytes
        self.max_file_bytes = max_file_bytes
        self.no_overwrite_dir_non_dir = no_overwrite_dir_non_dir

    def charge(self, size: int, operation: str) -> None:
        """Take ``size`` bytes from the budget, as a full disk would refuse."""
        self.remaining -= size
        if self.remaining < 0:
            raise ArchiveTooLarge(f"{operation}: {_ENOSPC}")


def _operation(member: tarfile.TarInfo, path: str, dest: str) -> str:
    """Return the system call and paths dockerd names when ``member`` fails."""
    if member.isdir():
        return f"mkdir {path}"
    if member.issym():
        return f"symlink {member.linkname} {path}"
    if member.islnk():
        return f"link {normalize(f'{dest}/{member.linkname}')} {path}"
    return f"open {path}"


def _check_name_length(operation: str, *paths: str) -> None:
    """Raise ENAMETOOLONG as Linux does for a path or a name that is too long."""
    for path in paths:
        encoded = path.encode("utf-8", "surrogateescape")
        too_long = len(encoded) > MAX_PATH_BYTES
        if too_long or any(len(part) > MAX_NAME_BYTES for part in encoded.split(b"/")):
            raise InvalidArchive(f"{operation}: file name too long")


def _check_overwrite(
    existing_dir: bool, member_dir: bool, path: str, dest: str
) -> None:
    if existing_dir and not member_dir:
        raise InvalidArchive(
            f"cannot overwrite directory {_go_quote(path)} with non-directory "
            f"{_go_quote(dest)}"
        )
    if not existing_dir and member_dir:
        raise InvalidArchive(
            f"cannot overwrite non-directory {_go_quote(path)} with directory "
            f"{_go_quote(dest)}"
        )


_ERRNO_TEXTS: dict[type[FilesystemError], str] = {
    FileNotFound: "no such file or directory",
    NotADirectory: "not a directory",
    IsADirectory: "is a directory",
    FileExists: "file exists",
    DirectoryNotEmpty: "directory not empty",
    SymlinkLoop: "too many levels of symbolic links",
}


def _archive_error(operation: str, error: FilesystemError) -> InvalidArchive:
    """Return a failed filesystem step worded as Go's ``*PathError``."""
    text = _ERRNO_TEXTS.get(type(error), error.message)
    if isinstance(error, FileNotFound):
        return ArchiveEntryNotFound(f"{operation}: {text}")
    return InvalidArchive(f"{operation}: {text}")


def _go_clean(name: str) -> str:
    """Return ``name`` cleaned as Go's ``filepath.Clean`` (``..`` kept in front)."""
    cleaned = posixpath.normpath(name) if name else "."
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    return cleaned


def _go_quote(text: str) -> str:
    """Return ``text`` quoted as Go's ``%q`` verb does for printable text."""
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    quoted = []
    for char in text:
        if char in escapes:
            quoted.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            quoted.append(f"\\x{ord(char):02x}")
        else:
            quoted.append(char)
    return '"' + "".join(quoted) + '"'


def _within(path: str, directory: str) -> bool:
    return directory == "/" or path == directory or path.startswith(directory + "/")


def _walk(name: str, node: _Node) -> Iterator[tuple[str, _Node]]:
    """Yield ``node`` and everything below it in sorted depth-first order.

    An explicit stack, since a tree may be thousands of levels deep.
    """
    stack = [(name, node)]
    while stack:
        name, node = stack.pop()
        yield name, node
        if isinstance(node, _Dir):
            for child_name in sorted(node.entries, reverse=True):
                stack.append((f"{name}/{child_name}", node.entries[child_name]))


def _add_to_tar(tar: tarfile.TarFile, name: str, node: _Node) -> None:
    import tarfile

    info = tarfile.TarInfo(name)
    info.mtime = int(node.mtime)
    info.mode = node.mode
    info.uid = node.uid
    info.gid = node.gid
    if isinstance(node, _Dir):
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    elif isinstance(node, _Symlink):
        info.type = tarfile.SYMTYPE
        info.linkname = node.target
        tar.addfile(info)
    else:
        assert isinstance(node, _File)
        info.size = len(node.data)
        tar.addfile(info, io.BytesIO(node.data))


def _diff_dirs(prefix: str, base: _Dir, current: _Dir, result: list[Change]) -> None:
    """Append the changes from ``base`` to ``current`` below ``prefix``.

    An explicit stack, since a tree may be thousands of levels deep.
    """
    stack = [(prefix, base, current)]
    while stack:
        prefix, base, current = stack.pop()
        for name, node in current.entries.items():
            path = f"{prefix}/{name}"
            old = base.entries.get(name)
            if old is node:
                continue
            if old is None:
                _add_all(path, node, result)
            elif isinstance(old, _Dir) and isinstance(node, _Dir):
                # A directory copied into this layer is reported modified, as
                # overlay reports every directory of its upper layer.
                result.append(Change(path, CHANGE_MODIFIED))
                stack.append((path, old, node))
            elif isinstance(node, _Dir):
                result.append(Change(path, CHANGE_MODIFIED))
                for child_name, child in node.entries.items():
                    _add_all(f"{path}/{child_name}", child, result)
            else:
                result.append(Change(path, CHANGE_MODIFIED))
        for name in base.entries:
            if name not in current.entries:
                result.append(Change(f"{prefix}/{name}", CHANGE_DELETED))


def _add_all(path: str, node: _Node, result: list[Change]) -> None:
    for entry_path, _node in _walk(path, node):
        result.append(Change(entry_path, CHANGE_ADDED))


def mode_string(stat: Stat) -> str:
    """Return the ``ls -l`` mode column of ``stat`` (``drwxr-xr-x``)."""
    type_char = {"dir": "d", "symlink": "l"}.get(stat.kind, "-")
    return type_char + stat_module.filemode(stat.mode)[1:]
