"""A description of the machine the suite ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

import httpx

from .hosts import http_client


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


CPU_IDLE = Path("/sys/devices/system/cpu/cpuidle")
"""The folder where Linux reports the CPU idle driver and governor."""
HALT_POLL = Path("/sys/module/haltpoll/parameters/guest_halt_poll_ns")
"""The file of the haltpoll driver's polling window, in nanoseconds."""


def _read(path: Path) -> str | None:
    """Return the stripped text of ``path``, or None when it is empty or unreadable."""
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def cpu_idle(cpuidle: Path = CPU_IDLE, halt_poll: Path = HALT_POLL) -> str | None:
    """Return the CPU idle driver, governor and halt polling window as text.

    None means Linux does not report them. A lone client's every request
    wakes the server's CPU, and a virtual CPU that halted wakes through the
    hypervisor: on a 2-core VM, halting at once cost about a third of that
    client's rate against a 400 µs window. A guest's haltpoll driver polls
    for ``guest_halt_poll_ns`` before it halts.
    """
    driver = _read(cpuidle / "current_driver")
    if driver is None:
        return None
    governor = _read(cpuidle / "current_governor") or _read(
        cpuidle / "current_governor_ro"
    )
    text = f"{driver} driver"
    if governor is not None:
        text += f", {governor} governor"
    window = _read(halt_poll) if driver == "haltpoll" else None
    if window is not None:
        text += f", guest halt polling {window} ns"
    return text


def _os_name() -> str:
    try:
        release = platform.freedesktop_os_release()
        name = release.get("PRETTY_NAME", release.get("NAME", ""))
    except OSError:
        name = platform.system()
    return f"{name}, kernel {platform.release()}"


def _version_document(host: str) -> dict[str, Any]:
    """Return the ``/version`` document of the daemon at ``host``.

    Raises:
        ValueError: the daemon could not be reached or sent no JSON object.
    """
    try:
        with http_client(host, timeout=10) as client:
            document = client.get("/version").json()
    except (httpx.HTTPError, ValueError) as error:
        raise ValueError(str(error)) from error
    if not isinstance(document, dict):
        raise ValueError(f"/version sent {document!r}, not a JSON object")
    return document


def engine_version(host: str) -> str:
    """Return ``Engine VERSION (API X.YY)`` of the daemon at ``host``."""
    try:
        version = _version_document(host)
    except ValueError as error:
        return f"unknown ({error})"
    return f"Engine {version.get('Version')} (API {version.get('ApiVersion')})"


def engine_profile(host: str) -> str | None:
    """Return the fake's engine profile for the version of the daemon at ``host``.

    None means the daemon could not be reached or its version has no profile.
    """
    from fakedaemon.profiles import profile_for_version

    try:
        version = _version_document(host).get("Version")
    except ValueError:
        return None
    return profile_for_version(version) if isinstance(version, str) else None


def describe(real_engine: str | None, engine: str | None = None) -> dict[str, str]:
    """Return the machine, software and engines of this run, as labelled text.

    ``engine`` is the engine profile the fake ran with, None for the default.
    """
    from fakedaemon import __version__

    details = {
        "CPU": f"{_cpu_model()}, {os.cpu_count()} logical cores",
        "Memory": _memory(),
    }
    idle = cpu_idle()
    if idle is not None:
        details["CPU idle"] = idle
    details |= {
        "OS": _os_name(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "fakedaemon": __version__,
    }
    if engine is not None:
        details["fakedaemon"] += f", engine profile {engine} beside the real Engine"
    if real_engine:
        details["Real Engine"] = f"{engine_version(real_engine)} at {real_engine}"
    return details
