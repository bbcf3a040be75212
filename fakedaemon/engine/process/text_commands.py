"""Commands that print or transform text: echo, printf, cat, head, wc, ..."""

from __future__ import annotations

import re

from fakedaemon.engine.filesystem import FilesystemError, IsADirectory
from fakedaemon.engine.process.context import CommandContext, applet
from fakedaemon.engine.process.streams import Channel

_ECHO_ESCAPES = {
    "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n",
    "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
}  # fmt: skip
_PRINTF_SPEC = re.compile(r"%([-+ #0]*)(\d+|\*)?(?:\.(\d+|\*))?([diouxXeEfgGcsb%])")


class _StopOutput(Exception):
    """``\\c`` in ``echo -e`` or ``printf %b``: print nothing more."""


def interpret_escapes(text: str, octal_needs_zero: bool) -> str:
    """Replace backslash escapes as ``echo -e`` (or ``printf``) does.

    Raises ``_StopOutput`` after ``\\c`` with the text before it in ``args``.
    """
    result: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != "\\" or index + 1 >= len(text):
            result.append(char)
            index += 1
            continue
        following = text[index + 1]
        if following in _ECHO_ESCAPES:
            result.append(_ECHO_ESCAPES[following])
            index += 2
        elif following == "c":
            raise _StopOutput("".join(result))
        elif following == "0" or (following in "1234567" and not octal_needs_zero):
            start = index + 2 if following == "0" else index + 1
            digits = re.match(r"[0-7]{0,3}", text[start:])
            value = digits.group(0) if digits else ""
            result.append(chr(int(value or "0", 8) & 0xFF))
            index = start + len(value)
        else:
            result.append(char)
            index += 1
    return "".join(result)


@applet("echo")
def echo(ctx: CommandContext) -> int:
    """Print the arguments; busybox flags ``-n``, ``-e`` and ``-E``."""
    args = ctx.argv[1:]
    newline = True
    escapes = False
    while args and re.fullmatch(r"-[neE]+", args[0]):
        flags = args.pop(0)[1:]
        newline = newline and "n" not in flags
        for flag in flags:
            if flag in "eE":
                escapes = flag == "e"
    text = " ".join(args)
    if escapes:
        try:
            text = interpret_escapes(text, octal_needs_zero=True)
        except _StopOutput as stop:
            ctx.out(str(stop.args[0]))
            return 0
    ctx.out(text + "\n" if newline else text)
    return 0


@applet("printf")
def printf(ctx: CommandContext) -> int:
    """Format and print arguments, repeating the format for extra arguments."""
    if len(ctx.argv) < 2:
        ctx.error("missing format")
        return 1
    fmt = ctx.argv[1]
    args = ctx.argv[2:]
    status = 0
    output: list[str] = []
    try:
        while True:
            consumed, failed = _format_once(fmt, args, output, ctx)
            status = status or failed
            args = args[consumed:]
            if not args or consumed == 0:
                break
    except _StopOutput as stop:
        output.append(str(stop.args[0]))
    ctx.out("".join(output))
    return status


def _format_once(
    fmt: str, args: list[str], output: list[str], ctx: CommandContext
) -> tuple[int, int]:
    used = 0
    failed = 0
    position = 0

    def next_arg() -> str | None:
        nonlocal used
        if used < len(args):
            used += 1
            return args[used - 1]
        return None

    for match in _PRINTF_SPEC.finditer(fmt):
        output.append(interpret_escapes(fmt[position : match.start()], False))
        position = match.end()
        flags, width, precision, conversion = match.groups()
        if conversion == "%":
            output.append("%")
            continue
        if width == "*":
            width = str(_to_int(next_arg() or "0", ctx)[0])
        if precision == "*":
            precision = str(_to_int(next_arg() or "0", ctx)[0])
        spec = "%" + flags + (width or "") + (f".{precision}" if precision else "")
        arg = next_arg()
        if conversion in "sb":
            text = arg or ""
            if conversion == "b":
                try:
                    text = interpret_escapes(text, octal_needs_zero=True)
                except _StopOutput as stop:
                    output.append(str(stop.args[0]))
                    raise
            output.append((spec + "s") % text)
        elif conversion == "c":
            output.append((spec + "s") % (arg or "")[:1])
        elif conversion in "eEfgG":
            try:
                output.append((spec + conversion) % float(arg or "0"))
            except ValueError:
                ctx.error(f"invalid number '{arg}'")
                failed = 1
                output.append((spec + conversion) % 0.0)
        else:
            value, ok = _to_int(arg or "0", ctx)
            failed = failed or int(not ok)
            python_conversion = "d" if conversion in "iu" else conversion
            output.append((spec + python_conversion) % value)
    output.append(interpret_escapes(fmt[position:], False))
    return used, failed


