"""The syntax tree of a shell script, as the parser builds it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Literal:
    """Text of a word; ``quoted`` text is exempt from field splitting."""

    text: str
    quoted: bool = False


@dataclass(frozen=True)
class Parameter:
    """A parameter expansion: ``$name``, ``${name}`` or ``${name<op><arg>}``.

    ``op`` is empty, ``length`` for ``${#name}``, or one of ``-``, ``:-``,
    ``=``, ``:=``, ``+``, ``:+``, ``?``, ``:?``, ``#``, ``##``, ``%``, ``%%``.
    """

    name: str
    quoted: bool = False
    op: str = ""
    arg: Word = ()


@dataclass(frozen=True)
class CommandSubstitution:
    """``$(list)`` or a backquoted list, replaced by its output."""

    program: CommandList
    quoted: bool = False


@dataclass(frozen=True)
class Arithmetic:
    """``$((expression))``; the expression text is expanded, then evaluated."""

    expression: str
    quoted: bool = False


Part = Literal | Parameter | CommandSubstitution | Arithmetic
Word = tuple[Part, ...]


@dataclass(frozen=True)
class Redirect:
    """``[fd]op target``: op is one of ``<``, ``>``, ``>>``, ``>|``, ``<>``,
    ``>&``, ``<&`` or ``<<`` (the target of ``<<`` is the here-document)."""

    fd: int
    op: str
    target: Word


@dataclass(frozen=True)
class SimpleCommand:
    """Assignments, words and redirections of one command."""

    assignments: tuple[tuple[str, Word], ...] = ()
    words: tuple[Word, ...] = ()
    redirects: tuple[Redirect, ...] = ()


@dataclass(frozen=True)
class Pipeline:
    """Commands joined by ``|``; ``negate`` for a leading ``!``."""

    commands: tuple[Command, ...]
    negate: bool = False


@dataclass(frozen=True)
class AndOr:
    """A pipeline followed by ``&&`` or ``||`` pipelines."""

    first: Pipeline
    rest: tuple[tuple[str, Pipeline], ...] = ()


@dataclass(frozen=True)
class CommandList:
    """And-or lists separated by ``;``, ``&`` or newlines."""

    items: tuple[AndOr, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class If:
    """``if``/``elif`` conditions with their bodies, and the ``else`` body."""

    branches: tuple[tuple[CommandList, CommandList], ...]
    otherwise: CommandList | None = None


@dataclass(frozen=True)
class Loop:
    """``while`` (or ``until``) ``condition; do body; done``."""

    condition: CommandList
    body: CommandList
    until: bool = False


@dataclass(frozen=True)
class For:
    """``for name in words; do body; done``; ``words`` None means ``"$@"``."""

    name: str
    words: tuple[Word, ...] | None
    body: CommandList


@dataclass(frozen=True)
class Case:
    """``case word in pattern) body;; ... esac``."""

    word: Word
    arms: tuple[tuple[tuple[Word, ...], CommandList], ...]


@dataclass(frozen=True)
class Group:
    """``{ list; }``, or ``( list )`` when ``subshell``."""

    body: CommandList
    subshell: bool = False


@dataclass(frozen=True)
class FunctionDefinition:
    """``name() compound-command``."""

    name: str
    body: Compound


@dataclass(frozen=True)
class Compound:
    """A compound command with the redirections that follow it."""

    command: If | Loop | For | Case | Group
    redirects: tuple[Redirect, ...] = ()


Command = SimpleCommand | Compound | FunctionDefinition
