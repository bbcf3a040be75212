"""The shell interpreter: runs parsed scripts over the simulated filesystem."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Callable

from fakedaemon.engine.filesystem import FilesystemError, IsADirectory, normalize
from fakedaemon.engine.process.context import (
    APPLETS,
    Cancelled,
    CommandContext,
    ExitProcess,
    Runtime,
    applet,
)
from fakedaemon.engine.process.expand import (
    ExpansionError,
    evaluate_arithmetic,
    expand_pattern,
    expand_string,
    expand_words,
)
from fakedaemon.engine.process.nodes import (
    AndOr,
    Case,
    Command,
    CommandList,
    Compound,
    For,
    FunctionDefinition,
    Group,
    If,
    Loop,
    Pipeline,
    Redirect,
    SimpleCommand,
)
from fakedaemon.engine.process.spec import DEFAULT_PATH
from fakedaemon.engine.process.streams import BufferOutput, BytesInput, Channel
from fakedaemon.engine.process.syntax import ShellSyntaxError, parse

SHELL_NAMES = frozenset({"sh", "ash", "bash", "dash", "hush"})

# Applets that ash runs without a PATH lookup, as its own builtins.
_BUILTIN_APPLETS = frozenset(
    {"echo", "printf", "test", "[", "true", "false", ":", "pwd", "kill"}
)


class _LoopControl(Exception):
    def __init__(self, levels: int, is_break: bool) -> None:
        super().__init__(levels)
        self.levels = levels
        self.is_break = is_break


class _Return(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class RedirectError(Exception):
    """A redirection that cannot be made; the message follows ``sh: ``."""


Builtin = Callable[["Shell", CommandContext], int]
_BUILTINS: dict[str, Builtin] = {}


def _builtin(*names: str) -> Callable[[Builtin], Builtin]:
    def register(function: Builtin) -> Builtin:
        for name in names:
            _BUILTINS[name] = function
        return function

    return register


class Shell:
    """One shell's state: variables, functions, directory and open channels."""

    def __init__(
        self,
        runtime: Runtime,
        env: dict[str, str],
        cwd: str,
        channels: dict[int, Channel],
        name: str = "sh",
        positional: list[str] | None = None,
    ) -> None:
        self.runtime = runtime
        self.variables: dict[str, str] = dict(env)
        self.exported: dict[str, None] = dict.fromkeys(env)
        self.functions: dict[str, Compound] = {}
        self.cwd = cwd
        self.channels = channels
        self.name = name
        self.positional = list(positional or [])
        self.last_status = 0
        # The status of the last command substitution, which a command of
        # assignments only returns.
        self.substitution_status = 0

    def environ(self) -> dict[str, str]:
        """Return the exported variables, in the order they were exported."""
        return {
            name: self.variables[name]
            for name in self.exported
            if name in self.variables
        }

    def export(self, name: str, value: str | None = None) -> None:
        """Mark ``name`` exported, setting it first when ``value`` is given."""
        if value is not None:
            self.variables[name] = value
        self.exported[name] = None

    def subshell(self) -> Shell:
        """Return a copy of this shell whose changes do not come back."""
        copy = Shell(
            self.runtime, {}, self.cwd, dict(self.channels), self.name, self.positional
        )
        copy.variables = dict(self.variables)
        copy.exported = dict(self.exported)
        copy.functions = dict(self.functions)
        copy.last_status = self.last_status
        return copy

    def error(self, message: str) -> None:
        """Write ``<shell name>: <message>`` to standard error."""
        self.channels[2].write(f"{self.name}: {message}\n".encode())

    # Running scripts

    def run_source(self, source: str) -> int:
        """Parse and run a whole script; a syntax error exits with 2."""
        try:
            program = parse(source)
        except ShellSyntaxError as error:
            self.error(f"syntax error: {error.message}")
            raise ExitProcess(2) from error
        return self.run_list(program)

    def substitute(self, program: CommandList) -> str:
        """Run ``program`` in a subshell and return its standard output."""
        shell = self.subshell()
        output = BufferOutput()
        shell.channels[1] = output
        try:
            status = shell.run_list(program)
        except ExitProcess as exit_:
            status = exit_.code
        self.substitution_status = status
        return output.buffer.decode(errors="replace")

    def run_list(self, node: CommandList) -> int:
        """Run each and-or list in turn; return the last status."""
        for item in node.items:
            self.last_status = self._run_and_or(item)
        return self.last_status

    def _run_and_or(self, node: AndOr) -> int:
        status = self._run_pipeline(node.first)
        for op, pipeline in node.rest:
            self.last_status = status
            if (op == "&&") == (status == 0):
                status = self._run_pipeline(pipeline)
        return status

    def _run_pipeline(self, node: Pipeline) -> int:
        if len(node.commands) == 1:
            status = self._run_command(node.commands[0])
        else:
            status = self._run_stages(node)
        return int(not status) if node.negate else status

    def _run_stages(self, node: Pipeline) -> int:
        # NOTE: the stages run one after the other, each reading the whole
        # output of the one before, so an endless first stage never lets
        # the next one start; ash runs them at the same time.
        status = 0
        data: bytes | None = None
        for index, command in enumerate(node.commands):
            stage = self.subshell()
            if data is not None:
                stage.channels[0] = BytesInput(data)
            output = BufferOutput()
            if index < len(node.commands) - 1:
                stage.channels[1] = output
            try:
                status = stage._run_command(command)
            except ExitProcess as exit_:
                status = exit_.code
            data = bytes(output.buffer)
        return status

    def _run_command(self, node: Command) -> int:
        self.runtime.check_cancel()
        if isinstance(node, SimpleCommand):
            return self._run_simple(node)
        if isinstance(node, FunctionDefinition):
            self.functions[node.name] = node.body
            return 0
        saved = self.channels
        try:
            self.channels = self._redirected(node.redirects)
        except (RedirectError, ExpansionError) as error:
            self.error(str(error))
            return 1
        try:
            return self._run_compound(node.command)
        finally:
            self.channels = saved

    def _run_compound(self, node: If | Loop | For | Case | Group) -> int:
        if isinstance(node, Group):
            if not node.subshell:
                return self.run_list(node.body)
            try:
                return self.subshell().run_list(node.body)
            except ExitProcess as exit_:
                return exit_.code
        if isinstance(node, If):
            for condition, body in node.branches:
                if self.run_list(condition) == 0:
                    return self.run_list(body)
            return self.run_list(node.otherwise) if node.otherwise else 0
        if isinstance(node, Loop):
            return self._run_loop(node)
        if isinstance(node, For):
            return self._run_for(node)
        return self._run_case(node)

    def _run_loop(self, node: Loop) -> int:
        status = 0
        while True:
            self.runtime.check_cancel()
            if (self.run_list(node.condition) == 0) == node.until:
                return status
            try:
                status = self.run_list(node.body)
            except _LoopControl as control:
                if control.levels > 1:
                    raise _LoopControl(control.levels - 1, control.is_break) from None
                if control.is_break:
                    return 0

    def _run_for(self, node: For) -> int:
        values = (
            self.positional
            if node.words is None
            else expand_words(self, list(node.words))
        )
        status = 0
        for value in values:
            self.runtime.check_cancel()
            self.variables[node.name] = value
            try:
                status = self.run_list(node.body)
            except _LoopControl as control:
                if control.levels > 1:
                    raise _LoopControl(control.levels - 1, control.is_break) from None
                if control.is_break:
                    return 0
        return status

    def _run_case(self, node: Case) -> int:
        value = expand_string(self, node.word)
        for patterns, body in node.arms:
            for pattern in patterns:
                if fnmatch.fnmatchcase(value, expand_pattern(self, pattern)):
                    return self.run_list(body)
        return 0

    # Simple commands

    def _run_simple(self, node: SimpleCommand) -> int:
        self.substitution_status = 0
        try:
            argv = expand_words(self, list(node.words))
            assignments = [
                (name, expand_string(self, value)) for name, value in node.assignments
            ]
        except ExpansionError as error:
            self.error(error.message)
            return 2
        substitution_status = self.substitution_status
        if not argv:
            for name, value in assignments:
                self.variables[name] = value
            try:
                self._redirected(node.redirects)
            except (RedirectError, ExpansionError) as error:
                self.error(str(error))
                return 1
            return substitution_status
        try:
            channels = self._redirected(node.redirects)
        except (RedirectError, ExpansionError) as error:
            self.error(str(error))
            return 1
        env = self.environ()
        env.update(assignments)
        ctx = CommandContext(
            argv, channels[0], channels[1], channels[2], env, self.cwd, self.runtime
        )
        if argv[0] == "exec" and len(argv) == 1:
            self.channels = channels
            return 0
        return self.execute(ctx, channels)

    def execute(self, ctx: CommandContext, channels: dict[int, Channel]) -> int:
        """Run a command by name: function, builtin, applet or program."""
        name = ctx.argv[0]
        function = self.functions.get(name)
        if function is not None:
            return self._call_function(function, ctx.argv[1:], channels)
        builtin = _BUILTINS.get(name)
        if builtin is not None:
            return builtin(self, ctx)
        if name in _BUILTIN_APPLETS:
            return APPLETS[name](ctx)
        path = self._find_program(name, ctx)
        if path is None:
            return 127 if "/" not in name or not self._exists(name) else 126
        return launch(ctx, path)

    def _exists(self, name: str) -> bool:
        return self.runtime.fs.exists(normalize(name, self.cwd))

    def _find_program(self, name: str, ctx: CommandContext) -> str | None:
        fs = self.runtime.fs
        if "/" in name:
            path = normalize(name, self.cwd)
            if not fs.exists(path):
                self.error(f"{name}: not found")
                return None
            if fs.is_dir(path) or not fs.stat(path).mode & 0o111:
                self.error(f"{name}: Permission denied")
                return None
            return path
        found = fs.which(name, self.variables.get("PATH", DEFAULT_PATH))
        if found is None and name in APPLETS and fs.exists("/bin/busybox"):
            # busybox ash runs its applets even when no link names them.
            found = "/bin/busybox"
        if found is None:
            self.error(f"{name}: not found")
        return found

    def _call_function(
        self, body: Compound, args: list[str], channels: dict[int, Channel]
    ) -> int:
        saved_positional, saved_channels = self.positional, self.channels
        self.positional, self.channels = list(args), channels
        try:
            return self._run_command(body)
        except _Return as returned:
            return returned.code
        finally:
            self.positional, self.channels = saved_positional, saved_channels

    # Redirections

    def _redirected(self, redirects: tuple[Redirect, ...]) -> dict[int, Channel]:
        channels = dict(self.channels)
        for redirect in redirects:
            target = expand_string(self, redirect.target)
            channels[redirect.fd] = self._open(redirect, target, channels)
        return channels

    def _open(
        self, redirect: Redirect, target: str, channels: dict[int, Channel]
    ) -> Channel:
        from fakedaemon.engine.process.streams import FileOutput

        fs = self.runtime.fs
        op = redirect.op
        if op in (">&", "<&"):
            if target == "-":
                return Channel()
            if target.isdigit():
                if int(target) not in channels:
                    raise RedirectError(f"{target}: Bad file descriptor")
                return channels[int(target)]
            op = ">"
        path = normalize(target, self.cwd)
        if op == "<":
            try:
                return BytesInput(fs.read_file(path))
            except IsADirectory:
                return BytesInput(b"")
            except FilesystemError as error:
                raise RedirectError(f"can't open {target}: no such file") from error
        if path == "/dev/null":
            return Channel()
        if path in ("/dev/stdout", "/dev/fd/1"):
            return channels[1]
        if path in ("/dev/stderr", "/dev/fd/2"):
            return channels[2]
        try:
            if op in (">", ">|") or not fs.exists(path):
                fs.write_file(path, b"")
        except IsADirectory as error:
            raise RedirectError(f"can't create {target}: Is a directory") from error
        except FilesystemError as error:
            raise RedirectError(
                f"can't create {target}: nonexistent directory"
            ) from error
        return FileOutput(fs, path)


