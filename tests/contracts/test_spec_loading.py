"""Loading every upstream specification and listing its operations."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.spec import (
    Specification,
    SpecificationNotFound,
    available_versions,
    load_spec,
    load_version,
    spec_path,
)

# Operation counts per version, counted from the upstream files. New
# operations: 1.26 plugin upgrade and secret update, 1.29 task logs, 1.30
# configs and distribution, 1.31 build prune and session, 1.40 HEAD /_ping,
# 1.42 PUT /volumes/{name}, 1.55 image attestations.
EXPECTED_COUNTS = {
    "1.25": 94,
    **{f"1.{minor}": 96 for minor in range(26, 29)},
    "1.29": 97,
    "1.30": 103,
    **{f"1.{minor}": 105 for minor in range(31, 40)},
    "1.40": 106,
    "1.41": 106,
    **{f"1.{minor}": 107 for minor in range(42, 55)},
    "1.55": 108,
}
VERSIONS = sorted(EXPECTED_COUNTS, key=lambda v: int(v.split(".")[1]))


@pytest.mark.parametrize("version", VERSIONS)
def test_version_loads_with_count(upstream: Path, version: str) -> None:
    spec = load_version(upstream, version)
    assert spec.version == version
    assert len(spec.operations) == EXPECTED_COUNTS[version]


def test_available_versions_cover_range(upstream: Path) -> None:
    found = available_versions(upstream)
    assert set(VERSIONS) <= set(found)
    assert found[0] == "1.25"


def test_cached_load_is_same_object(upstream: Path) -> None:
    first = load_version(upstream, "1.41")
    assert load_spec(upstream / "v1.41.yaml") is first


def test_loader_uses_libyaml() -> None:
    # An uncached parse of the 470 kB v1.55.yaml took about 80 ms with
    # libyaml and 530 ms with the pure-Python parser on a 2-core machine.
    # PyYAML's wheels bundle libyaml, so the C loader is expected wherever
    # the package installs.
    import yaml

    from contracts.spec import loader

    assert loader._Loader is yaml.CSafeLoader


def test_missing_version_names_file(upstream: Path) -> None:
    with pytest.raises(SpecificationNotFound, match=r"v1\.99\.yaml"):
        spec_path(upstream, "1.99")


def test_version_spelling_normalised(upstream: Path) -> None:
    assert spec_path(upstream, "v1.41") == upstream / "v1.41.yaml"


def test_invalid_version_rejected(upstream: Path) -> None:
    with pytest.raises(ValueError, match="MAJOR.MINOR"):
        spec_path(upstream, "latest")


def test_non_swagger_rejected() -> None:
    with pytest.raises(ValueError, match="not a Swagger 2.0"):
        Specification({"openapi": "3.0.0"}, source="x.yaml")


def test_head_ping_since_140(upstream: Path) -> None:
    before = load_version(upstream, "1.39").router.match("HEAD", "/_ping")
    after = load_version(upstream, "1.40").router.match("HEAD", "/_ping")
    assert before is None
    assert after is not None
    assert after.operation.operation_id == "SystemPingHead"


def test_volume_update_since_142(upstream: Path) -> None:
    before = load_version(upstream, "1.41").find("PUT", "/volumes/data")
    after = load_version(upstream, "1.42").find("PUT", "/volumes/data")
    assert before is None
    assert after is not None
    assert after.operation.operation_id == "VolumeUpdate"


def test_attestations_since_155(upstream: Path) -> None:
    before = load_version(upstream, "1.54").find("GET", "/images/x/attestations")
    after = load_version(upstream, "1.55").find("GET", "/images/x/attestations")
    assert before is None
    assert after is not None
    assert after.operation.path == "/images/{name}/attestations"


def test_listing_rows(spec55: Specification) -> None:
    rows = spec55.list_operations()
    assert len(rows) == 108
    assert ("GET", "/containers/json", "ContainerList", "Container") in rows
    assert ("HEAD", "/_ping", "SystemPingHead", "System") in rows


def test_operation_ids_unique(spec55: Specification) -> None:
    ids = [row.operation_id for row in spec55.list_operations()]
    assert len(ids) == len(set(ids))


def test_operation_by_id(spec55: Specification) -> None:
    operation = spec55.operation("ImageInspect")
    assert operation.method == "GET"
    assert operation.path == "/images/{name}/json"
    assert operation.produces == ("application/json",)


def test_unknown_operation_id(spec55: Specification) -> None:
    with pytest.raises(KeyError, match="NoSuchOperation"):
        spec55.operation("NoSuchOperation")


def test_operation_inherits_document_media(spec55: Specification) -> None:
    # ContainerStart declares no produces of its own, so the document-wide
    # list applies.
    operation = spec55.operation("ContainerStart")
    assert operation.produces == ("application/json", "text/plain")


def test_parameters_parsed(spec55: Specification) -> None:
    operation = spec55.operation("ContainerList")
    names = {parameter.name for parameter in operation.parameters_in("query")}
    assert names == {"all", "limit", "size", "filters"}


def test_path_parameter_required(spec55: Specification) -> None:
    (parameter,) = spec55.operation("ContainerInspect").parameters_in("path")
    assert parameter.required
