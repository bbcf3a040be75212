"""The generated operation table: complete, current and rendered as documented."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from contracts.spec import load_version
from fakedaemon.api.coverage import (
    IMPLEMENTED,
    NOT_IMPLEMENTED,
    coverage_markdown,
    coverage_rows,
    extra_routes,
    version_ranges,
)
from fakedaemon.api.routing import Route
from fakedaemon.cli import main

REPOSITORY = Path(__file__).resolve().parents[2]
OPERATIONS_PAGE = REPOSITORY / "docs" / "operations.md"


@pytest.fixture(scope="module")
def upstream() -> Path:
    """The folder of the v1.NN.yaml specifications, or skip (fail under CI)."""
    configured = os.environ.get("FAKEDAEMON_SHARED")
    shared = Path(configured) if configured else REPOSITORY.parent / "shared"
    folder = shared / "contracts" / "upstream"
    if not (folder / "v1.55.yaml").is_file():
        reason = f"upstream specifications not found in {folder}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true requires them)")
        pytest.skip(reason)
    return folder


def test_page_is_current(upstream: Path) -> None:
    assert OPERATIONS_PAGE.read_text() == coverage_markdown(upstream), (
        "docs/operations.md is stale: run "
        "`fakedaemon coverage --write docs/operations.md`"
    )


def test_every_operation_has_row(upstream: Path) -> None:
    spec = load_version(upstream, "1.55")
    page = OPERATIONS_PAGE.read_text()
    for _, _, operation_id, _ in spec.list_operations():
        assert f"\n| {operation_id} |" in page, operation_id


def test_rows_match_spec(upstream: Path) -> None:
    spec = load_version(upstream, "1.55")
    rows = coverage_rows(upstream)
    assert len(rows) == len(spec.operations)
    assert {row.operation for row in rows} == {
        operation.operation_id for operation in spec.operations
    }


def test_statuses(upstream: Path) -> None:
    by_operation = {row.operation: row for row in coverage_rows(upstream)}
    assert by_operation["ContainerCreate"].status == IMPLEMENTED
    assert by_operation["ContainerAttachWebsocket"].status == IMPLEMENTED
    assert NOT_IMPLEMENTED not in {row.status for row in by_operation.values()}
    assert by_operation["PluginList"].status.endswith("without plugins")


def test_versions_column(upstream: Path) -> None:
    by_operation = {row.operation: row for row in coverage_rows(upstream)}
    assert by_operation["ContainerList"].versions == "1.25–1.55"
    assert by_operation["SystemPingHead"].versions == "1.40–1.55"
    assert by_operation["ImageAttestations"].versions == "1.55"


def test_handler_note_in_row(upstream: Path) -> None:
    by_operation = {row.operation: row for row in coverage_rows(upstream)}
    assert "no plugin is created" in by_operation["PluginCreate"].note


def test_extra_routes_listed(upstream: Path) -> None:
    names = {route.operation for route in extra_routes(upstream)}
    assert {"BuildCancel", "Grpc", "NetworkListTrailingSlash"} <= names
    assert {"CheckpointList", "CheckpointCreate", "CheckpointDelete"} <= names
    page = OPERATIONS_PAGE.read_text()
    assert "`/_fakedaemon/...`" in page


def test_extra_routes_undocumented(upstream: Path) -> None:
    spec = load_version(upstream, "1.55")
    documented = {operation.operation_id for operation in spec.operations}
    extras: list[Route] = extra_routes(upstream)
    assert not documented & {route.operation for route in extras}


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        (["1.25", "1.26", "1.27"], "1.25–1.27"),
        (["1.25", "1.27"], "1.25, 1.27"),
        (["1.26"], "1.26"),
        ([], ""),
    ],
)
def test_version_ranges(present: list[str], expected: str) -> None:
    assert version_ranges(present, ["1.25", "1.26", "1.27"]) == expected


def test_command_writes_page(upstream: Path, tmp_path: Path) -> None:
    target = tmp_path / "operations.md"
    status = main(["coverage", "--spec", str(upstream), "--write", str(target)])
    assert status == 0
    assert target.read_text() == coverage_markdown(upstream)


def test_command_without_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("FAKEDAEMON_SHARED", raising=False)
    assert main(["coverage", "--spec", str(tmp_path / "absent")]) == 2
    assert "not found" in capsys.readouterr().err