def _to_int(text: str, ctx: CommandContext) -> tuple[int, bool]:
    stripped = text.strip()
    if stripped[:1] in ("'", '"') and len(stripped) > 1:
        return ord(stripped[1]), True
    try:
        return int(stripped, 0) if stripped[:2].lower() == "0x" else int(stripped), True
    except ValueError:
        ctx.error(f"invalid number '{text}'")
        return 0, False


def _open_inputs(ctx: CommandContext, names: list[str]) -> list[tuple[str, Channel]]:
    """Return (name, channel) for each operand, or stdin when there is none.

    Files that cannot be read are reported as busybox does and left out;
    ``ctx.extra["failed"]`` records that one was.
    """
    from fakedaemon.engine.process.streams import BytesInput

    if not names:
        return [("-", ctx.stdin)]
    inputs: list[tuple[str, Channel]] = []
    for name in names:
        if name == "-":
            inputs.append((name, ctx.stdin))
            continue
        try:
            inputs.append((name, BytesInput(ctx.fs.read_file(ctx.path(name)))))
        except IsADirectory:
            ctx.error("read error: Is a directory")
            ctx.extra["failed"] = True
        except FilesystemError:
            ctx.error(f"can't open '{name}': No such file or directory")
            ctx.extra["failed"] = True
    return inputs


@applet("cat")
def cat(ctx: CommandContext) -> int:
    """Copy files, or standard input, to standard output as they are read."""
    names = [arg for arg in ctx.argv[1:] if arg == "-" or not arg.startswith("-")]
    for _, channel in _open_inputs(ctx, names):
        while chunk := channel.read():
            ctx.runtime.check_cancel()
            ctx.out(chunk)
    return 1 if ctx.extra.get("failed") else 0


def _line_count(ctx: CommandContext, default: int = 10) -> tuple[int, list[str], bool]:
    """Parse ``-n N``, ``-nN``, ``-N`` and ``-n +N``; return (n, operands, plus)."""
    count = default
    plus = False
    operands: list[str] = []
    args = ctx.argv[1:]
    index = 0
    while index < len(args):
        arg = args[index]
        value: str | None = None
        if arg == "-n" and index + 1 < len(args):
            value = args[index + 1]
            index += 1
        elif arg.startswith("-n"):
            value = arg[2:]
        elif re.fullmatch(r"-\d+", arg):
            value = arg[1:]
        else:
            operands.append(arg)
        if value is not None:
            plus = value.startswith("+")
            count = int(value.lstrip("+-") or "0")
        index += 1
    return count, operands, plus


@applet("head")
def head(ctx: CommandContext) -> int:
    """Print the first lines (``-n N``, 10 by default) of files or stdin."""
    try:
        count, names, _ = _line_count(ctx)
    except ValueError:
        ctx.error("invalid number")
        return 1
    for name, channel in _open_inputs(ctx, names):
        if len(names) > 1:
            ctx.out(f"==> {name} <==\n")
        for _ in range(count):
            line = channel.read_line()
            if line is None:
                break
            ctx.out(line)
    return 1 if ctx.extra.get("failed") else 0


@applet("tail")
def tail(ctx: CommandContext) -> int:
    """Print the last lines (``-n N``) or from line N on (``-n +N``)."""
    try:
        count, names, plus = _line_count(ctx)
    except ValueError:
        ctx.error("invalid number")
        return 1
    for _, channel in _open_inputs(ctx, names):
        lines = channel.read_all().splitlines(keepends=True)
        if plus:
            selected = lines[max(count - 1, 0) :]
        else:
            selected = lines[len(lines) - count :] if count else []
        ctx.out(b"".join(selected))
    return 1 if ctx.extra.get("failed") else 0


