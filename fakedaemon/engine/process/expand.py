"""Word expansion: parameters, command and arithmetic substitution, splitting."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from typing import Protocol

from fakedaemon.engine.process.nodes import (
    Arithmetic,
    CommandList,
    CommandSubstitution,
    Literal,
    Parameter,
    Part,
    Word,
)

_IFS_WHITESPACE = re.compile(r"[ \t\n]+")


class ExpansionError(Exception):
    """An expansion that fails, such as ``${X?}`` on an unset X; exit 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Scope(Protocol):
    """What expansion reads from and writes to the running shell."""

    variables: dict[str, str]
    positional: list[str]
    last_status: int
    name: str

    def substitute(self, program: CommandList) -> str:
        """Run ``program`` in a subshell and return its output."""
        ...


def expand_words(scope: Scope, words: tuple[Word, ...] | list[Word]) -> list[str]:
    """Expand words into fields, splitting unquoted expansions on blanks.

    NOTE: pathname expansion (``*``, ``?``, ``[``) is not done; patterns
    stay literal.
    """
    fields: list[str] = []
    for word in words:
        fields.extend(_expand_fields(scope, word))
    return fields


def expand_string(scope: Scope, word: Word) -> str:
    """Expand a word into one string without field splitting."""
    return "".join(_part_text(scope, part) for part in _with_tilde(scope, word))


def expand_pattern(scope: Scope, word: Word) -> str:
    """Expand a ``case`` pattern; quoted characters match only themselves."""
    pieces = []
    for part in word:
        text = _part_text(scope, part)
        quoted = part.quoted
        pieces.append(re.sub(r"([*?\[])", r"[\1]", text) if quoted else text)
    return "".join(pieces)


def _with_tilde(scope: Scope, word: Word) -> Word:
    if not word or not isinstance(word[0], Literal) or word[0].quoted:
        return word
    text = word[0].text
    if text == "~" or text.startswith("~/"):
        home = scope.variables.get("HOME", "/")
        return (Literal(home + text[1:], quoted=True), *word[1:])
    return word


def _expand_fields(scope: Scope, word: Word) -> list[str]:
    fields: list[str] = []
    current = ""
    started = False
    for part in _with_tilde(scope, word):
        if isinstance(part, Parameter) and part.name == "@" and part.quoted:
            values = scope.positional
            if not values:
                continue
            current += values[0]
            for value in values[1:]:
                fields.append(current)
                current = value
            started = True
            continue
        text = _part_text(scope, part)
        if isinstance(part, Literal) or part.quoted:
            current += text
            started = started or part.quoted or bool(text)
            continue
        pieces = _IFS_WHITESPACE.split(text)
        current += pieces[0]
        started = started or bool(pieces[0])
        for piece in pieces[1:]:
            if started:
                fields.append(current)
            current = piece
            started = bool(piece)
    if started:
        fields.append(current)
    return fields


def _part_text(scope: Scope, part: Part) -> str:
    if isinstance(part, Literal):
        return part.text
    if isinstance(part, Parameter):
        return _parameter(scope, part)
    if isinstance(part, CommandSubstitution):
        return scope.substitute(part.program).rstrip("\n")
    assert isinstance(part, Arithmetic)
    expression = _expand_dollars(scope, part.expression)
    return str(evaluate_arithmetic(expression, scope.variables))


