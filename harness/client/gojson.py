"""Syntax errors worded as Go's ``encoding/json`` words them.

The moby client decodes an error body with ``json.Unmarshal``, which checks
the whole input with its scanner before decoding, and prints the scanner's
message after ``error reading JSON:``. Python's decoder stops at different
places with different words, so this module runs a scanner with the same
states and messages over the body.
"""

from __future__ import annotations

from collections.abc import Callable

END_OF_INPUT = "unexpected end of JSON input"
"""Go's message for a body that stops inside a value (or holds only spaces)."""

_SPACE = b" \t\r\n"
_DIGITS = b"0123456789"
_HEX = b"0123456789abcdefABCDEF"
_ESCAPES = b'"\\/bfnrtu'
_NAMED_ESCAPES = {
    7: "\\a",
    8: "\\b",
    9: "\\t",
    10: "\\n",
    11: "\\v",
    12: "\\f",
    13: "\\r",
}


class GoSyntaxError(ValueError):
    """A JSON syntax error whose text is the one Go's scanner returns."""


def quote_char(byte: int) -> str:
    """Quote one input byte as Go's scanner does in its messages (``'x'``)."""
    if byte == ord("'"):
        return "'\\''"
    if byte == ord('"'):
        return "'\"'"
    if byte in _NAMED_ESCAPES:
        return f"'{_NAMED_ESCAPES[byte]}'"
    if byte == ord("\\"):
        return "'\\\\'"
    # Go converts the byte to the rune of the same number, then quotes it
    # with strconv.Quote: control characters become \x.. or \u.. escapes.
    if byte < 0x20 or byte == 0x7F:
        return f"'\\x{byte:02x}'"
    if 0x80 <= byte < 0xA0 or byte == 0xAD:
        return f"'\\u{byte:04x}'"
    return f"'{chr(byte)}'"


def check_syntax(data: bytes) -> None:
    """Raise :class:`GoSyntaxError` if ``data`` is not exactly one JSON value.

    Raises:
        GoSyntaxError: with Go's text, for example ``invalid character 'o' in
            literal null (expecting 'u')`` or ``unexpected end of JSON input``.
    """
    _Scanner().run(data)


Step = Callable[[int], None]


