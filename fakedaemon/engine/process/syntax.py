"""A parser for the POSIX shell language as busybox ash accepts it.

It covers words with quotes and escapes, parameter, command and arithmetic
substitution, redirections, pipelines, ``&&``/``||`` lists, ``if``,
``while``/``until``, ``for``, ``case``, groups, subshells and functions.
Syntax errors carry ash's message text.
"""

from __future__ import annotations

from dataclasses import dataclass

from fakedaemon.engine.process.nodes import (
    AndOr,
    Arithmetic,
    Case,
    Command,
    CommandList,
    CommandSubstitution,
    Compound,
    For,
    FunctionDefinition,
    Group,
    If,
    Literal,
    Loop,
    Parameter,
    Part,
    Pipeline,
    Redirect,
    SimpleCommand,
    Word,
)

_METACHARACTERS = frozenset(" \t\n;&|<>()")
_OPERATORS = (
    "&&", "||", ";;", "<<", ">>", ">&", "<&", "<>", ">|",
    ";", "&", "|", "(", ")", "<", ">",
)  # fmt: skip
_REDIRECT_OPERATORS = frozenset({"<", ">", ">>", ">|", "<>", ">&", "<&", "<<"})
_SPECIAL_PARAMETERS = frozenset("?#@*$!-0123456789")
_PARAMETER_OPERATORS = (
    ":-",
    ":=",
    ":+",
    ":?",
    "-",
    "=",
    "+",
    "?",
    "##",
    "#",
    "%%",
    "%",
)
_CLOSERS = frozenset({"then", "else", "elif", "fi", "do", "done", "esac", "}"})