def launch(ctx: CommandContext, path: str) -> int:
    """Run the program at ``path`` (an existing executable) with ``ctx.argv``.

    busybox chooses its applet from the name in ``argv[0]``, so a command is
    recognised by that name; ``busybox NAME ...`` works too. A script with a
    ``#!`` line naming a shell is interpreted. Any other program runs until
    the process is stopped, like a service.
    """
    name = posixpath.basename(ctx.argv[0])
    if name == "busybox" and len(ctx.argv) > 1:
        ctx.argv = ctx.argv[1:]
        name = posixpath.basename(ctx.argv[0])
    command = APPLETS.get(name)
    if command is not None:
        return command(ctx)
    interpreter = _shebang(ctx, path)
    if interpreter is not None and posixpath.basename(interpreter) in SHELL_NAMES:
        ctx.argv = [interpreter, path, *ctx.argv[1:]]
        return APPLETS["sh"](ctx)
    ctx.runtime.sleep(float("inf"))
    return 0


def _shebang(ctx: CommandContext, path: str) -> str | None:
    try:
        head = ctx.fs.read_file(path)[:256]
    except FilesystemError:
        return None
    if not head.startswith(b"#!"):
        return None
    words = head[2:].split(b"\n", 1)[0].decode(errors="replace").split()
    if not words:
        return None
    if posixpath.basename(words[0]) == "env" and len(words) > 1:
        return words[1]
    return words[0]


