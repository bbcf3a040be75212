"""Fixtures for the specification tests: where the upstream files are."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from contracts.spec import Specification, load_version

REPOSITORY = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"


def shared_folder() -> Path:
    """Return the shared folder: $FAKEDAEMON_SHARED, else beside the repository."""
    configured = os.environ.get("FAKEDAEMON_SHARED")
    if configured:
        return Path(configured)
    return REPOSITORY.parent / "shared"


def missing(reason: str) -> None:
    """Skip the test, or fail it under CI where everything must be present."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true requires it)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def upstream() -> Path:
    """The folder holding the upstream v1.NN.yaml specifications."""
    folder = shared_folder() / "contracts" / "upstream"
    if not (folder / "v1.55.yaml").is_file():
        missing(
            f"upstream specifications not found in {folder}; "
            "set FAKEDAEMON_SHARED to the folder that contains contracts/upstream"
        )
    return folder


@pytest.fixture(scope="session")
def spec41(upstream: Path) -> Specification:
    """API 1.41, the version Engine 20.10 speaks."""
    return load_version(upstream, "1.41")


@pytest.fixture(scope="session")
def spec55(upstream: Path) -> Specification:
    """API 1.55, the newest released version."""
    return load_version(upstream, "1.55")


@pytest.fixture(scope="session")
def captured() -> Callable[[str], dict[str, Any]]:
    """Return a loader of responses captured from Engine 20.10 (API 1.41).

    Each file in tests/contracts/data contains the method, path, status,
    headers and raw body of one real response.
    """

    def load(name: str) -> dict[str, Any]:
        record: dict[str, Any] = json.loads((DATA / name).read_text())
        return record

    return load
