"""A decompressing tar byte stream that fails where Go's archive/tar fails.

dockerd reads uploaded archives with Go's ``archive/tar`` behind its own
compression detection, and its error texts reach the client unchanged.
``TarStream`` sits between the request body and Python's ``tarfile`` (in
stream mode): it decompresses as dockerd does (gzip, bzip2, xz, zstd by
magic number, otherwise plain tar), checks the block structure of the tar
(header checksums, PAX record sizes, the two zero blocks at the end), and
raises ``TarStreamError`` with Go's wording. An error is raised only when
the reader asks for bytes at or beyond the offset where Go would have
failed, so the entries before it are extracted first, as dockerd does.
Memory stays bounded: at most one read chunk, its decompressed output and
one PAX header (at most 1 MiB) are held at a time.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from typing import Protocol

READ_CHUNK = 64 * 1024
"""Bytes read from the source, and decompressed bytes produced, per step."""

MAX_SPECIAL_FILE = 1 << 20
"""Go's limit on PAX and GNU long-name header data (``maxSpecialFileSize``)."""

BLOCK = 512

INVALID_HEADER = "archive/tar: invalid tar header"
FIELD_TOO_LONG = "archive/tar: header field too long"
UNEXPECTED_EOF = "unexpected EOF"

_GZIP_MAGIC = b"\x1f\x8b\x08"
_BZIP2_MAGIC = b"BZh"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

# Types whose size field Go ignores because they carry no data.
_HEADER_ONLY_TYPES = frozenset(b"123456")
_SPECIAL_TYPES = frozenset(b"xgLK")


class Source(Protocol):
    """A binary stream the archive is read from (a request body or a buffer)."""

    def read(self, size: int = -1, /) -> bytes:
        """Return up to ``size`` bytes, or ``b""`` at the end."""
        ...