@applet("wc")
def wc(ctx: CommandContext) -> int:
    """Count lines (``-l``), words (``-w``) and bytes (``-c``)."""
    flags = "".join(
        arg[1:] for arg in ctx.argv[1:] if arg.startswith("-") and arg != "-"
    )
    names = [arg for arg in ctx.argv[1:] if arg == "-" or not arg.startswith("-")]
    selected = [flag for flag in "lwc" if flag in flags] or ["l", "w", "c"]
    for name, channel in _open_inputs(ctx, names):
        data = channel.read_all()
        counts = {"l": data.count(b"\n"), "w": len(data.split()), "c": len(data)}
        if len(selected) == 1:
            columns = [str(counts[selected[0]])]
        else:
            columns = [f"{counts[flag]:9d}" for flag in selected]
        suffix = f" {name}" if name != "-" else ""
        ctx.out(" ".join(columns) + suffix + "\n")
    return 1 if ctx.extra.get("failed") else 0


@applet("tee")
def tee(ctx: CommandContext) -> int:
    """Copy standard input to standard output and to files (``-a`` appends)."""
    append = "-a" in ctx.argv[1:]
    paths = [ctx.path(arg) for arg in ctx.argv[1:] if not arg.startswith("-")]
    for path in paths:
        if not append or not ctx.fs.exists(path):
            ctx.fs.write_file(path, b"")
    while chunk := ctx.stdin.read():
        ctx.runtime.check_cancel()
        ctx.out(chunk)
        for path in paths:
            ctx.fs.write_file(path, chunk, append=True)
    return 0


@applet("seq")
def seq(ctx: CommandContext) -> int:
    """Print numbers from FIRST (1) by INCREMENT (1) up to LAST."""
    args = ctx.argv[1:]
    separator = "\n"
    if len(args) >= 2 and args[0] == "-s":
        separator = args[1]
        args = args[2:]
    try:
        numbers = [float(arg) if "." in arg else int(arg) for arg in args]
    except ValueError:
        ctx.error("invalid number")
        return 1
    if not 1 <= len(numbers) <= 3:
        ctx.error("missing operand")
        return 1
    first: float = 1
    increment: float = 1
    last = numbers[-1]
    if len(numbers) >= 2:
        first = numbers[0]
    if len(numbers) == 3:
        increment = numbers[1]
    values: list[str] = []
    value = first
    while (increment > 0 and value <= last) or (increment < 0 and value >= last):
        values.append(str(value))
        value += increment
        if increment == 0:
            break
    if values:
        ctx.out(separator.join(values) + "\n")
    return 0


@applet("grep")
def grep(ctx: CommandContext) -> int:
    """Print lines that match a regular expression (``-v -i -q -c -n -F``)."""
    flags = ""
    operands: list[str] = []
    for arg in ctx.argv[1:]:
        if arg.startswith("-") and len(arg) > 1 and not operands:
            flags += arg[1:]
        else:
            operands.append(arg)
    if not operands:
        ctx.error("missing pattern")
        return 2
    pattern = re.escape(operands[0]) if "F" in flags else operands[0]
    try:
        regex = re.compile(pattern, re.IGNORECASE if "i" in flags else 0)
    except re.error:
        ctx.error(f"bad regex '{operands[0]}'")
        return 2
    names = operands[1:]
    matched = 0
    for name, channel in _open_inputs(ctx, names):
        number = 0
        while (line := channel.read_line()) is not None:
            number += 1
            text = line.decode(errors="replace").rstrip("\n")
            if bool(regex.search(text)) == ("v" in flags):
                continue
            matched += 1
            if "q" in flags:
                return 0
            if "c" not in flags:
                prefix = f"{name}:" if len(names) > 1 else ""
                prefix += f"{number}:" if "n" in flags else ""
                ctx.out(prefix + text + "\n")
        if "c" in flags:
            ctx.out(f"{matched}\n")
    if ctx.extra.get("failed"):
        return 2
    return 0 if matched else 1
