"""One API call: the request, its version, and the daemon it reached."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InvalidParameter
from ..versions import APIVersion
from .filters import Filters

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from ..engine.engine import Engine
    from ..profiles import EngineProfile

_FALSE_WORDS = frozenset(("", "0", "no", "false", "none"))


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

    def query_bool(self, name: str, default: bool = False) -> bool:
        """Read a boolean parameter as dockerd's ``BoolValue`` reads it."""
        if name not in self.request.args:
            return default
        value = self.request.args.get(name, "").strip().lower()
        return value not in _FALSE_WORDS

    def query_int(self, name: str, default: int | None = None) -> int | None:
        """Read an integer parameter; raise InvalidParameter when malformed."""
        text = self.request.args.get(name, "")
        if text == "":
            return default
        try:
            return int(text)
        except ValueError:
            raise InvalidParameter(
                f'strconv.Atoi: parsing "{text}": invalid syntax'
            ) from None

    def query(self, name: str, default: str = "") -> str:
        """Read a string parameter."""
        value: str = self.request.args.get(name, default)
        return value

    def filters(self, allowed: tuple[str, ...] | None = None) -> Filters:
        """Parse the ``filters`` parameter and check its keys against ``allowed``."""
        parsed = Filters.parse(self.request.args.get("filters"))
        if allowed is not None:
            parsed.validate(allowed)
        return parsed

    def json_body(self, *, required: bool = True) -> Any:
        """Read the JSON request body with dockerd's content type and syntax checks.

        Returns:
            The decoded document, or None when the body is empty and not
            ``required``.
        """
        self.check_json_content_type()
        data = self.request.get_data(cache=True)
        if not data.strip():
            if not required:
                return None
            if self.profile.legacy_messages:
                raise _LegacyJSONError("EOF")
            raise InvalidParameter("invalid JSON: got EOF while reading request body")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidParameter(
                "invalid JSON: invalid UTF-8 in request body"
            ) from None
        decoder = json.JSONDecoder()
        stripped = text.lstrip()
        try:
            document, end = decoder.raw_decode(stripped)
        except json.JSONDecodeError as error:
            message = describe_json_error(stripped, error)
            if self.profile.legacy_messages:
                raise _LegacyJSONError(message) from None
            raise InvalidParameter(f"invalid JSON: {message}") from None
        if stripped[end:].strip():
            raise InvalidParameter("unexpected content after JSON")
        return document

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