class TarStreamError(Exception):
    """An archive that Go's readers reject; ``message`` is their wording.

    ``decompression`` tells a failure of the decompressor from one of the tar
    reader, because Engine 20.10 reported the two differently.
    """

    def __init__(self, message: str, decompression: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.decompression = decompression


class _Decoder:
    """Plain tar: the bytes pass through."""

    def feed(self, data: bytes) -> bytes:
        return data

    def drain(self) -> bytes:
        """Return output held back by an earlier ``feed``."""
        return b""

    def finish(self) -> None:
        """Check that the compressed stream ended where its data ended."""


class _GzipDecoder(_Decoder):
    """gzip members (RFC 1952) one after another, as Go's ``gzip.Reader``."""

    def __init__(self) -> None:
        self._header = bytearray()
        self._inflate: zlib._Decompress | None = None
        self._consumed = 0
        self._tail = b""
        self._trailer = bytearray()
        self._crc = 0
        self._size = 0
        self._failure: TarStreamError | None = None

    def feed(self, data: bytes) -> bytes:
        self._tail += data
        return self.drain()

    def drain(self) -> bytes:
        if self._failure is not None:
            raise self._failure
        output = bytearray()
        try:
            while self._tail and len(output) < READ_CHUNK:
                if self._inflate is None:
                    if not self._read_header():
                        break
                elif self._inflate.eof:
                    if not self._read_trailer():
                        break
                else:
                    output += self._inflate_some(READ_CHUNK - len(output))
        except TarStreamError as error:
            if not output:
                raise
            # The output before the defect is delivered first, as Go does.
            self._failure = error
        return bytes(output)

    def _read_header(self) -> bool:
        self._header += self._tail
        self._tail = b""
        header = bytes(self._header)
        length = _gzip_header_length(header)
        if length is None:
            return False
        self._tail = header[length:]
        self._header.clear()
        self._inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        self._consumed = 0
        self._crc = 0
        self._size = 0
        return True

    def _inflate_some(self, limit: int) -> bytes:
        assert self._inflate is not None
        before = self._inflate.copy()
        chunk = self._tail
        try:
            output = self._inflate.decompress(chunk, limit)
        except zlib.error:
            offset = self._consumed + _failing_byte(before, chunk) + 1
            raise TarStreamError(
                f"flate: corrupt input before offset {offset}", decompression=True
            ) from None
        if self._inflate.eof:
            self._tail = self._inflate.unused_data
        else:
            self._tail = self._inflate.unconsumed_tail
        self._consumed += len(chunk) - len(self._tail)
        self._crc = zlib.crc32(output, self._crc)
        self._size += len(output)
        return output

    def _read_trailer(self) -> bool:
        needed = 8 - len(self._trailer)
        self._trailer += self._tail[:needed]
        self._tail = self._tail[needed:]
        if len(self._trailer) < 8:
            return False
        crc = int.from_bytes(self._trailer[:4], "little")
        size = int.from_bytes(self._trailer[4:], "little")
        if crc != self._crc or size != self._size & 0xFFFFFFFF:
            raise TarStreamError("gzip: invalid checksum", decompression=True)
        self._trailer.clear()
        self._inflate = None
        return True

    def finish(self) -> None:
        if self._inflate is not None or self._trailer:
            raise TarStreamError(UNEXPECTED_EOF, decompression=True)
        if self._header:
            # Bytes after a member that are not a whole gzip header.
            raise TarStreamError(
                "gzip: invalid header" if len(self._header) >= 10 else UNEXPECTED_EOF,
                decompression=True,
            )


def _gzip_header_length(header: bytes) -> int | None:
    """Return the length of the gzip header at the start, None if incomplete."""
    if len(header) < 10:
        if header and not _GZIP_MAGIC.startswith(header[:3]):
            raise TarStreamError("gzip: invalid header", decompression=True)
        return None
    flags = header[3]
    if header[:3] != _GZIP_MAGIC or flags & 0xE0:
        raise TarStreamError("gzip: invalid header", decompression=True)
    length = 10
    if flags & 0x04:  # FEXTRA
        if len(header) < length + 2:
            return None
        length += 2 + int.from_bytes(header[length : length + 2], "little")
    for flag in (0x08, 0x10):  # FNAME, FCOMMENT: NUL-terminated
        if flags & flag:
            end = header.find(b"\x00", length)
            if end < 0:
                return None
            length = end + 1
    if flags & 0x02:  # FHCRC
        length += 2
    return length if len(header) >= length else None


def _failing_byte(inflate: zlib._Decompress, chunk: bytes) -> int:
    """Return the index in ``chunk`` of the byte at which inflating fails.

    Go's flate reader reports the count of bytes it consumed, which is this
    index plus one.
    """
    for index in range(len(chunk)):
        try:
            inflate.decompress(chunk[index : index + 1])
        except zlib.error:
            return index
    return len(chunk) - 1


class _LibraryDecoder(_Decoder):
    """bzip2 or xz through Python's decompressors, with dockerd's texts."""

    def __init__(self, kind: str) -> None:
        self._kind = kind
        self._decompressor: bz2.BZ2Decompressor | lzma.LZMADecompressor = (
            bz2.BZ2Decompressor() if kind == "bzip2" else lzma.LZMADecompressor()
        )
        self._tail = b""

    def feed(self, data: bytes) -> bytes:
        self._tail += data
        return self.drain()

    def drain(self) -> bytes:
        if self._decompressor.eof:
            return b""
        chunk, self._tail = self._tail, b""
        try:
            return self._decompressor.decompress(chunk, READ_CHUNK)
        except (OSError, EOFError, lzma.LZMAError) as error:
            raise TarStreamError(self._message(chunk, error), True) from None

    def _message(self, chunk: bytes, error: Exception) -> str:
        if self._kind == "xz":
            # dockerd runs the xz program and reports its status and stderr.
            return "exit status 1: xz: (stdin): Compressed data is corrupt\n"
        if chunk[3:4] and not b"1" <= chunk[3:4] <= b"9":
            return "bzip2 data invalid: invalid compression level"
        # NOTE: Go names the exact defect (this text is its answer to data
        # that is corrupt right after a valid block magic); other defects
        # are reported with the same text here.
        return "bzip2 data invalid: tree index too large"

    def finish(self) -> None:
        if not self._decompressor.eof:
            if self._kind == "xz":
                raise TarStreamError(
                    "exit status 1: xz: (stdin): Unexpected end of input\n", True
                )
            raise TarStreamError(UNEXPECTED_EOF, decompression=True)


class _UnsupportedDecoder(_Decoder):
    """zstd, which dockerd 23+ reads and this daemon cannot decompress."""

    def feed(self, data: bytes) -> bytes:
        # NOTE: Python 3.11 has no zstd decompressor in its standard library.
        raise TarStreamError(
            "zstd-compressed archives are not supported by this daemon",
            decompression=True,
        )


def _select_decoder(head: bytes, zstd: bool) -> _Decoder:
    if head.startswith(_GZIP_MAGIC):
        return _GzipDecoder()
    if head.startswith(_BZIP2_MAGIC):
        return _LibraryDecoder("bzip2")
    if head.startswith(_XZ_MAGIC):
        return _LibraryDecoder("xz")
    if zstd and head.startswith(_ZSTD_MAGIC):
        return _UnsupportedDecoder()
    return _Decoder()


class TarStream:
    """A readable stream of decompressed tar bytes checked as Go reads them.

    Args:
        source: the archive, compressed or not.
        zstd: detect zstd by its magic number (dockerd 23 and later);
            otherwise such a body is read as plain tar, as Engine 20.10 did.
    """

    def __init__(self, source: Source, zstd: bool = True) -> None:
        self._source = source
        self._zstd = zstd
        self._decoder: _Decoder | None = None
        self._source_done = False
        self._pending = bytearray()
        self._delivered = 0
        self._produced = 0
        self._next_header = 0
        self._header_pending = True
        self._pax_size: int | None = None
        self._zero_seen: int | None = None
        self._done = False
        self._error: tuple[int, TarStreamError] | None = None
        self.end_offset: int | None = None
        """Offset of the block that ended the archive, once it is known."""

    @property
    def position(self) -> int:
        """Count of decompressed bytes handed out by ``read``."""
        return self._delivered

    def read(self, size: int = -1) -> bytes:
        """Return up to ``size`` checked bytes; ``b""`` at the archive's end."""
        if size < 0:
            size = READ_CHUNK
        while self._deliverable() == 0:
            if self._error is not None and self._delivered >= self._error[0]:
                raise self._error[1]
            if self._done:
                return b""
            if not self._produce() and self._error is None:
                return b""
        count = min(size, self._deliverable())
        data = bytes(self._pending[:count])
        del self._pending[:count]
        self._delivered += count
        return data

    def finish(self, stop_offset: int) -> None:
        """Check the archive's end after ``tarfile`` stopped at ``stop_offset``.

        Go reads on after the first zero block and fails on what follows
        it, and ``tarfile`` also stops quietly at headers it cannot parse,
        which Go rejects.
        """
        while not self._done and self._error is None and self._produce():
            pass
        # Go reads one block after the first zero block, and no further.
        if self._error is not None and (
            self.end_offset is None or self._error[0] < self.end_offset + 2 * BLOCK
        ):
            raise self._error[1]
        if self.end_offset != stop_offset:
            raise TarStreamError(INVALID_HEADER)

    def _deliverable(self) -> int:
        limit = self._produced
        if self._header_pending:
            limit = min(limit, self._next_header)
        if self._error is not None:
            limit = min(limit, self._error[0])
        return limit - self._delivered

    def _produce(self) -> bool:
        """Decompress and check more bytes; False when nothing more can come."""
        if self._error is not None:
            return False
        try:
            output = self._decode_step()
        except TarStreamError as error:
            self._fail(self._produced, error)
            return True
        if output is None:
            self._at_end()
            return False
        self._pending += output
        self._produced += len(output)
        try:
            self._scan()
        except TarStreamError as error:
            self._fail(self._next_header, error)
        return True

    def _decode_step(self) -> bytes | None:
        if self._decoder is not None:
            drained = self._decoder.drain()
            if drained:
                return drained
        if self._source_done:
            return None
        chunk = self._source.read(READ_CHUNK)
        if self._decoder is None:
            while chunk and len(chunk) < 6:
                more = self._source.read(READ_CHUNK)
                if not more:
                    break
                chunk += more
            self._decoder = _select_decoder(chunk, self._zstd)
        if not chunk:
            self._source_done = True
            self._decoder.finish()
            return None
        return self._decoder.feed(chunk)

    def _at_end(self) -> None:
        """Apply Go's rules for a stream that ends at ``self._produced``."""
        if self._done:
            return
        if self._header_pending and self._produced == self._next_header:
            # The end of the input at a header boundary ends the archive.
            if self.end_offset is None:
                self.end_offset = self._next_header
            self._done = True
            return
        self._fail(self._produced, TarStreamError(UNEXPECTED_EOF))

    def _fail(self, offset: int, error: TarStreamError) -> None:
        if self._error is None:
            self._error = (max(offset, self._delivered), error)
        self._header_pending = False

    def _scan(self) -> None:
        """Check every header that is now complete; raise on the first bad one."""
        while not self._done:
            if self._header_pending:
                start = self._next_header - self._delivered
                if not self._check_header(start):
                    return
            elif self._produced >= self._next_header:
                self._header_pending = True
            else:
                return

    def _check_header(self, start: int) -> bool:
        """Check the header at ``start`` in the pending bytes and step past it.

        Returns False while the header, or the data of a PAX header, is not
        complete yet.
        """
        if len(self._pending) - start < BLOCK:
            return False
        block = bytes(self._pending[start : start + BLOCK])
        if block == bytes(BLOCK):
            if self._zero_seen is None:
                self._zero_seen = self._next_header
                self.end_offset = self._next_header
                self._next_header += BLOCK
            else:
                self._done = True
            return True
        if self._zero_seen is not None or not _checksum_valid(block):
            raise TarStreamError(INVALID_HEADER)
        type_flag = block[156]
        size = _parse_number(block[124:136])
        if type_flag in _SPECIAL_TYPES and size > MAX_SPECIAL_FILE:
            raise TarStreamError(FIELD_TOO_LONG)
        if type_flag == ord("x"):
            # Delivery waits at this header until its records are checked.
            if len(self._pending) - start < BLOCK + size:
                return False
            records = bytes(self._pending[start + BLOCK : start + BLOCK + size])
            self._pax_size = _pax_size(records)
        elif type_flag not in _SPECIAL_TYPES and self._pax_size is not None:
            size = self._pax_size
            self._pax_size = None
        if type_flag in _HEADER_ONLY_TYPES:
            size = 0
        self._next_header += BLOCK + _round_up(size)
        self._header_pending = self._produced >= self._next_header
        return True


def _checksum_valid(block: bytes) -> bool:
    field = block[148:156].strip(b" \x00")
    try:
        stored = int(field, 8) if field else 0
    except ValueError:
        return False
    unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:])
    signed = sum(_signed(b) for b in block[:148]) + 8 * 32
    signed += sum(_signed(b) for b in block[156:])
    return stored in (unsigned, signed)