def _expand_dollars(scope: Scope, text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return lookup(scope, name) or ""

    return re.sub(r"\$\{(\w+)\}|\$(\w+|[?#])", replace, text)


def lookup(scope: Scope, name: str) -> str | None:
    """Return the value of a parameter, or None when it is unset."""
    if name == "?":
        return str(scope.last_status)
    if name == "#":
        return str(len(scope.positional))
    if name in ("@", "*"):
        return " ".join(scope.positional)
    if name == "$":
        return "1"
    if name in ("!", "-"):
        return ""
    if name == "0":
        return scope.name
    if name.isdigit():
        index = int(name)
        return scope.positional[index - 1] if index <= len(scope.positional) else None
    return scope.variables.get(name)


def _parameter(scope: Scope, part: Parameter) -> str:
    value = lookup(scope, part.name)
    op = part.op
    if op == "length":
        return str(len(value or ""))
    if not op:
        return value or ""
    unset = value is None or (op.startswith(":") and value == "")
    argument: Callable[[], str] = lambda: expand_string(scope, part.arg)  # noqa: E731
    if op in ("-", ":-"):
        return argument() if unset else value or ""
    if op in ("=", ":="):
        if unset:
            scope.variables[part.name] = argument()
        return scope.variables.get(part.name, "")
    if op in ("+", ":+"):
        return "" if unset else argument()
    if op in ("?", ":?"):
        if unset:
            message = argument() or "parameter not set"
            raise ExpansionError(f"{part.name}: {message}")
        return value or ""
    return _strip_pattern(value or "", op, expand_pattern(scope, part.arg))


def _strip_pattern(value: str, op: str, pattern: str) -> str:
    if op in ("#", "##"):
        ends = range(len(value) + 1)
        order = reversed(ends) if op == "##" else ends
        for end in order:
            if fnmatch.fnmatchcase(value[:end], pattern):
                return value[end:]
        return value
    starts = range(len(value) + 1)
    order = starts if op == "%%" else reversed(starts)
    for start in order:
        if fnmatch.fnmatchcase(value[start:], pattern):
            return value[:start]
    return value


_ARITHMETIC_TOKEN = re.compile(
    r"\s*(0[xX][0-9a-fA-F]+|\d+|[A-Za-z_]\w*|<=|>=|==|!=|&&|\|\||[-+*/%()<>!])"
)
_BINARY_PRECEDENCE = {
    "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "%": 6,
}  # fmt: skip


def evaluate_arithmetic(expression: str, variables: dict[str, str]) -> int:
    """Evaluate an integer expression of ``$((...))``.

    Supported: decimal and hex numbers, variable names, unary ``- + !``,
    ``* / %``, ``+ -``, comparisons, ``&& ||`` and parentheses.
    """
    tokens: list[str] = []
    position = 0
    stripped = expression.rstrip()
    while position < len(stripped):
        match = _ARITHMETIC_TOKEN.match(stripped, position)
        if match is None:
            raise ExpansionError("arithmetic syntax error")
        tokens.append(match.group(1))
        position = match.end()
    if not tokens:
        return 0
    evaluator = _Arithmetic(tokens, variables)
    value = evaluator.parse(0)
    if evaluator.index != len(tokens):
        raise ExpansionError("arithmetic syntax error")
    return value


class _Arithmetic:
    def __init__(self, tokens: list[str], variables: dict[str, str]) -> None:
        self.tokens = tokens
        self.index = 0
        self.variables = variables

    def _next(self) -> str:
        if self.index >= len(self.tokens):
            raise ExpansionError("arithmetic syntax error")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self, min_precedence: int) -> int:
        left = self._unary()
        while self.index < len(self.tokens):
            op = self.tokens[self.index]
            precedence = _BINARY_PRECEDENCE.get(op)
            if precedence is None or precedence <= min_precedence:
                break
            self.index += 1
            right = self.parse(precedence)
            left = _apply(op, left, right)
        return left

    def _unary(self) -> int:
        token = self._next()
        if token == "-":
            return -self._unary()
        if token == "+":
            return self._unary()
        if token == "!":
            return int(not self._unary())
        if token == "(":
            value = self.parse(0)
            if self._next() != ")":
                raise ExpansionError("arithmetic syntax error")
            return value
        if token[0].isdigit():
            return int(token, 16) if token[:2].lower() == "0x" else int(token)
        if token[0].isalpha() or token[0] == "_":
            raw = self.variables.get(token, "").strip() or "0"
            try:
                return int(raw, 0) if raw[:2].lower() == "0x" else int(raw)
            except ValueError as error:
                raise ExpansionError("arithmetic syntax error") from error
        raise ExpansionError("arithmetic syntax error")


def _apply(op: str, left: int, right: int) -> int:
    if op in ("/", "%") and right == 0:
        raise ExpansionError("divide by zero")
    if op == "/":
        quotient = abs(left) // abs(right)
        return quotient if (left >= 0) == (right >= 0) else -quotient
    if op == "%":
        return left - right * _apply("/", left, right)
    results = {
        "+": left + right,
        "-": left - right,
        "*": left * right,
        "<": int(left < right),
        "<=": int(left <= right),
        ">": int(left > right),
        ">=": int(left >= right),
        "==": int(left == right),
        "!=": int(left != right),
        "&&": int(bool(left) and bool(right)),
        "||": int(bool(left) or bool(right)),
    }
    return results[op]
