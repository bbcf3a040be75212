"""Filesystem.extract_tar and to_tar against hostile archives.

Expected texts are the answers of Docker Engine 26.1.5 to the same
archives (PUT /containers/{id}/archive?path=/ on a busybox container).
"""

from __future__ import annotations

import gzip
import io
import tarfile
from collections.abc import Iterator
from typing import Any

import pytest

from fakedaemon.engine import filesystem as filesystem_module
from fakedaemon.engine.filesystem import (
    ArchiveDecompressionFailed,
    ArchiveEntryNotFound,
    ArchiveTooLarge,
    Filesystem,
    InvalidArchive,
)


class _CountingEntries(dict[str, Any]):
    """Directory entries that count lookups, the unit of resolution work."""

    lookups = 0

    def get(self, key: str, default: Any = None) -> Any:
        _CountingEntries.lookups += 1
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        _CountingEntries.lookups += 1
        return super().__contains__(key)


class _CountingDir(filesystem_module._Dir):
    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.entries = _CountingEntries(self.entries)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Filesystem]:
    monkeypatch.setattr(filesystem_module, "_Dir", _CountingDir)
    _CountingEntries.lookups = 0
    fs = Filesystem.from_files({"/etc/passwd": b"root\n", "/bin/sh": b"#!"})
    fs.mkdir("/tmp")
    yield fs


@pytest.fixture
def fs() -> Filesystem:
    image = Filesystem.from_files({"/etc/passwd": b"root\n", "/bin/busybox": b"elf"})
    image.mkdir("/tmp")
    return image


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


def _dir(name: str) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    return info, None


def _link(name: str, target: str, kind: bytes) -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info, None


def _tar(*entries: tuple[tarfile.TarInfo, bytes | None]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def _lookups_for_depth(fs: Filesystem, depth: int) -> int:
    _CountingEntries.lookups = 0
    fs.extract_tar("/", _tar(_file(f"d{depth}/" + "a/" * depth + "f")))
    return _CountingEntries.lookups


# Linear work


def test_extract_deep_path_linear(counted: Filesystem) -> None:
    small = _lookups_for_depth(counted, 500)
    large = _lookups_for_depth(counted, 2000)
    assert large < 5 * small
    assert large < 40 * 2000


def test_extract_deep_path_result(counted: Filesystem) -> None:
    counted.extract_tar("/", _tar(_file("a/" * 2000 + "f", b"deep")))
    assert counted.read_file("/" + "a/" * 2000 + "f") == b"deep"


def test_to_tar_deep_linear(counted: Filesystem) -> None:
    counted.extract_tar("/", _tar(_file("a/" * 2000 + "f", b"deep")))
    _CountingEntries.lookups = 0
    data = counted.to_tar("/" + "a/" * 1999 + "a")
    assert _CountingEntries.lookups < 40 * 2000
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert tar.getnames() == ["a", "a/f"]


def test_to_tar_deep_tree(fs: Filesystem) -> None:
    fs.extract_tar("/", _tar(_file("a/" * 2000 + "f", b"deep")))
    with tarfile.open(fileobj=io.BytesIO(fs.to_tar("/a"))) as tar:
        names = tar.getnames()
    assert len(names) == 2001


def test_changes_deep_tree(fs: Filesystem) -> None:
    layer = fs.child()
    layer.extract_tar("/", _tar(_file("a/" * 1500 + "f")))
    assert len(layer.changes()) == 1501


def test_mkdir_parents_linear(counted: Filesystem) -> None:
    counted.mkdir("/" + "b/" * 2000, parents=True)
    assert _CountingEntries.lookups < 10 * 2000


# Name limits


def test_path_too_long() -> None:
    fs = Filesystem()
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/", _tar(_file("a/" * 3000 + "f")))
    assert caught.value.message == "open /" + "a/" * 3000 + "f: file name too long"


def test_path_at_limit(fs: Filesystem) -> None:
    name = ("p" * 200 + "/") * 20 + "z" * 74
    assert len("/" + name) == 4095
    fs.extract_tar("/", _tar(_file(name)))
    assert fs.exists("/" + name)


def test_path_one_over_limit(fs: Filesystem) -> None:
    name = ("p" * 200 + "/") * 20 + "z" * 75
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/", _tar(_file(name)))
    assert caught.value.message == f"open /{name}: file name too long"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (_file("b" * 256), "open /" + "b" * 256),
        (_file("c" * 256 + "/f"), "open /" + "c" * 256 + "/f"),
        (_file("tmp/" + "c" * 256 + "/f"), "open /tmp/" + "c" * 256 + "/f"),
        (_dir("d" * 256 + "/"), "mkdir /" + "d" * 256),
        (_link("s" * 256, "x", tarfile.SYMTYPE), "symlink x /" + "s" * 256),
        (
            _link("s7", "t/" * 2500, tarfile.SYMTYPE),
            "symlink " + "t/" * 2500 + " /s7",
        ),
        (
            _link("h" * 256, "bin/busybox", tarfile.LNKTYPE),
            "link /bin/busybox /" + "h" * 256,
        ),
        (_link("h8", "h" * 256, tarfile.LNKTYPE), "link /" + "h" * 256 + " /h8"),
    ],
)
def test_name_too_long(
    fs: Filesystem, entry: tuple[tarfile.TarInfo, bytes | None], expected: str
) -> None:
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/", _tar(entry))
    assert caught.value.message == f"{expected}: file name too long"