@applet(*SHELL_NAMES)
def sh(ctx: CommandContext) -> int:
    """Run ``sh -c SCRIPT [NAME [ARG...]]``, ``sh FILE [ARG...]`` or stdin."""
    args = ctx.argv[1:]
    while args and args[0] in ("-e", "-x", "-u", "-eu", "-ex", "-l", "-s"):
        args = args[1:]
    env = dict(ctx.env)
    env["SHLVL"] = str(_shell_level(env) + 1)
    env["PWD"] = ctx.cwd
    channels = {0: ctx.stdin, 1: ctx.stdout, 2: ctx.stderr}
    shell = Shell(ctx.runtime, env, ctx.cwd, channels, name=ctx.name)
    try:
        if args and args[0] == "-c":
            if len(args) < 2:
                shell.error("-c requires an argument")
                return 2
            if len(args) > 2:
                shell.name = args[2]
            shell.positional = args[3:]
            return shell.run_source(args[1])
        if args:
            shell.name = args[0]
            shell.positional = args[1:]
            try:
                source = ctx.fs.read_file(ctx.path(args[0])).decode(errors="replace")
            except FilesystemError:
                shell.error(f"can't open '{args[0]}': No such file or directory")
                return 2
            return shell.run_source(source)
        return _read_eval_loop(shell, ctx)
    except ExitProcess as exit_:
        return exit_.code


