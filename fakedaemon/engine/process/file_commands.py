"""Commands that change or list the filesystem: ls, mkdir, touch, rm, ..."""

from __future__ import annotations

import posixpath
from datetime import UTC, datetime

from fakedaemon.engine.filesystem import (
    FileExists,
    FileNotFound,
    FilesystemError,
    mode_string,
)
from fakedaemon.engine.process.context import CommandContext, applet


def _split_flags(args: list[str]) -> tuple[str, list[str]]:
    flags = ""
    operands: list[str] = []
    for arg in args:
        if arg.startswith("-") and len(arg) > 1 and not operands:
            flags += arg[1:]
        else:
            operands.append(arg)
    return flags, operands


@applet("ls")
def ls(ctx: CommandContext) -> int:
    """List directory entries one per line (``-a``, ``-l``, ``-d``)."""
    flags, operands = _split_flags(ctx.argv[1:])
    status = 0
    targets = operands or ["."]
    for index, operand in enumerate(targets):
        path = ctx.path(operand)
        if not ctx.fs.lexists(path):
            ctx.error(f"{operand}: No such file or directory")
            status = 1
            continue
        if "d" in flags or not ctx.fs.is_dir(path):
            _print_entry(ctx, flags, path, operand)
            continue
        if len(targets) > 1:
            ctx.out(("\n" if index else "") + f"{operand}:\n")
        names = ctx.fs.listdir(path)
        if "a" in flags:
            names = [".", "..", *names]
        elif "A" not in flags:
            names = [name for name in names if not name.startswith(".")]
        for name in names:
            _print_entry(ctx, flags, posixpath.join(path, name), name)
    return status


def _print_entry(ctx: CommandContext, flags: str, path: str, shown: str) -> None:
    if "l" not in flags:
        ctx.out(shown + "\n")
        return
    info = ctx.fs.lstat(path)
    when = datetime.fromtimestamp(info.mtime, UTC).strftime("%b %e %H:%M")
    size = 4096 if info.kind == "dir" else info.size
    line = f"{mode_string(info)}    1 {'root':<8} {'root':<8} {size:>9} {when} {shown}"
    if info.kind == "symlink":
        line += f" -> {info.link_target}"
    ctx.out(line + "\n")


@applet("mkdir")
def mkdir(ctx: CommandContext) -> int:
    """Create directories (``-p`` for parents)."""
    flags, operands = _split_flags(ctx.argv[1:])
    status = 0
    for operand in operands:
        try:
            ctx.fs.mkdir(ctx.path(operand), parents="p" in flags)
        except FileExists:
            ctx.error(f"can't create directory '{operand}': File exists")
            status = 1
        except FilesystemError:
            ctx.error(f"can't create directory '{operand}': No such file or directory")
            status = 1
    return status


@applet("touch")
def touch(ctx: CommandContext) -> int:
    """Create empty files or update their modification times."""
    _, operands = _split_flags(ctx.argv[1:])
    status = 0
    for operand in operands:
        try:
            ctx.fs.touch(ctx.path(operand))
        except FilesystemError:
            ctx.error(f"{operand}: No such file or directory")
            status = 1
    return status


@applet("rm")
def rm(ctx: CommandContext) -> int:
    """Remove files, and directories with ``-r``; ``-f`` ignores missing ones."""
    flags, operands = _split_flags(ctx.argv[1:])
    recursive = "r" in flags or "R" in flags
    status = 0
    for operand in operands:
        path = ctx.path(operand)
        if not ctx.fs.lexists(path):
            if "f" not in flags:
                ctx.error(f"can't remove '{operand}': No such file or directory")
                status = 1
            continue
        if ctx.fs.lstat(path).kind == "dir" and not recursive:
            ctx.error(f"'{operand}' is a directory")
            status = 1
            continue
        ctx.fs.remove(path, recursive=True)
    return status


@applet("basename")
def basename(ctx: CommandContext) -> int:
    """Print the last path component, without SUFFIX when given."""
    if len(ctx.argv) < 2:
        ctx.error("missing operand")
        return 1
    name = posixpath.basename(ctx.argv[1].rstrip("/")) or "/"
    if len(ctx.argv) > 2 and name != ctx.argv[2] and name.endswith(ctx.argv[2]):
        name = name[: -len(ctx.argv[2])]
    ctx.out(name + "\n")
    return 0