def test_name_at_limit(fs: Filesystem) -> None:
    fs.extract_tar("/", _tar(_file("b" * 255)))
    assert fs.exists("/" + "b" * 255)


def test_symlink_long_target_component(fs: Filesystem) -> None:
    fs.extract_tar("/", _tar(_link("s6", "t" * 256, tarfile.SYMTYPE)))
    assert fs.lstat("/s6").link_target == "t" * 256


# Names that leave the destination


def test_dotdot_clamped_at_root(fs: Filesystem) -> None:
    fs.extract_tar("/", _tar(_file("../../../../tmp/x1")))
    assert fs.exists("/tmp/x1")


def test_dotdot_back_inside(fs: Filesystem) -> None:
    fs.extract_tar("/tmp", _tar(_file("../../../../tmp/x2")))
    assert fs.exists("/tmp/x2")


def test_dotdot_outside_destination(fs: Filesystem) -> None:
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/tmp", _tar(_file("a/../../x3")))
    assert caught.value.message == '"../x3" is outside of "/tmp"'
    assert not fs.exists("/x3")


def test_symlink_climbing_clamped(fs: Filesystem) -> None:
    fs.extract_tar("/", _tar(_link("s1", "../../../../../tmp", tarfile.SYMTYPE)))
    assert fs.realpath("/s1") == "/tmp"


def test_symlink_outside_destination(fs: Filesystem) -> None:
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/tmp", _tar(_link("s4", "../etc", tarfile.SYMTYPE)))
    assert caught.value.message == 'invalid symlink "/tmp/s4" -> "../etc"'


def test_write_through_absolute_symlink(fs: Filesystem) -> None:
    archive = _tar(_link("s3", "/etc", tarfile.SYMTYPE), _file("s3/new", b"in"))
    fs.extract_tar("/tmp", archive)
    assert fs.read_file("/etc/new") == b"in"


def test_hard_link_outside_destination(fs: Filesystem) -> None:
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/tmp", _tar(_link("h", "../bin/busybox", tarfile.LNKTYPE)))
    assert caught.value.message == (
        'invalid hardlink "/bin/busybox" -> "../bin/busybox"'
    )


# Hard links


def test_hard_link_existing_file(fs: Filesystem) -> None:
    fs.extract_tar("/", _tar(_link("hl2", "/bin/busybox", tarfile.LNKTYPE)))
    assert fs.read_file("/hl2") == b"elf"


def test_hard_link_missing(fs: Filesystem) -> None:
    with pytest.raises(ArchiveEntryNotFound) as caught:
        fs.extract_tar("/", _tar(_link("hl4", "/nope", tarfile.LNKTYPE)))
    assert caught.value.message == "link /nope /hl4: no such file or directory"


def test_hard_link_directory(fs: Filesystem) -> None:
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/", _tar(_link("h9", "tmp", tarfile.LNKTYPE)))
    assert caught.value.message == "link /tmp /h9: operation not permitted"


# Non-directories on the way


def test_file_in_parent_replaced(fs: Filesystem) -> None:
    fs.extract_tar("/", _tar(_file("etc/passwd/x/y")))
    assert fs.is_dir("/etc/passwd/x")


def test_no_overwrite_dir_with_file(fs: Filesystem) -> None:
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/", _tar(_file("tmp")), no_overwrite_dir_non_dir=True)
    assert caught.value.message == (
        'cannot overwrite directory "/tmp" with non-directory "/"'
    )


# Broken archives


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"not a tar archive at all" * 40, "archive/tar: invalid tar header"),
        (b"hello", "unexpected EOF"),
        (b"\x00" * 512 + b"g" * 512, "archive/tar: invalid tar header"),
        (b"\x00" * 512 + b"g" * 100, "unexpected EOF"),
        (gzip.compress(b"not a tar" * 100, mtime=0), "archive/tar: invalid tar header"),
    ],
)
def test_broken_tar(fs: Filesystem, body: bytes, expected: str) -> None:
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/", body)
    assert caught.value.message == expected


