"""One API call: the request, its version, and the daemon it reached."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DaemonError, InvalidParameter
from ..server.bodies import BodyReadError
from ..server.disconnect import DISCONNECT_KEY
from ..versions import APIVersion
from . import gojson
from .filters import Filters, legacy_filter_error
from .strconv import StrconvError, parse_int

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from ..engine.engine import Engine
    from ..profiles import EngineProfile
    from ..server.disconnect import Disconnect
    from .bodytypes import BodyType

_FALSE_WORDS = frozenset(("", "0", "no", "false", "none"))

MAX_JSON_BODY = 32 * 1024 * 1024
"""Largest JSON request body read, in bytes."""


@dataclass(slots=True)
class Call:
    """The context a handler receives with every request."""

    request: Request
    version: APIVersion
    engine: Engine
    profile: EngineProfile

    @property
    def args(self) -> Any:
        """The query parameters (a werkzeug ``MultiDict``)."""
        return self.request.args

    def _first(self, name: str, default: Any) -> Any:
        # Like ``args.get``, without the exception werkzeug's MultiDict
        # raises and catches inside ``get`` for every absent parameter.
        values = self.request.args.getlist(name)
        return values[0] if values else default

    def on_disconnect(
        self, *callbacks: Callable[[], None]
    ) -> contextlib.AbstractContextManager[None]:
        """Call ``callbacks`` once if the client goes away inside the block.

        A handler that waits passes what ends its wait: set its stop event,
        then wake the condition it sleeps on. In-process there is no
        connection to lose, so nothing is ever called.
        """
        disconnect: Disconnect | None = self.request.environ.get(DISCONNECT_KEY)
        if disconnect is None:
            return contextlib.nullcontext()
        return disconnect.notify(*callbacks)

    def query_bool(self, name: str, default: bool = False) -> bool:
        """Read a boolean parameter as dockerd's ``BoolValue`` reads it."""
        if name not in self.request.args:
            return default
        value = self._first(name, "").strip().lower()
        return value not in _FALSE_WORDS

    def query_int(
        self,
        name: str,
        default: int | None = None,
        *,
        status: int = 400,
        function: str = "Atoi",
    ) -> int | None:
        """Read an integer parameter as ``strconv.<function>`` parses it.

        A malformed or out-of-range value fails with Go's message and
        ``status``: dockerd passes strconv errors through unclassified, so
        most routes answer 500, and the few that wrap them answer 400.
        """
        text = self._first(name, "")
        if text == "":
            return default
        try:
            return parse_int(text, function)
        except StrconvError as error:
            if status == 500:
                raise DaemonError(str(error)) from None
            raise InvalidParameter(str(error)) from None

    def query(self, name: str, default: str = "") -> str:
        """Read a string parameter."""
        value: str = self._first(name, default)
        return value

    def filters(self, allowed: tuple[str, ...] | None = None) -> Filters:
        """Parse the ``filters`` parameter and check its keys against ``allowed``."""
        text = self._first("filters", None)
        try:
            parsed = Filters.parse(text)
            if allowed is not None:
                parsed.validate(allowed)
        except InvalidParameter as error:
            if self.profile.legacy_messages:
                raise legacy_filter_error(text, error) from None
            raise
        return parsed

    def json_body(self, *, required: bool = True, into: BodyType | None = None) -> Any:
        """Read the JSON request body with dockerd's content type and syntax checks.

        Args:
            required: fail on an empty body, as dockerd's decoder does.
            into: the Go type dockerd decodes the body into; the document is
                checked against it and normalised (see ``gojson.check``).

        Returns:
            The decoded document, or None when the body is empty and not
            ``required``.
        """
        self.check_json_content_type()
        data = self._read_body()
        if len(data) > MAX_JSON_BODY:
            # NOTE: dockerd sets no limit; this one keeps memory bounded.
            raise InvalidParameter(
                f"invalid JSON: request body is larger than {MAX_JSON_BODY} bytes"
            )
        if not data.strip():
            if not required:
                return None
            if self.profile.legacy_messages:
                # Engine 20.10's ReadJSON routes worded an empty body apart.
                if into is not None and into.legacy_status == 400:
                    raise InvalidParameter("got EOF while reading request body")
                raise _LegacyJSONError("EOF")
            raise InvalidParameter("invalid JSON: got EOF while reading request body")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidParameter(
                "invalid JSON: invalid UTF-8 in request body"
            ) from None
        stripped = text.lstrip()
        try:
            document, end = gojson.loads(stripped)
            if into is not None:
                legacy = self.profile.legacy_messages
                document = gojson.check(document, into.type, embedded_paths=not legacy)
        except (gojson.JSONSyntaxError, gojson.GoTypeError) as error:
            raise self._decode_error(str(error), into) from None
        if stripped[end:].strip():
            raise InvalidParameter("unexpected content after JSON")
        return document

    def _decode_error(self, message: str, into: BodyType | None) -> DaemonError:
        if not self.profile.legacy_messages:
            return InvalidParameter(f"invalid JSON: {message}")
        if into is not None and into.legacy_status == 400:
            return InvalidParameter(message)
        return _LegacyJSONError(message)

    def _read_body(self) -> bytes:
        """Read the body for JSON decoding, as Go's streaming decoder meets it.

        Go decodes while it reads, so a body that breaks after a complete
        JSON document still decodes, and one that breaks before it fails
        with the read error in the decoding message.
        """
        received = bytearray()
        stream = self.request.stream
        # read1 returns what has arrived, so bytes before a failure are kept.
        read = getattr(stream, "read1", stream.read)
        try:
            while len(received) <= MAX_JSON_BODY:
                chunk = read(65536)
                if not chunk:
                    break
                received += chunk
        except BodyReadError as error:
            text = received.decode("utf-8", "replace").lstrip()
            try:
                _, end = json.JSONDecoder().raw_decode(text)
            except ValueError:
                raise InvalidParameter(f"invalid JSON: {error.message}") from None
            if text[end:].strip():
                raise InvalidParameter("unexpected content after JSON") from None
        return bytes(received)

    def check_json_content_type(self) -> None:
        """Reject a body whose Content-Type is not JSON, as ``CheckForJSON`` does."""
        content_type = self.request.headers.get("Content-Type", "")
        has_body = bool(self.request.content_length) or bool(
            self.request.headers.get("Transfer-Encoding")
        )
        if not content_type and not has_body:
            return
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type == "application/json":
            return
        if self.profile.legacy_messages:
            raise InvalidParameter(
                f"Content-Type specified ({content_type}) must be 'application/json'"
            )
        raise InvalidParameter(
            f"unsupported Content-Type header ({content_type}): "
            "must be 'application/json'"
        )


class _LegacyJSONError(InvalidParameter):
    # Engine 20.10 passed JSON decoding errors through unwrapped, so they
    # reached the client as 500 with Go's bare decoder message.
    status = 500


def describe_json_error(text: str, error: json.JSONDecodeError) -> str:
    """Describe a JSON syntax error in the words of Go's ``encoding/json``."""
    if error.pos >= len(text):
        return "unexpected EOF"
    character = text[error.pos]
    if error.msg.startswith("Expecting property name"):
        return (
            f"invalid character '{character}' looking for beginning of object "
            "key string"
        )
    if error.msg.startswith("Expecting value"):
        return f"invalid character '{character}' looking for beginning of value"
    if error.msg.startswith("Expecting ',' delimiter"):
        return f"invalid character '{character}' after object key:value pair"
    if error.msg.startswith("Expecting ':' delimiter"):
        return f"invalid character '{character}' after object key"
    return f"invalid character '{character}' looking for beginning of value"