@applet("dirname")
def dirname(ctx: CommandContext) -> int:
    """Print the path without its last component."""
    if len(ctx.argv) < 2:
        ctx.error("missing operand")
        return 1
    stripped = ctx.argv[1].rstrip("/") or "/"
    parent = posixpath.dirname(stripped).rstrip("/") or (
        "/" if "/" in stripped else "."
    )
    ctx.out(parent + "\n")
    return 0


@applet("ln")
def ln(ctx: CommandContext) -> int:
    """Create a symbolic link (``-s``; ``-f`` replaces the link).

    NOTE: hard links are made as copies of the file's content.
    """
    flags, operands = _split_flags(ctx.argv[1:])
    if len(operands) != 2:
        ctx.error("missing operand")
        return 1
    target, link = operands
    path = ctx.path(link)
    if ctx.fs.is_dir(path):
        path = posixpath.join(path, posixpath.basename(target))
    try:
        if "f" in flags and ctx.fs.lexists(path):
            ctx.fs.remove(path)
        if "s" in flags:
            ctx.fs.symlink(target, path)
        else:
            ctx.fs.write_file(path, ctx.fs.read_file(ctx.path(target)))
    except FileExists:
        ctx.error(f"{link}: File exists")
        return 1
    except FilesystemError as error:
        ctx.error(error.message)
        return 1
    return 0


@applet("chmod")
def chmod(ctx: CommandContext) -> int:
    """Set permission bits from an octal mode or ``+x``-style ``[ugoa][+-]rwx``."""
    _, operands = _split_flags(ctx.argv[1:])
    if len(operands) < 2:
        ctx.error("missing operand")
        return 1
    mode_text, paths = operands[0], operands[1:]
    status = 0
    for operand in paths:
        path = ctx.path(operand)
        try:
            current = ctx.fs.stat(path).mode
            ctx.fs.chmod(path, _parse_mode(mode_text, current))
        except ValueError:
            ctx.error(f"invalid mode '{mode_text}'")
            return 1
        except FilesystemError:
            ctx.error(f"{operand}: No such file or directory")
            status = 1
    return status


def _parse_mode(text: str, current: int) -> int:
    if text.isdigit():
        return int(text, 8)
    mode = current
    for clause in text.split(","):
        who = clause.rstrip("+-=rwx").rstrip("+-=") or "a"
        operator = clause[len(who) if clause[: len(who)] == who else 0 :][:1]
        rest = clause.partition(operator)[2] if operator else ""
        if operator not in ("+", "-", "=") or set(rest) - set("rwx"):
            raise ValueError(text)
        bits = sum({"r": 4, "w": 2, "x": 1}[c] for c in rest)
        shifts = {"u": [6], "g": [3], "o": [0], "a": [6, 3, 0]}
        mask = sum(bits << shift for w in who for shift in shifts.get(w, []))
        if operator == "+":
            mode |= mask
        elif operator == "-":
            mode &= ~mask
        else:
            cleared = sum(7 << shift for w in who for shift in shifts.get(w, []))
            mode = (mode & ~cleared) | mask
    return mode


@applet("cp")
def cp(ctx: CommandContext) -> int:
    """Copy regular files.

    NOTE: directories (``cp -r``) are not copied; busybox would copy them.
    """
    _, operands = _split_flags(ctx.argv[1:])
    if len(operands) < 2:
        ctx.error("missing file operand")
        return 1
    *sources, destination = operands
    return _copy(ctx, sources, destination, move=False)


@applet("mv")
def mv(ctx: CommandContext) -> int:
    """Move regular files and symbolic links."""
    _, operands = _split_flags(ctx.argv[1:])
    if len(operands) < 2:
        ctx.error("missing file operand")
        return 1
    *sources, destination = operands
    return _copy(ctx, sources, destination, move=True)


def _copy(ctx: CommandContext, sources: list[str], destination: str, move: bool) -> int:
    status = 0
    target_dir = ctx.fs.is_dir(ctx.path(destination))
    for source in sources:
        source_path = ctx.path(source)
        target = ctx.path(destination)
        if target_dir:
            target = posixpath.join(target, posixpath.basename(source_path))
        try:
            info = ctx.fs.lstat(source_path)
            if move and info.kind == "symlink":
                ctx.fs.symlink(info.link_target, target)
            else:
                ctx.fs.write_file(target, ctx.fs.read_file(source_path), mode=info.mode)
            if move:
                ctx.fs.remove(source_path, recursive=True)
        except FileNotFound:
            ctx.error(f"can't stat '{source}': No such file or directory")
            status = 1
        except FilesystemError as error:
            ctx.error(error.message)
            status = 1
    return status