class ShellSyntaxError(Exception):
    """A script that does not parse; ``incomplete`` when more input could fix it."""

    def __init__(self, message: str, incomplete: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.incomplete = incomplete


def _unexpected_eof(expecting: str | None) -> ShellSyntaxError:
    if expecting is None:
        return ShellSyntaxError("unexpected end of file", incomplete=True)
    return ShellSyntaxError(
        f'unexpected end of file (expecting "{expecting}")', incomplete=True
    )


@dataclass(frozen=True)
class Token:
    """A lexical token: ``word``, ``op``, ``newline`` or ``eof``."""

    kind: str
    text: str
    word: Word = ()
    fd: int | None = None

    def reserved(self) -> str | None:
        """Return the word's text when it could be a reserved word."""
        if self.kind != "word" or len(self.word) != 1:
            return None
        part = self.word[0]
        if isinstance(part, Literal) and not part.quoted:
            return part.text
        return None


class _Lexer:
    def __init__(self, source: str, position: int = 0) -> None:
        self.source = source
        self.position = position

    def _peek_char(self, offset: int = 0) -> str:
        index = self.position + offset
        return self.source[index] if index < len(self.source) else ""

    def next_token(self) -> Token:
        self._skip_blanks()
        char = self._peek_char()
        if not char:
            return Token("eof", "end of file")
        if char == "\n":
            self.position += 1
            return Token("newline", "newline")
        start = self.position
        if char.isdigit():
            end = start
            while end < len(self.source) and self.source[end].isdigit():
                end += 1
            if end < len(self.source) and self.source[end] in "<>":
                self.position = end
                op = self._read_operator()
                return Token("op", op, fd=int(self.source[start:end]))
        if char in _METACHARACTERS:
            op = self._read_operator()
            return Token("op", op)
        word = self.read_word(_METACHARACTERS)
        return Token("word", self.source[start : self.position], word)

    def _read_operator(self) -> str:
        for op in _OPERATORS:
            if self.source.startswith(op, self.position):
                self.position += len(op)
                return op
        raise AssertionError("no operator at the lexer position")

    def _skip_blanks(self) -> None:
        while True:
            char = self._peek_char()
            if char in (" ", "\t"):
                self.position += 1
            elif char == "\\" and self._peek_char(1) == "\n":
                self.position += 2
            elif char == "#":
                while self._peek_char() not in ("", "\n"):
                    self.position += 1
            else:
                return

    def read_word(self, terminators: frozenset[str]) -> Word:
        """Read one word up to an unquoted character of ``terminators``."""
        parts: list[Part] = []
        plain: list[str] = []

        def flush() -> None:
            if plain:
                parts.append(Literal("".join(plain)))
                plain.clear()

        while True:
            char = self._peek_char()
            if not char or char in terminators:
                break
            if char == "\\":
                following = self._peek_char(1)
                self.position += 2
                if following == "\n":
                    continue
                flush()
                parts.append(Literal(following or "\\", quoted=True))
            elif char == "'":
                end = self.source.find("'", self.position + 1)
                if end < 0:
                    raise ShellSyntaxError("unterminated quoted string", True)
                flush()
                parts.append(Literal(self.source[self.position + 1 : end], True))
                self.position = end + 1
            elif char == '"':
                flush()
                self.position += 1
                parts.extend(self._read_double_quoted())
            elif char == "$":
                expansion = self._read_dollar(quoted=False)
                if expansion is None:
                    plain.append("$")
                else:
                    flush()
                    parts.append(expansion)
            elif char == "`":
                flush()
                parts.append(self._read_backquoted(quoted=False))
            else:
                plain.append(char)
                self.position += 1
        flush()
        return tuple(parts)

    def _read_double_quoted(self) -> list[Part]:
        parts: list[Part] = [Literal("", quoted=True)]
        text: list[str] = []

        def flush() -> None:
            if text:
                parts.append(Literal("".join(text), quoted=True))
                text.clear()

        while True:
            char = self._peek_char()
            if not char:
                raise ShellSyntaxError("unterminated quoted string", True)
            if char == '"':
                self.position += 1
                break
            if char == "\\" and self._peek_char(1) in ('"', "\\", "$", "`", "\n"):
                if self._peek_char(1) != "\n":
                    text.append(self._peek_char(1))
                self.position += 2
            elif char == "$":
                expansion = self._read_dollar(quoted=True)
                if expansion is None:
                    text.append("$")
                else:
                    flush()
                    parts.append(expansion)
            elif char == "`":
                flush()
                parts.append(self._read_backquoted(quoted=True))
            else:
                text.append(char)
                self.position += 1
        flush()
        return parts

    def _read_dollar(self, quoted: bool) -> Part | None:
        following = self._peek_char(1)
        if following == "(" and self._peek_char(2) == "(":
            return self._read_arithmetic(quoted)
        if following == "(":
            parser = Parser(self.source, self.position + 2)
            program = parser.parse_until_close_paren()
            self.position = parser.lexer.position
            return CommandSubstitution(program, quoted)
        if following == "{":
            return self._read_braced_parameter(quoted)
        if following in _SPECIAL_PARAMETERS and following:
            self.position += 2
            return Parameter(following, quoted)
        if following.isalpha() or following == "_":
            end = self.position + 1
            while end < len(self.source) and (
                self.source[end].isalnum() or self.source[end] == "_"
            ):
                end += 1
            name = self.source[self.position + 1 : end]
            self.position = end
            return Parameter(name, quoted)
        self.position += 1
        return None

    def _read_arithmetic(self, quoted: bool) -> Arithmetic:
        start = self.position + 3
        depth = 0
        index = start
        while index < len(self.source):
            char = self.source[index]
            if char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    if self.source.startswith("))", index):
                        self.position = index + 2
                        return Arithmetic(self.source[start:index], quoted)
                    break
                depth -= 1
            index += 1
        raise ShellSyntaxError("missing '))'", incomplete=True)

    def _read_braced_parameter(self, quoted: bool) -> Parameter:
        end = self._matching_brace(self.position + 2)
        body = self.source[self.position + 2 : end]
        self.position = end + 1
        if body.startswith("#") and len(body) > 1:
            return Parameter(_parameter_name(body[1:]), quoted, "length")
        name_end = 1 if body[:1] in _SPECIAL_PARAMETERS else 0
        while name_end < len(body) and (
            body[name_end].isalnum() or body[name_end] == "_"
        ):
            if body[:1] in _SPECIAL_PARAMETERS:
                break
            name_end += 1
        name = _parameter_name(body[:name_end])
        rest = body[name_end:]
        if not rest:
            return Parameter(name, quoted)
        for op in _PARAMETER_OPERATORS:
            if rest.startswith(op):
                arg = _Lexer(rest[len(op) :]).read_word(frozenset())
                return Parameter(name, quoted, op, arg)
        raise ShellSyntaxError("bad substitution")

    def _matching_brace(self, start: int) -> int:
        depth = 0
        index = start
        quote = ""
        while index < len(self.source):
            char = self.source[index]
            if quote:
                if char == quote:
                    quote = ""
            elif char in "'\"":
                quote = char
            elif char == "\\":
                index += 1
            elif char == "{":
                depth += 1
            elif char == "}":
                if depth == 0:
                    return index
                depth -= 1
            index += 1
        raise ShellSyntaxError("missing '}'", incomplete=True)

    def _read_backquoted(self, quoted: bool) -> CommandSubstitution:
        text: list[str] = []
        index = self.position + 1
        while True:
            if index >= len(self.source):
                raise ShellSyntaxError("unterminated quoted string", True)
            char = self.source[index]
            if char == "`":
                break
            if char == "\\" and index + 1 < len(self.source):
                following = self.source[index + 1]
                if following in "`\\$":
                    text.append(following)
                    index += 2
                    continue
            text.append(char)
            index += 1
        self.position = index + 1
        return CommandSubstitution(Parser("".join(text)).parse_program(), quoted)


def _parameter_name(name: str) -> str:
    if name in _SPECIAL_PARAMETERS or name.isidentifier():
        return name
    raise ShellSyntaxError("bad substitution")


class Parser:
    """A recursive-descent parser over a lexer of the source text."""

    def __init__(self, source: str, position: int = 0) -> None:
        self.lexer = _Lexer(source, position)
        self._token: Token | None = None

    def _peek(self) -> Token:
        if self._token is None:
            self._token = self.lexer.next_token()
        return self._token

    def _advance(self) -> Token:
        token = self._peek()
        self._token = None
        return token

    def _unexpected(self, token: Token, expecting: str | None = None) -> Exception:
        if token.kind == "eof":
            return _unexpected_eof(expecting)
        return ShellSyntaxError(f'unexpected "{token.text}"')

    def _skip_newlines(self) -> None:
        while self._peek().kind == "newline":
            self._advance()

    def _expect_reserved(self, word: str) -> None:
        self._skip_newlines()
        token = self._peek()
        if token.reserved() != word:
            raise self._unexpected(token, word)
        self._advance()

    def parse_program(self) -> CommandList:
        """Parse the whole source as a script."""
        program = self._parse_list(allow_empty=True)
        token = self._peek()
        if token.kind != "eof":
            raise self._unexpected(token)
        return program

    def parse_until_close_paren(self) -> CommandList:
        """Parse the body of ``$(...)``, leaving the lexer after the ``)``."""
        program = self._parse_list(allow_empty=True)
        token = self._peek()
        if token.kind == "op" and token.text == ")":
            self._token = None
            return program
        raise self._unexpected(token, ")")

    def _parse_list(
        self, allow_empty: bool = False, expecting: str | None = None
    ) -> CommandList:
        items: list[AndOr] = []
        while True:
            self._skip_newlines()
            if not self._starts_command(self._peek()):
                break
            items.append(self._parse_and_or())
            token = self._peek()
            if token.kind == "op" and token.text in (";", "&"):
                # NOTE: ``&`` runs the command in the foreground; there is
                # no job control, so ``cmd &`` waits for cmd to finish.
                self._advance()
            elif token.kind == "newline":
                self._advance()
            else:
                break
        if not items and not allow_empty:
            raise self._unexpected(self._peek(), expecting)
        return CommandList(tuple(items))

    def _starts_command(self, token: Token) -> bool:
        if token.kind == "word":
            return token.reserved() not in _CLOSERS
        return token.kind == "op" and (
            token.text == "(" or token.text in _REDIRECT_OPERATORS
        )

    def _parse_and_or(self) -> AndOr:
        first = self._parse_pipeline()
        rest: list[tuple[str, Pipeline]] = []
        while True:
            token = self._peek()
            if token.kind != "op" or token.text not in ("&&", "||"):
                break
            self._advance()
            self._skip_newlines()
            if not self._starts_command(self._peek()):
                raise self._unexpected(self._peek())
            rest.append((token.text, self._parse_pipeline()))
        return AndOr(first, tuple(rest))

    def _parse_pipeline(self) -> Pipeline:
        negate = False
        if self._peek().reserved() == "!":
            self._advance()
            negate = True
        commands = [self._parse_command()]
        while self._peek().kind == "op" and self._peek().text == "|":
            self._advance()
            self._skip_newlines()
            if not self._starts_command(self._peek()):
                raise self._unexpected(self._peek())
            commands.append(self._parse_command())
        return Pipeline(tuple(commands), negate)

    def _parse_command(self) -> Command:
        token = self._peek()
        reserved = token.reserved()
        compound: If | Loop | For | Case | Group | None = None
        if token.kind == "op" and token.text == "(":
            self._advance()
            body = self._parse_list(expecting=")")
            self._expect_op(")")
            compound = Group(body, subshell=True)
        elif reserved == "{":
            self._advance()
            body = self._parse_list(expecting="}")
            self._expect_reserved("}")
            compound = Group(body)
        elif reserved == "if":
            compound = self._parse_if()
        elif reserved in ("while", "until"):
            self._advance()
            condition = self._parse_list(expecting="do")
            compound = Loop(condition, self._parse_do_group(), reserved == "until")
        elif reserved == "for":
            compound = self._parse_for()
        elif reserved == "case":
            compound = self._parse_case()
        if compound is not None:
            return Compound(compound, self._parse_redirects())
        return self._parse_simple_command()

    def _expect_op(self, op: str) -> None:
        self._skip_newlines()
        token = self._peek()
        if token.kind != "op" or token.text != op:
            raise self._unexpected(token, op)
        self._advance()

    def _parse_do_group(self) -> CommandList:
        self._expect_reserved("do")
        body = self._parse_list(expecting="done")
        self._expect_reserved("done")
        return body

    def _parse_if(self) -> If:
        self._advance()
        branches: list[tuple[CommandList, CommandList]] = []
        otherwise: CommandList | None = None
        while True:
            condition = self._parse_list(expecting="then")
            self._expect_reserved("then")
            body = self._parse_list(expecting="fi")
            branches.append((condition, body))
            reserved = self._peek().reserved()
            if reserved == "elif":
                self._advance()
                continue
            if reserved == "else":
                self._advance()
                otherwise = self._parse_list(expecting="fi")
            self._expect_reserved("fi")
            return If(tuple(branches), otherwise)

    def _parse_for(self) -> For:
        self._advance()
        token = self._advance()
        name = token.reserved()
        if name is None or not name.isidentifier():
            raise self._unexpected(token)
        words: list[Word] | None = None
        self._skip_newlines()
        if self._peek().reserved() == "in":
            self._advance()
            words = []
            while self._peek().kind == "word":
                words.append(self._advance().word)
        token = self._peek()
        if token.kind == "op" and token.text == ";" or token.kind == "newline":
            self._advance()
        return For(
            name, None if words is None else tuple(words), self._parse_do_group()
        )

    def _parse_case(self) -> Case:
        self._advance()
        subject = self._advance()
        if subject.kind != "word":
            raise self._unexpected(subject)
        self._expect_reserved("in")
        arms: list[tuple[tuple[Word, ...], CommandList]] = []
        while True:
            self._skip_newlines()
            token = self._peek()
            if token.reserved() == "esac":
                self._advance()
                return Case(subject.word, tuple(arms))
            if token.kind == "op" and token.text == "(":
                self._advance()
            patterns = [self._expect_word()]
            while self._peek().kind == "op" and self._peek().text == "|":
                self._advance()
                patterns.append(self._expect_word())
            self._expect_op(")")
            body = self._parse_list(allow_empty=True)
            arms.append((tuple(patterns), body))
            token = self._peek()
            if token.kind == "op" and token.text == ";;":
                self._advance()
            elif token.reserved() != "esac":
                raise self._unexpected(token, "esac")

    def _expect_word(self) -> Word:
        token = self._advance()
        if token.kind != "word":
            raise self._unexpected(token)
        return token.word

    def _parse_redirects(self) -> tuple[Redirect, ...]:
        redirects: list[Redirect] = []
        while self._peek().kind == "op" and self._peek().text in _REDIRECT_OPERATORS:
            redirects.append(self._parse_redirect())
        return tuple(redirects)

    def _parse_redirect(self) -> Redirect:
        token = self._advance()
        if token.text == "<<":
            # NOTE: here-documents are not parsed; ash would read the lines
            # that follow the command up to the delimiter.
            raise ShellSyntaxError("here-documents are not supported")
        fd = token.fd
        if fd is None:
            fd = 0 if token.text in ("<", "<&", "<>") else 1
        target = self._advance()
        if target.kind != "word":
            raise self._unexpected(target)
        return Redirect(fd, token.text, target.word)

    def _parse_simple_command(self) -> Command:
        assignments: list[tuple[str, Word]] = []
        words: list[Word] = []
        redirects: list[Redirect] = []
        while True:
            token = self._peek()
            if token.kind == "op" and token.text in _REDIRECT_OPERATORS:
                redirects.append(self._parse_redirect())
            elif token.kind == "word":
                self._advance()
                assignment = None if words else _assignment(token.word)
                if assignment is not None:
                    assignments.append(assignment)
                else:
                    words.append(token.word)
            else:
                break
            if (
                len(words) == 1
                and not assignments
                and not redirects
                and self._peek().kind == "op"
                and self._peek().text == "("
            ):
                return self._parse_function(words[0])
        if not (assignments or words or redirects):
            raise self._unexpected(self._peek())
        return SimpleCommand(tuple(assignments), tuple(words), tuple(redirects))

    def _parse_function(self, name_word: Word) -> FunctionDefinition:
        self._advance()
        self._expect_op(")")
        self._skip_newlines()
        name = "".join(p.text for p in name_word if isinstance(p, Literal))
        body = self._parse_command()
        if not isinstance(body, Compound):
            raise self._unexpected(self._peek())
        return FunctionDefinition(name, body)


def _assignment(word: Word) -> tuple[str, Word] | None:
    if not word or not isinstance(word[0], Literal) or word[0].quoted:
        return None
    name, sign, value = word[0].text.partition("=")
    if not sign or not name.isidentifier() or not name.isascii():
        return None
    rest: Word = (Literal(value),) if value else ()
    return name, rest + word[1:]


def parse(source: str) -> CommandList:
    """Parse a script.

    Raises:
        ShellSyntaxError: the script is not valid; the message is ash's text
            after ``sh: syntax error: ``.
    """
    return Parser(source).parse_program()
