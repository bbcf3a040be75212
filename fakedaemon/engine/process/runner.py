"""Start a simulated process: check its executable, run it, return its status."""

from __future__ import annotations

import threading

from fakedaemon.clock import Clock
from fakedaemon.engine.filesystem import Filesystem, normalize
from fakedaemon.engine.process import (  # noqa: F401  (registers the commands)
    file_commands,
    system_commands,
    text_commands,
)
from fakedaemon.engine.process.behaviour import Behaviour, Exit, Output, Script, Sleep
from fakedaemon.engine.process.context import (
    Cancelled,
    CommandContext,
    ExitProcess,
    Runtime,
)
from fakedaemon.engine.process.shell import launch
from fakedaemon.engine.process.spec import (
    DEFAULT_PATH,
    ExecutableNotFound,
    ProcessIO,
    ProcessSpec,
)
from fakedaemon.engine.process.streams import StdinInput, StreamOutput, TtyIO


def resolve_executable(spec: ProcessSpec, fs: Filesystem) -> str:
    """Return the path of ``argv[0]`` as runc finds it.

    Raises:
        ExecutableNotFound: with runc's message for the failure.
    """
    if not spec.argv or not spec.argv[0]:
        raise ExecutableNotFound("", 'exec: "": executable file not found in $PATH')
    name = spec.argv[0]
    if "/" not in name:
        path_env = spec.environ().get("PATH", DEFAULT_PATH)
        found = fs.which(name, path_env)
        if found is None:
            raise ExecutableNotFound(
                name, f'exec: "{name}": executable file not found in $PATH'
            )
        return found
    path = normalize(name, spec.working_dir or "/")
    if not fs.exists(path):
        raise ExecutableNotFound(
            name, f'exec: "{name}": stat {name}: no such file or directory'
        )
    if fs.is_dir(path) or not fs.stat(path).mode & 0o111:
        raise ExecutableNotFound(name, f'exec: "{name}": permission denied')
    return path


def check_executable(spec: ProcessSpec, fs: Filesystem) -> None:
    """Raise ``ExecutableNotFound`` when ``argv[0]`` cannot be executed.

    A bare name is searched in the PATH of ``spec.env`` (runc's default
    when unset); a name with ``/`` must be an executable file, relative
    names counting from the working directory.
    """
    resolve_executable(spec, fs)


def run(
    spec: ProcessSpec,
    fs: Filesystem,
    io: ProcessIO,
    clock: Clock,
    cancel: threading.Event,
    behaviour: Behaviour | None = None,
) -> int | None:
    """Run the process to completion.

    Args:
        spec: the command line and surroundings.
        fs: the container's filesystem.
        io: the standard streams; with ``spec.tty`` they pass through a
            simulated terminal (``\\n`` written becomes ``\\r\\n``).
        clock: the daemon's clock, for ``sleep`` and ``date``.
        cancel: set (followed by ``clock.wake()``) to stop the process.
        behaviour: a hook returning a scripted run for this process, or
            None to interpret the command.

    Returns:
        The exit status (0-255), or None when ``cancel`` stopped the
        process; the engine derives the status from the signal.

    Raises:
        ExecutableNotFound: ``argv[0]`` is not executable in ``fs``.
    """
    streams: ProcessIO = TtyIO(io) if spec.tty else io
    try:
        script = behaviour(spec) if behaviour is not None else None
        if script is not None:
            return _run_script(script, streams, clock, cancel)
        path = resolve_executable(spec, fs)
        runtime = Runtime(
            fs=fs,
            clock=clock,
            cancel=cancel,
            hostname=spec.hostname,
            stdin=StdinInput(streams, cancel),
            tty=spec.tty,
        )
        ctx = CommandContext(
            argv=list(spec.argv),
            stdin=runtime.stdin,
            stdout=StreamOutput(streams, "stdout"),
            stderr=StreamOutput(streams, "stderr"),
            env=spec.environ(),
            cwd=normalize(spec.working_dir or "/"),
            runtime=runtime,
        )
        status = launch(ctx, path)
    except Cancelled:
        return None
    except ExitProcess as exit_:
        status = exit_.code
    if cancel.is_set():
        return None
    return status & 0xFF


def _run_script(
    script: Script, io: ProcessIO, clock: Clock, cancel: threading.Event
) -> int | None:
    runtime = Runtime(
        fs=Filesystem(),
        clock=clock,
        cancel=cancel,
        hostname="",
        stdin=StdinInput(io, cancel),
    )
    for step in script.steps:
        runtime.check_cancel()
        if isinstance(step, Output):
            io.write(step.stream, step.data)
        elif isinstance(step, Sleep):
            runtime.sleep(step.seconds)
        elif isinstance(step, Exit):
            return step.code & 0xFF
    return 0


__all__ = ["check_executable", "resolve_executable", "run"]
