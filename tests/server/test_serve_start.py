"""What ``fakedaemon serve`` loads before it listens."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

# Runs the serve command in a child process up to the point where it would
# wait for a signal, and prints the loaded modules and the collector's state.
SERVE_UNTIL_LISTENING = textwrap.dedent(
    """
    import gc, json, sys
    from fakedaemon.cli import build_parser
    from fakedaemon.commands import serve

    def report(daemon, arguments):
        print(json.dumps({
            "modules": sorted(sys.modules),
            "collecting": gc.isenabled(),
            "frozen": gc.get_freeze_count(),
        }))

    serve._run_until_stopped = report
    arguments = build_parser().parse_args(["serve", "-H", "unix://" + sys.argv[1]])
    sys.exit(arguments.run(arguments))
    """
)


def run_child(code: str, *arguments: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return report


def test_serve_start_leaves_out_unused_modules(tmp_path: Path) -> None:
    report = run_child(SERVE_UNTIL_LISTENING, str(tmp_path / "d.sock"))
    modules = set(report["modules"])
    assert "werkzeug.routing" in modules
    for unused in (
        "pickle",
        "fakedaemon.control.state",
        "fakedaemon.engine.archives",
        "fakedaemon.engine.swarm.objects",
        "fakedaemon.engine.swarm.services",
        "tarfile",
    ):
        assert unused not in modules, unused


def test_serve_start_collects_again_after(tmp_path: Path) -> None:
    report = run_child(SERVE_UNTIL_LISTENING, str(tmp_path / "d.sock"))
    assert report["collecting"] is True
    assert report["frozen"] > 0
