"""Fixtures of the reliability tests: the workloads of measure.py and a daemon."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from fakedaemon import Daemon, DaemonConfig


def load_script(name: str) -> ModuleType:
    """Import ``name``.py of this folder, which runs as a script too, by its path."""
    path = Path(__file__).with_name(f"{name}.py")
    spec = importlib.util.spec_from_file_location(f"reliability_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is made.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def load_measure() -> ModuleType:
    """Import measure.py, the workloads and checks of the reliability report."""
    return load_script("measure")


@pytest.fixture(scope="session")
def measure() -> ModuleType:
    """The workloads and checks of measure.py."""
    return load_measure()


@pytest.fixture(scope="session")
def release() -> ModuleType:
    """The workload of measure_release.py."""
    return load_script("measure_release")


@pytest.fixture
def socket_path(tmp_path: Path) -> Iterator[str]:
    """The unix socket of a fresh daemon of this process."""
    path = tmp_path / "d.sock"
    with Daemon(DaemonConfig(), hosts=[f"unix://{path}"]):
        yield str(path)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give one test per hostile request or protocol case of measure.py."""
    if "hostile_name" in metafunc.fixturenames:
        cases = load_measure().hostile_requests(Path("/nonexistent"))
        metafunc.parametrize("hostile_name", [case.name for case in cases])
    if "protocol_name" in metafunc.fixturenames:
        metafunc.parametrize("protocol_name", list(load_measure().PROTOCOL_CASES))
