"""Filesystem trees as JSON values: the nodes that differ from a base tree.

The state dump writes the files of images, containers and volumes this way,
and a load applies the entries to a filesystem that starts as the same base.
Both sides work on the nodes of ``filesystem.py`` directly. A load sets
modes, owners and modification times exactly as dumped, without the write
methods' side effect of stamping the parent directory's modification time.

An entry is ``{"path", "type", "mode", "mtime"}`` plus ``uid`` and ``gid``
when not 0. A file adds its content as ``text`` (valid UTF-8) or
``base64``, a symbolic link its ``target``. ``{"path", "type": "deleted"}``
removes a path of the base. Parents come before their children.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from typing import Any

from .filesystem import (
    Filesystem,
    FilesystemError,
    _Dir,
    _File,
    _Node,
    _split,
    _Symlink,
)

_EMPTY = _Dir(0o755, 0.0, None)


def encode_bytes(data: bytes) -> dict[str, str]:
    """Return ``data`` as ``{"text": ...}`` when it is UTF-8, else as base64."""
    try:
        return {"text": data.decode("utf-8")}
    except UnicodeDecodeError:
        return {"base64": base64.b64encode(data).decode("ascii")}


def decode_bytes(item: Mapping[str, Any]) -> bytes:
    """Return the bytes ``encode_bytes`` wrote into ``item``.

    Raises:
        ValueError: ``item`` has neither ``text`` nor valid ``base64``.
    """
    if "text" in item:
        return str(item["text"]).encode("utf-8")
    try:
        return base64.b64decode(str(item["base64"]), validate=True)
    except (KeyError, binascii.Error):
        raise ValueError(f"invalid content: {sorted(item)}") from None


def dump_tree(fs: Filesystem, base: Filesystem | None = None) -> list[dict[str, Any]]:
    """Return the entries that turn ``base`` (an empty root when None) into ``fs``.

    Nodes that ``fs`` still shares with ``base`` are skipped without being
    read, so the cost follows the size of the difference.
    """
    old_root = _root_of(base) if base is not None else _EMPTY
    return _diff(old_root, fs)


def dump_changes(fs: Filesystem) -> list[dict[str, Any]]:
    """Return the entries that turn the parent ``fs`` was made from into ``fs``."""
    with fs._lock:
        old_root = fs._base if fs._base is not None else _EMPTY
    return _diff(old_root, fs)


def apply_tree(fs: Filesystem, entries: Iterable[Mapping[str, Any]]) -> None:
    """Write the entries of ``dump_tree`` into ``fs``.

    Raises:
        ValueError: an entry is malformed, or its parent is not a directory.
    """
    with fs._lock:
        for entry in entries:
            try:
                _apply(fs, entry)
            except FilesystemError as error:
                raise ValueError(
                    f"invalid file entry {entry.get('path')!r}: {error.message}"
                ) from None
            except (KeyError, TypeError) as error:
                raise ValueError(
                    f"invalid file entry {entry.get('path')!r}: {error!r}"
                ) from None


def _root_of(fs: Filesystem) -> _Dir:
    with fs._lock:
        return fs._root


def _diff(old_root: _Dir, fs: Filesystem) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    with fs._lock:
        root = fs._root
        if root is old_root:
            return entries
        if not _same_meta(old_root, root):
            entries.append(_entry("/", root))
        stack: list[tuple[str, _Dir | None, _Dir]] = [("", old_root, root)]
        while stack:
            prefix, old_dir, new_dir = stack.pop()
            for name in sorted(new_dir.entries):
                node = new_dir.entries[name]
                path = f"{prefix}/{name}"
                old = old_dir.entries.get(name) if old_dir is not None else None
                if old is node:
                    continue
                if isinstance(node, _Dir):
                    if isinstance(old, _Dir):
                        if not _same_meta(old, node):
                            entries.append(_entry(path, node))
                        stack.append((path, old, node))
                    else:
                        entries.append(_entry(path, node))
                        stack.append((path, None, node))
                elif old is None or not _same_leaf(old, node):
                    entries.append(_entry(path, node))
            if old_dir is not None:
                for name in sorted(old_dir.entries):
                    if name not in new_dir.entries:
                        entries.append({"path": f"{prefix}/{name}", "type": "deleted"})
    return entries


def _same_meta(old: _Node, new: _Node) -> bool:
    return (
        old.mode == new.mode
        and old.mtime == new.mtime
        and old.uid == new.uid
        and old.gid == new.gid
    )


def _same_leaf(old: _Node, new: _Node) -> bool:
    if not _same_meta(old, new):
        return False
    if isinstance(new, _File):
        return isinstance(old, _File) and old.data == new.data
    if isinstance(new, _Symlink):
        return isinstance(old, _Symlink) and old.target == new.target
    return False


def _entry(path: str, node: _Node) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": path, "type": "dir"}
    if isinstance(node, _File):
        entry["type"] = "file"
    elif isinstance(node, _Symlink):
        entry["type"] = "symlink"
    entry["mode"] = node.mode
    entry["mtime"] = node.mtime
    if node.uid:
        entry["uid"] = node.uid
    if node.gid:
        entry["gid"] = node.gid
    if isinstance(node, _File):
        entry.update(encode_bytes(node.data))
    elif isinstance(node, _Symlink):
        entry["target"] = node.target
    return entry


def _apply(fs: Filesystem, entry: Mapping[str, Any]) -> None:
    kind = entry["type"]
    parts = _split(str(entry["path"]))
    if not parts:
        if kind != "dir":
            raise ValueError(f"invalid file entry '/': type {kind!r}")
        _set_meta(fs._mutable_dir([]), entry)
        return
    parent = fs._mutable_dir(parts[:-1])
    name = parts[-1]
    if kind == "deleted":
        parent.entries.pop(name, None)
        return
    node: _Node
    if kind == "dir":
        existing = parent.entries.get(name)
        if isinstance(existing, _Dir):
            # Keep the base's entries below it; copy it into this layer.
            node = _Dir(0o755, 0.0, fs._token, dict(existing.entries))
        else:
            node = _Dir(0o755, 0.0, fs._token)
    elif kind == "file":
        node = _File(decode_bytes(entry), 0o644, 0.0, fs._token)
    elif kind == "symlink":
        node = _Symlink(str(entry["target"]), 0.0, fs._token)
    else:
        raise ValueError(f"invalid file entry {entry['path']!r}: type {kind!r}")
    _set_meta(node, entry)
    parent.entries[name] = node


def _set_meta(node: _Node, entry: Mapping[str, Any]) -> None:
    node.mode = int(entry["mode"]) & 0o7777
    node.mtime = float(entry["mtime"])
    node.uid = int(entry.get("uid") or 0)
    node.gid = int(entry.get("gid") or 0)