def _shell_level(env: dict[str, str]) -> int:
    try:
        return int(env.get("SHLVL", "0"))
    except ValueError:
        return 0


def _read_eval_loop(shell: Shell, ctx: CommandContext) -> int:
    """Run commands from standard input as each one is complete; 0 at EOF.

    With a terminal, a prompt comes before each command and a syntax error
    does not end the shell.
    """
    pending = ""
    interactive = ctx.runtime.tty
    while True:
        if interactive and not pending:
            shell.channels[2].write(_prompt(shell).encode())
        line = ctx.stdin.read_line()
        if line is None:
            if pending.strip():
                shell.run_source(pending)
            return shell.last_status if not interactive else 0
        pending += line.decode(errors="replace")
        try:
            program = parse(pending)
        except ShellSyntaxError as error:
            if error.incomplete:
                continue
            shell.error(f"syntax error: {error.message}")
            pending = ""
            if not interactive:
                return 2
            continue
        pending = ""
        shell.run_list(program)


def _prompt(shell: Shell) -> str:
    home = shell.variables.get("HOME", "")
    cwd = shell.cwd
    if home not in ("", "/") and (cwd == home or cwd.startswith(home + "/")):
        cwd = "~" + cwd[len(home) :]
    return f"{cwd} # "


# Builtins that change the shell itself


@_builtin("exit")
def _exit(shell: Shell, ctx: CommandContext) -> int:
    code = shell.last_status
    if len(ctx.argv) > 1:
        try:
            code = int(ctx.argv[1])
        except ValueError:
            shell.error(f"exit: Illegal number: {ctx.argv[1]}")
            code = 2
    raise ExitProcess(code & 0xFF)


@_builtin("cd")
def _cd(shell: Shell, ctx: CommandContext) -> int:
    target = ctx.argv[1] if len(ctx.argv) > 1 else shell.variables.get("HOME", "/")
    if target == "-":
        target = shell.variables.get("OLDPWD", shell.cwd)
    path = normalize(target, shell.cwd)
    if not shell.runtime.fs.is_dir(path):
        reason = (
            "Not a directory"
            if shell.runtime.fs.exists(path)
            else "No such file or directory"
        )
        shell.error(f"cd: line 0: can't cd to {target}: {reason}")
        return 2
    shell.variables["OLDPWD"] = shell.cwd
    shell.cwd = path
    shell.variables["PWD"] = path
    return 0


@_builtin("export")
def _export(shell: Shell, ctx: CommandContext) -> int:
    for arg in ctx.argv[1:]:
        if arg == "-p":
            continue
        name, sign, value = arg.partition("=")
        shell.export(name, value if sign else None)
    if len(ctx.argv) == 1 or ctx.argv[1:] == ["-p"]:
        for name, value in shell.environ().items():
            ctx.out(f"export {name}='{value}'\n")
    return 0


@_builtin("unset")
def _unset(shell: Shell, ctx: CommandContext) -> int:
    for name in ctx.argv[1:]:
        if name in ("-v", "-f"):
            continue
        shell.variables.pop(name, None)
        shell.exported.pop(name, None)
        shell.functions.pop(name, None)
    return 0


@_builtin("set")
def _set(shell: Shell, ctx: CommandContext) -> int:
    """Set positional parameters after ``--``.

    NOTE: options such as ``-e`` and ``-x`` are accepted and ignored.
    """
    args = ctx.argv[1:]
    if "--" in args:
        shell.positional = args[args.index("--") + 1 :]
    elif not args:
        for name, value in shell.variables.items():
            ctx.out(f"{name}='{value}'\n")
    elif not args[0].startswith(("-", "+")):
        shell.positional = args
    return 0


