"""Tests of the in-memory filesystem: paths, layers, changes and archives."""

from __future__ import annotations

import io
import tarfile
import tracemalloc

import pytest

from fakedaemon.engine.catalogue import base_image
from fakedaemon.engine.filesystem import (
    CHANGE_ADDED,
    CHANGE_DELETED,
    CHANGE_MODIFIED,
    ArchiveTooLarge,
    Change,
    DirectoryNotEmpty,
    FileExists,
    FileNotFound,
    Filesystem,
    InvalidArchive,
    IsADirectory,
    NotADirectory,
    SymlinkLoop,
    normalize,
)
from fakedaemon.errors import InvalidParameter, NotFound


@pytest.fixture
def image() -> Filesystem:
    return Filesystem.from_files(
        {
            "/bin/busybox": (b"\x7fELF", 0o755),
            "/etc/hostname": b"old\n",
            "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\n",
        },
        symlinks={"/bin/sh": "busybox", "/bin/ls": "/bin/busybox"},
        dirs=["/tmp", "/root"],
        now=lambda: 1000.0,
    )


def _tar(*members: tuple[tarfile.TarInfo, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            tar.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return buffer.getvalue()


def _file(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


@pytest.mark.parametrize(
    ("path", "cwd", "expected"),
    [
        ("/a/b/../c", "/", "/a/c"),
        ("../../..", "/x", "/"),
        ("b", "/a", "/a/b"),
        ("/a//b/./", "/", "/a/b"),
    ],
)
def test_normalize_cases(path: str, cwd: str, expected: str) -> None:
    assert normalize(path, cwd) == expected


def test_write_then_read(image: Filesystem) -> None:
    image.write_file("/tmp/x", b"data")
    assert image.read_file("/tmp/x") == b"data"


def test_write_append(image: Filesystem) -> None:
    image.write_file("/tmp/x", b"a")
    image.write_file("/tmp/x", b"b", append=True)
    assert image.read_file("/tmp/x") == b"ab"


def test_write_keeps_mode_of_existing(image: Filesystem) -> None:
    image.write_file("/tmp/x", b"a", mode=0o600)
    image.write_file("/tmp/x", b"b", mode=0o777)
    assert image.stat("/tmp/x").mode == 0o600


def test_read_missing_raises_not_found(image: Filesystem) -> None:
    with pytest.raises(FileNotFound) as caught:
        image.read_file("/nope")
    assert isinstance(caught.value, NotFound)


def test_read_directory_raises(image: Filesystem) -> None:
    with pytest.raises(IsADirectory):
        image.read_file("/etc")


def test_write_under_file_raises(image: Filesystem) -> None:
    with pytest.raises(NotADirectory):
        image.write_file("/etc/hostname/x", b"")


def test_write_missing_parent_raises(image: Filesystem) -> None:
    with pytest.raises(FileNotFound):
        image.write_file("/no/dir/x", b"")


def test_dotdot_stays_in_root(image: Filesystem) -> None:
    assert image.read_file("/../../etc/hostname") == b"old\n"


def test_symlink_followed(image: Filesystem) -> None:
    assert image.read_file("/bin/sh") == b"\x7fELF"


def test_absolute_symlink_resolves_in_root(image: Filesystem) -> None:
    image.symlink("/etc", "/tmp/etc")
    assert image.read_file("/tmp/etc/hostname") == b"old\n"


def test_symlink_loop_raises(image: Filesystem) -> None:
    image.symlink("/tmp/b", "/tmp/a")
    image.symlink("/tmp/a", "/tmp/b")
    with pytest.raises(SymlinkLoop):
        image.read_file("/tmp/a")


def test_write_through_dangling_link(image: Filesystem) -> None:
    image.symlink("target", "/tmp/link")
    image.write_file("/tmp/link", b"x")
    assert image.read_file("/tmp/target") == b"x"


def test_mkdir_parents(image: Filesystem) -> None:
    image.mkdir("/a/b/c", parents=True)
    assert image.is_dir("/a/b/c")


def test_mkdir_existing_raises(image: Filesystem) -> None:
    with pytest.raises(FileExists):
        image.mkdir("/tmp")


def test_mkdir_parents_existing_ok(image: Filesystem) -> None:
    image.mkdir("/tmp", parents=True)
    assert image.is_dir("/tmp")


def test_listdir_sorted(image: Filesystem) -> None:
    assert image.listdir("/bin") == ["busybox", "ls", "sh"]


def test_listdir_file_raises(image: Filesystem) -> None:
    with pytest.raises(NotADirectory):
        image.listdir("/etc/hostname")


def test_remove_nonempty_needs_recursive(image: Filesystem) -> None:
    with pytest.raises(DirectoryNotEmpty):
        image.remove("/etc")


def test_remove_recursive(image: Filesystem) -> None:
    image.remove("/etc", recursive=True)
    assert not image.exists("/etc")


def test_remove_symlink_keeps_target(image: Filesystem) -> None:
    image.remove("/bin/sh")
    assert not image.lexists("/bin/sh")
    assert image.exists("/bin/busybox")


def test_stat_of_symlink(image: Filesystem) -> None:
    info = image.lstat("/bin/sh")
    assert info.kind == "symlink"
    assert info.link_target == "busybox"
    assert info.go_file_mode == 0o777 | (1 << 27)


def test_stat_of_file(image: Filesystem) -> None:
    info = image.stat("/etc/hostname")
    assert (info.kind, info.size, info.mode, info.mtime) == ("file", 4, 0o644, 1000.0)


def test_stat_of_dir_go_mode(image: Filesystem) -> None:
    assert image.stat("/tmp").go_file_mode == 0o755 | (1 << 31)


def test_which_through_symlink(image: Filesystem) -> None:
    assert image.which("sh", "/usr/bin:/bin") == "/bin/sh"


def test_which_needs_execute_bit(image: Filesystem) -> None:
    assert image.which("hostname", "/etc") is None


def test_which_missing(image: Filesystem) -> None:
    assert image.which("nope", "/bin") is None


def test_which_path_name(image: Filesystem) -> None:
    assert image.which("/bin/ls", "") == "/bin/ls"


def test_child_sees_parent_files(image: Filesystem) -> None:
    assert image.child().read_file("/etc/hostname") == b"old\n"


def test_child_write_not_in_parent(image: Filesystem) -> None:
    child = image.child()
    child.write_file("/etc/hostname", b"new\n")
    assert image.read_file("/etc/hostname") == b"old\n"
    assert child.read_file("/etc/hostname") == b"new\n"


def test_parent_write_not_in_child(image: Filesystem) -> None:
    child = image.child()
    image.write_file("/etc/hostname", b"changed\n")
    image.write_file("/tmp/later", b"")
    assert child.read_file("/etc/hostname") == b"old\n"
    assert not child.exists("/tmp/later")


def test_sibling_children_independent(image: Filesystem) -> None:
    first, second = image.child(), image.child()
    first.remove("/etc/passwd")
    assert second.exists("/etc/passwd")


def test_unwritten_children_are_small(image: Filesystem) -> None:
    for index in range(200):
        image.write_file(f"/tmp/file{index}", b"x" * 1000)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        children = [image.child() for _ in range(10_000)]
        used = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(children) == 10_000
    assert used / 10_000 < 1024


def test_changes_of_unwritten_child(image: Filesystem) -> None:
    assert image.child().changes() == []


def test_changes_added_file(image: Filesystem) -> None:
    child = image.child()
    child.write_file("/tmp/x", b"")
    assert child.changes() == [
        Change("/tmp", CHANGE_MODIFIED),
        Change("/tmp/x", CHANGE_ADDED),
    ]


def test_changes_added_tree(image: Filesystem) -> None:
    child = image.child()
    child.mkdir("/d/e", parents=True)
    child.write_file("/d/e/f", b"x")
    child.symlink("/etc", "/d/l")
    assert [(c.path, c.kind) for c in child.changes()] == [
        ("/d", CHANGE_ADDED),
        ("/d/e", CHANGE_ADDED),
        ("/d/e/f", CHANGE_ADDED),
        ("/d/l", CHANGE_ADDED),
    ]


def test_changes_modified_and_deleted(image: Filesystem) -> None:
    child = image.child()
    child.write_file("/etc/hostname", b"new")
    child.remove("/etc/passwd")
    assert child.changes() == [
        Change("/etc", CHANGE_MODIFIED),
        Change("/etc/hostname", CHANGE_MODIFIED),
        Change("/etc/passwd", CHANGE_DELETED),
    ]


def test_changes_deleted_dir_listed_once(image: Filesystem) -> None:
    child = image.child()
    child.remove("/etc", recursive=True)
    assert child.changes() == [Change("/etc", CHANGE_DELETED)]


def _names(data: bytes) -> list[str]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return tar.getnames()


def test_to_tar_file_named_by_base(image: Filesystem) -> None:
    assert _names(image.to_tar("/etc/hostname")) == ["hostname"]


def test_to_tar_directory(image: Filesystem) -> None:
    assert _names(image.to_tar("/etc")) == ["etc", "etc/hostname", "etc/passwd"]


def test_to_tar_dot_suffix(image: Filesystem) -> None:
    assert _names(image.to_tar("/etc/.")) == [".", "./hostname", "./passwd"]


def test_to_tar_symlink_not_followed(image: Filesystem) -> None:
    with tarfile.open(fileobj=io.BytesIO(image.to_tar("/bin/sh"))) as tar:
        member = tar.getmember("sh")
    assert member.issym()
    assert member.linkname == "busybox"


def test_to_tar_content(image: Filesystem) -> None:
    with tarfile.open(fileobj=io.BytesIO(image.to_tar("/etc/hostname"))) as tar:
        extracted = tar.extractfile("hostname")
        assert extracted is not None
        assert extracted.read() == b"old\n"


def test_tar_round_trip(image: Filesystem) -> None:
    target = Filesystem()
    target.extract_tar("/", image.to_tar("/etc"))
    assert target.read_file("/etc/passwd") == image.read_file("/etc/passwd")


def test_extract_absolute_name_kept_inside(image: Filesystem) -> None:
    image.extract_tar("/tmp", _tar((_file("/abs"), b"x")))
    assert image.read_file("/tmp/abs") == b"x"
    assert not image.exists("/abs")


def test_extract_rejects_dotdot(image: Filesystem) -> None:
    with pytest.raises(InvalidArchive) as caught:
        image.extract_tar("/tmp", _tar((_file("../x"), b"x")))
    assert isinstance(caught.value, InvalidParameter)
    assert not image.exists("/x")


def test_extract_rejects_relative_link_out(image: Filesystem) -> None:
    with pytest.raises(InvalidArchive):
        image.extract_tar("/tmp", _tar((_link("l", "../../etc"), b"")))


def test_extract_writes_through_absolute_link(image: Filesystem) -> None:
    # As dockerd extracts inside the container's root, an absolute link
    # resolves there: the write lands in the container's /etc, never the host's.
    archive = _tar((_link("l", "/etc"), b""), (_file("l/passwd"), b"inside"))
    image.extract_tar("/tmp", archive)
    assert image.read_file("/etc/passwd") == b"inside"


def test_extract_rejects_hard_link_out(image: Filesystem) -> None:
    archive = _tar((_link("h", "../etc/passwd", tarfile.LNKTYPE), b""))
    with pytest.raises(InvalidArchive):
        image.extract_tar("/tmp", archive)


def test_extract_size_limit(image: Filesystem) -> None:
    with pytest.raises(ArchiveTooLarge) as caught:
        image.extract_tar("/tmp", _tar((_file("big"), b"x" * 100)), max_bytes=10)
    assert "no space left on device" in caught.value.message


def test_extract_garbage_raises(image: Filesystem) -> None:
    with pytest.raises(InvalidArchive):
        image.extract_tar("/tmp", b"not a tar archive at all" * 40)


def test_extract_missing_destination(image: Filesystem) -> None:
    with pytest.raises(FileNotFound):
        image.extract_tar("/nope", _tar((_file("x"), b"")))


def test_extract_onto_file_raises(image: Filesystem) -> None:
    with pytest.raises(NotADirectory):
        image.extract_tar("/etc/hostname", _tar((_file("x"), b"")))


def test_extract_gzip(image: Filesystem) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("z")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"z"))
    image.extract_tar("/tmp", buffer.getvalue())
    assert image.read_file("/tmp/z") == b"z"


def test_extract_keeps_mode(image: Filesystem) -> None:
    info = _file("run.sh")
    info.mode = 0o700
    image.extract_tar("/tmp", _tar((info, b"#!/bin/sh\n")))
    assert image.stat("/tmp/run.sh").mode == 0o700


def test_detached_copy_writes_stay_apart() -> None:
    template = Filesystem.from_files({"/etc/hostname": b"base\n"})
    first = template.detached_copy()
    second = template.detached_copy()
    first.write_file("/etc/hostname", b"first\n")
    assert second.read_file("/etc/hostname") == b"base\n"
    assert template.read_file("/etc/hostname") == b"base\n"
    assert [change.path for change in second.changes()] == [
        change.path
        for change in Filesystem.from_files({"/etc/hostname": b"base\n"}).changes()
    ]


def test_image_filesystems_share_a_template() -> None:
    first = base_image("library/busybox").filesystem()
    second = base_image("library/busybox").filesystem()
    first.write_file("/etc/motd", b"changed\n")
    assert not second.exists("/etc/motd")
    assert second.lexists("/bin/sh")
