"""Commands about the process and its surroundings: sleep, env, id, date, ..."""

from __future__ import annotations

import math
import re

from fakedaemon.engine.filesystem import FilesystemError
from fakedaemon.engine.process.context import CommandContext, applet

_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


@applet("sleep")
def sleep(ctx: CommandContext) -> int:
    """Wait for the sum of the durations (``N``, ``N.5``, ``Nm``, ``infinity``)."""
    if len(ctx.argv) < 2:
        ctx.error("missing operand")
        return 1
    total = 0.0
    for arg in ctx.argv[1:]:
        if arg in ("inf", "infinity"):
            total = math.inf
            continue
        match = _DURATION.fullmatch(arg)
        if match is None:
            ctx.error(f"invalid number '{arg}'")
            return 1
        total += float(match.group(1)) * _UNITS[match.group(2)]
    ctx.runtime.sleep(total)
    return 0


@applet("true", ":")
def true(ctx: CommandContext) -> int:
    """Exit 0."""
    return 0


@applet("false")
def false(ctx: CommandContext) -> int:
    """Exit 1."""
    return 1


@applet("env")
def env(ctx: CommandContext) -> int:
    """Print the environment, one ``NAME=value`` per line.

    NOTE: ``env NAME=value command`` is not supported; with a command
    operand this prints an error and exits 127.
    """
    environment = dict(ctx.env)
    for arg in ctx.argv[1:]:
        if arg == "-i":
            environment.clear()
        elif "=" in arg:
            name, _, value = arg.partition("=")
            environment[name] = value
        else:
            ctx.error(f"can't execute '{arg}': not supported here")
            return 127
    ctx.out("".join(f"{name}={value}\n" for name, value in environment.items()))
    return 0


@applet("printenv")
def printenv(ctx: CommandContext) -> int:
    """Print all variables, or the values of those named; 1 if one is unset."""
    names = ctx.argv[1:]
    if not names:
        ctx.out("".join(f"{name}={value}\n" for name, value in ctx.env.items()))
        return 0
    status = 0
    for name in names:
        if name in ctx.env:
            ctx.out(ctx.env[name] + "\n")
        else:
            status = 1
    return status


@applet("hostname")
def hostname(ctx: CommandContext) -> int:
    """Print the container's hostname."""
    ctx.out(ctx.runtime.hostname + "\n")
    return 0


@applet("pwd")
def pwd(ctx: CommandContext) -> int:
    """Print the working directory."""
    ctx.out(ctx.cwd + "\n")
    return 0


def _names(ctx: CommandContext, path: str) -> dict[int, str]:
    """Return id-to-name from ``/etc/passwd`` or ``/etc/group``."""
    try:
        text = ctx.fs.read_file(path).decode(errors="replace")
    except FilesystemError:
        return {}
    names: dict[int, str] = {}
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 3 and fields[2].isdigit():
            names.setdefault(int(fields[2]), fields[0])
    return names


def _supplementary_groups(ctx: CommandContext, user: str) -> list[int]:
    try:
        text = ctx.fs.read_file("/etc/group").decode(errors="replace")
    except FilesystemError:
        return []
    groups = []
    for line in text.splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[2].isdigit() and user in fields[3].split(","):
            groups.append(int(fields[2]))
    return groups


def _with_name(number: int, names: dict[int, str]) -> str:
    return f"{number}({names[number]})" if number in names else str(number)


@applet("id")
def id_(ctx: CommandContext) -> int:
    """Print the user and groups, named from ``/etc/passwd`` and ``/etc/group``.

    NOTE: the process always runs as root (uid and gid 0); the container's
    User setting is not applied.
    """
    users = _names(ctx, "/etc/passwd")
    groups = _names(ctx, "/etc/group")
    group_ids = [0]
    if 0 in users:
        group_ids += [g for g in _supplementary_groups(ctx, users[0]) if g != 0]
    ctx.out(
        f"uid={_with_name(0, users)} gid={_with_name(0, groups)} groups="
        + ",".join(_with_name(g, groups) for g in group_ids)
        + "\n"
    )
    return 0


@applet("whoami")
def whoami(ctx: CommandContext) -> int:
    """Print the user name of uid 0 from ``/etc/passwd``."""
    users = _names(ctx, "/etc/passwd")
    if 0 not in users:
        ctx.error("unknown uid 0")
        return 1
    ctx.out(users[0] + "\n")
    return 0