@_builtin("shift")
def _shift(shell: Shell, ctx: CommandContext) -> int:
    count = int(ctx.argv[1]) if len(ctx.argv) > 1 and ctx.argv[1].isdigit() else 1
    if count > len(shell.positional):
        return 1
    shell.positional = shell.positional[count:]
    return 0


@_builtin("read")
def _read(shell: Shell, ctx: CommandContext) -> int:
    args = ctx.argv[1:]
    raw = False
    while args and args[0].startswith("-"):
        option = args.pop(0)
        if option == "-r":
            raw = True
        elif option == "-p" and args:
            ctx.stderr.write(args.pop(0).encode())
    names = args or ["REPLY"]
    line = ctx.stdin.read_line()
    text = "" if line is None else line.decode(errors="replace").rstrip("\n")
    if not raw:
        text = text.replace("\\", "")
    fields = text.split(None, len(names) - 1) if len(names) > 1 else [text.strip()]
    for index, name in enumerate(names):
        shell.variables[name] = fields[index] if index < len(fields) else ""
    return 1 if line is None else 0


@_builtin("eval")
def _eval(shell: Shell, ctx: CommandContext) -> int:
    return shell.run_source(" ".join(ctx.argv[1:]))


@_builtin(".", "source")
def _source(shell: Shell, ctx: CommandContext) -> int:
    if len(ctx.argv) < 2:
        return 0
    try:
        source = shell.runtime.fs.read_file(normalize(ctx.argv[1], shell.cwd))
    except FilesystemError:
        shell.error(f".: line 0: can't open '{ctx.argv[1]}'")
        return 2
    return shell.run_source(source.decode(errors="replace"))


@_builtin("exec")
def _exec(shell: Shell, ctx: CommandContext) -> int:
    ctx.argv = ctx.argv[1:]
    channels = {0: ctx.stdin, 1: ctx.stdout, 2: ctx.stderr}
    raise ExitProcess(shell.execute(ctx, channels))


@_builtin("return")
def _return(shell: Shell, ctx: CommandContext) -> int:
    code = int(ctx.argv[1]) if len(ctx.argv) > 1 else shell.last_status
    raise _Return(code & 0xFF)


@_builtin("break", "continue")
def _loop_control(shell: Shell, ctx: CommandContext) -> int:
    levels = int(ctx.argv[1]) if len(ctx.argv) > 1 else 1
    raise _LoopControl(max(levels, 1), ctx.argv[0] == "break")


@_builtin("wait", "trap", "umask", "ulimit", "local")
def _accepted(shell: Shell, ctx: CommandContext) -> int:
    """Accept a builtin whose effect a simulated shell does not have.

    NOTE: ``trap`` handlers never run and ``local`` does not scope.
    """
    if ctx.argv[0] == "local":
        for arg in ctx.argv[1:]:
            name, sign, value = arg.partition("=")
            shell.variables[name] = value if sign else shell.variables.get(name, "")
    return 0


@_builtin("let")
def _let(shell: Shell, ctx: CommandContext) -> int:
    value = 0
    for expression in ctx.argv[1:]:
        try:
            value = evaluate_arithmetic(expression, shell.variables)
        except ExpansionError as error:
            shell.error(f"let: {error.message}")
            return 2
    return 0 if value else 1


@_builtin("type", "command")
def _type(shell: Shell, ctx: CommandContext) -> int:
    args = ctx.argv[1:]
    if ctx.argv[0] == "command" and args[:1] != ["-v"]:
        ctx.argv = args
        return shell.execute(ctx, {0: ctx.stdin, 1: ctx.stdout, 2: ctx.stderr})
    status = 0
    for name in args[1:] if ctx.argv[0] == "command" else args:
        if name in _BUILTINS or name in _BUILTIN_APPLETS:
            ctx.out(
                name + "\n"
                if ctx.argv[0] == "command"
                else f"{name} is a shell builtin\n"
            )
            continue
        path = shell.runtime.fs.which(name, shell.variables.get("PATH", DEFAULT_PATH))
        if path is None:
            status = 1
            if ctx.argv[0] == "type":
                ctx.out(f"{name}: not found\n")
            continue
        ctx.out(path + "\n" if ctx.argv[0] == "command" else f"{name} is {path}\n")
    return status


__all__ = ["Cancelled", "SHELL_NAMES", "Shell", "launch", "sh"]
