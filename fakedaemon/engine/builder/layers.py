"""Layer archives: a filesystem or its changes as a tar, and tars applied back.

A layer is the tar of what one step changed, as Docker stores it: added and
changed paths as entries, deleted paths as ``.wh.<name>`` whiteout files.
Its diff id is the sha256 of the uncompressed tar.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import tarfile

from ..filesystem import (
    CHANGE_DELETED,
    Filesystem,
    FilesystemError,
    InvalidArchive,
)

WHITEOUT_PREFIX = ".wh."
OPAQUE_WHITEOUT = ".wh..wh..opq"


def digest(data: bytes) -> str:
    """Return the ``sha256:<hex>`` digest of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def full_tar(fs: Filesystem) -> bytes:
    """Return every path of ``fs`` as a layer tar (names without a leading ``/``)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in _walk(fs, "/"):
            _add(tar, fs, path)
    return buffer.getvalue()


def diff_tar(fs: Filesystem) -> bytes:
    """Return what ``fs`` changed against the filesystem it is a child of."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for change in fs.changes():
            if change.kind == CHANGE_DELETED:
                parent, name = posixpath.split(change.path)
                info = tarfile.TarInfo(
                    posixpath.join(parent, WHITEOUT_PREFIX + name).lstrip("/")
                )
                tar.addfile(info)
            else:
                _add(tar, fs, change.path)
    return buffer.getvalue()


def empty_tar() -> bytes:
    """Return the tar of a layer that changes nothing."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT):
        pass
    return buffer.getvalue()


def content_size(data: bytes) -> int:
    """Return the bytes of regular files in a layer tar, as a layer's size."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            return sum(member.size for member in tar.getmembers() if member.isfile())
    except (tarfile.TarError, EOFError, OSError):
        return 0


def apply_layer(fs: Filesystem, data: bytes) -> None:
    """Apply a layer tar to ``fs``: remove whiteouts' targets, extract the rest.

    Raises:
        InvalidArchive: when ``data`` is not a readable tar.
    """
    try:
        source = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise InvalidArchive(f"invalid tar archive: {error}") from error
    kept = io.BytesIO()
    with source, tarfile.open(fileobj=kept, mode="w", format=tarfile.PAX_FORMAT) as out:
        for member in source.getmembers():
            parent, name = posixpath.split(posixpath.normpath("/" + member.name))
            if name == OPAQUE_WHITEOUT:
                _clear_directory(fs, parent)
                continue
            if name.startswith(WHITEOUT_PREFIX):
                target = posixpath.join(parent, name[len(WHITEOUT_PREFIX) :])
                if fs.lexists(target):
                    fs.remove(target, recursive=True)
                continue
            extracted = source.extractfile(member) if member.isfile() else None
            out.addfile(member, extracted)
    fs.extract_tar("/", kept.getvalue())


def _clear_directory(fs: Filesystem, path: str) -> None:
    if not fs.is_dir(path):
        return
    for name in fs.listdir(path):
        fs.remove(posixpath.join(path, name), recursive=True)


def _walk(fs: Filesystem, directory: str) -> list[str]:
    paths: list[str] = []
    for name in fs.listdir(directory):
        path = posixpath.join(directory, name)
        paths.append(path)
        if fs.lstat(path).kind == "dir":
            paths.extend(_walk(fs, path))
    return paths


def _add(tar: tarfile.TarFile, fs: Filesystem, path: str) -> None:
    try:
        stat = fs.lstat(path)
    except FilesystemError:
        return
    info = tarfile.TarInfo(path.lstrip("/"))
    info.mtime = int(stat.mtime)
    info.mode = stat.mode
    info.uid = stat.uid
    info.gid = stat.gid
    if stat.kind == "dir":
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    elif stat.kind == "symlink":
        info.type = tarfile.SYMTYPE
        info.linkname = stat.link_target
        tar.addfile(info)
    else:
        data = fs.read_file(path)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