def _signed(byte: int) -> int:
    return byte - 256 if byte > 127 else byte


def _parse_number(field: bytes) -> int:
    """Parse a numeric header field: octal text or GNU base-256."""
    if field and field[0] & 0x80:
        value = int.from_bytes(field, "big", signed=False)
        value &= (1 << (8 * len(field) - 1)) - 1
        if field[0] & 0x40:
            raise TarStreamError(INVALID_HEADER)
        return value
    text = field.strip(b" \x00")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarStreamError(INVALID_HEADER) from None


def _pax_size(records: bytes) -> int | None:
    """Return the ``size`` record of PAX data; reject what Go rejects."""
    size: int | None = None
    rest = records
    while rest:
        if rest.strip(b"\x00") == b"":
            break
        space = rest.find(b" ")
        try:
            length = int(rest[:space]) if space > 0 else -1
        except ValueError:
            length = -1
        if length <= space or length > len(rest) or rest[length - 1] != 0x0A:
            raise TarStreamError(INVALID_HEADER)
        record = rest[space + 1 : length - 1]
        rest = rest[length:]
        key, equals, value = record.partition(b"=")
        if not equals or not key:
            raise TarStreamError(INVALID_HEADER)
        if key in (b"path", b"linkpath", b"uname", b"gname") and b"\x00" in value:
            raise TarStreamError(INVALID_HEADER)
        if key == b"size":
            try:
                size = int(value)
            except ValueError:
                raise TarStreamError(INVALID_HEADER) from None
    return size


def _round_up(size: int) -> int:
    return (size + BLOCK - 1) // BLOCK * BLOCK
