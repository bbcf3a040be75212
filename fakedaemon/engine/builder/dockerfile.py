"""Parse a Dockerfile into stages of instructions, as the classic builder reads it."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field

from ...errors import InvalidParameter

INSTRUCTIONS = frozenset(
    (
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM",
        "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL",
        "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    )
)  # fmt: skip

_DIRECTIVE = re.compile(r"^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$")
_FLAG = re.compile(r"--([a-zA-Z][a-zA-Z0-9-]*)(?:=(\S*))?")


@dataclass(frozen=True, slots=True)
class Instruction:
    """One instruction: its keyword, flags and arguments as written."""

    keyword: str
    """The instruction name in upper case (``COPY``)."""
    original: str
    """The logical line with continuations joined, as the step line shows it."""
    rest: str
    """The text after the keyword and its flags."""
    flags: dict[str, str] = field(default_factory=dict)
    line: int = 0

    def json_form(self) -> list[str] | None:
        """Return the arguments of the exec (JSON array) form, or None."""
        text = self.rest.strip()
        if not text.startswith("["):
            return None
        try:
            value = json.loads(text)
        except ValueError:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None
        return value

    def words(self) -> list[str]:
        """Return the arguments split on whitespace, honouring quotes."""
        form = self.json_form()
        if form is not None:
            return form
        try:
            return shlex.split(self.rest, posix=True)
        except ValueError:
            return self.rest.split()


@dataclass(slots=True)
class Stage:
    """One ``FROM`` and the instructions that follow it."""

    base: str
    name: str
    index: int
    from_instruction: Instruction
    instructions: list[Instruction] = field(default_factory=list)


@dataclass(slots=True)
class Dockerfile:
    """A parsed Dockerfile: the global ``ARG``s before the first ``FROM`` and stages."""

    global_args: list[Instruction]
    stages: list[Stage]

    @property
    def step_count(self) -> int:
        """The number of steps the classic builder counts (``Step n/N``)."""
        total = len(self.global_args)
        for stage in self.stages:
            total += 1 + len(stage.instructions)
        return total


def parse_dockerfile(text: str, legacy_messages: bool = False) -> Dockerfile:
    """Parse ``text``; raise InvalidParameter with dockerd's message on errors."""
    instructions = _instructions(text, legacy_messages)
    global_args: list[Instruction] = []
    stages: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            words = instruction.words()
            base = words[0] if words else ""
            name = ""
            if len(words) >= 3 and words[1].lower() == "as":
                name = words[2].lower()
            stages.append(Stage(base, name, len(stages), instruction))
        elif not stages:
            if instruction.keyword != "ARG":
                raise InvalidParameter("no build stage in current context")
            global_args.append(instruction)
        else:
            stages[-1].instructions.append(instruction)
    if not stages:
        raise InvalidParameter("no build stage in current context")
    return Dockerfile(global_args, stages)


def _instructions(text: str, legacy_messages: bool) -> list[Instruction]:
    escape = "\\"
    lines = text.replace("\r\n", "\n").split("\n")
    index = 0
    # Parser directives come first, before any other line or comment.
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index].strip())
        if not match:
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            escape = match.group(2)
        index += 1

    result: list[Instruction] = []
    while index < len(lines):
        start = index
        line = lines[index]
        index += 1
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        logical = line.lstrip()
        while logical.rstrip().endswith(escape) and index < len(lines):
            logical = logical.rstrip()[:-1]
            following = lines[index]
            index += 1
            if following.strip().startswith("#"):
                continue
            logical += following.lstrip() if not logical.endswith(" ") else following
        logical = logical.rstrip()
        result.append(_instruction(logical, start + 1, legacy_messages))
    return result


def _instruction(logical: str, line: int, legacy_messages: bool) -> Instruction:
    keyword, _, rest = logical.partition(" ")
    if "\t" in keyword:
        keyword, _, tail = keyword.partition("\t")
        rest = tail + " " + rest
    upper = keyword.upper()
    if upper not in INSTRUCTIONS:
        if legacy_messages:
            raise InvalidParameter(
                f"dockerfile parse error line {line}: unknown instruction: {upper}"
            )
        hint = _suggestion(upper)
        raise InvalidParameter(
            f"dockerfile parse error on line {line}: unknown instruction: "
            f"{keyword}{hint}"
        )
    rest = rest.strip()
    flags: dict[str, str] = {}
    if upper in ("ADD", "COPY", "FROM", "RUN", "HEALTHCHECK"):
        while rest.startswith("--"):
            word, _, remainder = rest.partition(" ")
            match = _FLAG.fullmatch(word)
            if match is None:
                break
            flags[match.group(1).lower()] = match.group(2) or ""
            rest = remainder.lstrip()
    return Instruction(upper, logical, rest, flags, line)


def _suggestion(word: str) -> str:
    best = ""
    best_distance = 3
    for candidate in sorted(INSTRUCTIONS):
        distance = _levenshtein(word, candidate)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return f" (did you mean {best}?)" if best else ""


def _levenshtein(left: str, right: str) -> int:
    previous = list(range(len(right) + 1))
    for i, a in enumerate(left, 1):
        current = [i]
        for j, b in enumerate(right, 1):
            current.append(
                min(previous[j] + 1, current[-1] + 1, previous[j - 1] + (a != b))
            )
        previous = current
    return previous[-1]


def expand(text: str, variables: dict[str, str], escape: str = "\\") -> str:
    """Expand ``$VAR``, ``${VAR}``, ``${VAR:-default}`` and ``${VAR:+alt}``."""
    out: list[str] = []
    index = 0
    quote = ""
    while index < len(text):
        char = text[index]
        if char == escape and index + 1 < len(text) and text[index + 1] == "$":
            out.append("$")
            index += 2
            continue
        if char == "'" and quote in ("", "'"):
            quote = "" if quote else "'"
        elif char == '"' and quote in ("", '"'):
            quote = "" if quote else '"'
        if char != "$" or quote == "'" or index + 1 >= len(text):
            out.append(char)
            index += 1
            continue
        following = text[index + 1]
        if following == "{":
            end = text.find("}", index + 2)
            if end < 0:
                out.append(text[index:])
                break
            out.append(_substitute(text[index + 2 : end], variables))
            index = end + 1
            continue
        match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", text[index + 1 :])
        if match is None:
            out.append(char)
            index += 1
            continue
        out.append(variables.get(match.group(0), ""))
        index += 1 + match.end()
    return "".join(out)


def _substitute(body: str, variables: dict[str, str]) -> str:
    for operator in (":-", ":+"):
        name, found, word = body.partition(operator)
        if found:
            value = variables.get(name, "")
            if operator == ":-":
                return value or word
            return word if value else ""
    return variables.get(body, "")


def parse_change(text: str) -> Instruction:
    """Parse one ``changes`` line of a commit or import (``CMD ["sh"]``).

    Raises:
        InvalidParameter: for an unknown instruction.
    """
    return _instruction(text.strip(), 1, False)