@applet("date")
def date(ctx: CommandContext) -> int:
    """Print the daemon clock's time in UTC, or as ``+FORMAT`` says."""
    fmt = "%a %b %e %H:%M:%S %Z %Y"
    for arg in ctx.argv[1:]:
        if arg.startswith("+"):
            fmt = arg[1:]
        elif arg not in ("-u", "--utc"):
            ctx.error(f"invalid date '{arg}'")
            return 1
    ctx.out(ctx.runtime.clock.now().strftime(fmt) + "\n")
    return 0


@applet("kill")
def kill(ctx: CommandContext) -> int:
    """Accept and ignore a signal request.

    NOTE: there are no other processes to signal in a simulated container,
    so ``kill`` always succeeds without effect.
    """
    return 0


@applet("test", "[")
def test(ctx: CommandContext) -> int:
    """Evaluate a condition: 0 when true, 1 when false, 2 on misuse."""
    args = ctx.argv[1:]
    if ctx.name == "[":
        if not args or args[-1] != "]":
            ctx.error("missing ]")
            return 2
        args = args[:-1]
    try:
        return 0 if _Condition(ctx, args).evaluate() else 1
    except ValueError as error:
        ctx.error(str(error))
        return 2


_FILE_TESTS = frozenset("edfsxrwLhcbpSgukO")
_INTEGER_TESTS = {
    "-eq": lambda a, b: a == b, "-ne": lambda a, b: a != b,
    "-lt": lambda a, b: a < b, "-le": lambda a, b: a <= b,
    "-gt": lambda a, b: a > b, "-ge": lambda a, b: a >= b,
}  # fmt: skip


class _Condition:
    def __init__(self, ctx: CommandContext, args: list[str]) -> None:
        self.ctx = ctx
        self.args = args
        self.index = 0

    def evaluate(self) -> bool:
        if not self.args:
            return False
        result = self._or()
        if self.index != len(self.args):
            raise ValueError(f"{self.args[self.index]}: unknown operand")
        return result

    def _or(self) -> bool:
        result = self._and()
        while self._peek() == "-o":
            self.index += 1
            result = self._and() or result
        return result

    def _and(self) -> bool:
        result = self._not()
        while self._peek() == "-a":
            self.index += 1
            result = self._not() and result
        return result

    def _not(self) -> bool:
        if self._peek() == "!" and self.index + 1 < len(self.args):
            self.index += 1
            return not self._not()
        return self._primary()

    def _peek(self, offset: int = 0) -> str | None:
        index = self.index + offset
        return self.args[index] if index < len(self.args) else None

    def _primary(self) -> bool:
        first = self._peek()
        if first is None:
            raise ValueError("argument expected")
        operator = self._peek(1)
        if operator in ("=", "==", "!=") or operator in _INTEGER_TESTS:
            second = self._peek(2)
            if second is not None:
                self.index += 3
                return self._binary(first, operator, second)
        if first == "(":
            self.index += 1
            result = self._or()
            if self._peek() != ")":
                raise ValueError("')' expected")
            self.index += 1
            return result
        if first in ("-n", "-z") and operator is not None:
            self.index += 2
            return (operator != "") == (first == "-n")
        if len(first) == 2 and first[0] == "-" and first[1] in _FILE_TESTS:
            if operator is not None:
                self.index += 2
                return self._file_test(first[1], operator)
        self.index += 1
        return first != ""

    def _binary(self, left: str, operator: str, right: str) -> bool:
        if operator in ("=", "=="):
            return left == right
        if operator == "!=":
            return left != right
        try:
            return bool(_INTEGER_TESTS[operator](int(left), int(right)))
        except ValueError as error:
            bad = left if not _is_int(left) else right
            raise ValueError(f"invalid number '{bad}'") from error

    def _file_test(self, flag: str, operand: str) -> bool:
        fs = self.ctx.fs
        path = self.ctx.path(operand)
        if flag in "Lh":
            return fs.is_symlink(path)
        if not fs.exists(path):
            return False
        info = fs.stat(path)
        checks = {
            "e": True,
            "d": info.kind == "dir",
            "f": info.kind == "file",
            "s": info.size > 0,
            "x": bool(info.mode & 0o111) or info.kind == "dir",
            "r": True,
            "w": True,
        }
        return checks.get(flag, False)


def _is_int(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True
