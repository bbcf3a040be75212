"""Byte channels that connect simulated commands to streams, files and pipes."""

from __future__ import annotations

import threading

from fakedaemon.engine.filesystem import Filesystem
from fakedaemon.engine.process.spec import ProcessIO

_EOF_CHAR = b"\x04"


class TtyIO:
    """A ``ProcessIO`` seen through a pseudo-terminal in its default modes.

    Output gets ``onlcr`` (every ``\\n`` becomes ``\\r\\n``). Input gets
    ``icrnl`` (``\\r`` becomes ``\\n``) and ``echo`` (input is written back
    to stdout); Ctrl-D ends the input, as in canonical mode.
    """

    def __init__(self, inner: ProcessIO) -> None:
        self._inner = inner
        self._at_eof = False

    def write(self, stream: str, data: bytes) -> None:
        self._inner.write(stream, data.replace(b"\n", b"\r\n"))

    def read_stdin(self, size: int) -> bytes:
        if self._at_eof:
            return b""
        data = self._inner.read_stdin(size)
        if _EOF_CHAR in data:
            data = data[: data.index(_EOF_CHAR)]
            self._at_eof = True
        data = data.replace(b"\r", b"\n")
        if data:
            self.write("stdout", data)
        return data


class Channel:
    """One open file descriptor: something to read from or write to.

    The base class reads nothing and discards writes, like ``/dev/null``.
    """

    def read(self, size: int = 65536) -> bytes:
        """Return up to ``size`` bytes, ``b""`` at end of input."""
        return b""

    def write(self, data: bytes) -> None:
        """Write ``data``."""

    def read_line(self) -> bytes | None:
        """Return the next line with its newline, or None at end of input."""
        return None

    def read_all(self) -> bytes:
        """Return everything up to end of input."""
        chunks = []
        while chunk := self.read():
            chunks.append(chunk)
        return b"".join(chunks)


class BufferedInput(Channel):
    """Input with a look-ahead buffer, so ``read`` keeps what a line read left."""

    def __init__(self) -> None:
        self._pending = b""
        self._eof = False

    def _fill(self, size: int) -> bytes:
        raise NotImplementedError

    def read(self, size: int = 65536) -> bytes:
        if self._pending:
            data, self._pending = self._pending[:size], self._pending[size:]
            return data
        if self._eof:
            return b""
        data = self._fill(size)
        if not data:
            self._eof = True
        return data

    def read_line(self) -> bytes | None:
        while b"\n" not in self._pending and not self._eof:
            chunk = self._fill(65536)
            if not chunk:
                self._eof = True
            self._pending += chunk
        if not self._pending:
            return None
        index = self._pending.find(b"\n")
        end = len(self._pending) if index < 0 else index + 1
        line, self._pending = self._pending[:end], self._pending[end:]
        return line


class StdinInput(BufferedInput):
    """The process's standard input, read from its ``ProcessIO``."""

    def __init__(self, io: ProcessIO, cancel: threading.Event) -> None:
        super().__init__()
        self._io = io
        self._cancel = cancel

    def _fill(self, size: int) -> bytes:
        if self._cancel.is_set():
            return b""
        return self._io.read_stdin(size)


class BytesInput(BufferedInput):
    """Input from bytes known in advance: a file, a pipe, a here-string."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._pending = data
        self._eof = True

    def _fill(self, size: int) -> bytes:
        return b""


class StreamOutput(Channel):
    """Output to the process's ``stdout`` or ``stderr``, written at once."""

    def __init__(self, io: ProcessIO, stream: str) -> None:
        self._io = io
        self._stream = stream

    def write(self, data: bytes) -> None:
        if data:
            self._io.write(self._stream, data)


class FileOutput(Channel):
    """Output appended to a file of the container's filesystem."""

    def __init__(self, fs: Filesystem, path: str) -> None:
        self._fs = fs
        self._path = path

    def write(self, data: bytes) -> None:
        if data:
            self._fs.write_file(self._path, data, append=True)


class BufferOutput(Channel):
    """Output collected in memory, for pipes and command substitution."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def write(self, data: bytes) -> None:
        self.buffer += data
