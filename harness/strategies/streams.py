"""Strategies for streamed bodies: stdout/stderr frames and JSON progress."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from harness.strategies._options import check_bool
from harness.strategies.chunks import chunkings

STDIN, STDOUT, STDERR, SYSTEMERR = 0, 1, 2, 3
"""The stream types of an 8-byte frame header."""


def frame(stream: int, payload: bytes) -> bytes:
    """Encode one frame: type, three zero bytes, big-endian size, payload."""
    return struct.pack(">BxxxL", stream, len(payload)) + payload


@dataclass(frozen=True, slots=True)
class FramedStream:
    """A multiplexed stdout/stderr body and its expected decoding.

    Attributes:
        chunks: the body, cut where the wire may cut it.
        frames: the ``(stream, payload)`` pairs a decoder yields before it
            stops. Go's ``StdCopy`` writes stdin frames (type 0) to stdout.
        error: None when the stream ends cleanly, else ``system`` (a type 3
            frame, whose payload is ``error_payload``), ``bad-type`` (a type
            above 3) or ``truncated`` (the body ends inside a frame).
        error_payload: the payload of the type 3 frame.
        bad_type: the invalid stream type of a ``bad-type`` error.
    """

    chunks: list[bytes]
    frames: list[tuple[int, bytes]]
    error: str | None = None
    error_payload: bytes = b""
    bad_type: int = 0

    @property
    def body(self) -> bytes:
        """The chunks joined."""
        return b"".join(self.chunks)


_PAYLOADS = st.binary(min_size=1, max_size=64)
_GOOD_FRAMES = st.lists(
    st.tuples(st.sampled_from([STDOUT, STDERR, STDIN]), _PAYLOADS), max_size=6
)


@st.composite
def _framed(draw: st.DrawFn, valid: bool) -> FramedStream:
    frames = draw(_GOOD_FRAMES)
    body = b"".join(frame(kind, payload) for kind, payload in frames)
    expected = list(frames)
    error: str | None = None
    error_payload = b""
    bad_type = 0

    if not valid:
        ending = draw(st.sampled_from(["system", "bad-type", "truncated"]))
        if ending == "system":
            error_payload = (
                draw(st.sampled_from([b"Error grabbing logs: ", b"failed: "]))
                + draw(st.text(max_size=20)).encode()
            )
            body += frame(SYSTEMERR, error_payload)
        elif ending == "bad-type":
            bad_type = draw(st.integers(min_value=4, max_value=255))
            padding = draw(st.binary(min_size=3, max_size=3))
            payload = draw(_PAYLOADS)
            body += bytes([bad_type]) + padding + struct.pack(">L", len(payload))
            body += payload
        else:
            payload = draw(_PAYLOADS)
            whole = frame(draw(st.sampled_from([STDOUT, STDERR])), payload)
            cut = draw(st.integers(min_value=1, max_value=len(whole) - 1))
            body += whole[:cut]
        error = ending
        if draw(st.booleans()) and ending != "truncated":
            # Whatever follows the error must never be decoded.
            body += frame(STDOUT, b"after the error")

    chunks = draw(chunkings(body)) if body else [b""]
    return FramedStream(chunks, expected, error, error_payload, bad_type)


def framed_streams(
    *, valid: bool = True, corrupt: bool = False
) -> st.SearchStrategy[FramedStream]:
    """Generate multiplexed stdout/stderr bodies with their expected decoding.

    Frames are stdout, stderr or stdin with 1 to 64 bytes. With
    ``valid=False`` the stream ends in an error: a type 3 system error
    frame (as dockerd's ``Error grabbing logs``), a header with a type
    above 3 and non-zero padding, or a frame cut off inside
    its header or payload. ``corrupt=True`` is a shorthand for
    ``valid=False``. The body is cut into chunks at arbitrary offsets.
    Shrinks toward no frames, then single-byte payloads and one chunk.

    Raises:
        InvalidArgument: an option is not a bool, or ``valid`` and
            ``corrupt`` are both True.
    """
    check_bool("valid", valid)
    check_bool("corrupt", corrupt)
    if valid and corrupt:
        raise InvalidArgument("valid=True and corrupt=True exclude each other")
    return _framed(valid and not corrupt)


@dataclass(frozen=True, slots=True)
class ProgressStream:
    """A JSON progress body (pull, push, build, load) and its expected decoding.

    Attributes:
        chunks: the body, cut at arbitrary offsets.
        messages: the messages a decoder yields before an in-band error.
        error: the text of the in-band error, or None.
        error_code: ``errorDetail.code`` of the error, or None.
    """

    chunks: list[bytes]
    messages: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    error_code: int | None = None

    @property
    def body(self) -> bytes:
        """The chunks joined."""
        return b"".join(self.chunks)


_IDS = st.from_regex(r"[0-9a-f]{12}", fullmatch=True)
_TEXT = st.text(st.characters(codec="utf-8"), max_size=30)


def _progress_messages() -> st.SearchStrategy[dict[str, Any]]:
    detail = st.fixed_dictionaries(
        {"current": st.integers(0, 10**9), "total": st.integers(0, 10**9)}
    )
    return st.one_of(
        st.fixed_dictionaries({"status": _TEXT}),
        st.fixed_dictionaries(
            {"status": st.sampled_from(["Downloading", "Extracting"]), "id": _IDS},
            optional={"progressDetail": detail, "progress": _TEXT},
        ),
        st.fixed_dictionaries({"stream": _TEXT}),
        st.fixed_dictionaries(
            {"aux": st.fixed_dictionaries({"ID": _IDS.map("sha256:".__add__)})}
        ),
    )


@st.composite
def _progress(draw: st.DrawFn, errors: bool) -> ProgressStream:
    messages = draw(st.lists(_progress_messages(), max_size=6))
    lines = [
        json.dumps(message, ensure_ascii=draw(st.booleans())) for message in messages
    ]
    error: str | None = None
    code: int | None = None
    if errors and draw(st.booleans()):
        error = draw(st.text(min_size=1, max_size=30).filter(str.strip))
        detail: dict[str, Any] = {"message": error}
        if draw(st.booleans()):
            code = draw(st.integers(min_value=1, max_value=600))
            detail["code"] = code
        lines.append(json.dumps({"errorDetail": detail, "error": error}))
    body = "".join(line + "\r\n" for line in lines).encode()
    return ProgressStream(
        draw(chunkings(body)) if body else [b""], messages, error, code
    )


def progress_streams(*, errors: bool = True) -> st.SearchStrategy[ProgressStream]:
    """Generate JSON progress bodies with the messages a decoder must yield.

    Each message (``status``, ``id`` and ``progressDetail``, ``stream``,
    ``aux``) ends in ``\\r\\n`` as dockerd writes it; text may be escaped
    or raw UTF-8. With ``errors`` half the streams end with an in-band
    error (``{"errorDetail": {"message", "code"?}, "error"}``) after
    status 200. The body is cut into chunks at any offset, also inside a
    UTF-8 sequence. Shrinks toward an empty stream in one chunk.

    Raises:
        InvalidArgument: ``errors`` is not a bool.
    """
    check_bool("errors", errors)
    return _progress(errors)