class _Scanner:
    """A byte-at-a-time JSON scanner with the states of Go's ``scanner``."""

    def __init__(self) -> None:
        self.step: Step = self._begin_value
        self.parents: list[str] = []
        self.done = False
        self.literal = b""
        self.position = 0

    def run(self, data: bytes) -> None:
        for byte in data:
            self.step(byte)
        # A value at the very end is only complete once a delimiter follows.
        if not self.done and self.step in self._finishing_steps():
            self.step(ord(" "))
        if not self.done:
            raise GoSyntaxError(END_OF_INPUT)

    def _finishing_steps(self) -> tuple[Step, ...]:
        return (
            self._closed,
            self._zero,
            self._digits,
            self._fraction,
            self._exponent_digits,
        )

    @staticmethod
    def _fail(byte: int, context: str) -> None:
        raise GoSyntaxError(f"invalid character {quote_char(byte)} {context}")

    # -- values ---------------------------------------------------------

    def _begin_value(self, byte: int) -> None:
        if byte in _SPACE:
            return
        if byte == ord("{"):
            self.parents.append("object")
            self.step = self._begin_key_or_empty
        elif byte == ord("["):
            self.parents.append("array")
            self.step = self._begin_value_or_empty
        elif byte == ord('"'):
            self.step = self._in_string
        elif byte == ord("-"):
            self.step = self._negative
        elif byte == ord("0"):
            self.step = self._zero
        elif byte in b"123456789":
            self.step = self._digits
        elif byte in b"tfn":
            self._start_literal(byte)
        else:
            self._fail(byte, "looking for beginning of value")

    def _end_value(self, byte: int) -> None:
        """Finish a value; ``byte`` is the first byte after it (or a space)."""
        if not self.parents:
            self.done = True
            self.step = self._after_top_level
            self.step(byte)
            return
        if self.parents[-1] == "key":
            self.parents[-1] = "object"
            self.step = self._after_key
        elif self.parents[-1] == "object":
            self.step = self._after_object_value
        else:
            self.step = self._after_array_element
        self.step(byte)

    def _after_top_level(self, byte: int) -> None:
        if byte not in _SPACE:
            self._fail(byte, "after top-level value")

    # -- objects and arrays -----------------------------------------------

    def _begin_key_or_empty(self, byte: int) -> None:
        if byte in _SPACE:
            return
        if byte == ord("}"):
            self._close()
            return
        self._begin_key(byte)

    def _begin_key(self, byte: int) -> None:
        if byte in _SPACE:
            return
        if byte != ord('"'):
            self._fail(byte, "looking for beginning of object key string")
        self.parents[-1] = "key"
        self.step = self._in_string

    def _after_key(self, byte: int) -> None:
        if byte in _SPACE:
            return
        if byte != ord(":"):
            self._fail(byte, "after object key")
        self.step = self._begin_value

    def _after_object_value(self, byte: int) -> None:
        if byte in _SPACE:
            return
        if byte == ord(","):
            self.step = self._begin_key
        elif byte == ord("}"):
            self._close()
        else:
            self._fail(byte, "after object key:value pair")

    def _begin_value_or_empty(self, byte: int) -> None:
        if byte in _SPACE:
            return
        if byte == ord("]"):
            self._close()
            return
        self._begin_value(byte)

    def _after_array_element(self, byte: int) -> None:
        if byte in _SPACE:
            return
        if byte == ord(","):
            self.step = self._begin_value
        elif byte == ord("]"):
            self._close()
        else:
            self._fail(byte, "after array element")

    def _close(self) -> None:
        """End the innermost object or array; its closing byte is consumed."""
        self.parents.pop()
        self.step = self._closed

    def _closed(self, byte: int) -> None:
        self._end_value(byte)

    # -- strings --------------------------------------------------------------

    def _in_string(self, byte: int) -> None:
        if byte == ord('"'):
            self.step = self._closed
        elif byte == ord("\\"):
            self.step = self._in_escape
        elif byte < 0x20:
            self._fail(byte, "in string literal")

    def _in_escape(self, byte: int) -> None:
        if byte not in _ESCAPES:
            self._fail(byte, "in string escape code")
        if byte == ord("u"):
            self.literal = b""
            self.step = self._in_unicode_escape
        else:
            self.step = self._in_string

    def _in_unicode_escape(self, byte: int) -> None:
        if byte not in _HEX:
            self._fail(byte, "in \\u hexadecimal character escape")
        self.literal += bytes([byte])
        if len(self.literal) == 4:
            self.step = self._in_string

    # -- numbers ----------------------------------------------------------------

    def _negative(self, byte: int) -> None:
        if byte == ord("0"):
            self.step = self._zero
        elif byte in b"123456789":
            self.step = self._digits
        else:
            self._fail(byte, "in numeric literal")

    def _zero(self, byte: int) -> None:
        if byte == ord("."):
            self.step = self._decimal_point
        elif byte in b"eE":
            self.step = self._exponent
        else:
            self._end_value(byte)

    def _digits(self, byte: int) -> None:
        if byte in _DIGITS:
            return
        self._zero(byte)

    def _decimal_point(self, byte: int) -> None:
        if byte not in _DIGITS:
            self._fail(byte, "after decimal point in numeric literal")
        self.step = self._fraction

    def _fraction(self, byte: int) -> None:
        if byte in _DIGITS:
            return
        if byte in b"eE":
            self.step = self._exponent
        else:
            self._end_value(byte)

    def _exponent(self, byte: int) -> None:
        if byte in b"+-":
            self.step = self._exponent_sign
        else:
            self._exponent_sign(byte)

    def _exponent_sign(self, byte: int) -> None:
        if byte not in _DIGITS:
            self._fail(byte, "in exponent of numeric literal")
        self.step = self._exponent_digits

    def _exponent_digits(self, byte: int) -> None:
        if byte not in _DIGITS:
            self._end_value(byte)

    # -- true, false, null ----------------------------------------------------

    def _start_literal(self, first: int) -> None:
        names = {ord("t"): b"true", ord("f"): b"false", ord("n"): b"null"}
        self.literal = names[first]
        self.position = 1
        self.step = self._in_literal

    def _in_literal(self, byte: int) -> None:
        expected = self.literal[self.position]
        if byte != expected:
            name = self.literal.decode()
            self._fail(byte, f"in literal {name} (expecting {quote_char(expected)})")
        self.position += 1
        if self.position == len(self.literal):
            self.step = self._closed
