"""Import time, time from start to the first ``/_ping`` response, idle memory."""

from __future__ import annotations

import logging
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from .context import OPERATIONAL_ERRORS, Context
from .figures import Figure, Sample, at_least_real, below
from .server import child_environ, engine_pid, rss_bytes
from .timing import now

logger = logging.getLogger("harness")

SECTION = "Import and start"

_PING = b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n"


def ping_socket(path: str | Path, timeout: float = 5.0) -> bool:
    """Send one ``GET /_ping`` to a unix socket; return whether the status was 200."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(timeout)
            connection.connect(str(path))
            connection.sendall(_PING)
            return connection.recv(16).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def wait_for_ping(
    path: Path,
    deadline: float,
    interval: float = 0.001,
    process: subprocess.Popen[bytes] | None = None,
) -> float:
    """Poll ``path`` until ``/_ping`` returns 200; return that time (``now()``).

    Raises:
        TimeoutError: no 200 response before ``deadline`` (a ``now()`` value).
        RuntimeError: ``process``, which should serve ``path``, exited with
            an error status first.
    """
    while now() < deadline:
        if path.exists() and ping_socket(path):
            return now()
        if process is not None and process.poll():
            raise RuntimeError(
                f"the process that should serve {path} exited with status "
                f"{process.returncode} before /_ping returned 200"
            )
        time.sleep(interval)
    raise TimeoutError(f"timed out waiting for /_ping to return 200 on {path}")


WARMED_PACKAGES = ("fakedaemon", "harness")
"""The packages whose modules ``warm_bytecode`` compiles before the start figures."""

_COMPILE_PACKAGES = """
import compileall, importlib.util, sys
for name in sys.argv[1:]:
    for folder in importlib.util.find_spec(name).submodule_search_locations:
        if not compileall.compile_dir(folder, quiet=1):
            raise SystemExit(f"compiling {folder} failed")