def test_truncated_file_data(fs: Filesystem) -> None:
    archive = _tar(_file("trunc", b"y" * 5000))
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/", archive[:2048])
    assert caught.value.message == "unexpected EOF"


def test_entries_before_defect_kept(fs: Filesystem) -> None:
    archive = _tar(_file("g1", b"hi"))
    with pytest.raises(InvalidArchive):
        fs.extract_tar("/", archive[:1024] + b"g" * 512)
    assert fs.read_file("/g1") == b"hi"


@pytest.mark.parametrize(
    "body",
    [b"", b"\x00" * 512, b"\x00" * 1024],
)
def test_empty_archive(fs: Filesystem, body: bytes) -> None:
    fs.extract_tar("/", body)
    assert fs.listdir("/") == ["bin", "etc", "tmp"]


def test_archive_without_end_blocks(fs: Filesystem) -> None:
    fs.extract_tar("/", _tar(_file("g2", b"hi"))[:1024])
    assert fs.read_file("/g2") == b"hi"


def test_nul_in_pax_path(fs: Filesystem) -> None:
    info = tarfile.TarInfo("x")
    info.size = 1
    info.pax_headers = {"path": "a\x00b"}
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/", _tar((info, b"x")))
    assert caught.value.message == "archive/tar: invalid tar header"


def test_pax_header_too_long(fs: Filesystem) -> None:
    info = tarfile.TarInfo("x")
    info.pax_headers = {"comment": "c" * (1 << 20)}
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/", _tar((info, b"")))
    assert caught.value.message == "archive/tar: header field too long"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b"\x1f\x8b\x08\x00" + b"garbage!" * 20,
            "flate: corrupt input before offset 7",
        ),
        (
            b"BZh91AY&SY" + b"garbage!" * 20,
            "bzip2 data invalid: tree index too large",
        ),
        (
            b"\xfd7zXZ\x00" + b"garbage!" * 20,
            "exit status 1: xz: (stdin): Compressed data is corrupt\n",
        ),
    ],
)
def test_corrupt_compression(fs: Filesystem, body: bytes, expected: str) -> None:
    with pytest.raises(ArchiveDecompressionFailed) as caught:
        fs.extract_tar("/", body)
    assert caught.value.message == expected


def test_gzip_truncated(fs: Filesystem) -> None:
    body = gzip.compress(_tar(_file("z", b"z" * 4000)))
    with pytest.raises(InvalidArchive) as caught:
        fs.extract_tar("/", body[: len(body) // 2])
    assert caught.value.message == "unexpected EOF"


def test_gzip_extracts(fs: Filesystem) -> None:
    fs.extract_tar("/tmp", gzip.compress(_tar(_file("z", b"z"))))
    assert fs.read_file("/tmp/z") == b"z"


# Size limits


def test_file_over_limit(fs: Filesystem) -> None:
    with pytest.raises(ArchiveTooLarge) as caught:
        fs.extract_tar("/", _tar(_file("big", b"x" * 100)), max_file_bytes=99)
    assert caught.value.message == "write /big: no space left on device"


def test_archive_over_limit(fs: Filesystem) -> None:
    archive = _tar(_file("a", b"x" * 600), _file("b", b"x" * 600))
    with pytest.raises(ArchiveTooLarge) as caught:
        fs.extract_tar("/", archive, max_bytes=2000)
    assert caught.value.message == "write /b: no space left on device"


def test_gzip_bomb_stops_early(fs: Filesystem) -> None:
    # 64 MiB of zeros compresses to about 64 KiB; the header alone is
    # enough to reject it, so almost nothing is decompressed.
    info = tarfile.TarInfo("bomb")
    info.size = 64 * 1024 * 1024
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as compressed:
        with tarfile.open(fileobj=compressed, mode="w|") as tar:
            tar.addfile(info, io.BytesIO(bytes(info.size)))
    with pytest.raises(ArchiveTooLarge):
        fs.extract_tar("/", buffer.getvalue(), max_file_bytes=1024 * 1024)
    assert not fs.exists("/bomb")


def test_many_entries_over_limit(fs: Filesystem) -> None:
    archive = _tar(*[_dir(f"d{index}") for index in range(10)])
    with pytest.raises(ArchiveTooLarge) as caught:
        fs.extract_tar("/", archive, max_bytes=512 * 5)
    assert caught.value.message == "mkdir /d5: no space left on device"
