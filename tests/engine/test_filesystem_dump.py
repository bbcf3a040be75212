"""Filesystem trees as JSON values: dump the difference, apply it back."""

from __future__ import annotations

import io
import json
import tarfile

import pytest

from fakedaemon.engine.filesystem import Filesystem
from fakedaemon.engine.filesystem_dump import (
    apply_tree,
    decode_bytes,
    dump_changes,
    dump_tree,
    encode_bytes,
)


def tree(fs: Filesystem, path: str = "/") -> dict[str, tuple[object, ...]]:
    """Return every node below ``path`` with its kind, metadata and content."""
    found: dict[str, tuple[object, ...]] = {}
    stat = fs.lstat(path)
    content: object = stat.link_target
    if stat.kind == "file":
        content = fs.read_file(path)
    found[path] = (stat.kind, stat.mode, stat.mtime, stat.uid, stat.gid, content)
    if stat.kind == "dir":
        for name in fs.listdir(path):
            found.update(tree(fs, f"{path.rstrip('/')}/{name}"))
    return found


def sample() -> Filesystem:
    clock = iter(float(second) for second in range(1_000, 2_000))
    fs = Filesystem(lambda: next(clock))
    fs.mkdir("/etc/app", parents=True, mode=0o750)
    fs.write_file("/etc/app/text.conf", b"key=value\n", mode=0o640)
    fs.write_file("/etc/app/blob", bytes(range(256)))
    fs.symlink("../app/text.conf", "/etc/link")
    fs.mkdir("/empty")
    return fs


def test_full_tree_round_trip() -> None:
    original = sample()
    entries = json.loads(json.dumps(dump_tree(original)))
    copied = Filesystem()
    apply_tree(copied, entries)
    assert tree(copied) == tree(original)


def test_text_and_binary_content() -> None:
    entries = {entry["path"]: entry for entry in dump_tree(sample())}
    assert entries["/etc/app/text.conf"]["text"] == "key=value\n"
    assert "base64" in entries["/etc/app/blob"]
    assert entries["/etc/link"]["target"] == "../app/text.conf"
    assert entries["/etc/app"]["mode"] == 0o750


def test_owner_kept() -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo("owned.txt")
        info.size, info.uid, info.gid, info.mtime = 2, 1000, 50, 1_234_567
        archive.addfile(info, io.BytesIO(b"hi"))
    owned = Filesystem()
    owned.extract_tar("/", buffer.getvalue())
    copied = Filesystem()
    apply_tree(copied, dump_tree(owned))
    assert copied.stat("/owned.txt").uid == 1000
    assert copied.stat("/owned.txt").gid == 50
    assert tree(copied) == tree(owned)


def test_child_dumps_only_changes() -> None:
    base = sample()
    child = base.child()
    child.write_file("/etc/app/text.conf", b"changed\n")
    child.remove("/etc/link")
    child.mkdir("/new/deep", parents=True)
    entries = dump_tree(child, base)
    paths = [entry["path"] for entry in entries]
    assert "/etc/app/blob" not in paths
    assert {"path": "/etc/link", "type": "deleted"} in entries
    assert paths.index("/new") < paths.index("/new/deep")
    rebuilt = base.child()
    apply_tree(rebuilt, entries)
    assert tree(rebuilt) == tree(child)
    assert [change.path for change in rebuilt.changes()] == [
        change.path for change in child.changes()
    ]


def test_dump_changes_against_own_base() -> None:
    base = sample()
    child = base.child()
    child.write_file("/added", b"x")
    assert dump_changes(child) == dump_tree(child, base)
    assert dump_changes(base)[0]["path"] == "/"


def test_unchanged_child_dumps_nothing() -> None:
    base = sample()
    assert dump_tree(base.child(), base) == []


def test_file_and_directory_swap() -> None:
    base = sample()
    child = base.child()
    child.remove("/etc/app", recursive=True)
    child.write_file("/etc/app", b"now a file")
    child.remove("/empty")
    child.mkdir("/empty")
    child.write_file("/empty/inside", b"")
    rebuilt = base.child()
    apply_tree(rebuilt, dump_tree(child, base))
    assert tree(rebuilt) == tree(child)


def test_apply_keeps_parent_times() -> None:
    original = sample()
    copied = Filesystem(lambda: 99_999.0)
    apply_tree(copied, dump_tree(original))
    assert copied.stat("/etc").mtime == original.stat("/etc").mtime


@pytest.mark.parametrize(
    "entry",
    [
        {"path": "/x", "type": "socket", "mode": 420, "mtime": 0},
        {"path": "/missing/x", "type": "file", "mode": 420, "mtime": 0, "text": ""},
        {"path": "/x", "type": "file", "mode": 420, "mtime": 0},
        {"path": "/x", "type": "file", "mtime": 0, "text": ""},
        {"path": "/", "type": "file", "mode": 420, "mtime": 0, "text": ""},
    ],
)
def test_apply_rejects_malformed(entry: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="invalid"):
        apply_tree(Filesystem(), [entry])


def test_bytes_encoding() -> None:
    assert encode_bytes(b"plain") == {"text": "plain"}
    assert decode_bytes(encode_bytes(b"\xff\x00")) == b"\xff\x00"
    with pytest.raises(ValueError, match="invalid content"):
        decode_bytes({"base64": "not base64!"})