"""


def warm_bytecode(context: Context) -> None:
    """Write the bytecode of every module of the packages, as installing them does.

    An installed package has the ``.pyc`` files of all its modules. A
    source tree run with ``PYTHONDONTWRITEBYTECODE`` set has none, so every
    start would compile the sources again, which took about 200 ms of a
    daemon's start here. Importing the daemon once is not enough: the
    routers and other modules that load while it starts stay uncompiled.
    """
    environ = child_environ()
    environ.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(
        [context.python, "-c", _COMPILE_PACKAGES, *WARMED_PACKAGES],
        check=True,
        env=environ,
    )


def import_seconds(context: Context, module: str) -> list[float]:
    """Return, per run, the seconds ``import module`` takes in a fresh interpreter.

    Each run reads ``python -X importtime -c 'import module'``: the sum of the
    cumulative times of the imports it starts at the top level, leaving out
    those the interpreter's own start makes (``python -X importtime -c pass``).
    A difference of two process run times would drown in their noise.
    """
    startup = set(top_level_imports(_importtime(context, "pass")))
    _importtime(context, f"import {module}")  # Warm the file system cache.
    runs = []
    for _ in range(context.scale.starts):
        report = _importtime(context, f"import {module}")
        microseconds = sum(
            cumulative
            for name, cumulative in top_level_imports(report).items()
            if name not in startup
        )
        runs.append(microseconds / 1e6)
    return runs


def _importtime(context: Context, code: str) -> str:
    """Run ``code`` under ``-X importtime`` and return the report on stderr."""
    completed = subprocess.run(
        [context.python, "-X", "importtime", "-c", code],
        check=True,
        env=child_environ(),
        capture_output=True,
        text=True,
    )
    return completed.stderr


def top_level_imports(report: str) -> dict[str, int]:
    """Return the cumulative microseconds of each top-level import in ``report``.

    Lines read ``import time: SELF | CUMULATIVE | NAME``, and NAME is indented
    by two spaces per level of nesting, so a top-level import has none.
    """
    imports = {}
    for line in report.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[1].strip().isdigit():
            continue
        name = fields[2].removeprefix(" ")
        if name and not name.startswith(" "):
            imports[name] = int(fields[1])
    return imports


def thread_start_seconds(context: Context) -> list[float]:
    """Time ``Daemon(...)``, ``start()`` and the first ``/_ping`` in this process."""
    from fakedaemon import Daemon, DaemonConfig

    path = context.workdir / "thread.sock"
    result = []
    # The first run loads the modules; it is left out of the figure.
    for _ in range(context.scale.starts + 1):
        started = now()
        daemon = Daemon(DaemonConfig(), hosts=[f"unix://{path}"]).start()
        try:
            if not ping_socket(path):
                raise RuntimeError("the daemon's first /_ping failed")
            result.append(now() - started)
        finally:
            daemon.stop()
    return result[1:]


def serve_start(context: Context) -> tuple[list[float], list[float]]:
    """Time ``fakedaemon serve`` from spawn to the first answered ``/_ping``.

    Returns the seconds of each run and the resident memory (bytes) of each
    fresh process right after its first answer.
    """
    path = context.workdir / "serve.sock"
    seconds, memory = [], []
    for _ in range(context.scale.starts):
        started = now()
        process = subprocess.Popen(
            [context.python, "-m", "fakedaemon", "serve", "-H", f"unix://{path}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=child_environ(),
        )
        try:
            seconds.append(wait_for_ping(path, started + 30, process=process) - started)
            memory.append(float(rss_bytes(process.pid)))
        finally:
            process.send_signal(signal.SIGTERM)
            _wait_or_kill(process, 30, "fakedaemon serve")
    return seconds, memory


def real_start_seconds(context: Context, runs: int) -> list[float]:
    """Time a real Engine 20.10 from ``real-dockerd start`` to its first answer."""
    assert context.real_dockerd is not None
    result = []
    for index in range(runs):
        folder = context.workdir / f"rd{index}"
        path = folder / "docker.sock"
        log = context.workdir / f"rd{index}.log"
        started = now()
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(context.real_dockerd), "start", "20.10", str(folder)],
                stdout=subprocess.DEVNULL,
                stderr=output,
            )
        try:
            ready = wait_for_ping(path, started + 60, interval=0.005, process=process)
            result.append(ready - started)
        except (RuntimeError, TimeoutError) as error:
            lines = log.read_text(errors="replace").strip().splitlines()
            detail = f"; it wrote: {lines[-1]}" if lines else ""
            raise RuntimeError(
                f"{context.real_dockerd} start: {error}{detail}"
            ) from None
        finally:
            # The script goes on to import busybox; let it finish, then stop.
            _wait_or_kill(process, 120, f"{context.real_dockerd} start")
            subprocess.run(
                [str(context.real_dockerd), "stop", str(folder)],
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            shutil.rmtree(folder, ignore_errors=True)
    return result


def _wait_or_kill(process: subprocess.Popen[bytes], timeout: float, name: str) -> None:
    """Wait up to ``timeout`` seconds for ``process``, named ``name``, then kill it."""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        logger.warning("%s did not end in %g s, so it was killed", name, timeout)
        process.kill()
        process.wait()


def real_engine_rss(real_engine: str) -> float | None:
    """Return the resident memory of a local dockerd, None without its pidfile."""
    pid = engine_pid(real_engine)
    if pid is None:
        return None
    try:
        return float(rss_bytes(pid))
    except (OSError, ValueError):
        return None


def measure(context: Context) -> list[Figure]:
    """Measure import times, start times and the idle memory."""
    figures = []
    warm_bytecode(context)
    # ``import fakedaemon`` loads the daemon lazily; fakedaemon.daemon is what
    # ``from fakedaemon import Daemon`` imports.
    for module in ("fakedaemon", "fakedaemon.daemon", "harness.pytest_plugin"):
        values = [seconds * 1000 for seconds in import_seconds(context, module)]
        figures.append(
            Figure(SECTION, f"import {module}", "ms", "lower", Sample.of(values))
        )
    thread = [seconds * 1000 for seconds in thread_start_seconds(context)]
    figures.append(
        Figure(
            SECTION,
            "Daemon in a thread: construct, start, first /_ping",
            "ms",
            "lower",
            Sample.of(thread),
            target=below(20, "ms"),
        )
    )
    seconds, memory = serve_start(context)
    real_start = None
    if context.real_dockerd is not None:
        try:
            real_start = Sample.of(
                [value * 1000 for value in real_start_seconds(context, 3)]
            )
        except OPERATIONAL_ERRORS as error:
            # The fake's start figures are kept without the real Engine's.
            message = f"{type(error).__name__}: {error}"
            logger.error("timing the real Engine's start failed: %s", message)
            context.failures["real Engine start"] = message
    figures.append(
        Figure(
            SECTION,
            "`fakedaemon serve`: spawn to first /_ping (real: real Engine start)",
            "ms",
            "lower",
            Sample.of([value * 1000 for value in seconds]),
            real=real_start,
            target=at_least_real() if context.real_dockerd is not None else None,
        )
    )
    real_rss = real_engine_rss(context.real_engine) if context.real_engine else None
    figures.append(
        Figure(
            SECTION,
            "memory idle: RSS of a fresh `fakedaemon serve` (real: dockerd RSS)",
            "MB",
            "lower",
            Sample.of([value / 2**20 for value in memory]),
            real=Sample.of([real_rss / 2**20]) if real_rss else None,
            target=below(40, "MB"),
            note="the real Engine's figure is its dockerd process as it runs "
            "now, without containerd",
        )
    )
    return figures
