"""Matching a method and a concrete path to an operation."""

from __future__ import annotations

import pytest

from contracts.spec import Specification, UndocumentedOperation, split_version_prefix


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("GET", "/containers/json", "ContainerList"),
        ("GET", "/v1.41/containers/json", "ContainerList"),
        ("GET", "/v1.55/containers/json?all=1", "ContainerList"),
        ("GET", "/containers/abc/json", "ContainerInspect"),
        ("POST", "/containers/create", "ContainerCreate"),
        ("DELETE", "/containers/abc", "ContainerDelete"),
        ("GET", "/images/json", "ImageList"),
        ("GET", "/images/search", "ImageSearch"),
        ("GET", "/images/get", "ImageGetAll"),
        ("GET", "/images/busybox/get", "ImageGet"),
        ("POST", "/images/create", "ImageCreate"),
        ("GET", "/_ping", "SystemPing"),
        ("HEAD", "/_ping", "SystemPingHead"),
        ("head", "/_ping", "SystemPingHead"),
        ("GET", "/networks", "NetworkList"),
        ("GET", "/networks/bridge", "NetworkInspect"),
        ("POST", "/networks/create", "NetworkCreate"),
        ("GET", "/volumes/data", "VolumeInspect"),
        ("POST", "/volumes/prune", "VolumePrune"),
    ],
)
def test_match_operation(
    spec55: Specification, method: str, path: str, operation_id: str
) -> None:
    found = spec55.match(method, path)
    assert found.operation.operation_id == operation_id


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/images/busybox/json", "busybox"),
        ("/images/busybox:latest/json", "busybox:latest"),
        ("/images/docker.io/library/busybox/json", "docker.io/library/busybox"),
        (
            "/v1.41/images/localhost:5000/team/app:1.0/json",
            "localhost:5000/team/app:1.0",
        ),
        ("/images/sha256:9e4a009d/json", "sha256:9e4a009d"),
        ("/images/a/json/json", "a/json"),
    ],
)
def test_image_name_with_slashes(spec55: Specification, path: str, name: str) -> None:
    found = spec55.match("GET", path)
    assert found.operation.operation_id == "ImageInspect"
    assert found.path_parameters == {"name": name}


def test_image_delete_greedy(spec55: Specification) -> None:
    found = spec55.match("DELETE", "/images/docker.io/library/busybox:latest")
    assert found.operation.operation_id == "ImageDelete"
    assert found.path_parameters["name"] == "docker.io/library/busybox:latest"


def test_image_tag_with_slashes(spec55: Specification) -> None:
    found = spec55.match("POST", "/v1.55/images/registry.example/a/b/tag?repo=x")
    assert found.operation.operation_id == "ImageTag"
    assert found.path_parameters["name"] == "registry.example/a/b"


def test_specific_template_wins(spec55: Specification) -> None:
    # With greedy parameters "/services/{id}" also fits, with id "abc/logs".
    found = spec55.match("GET", "/services/abc/logs")
    assert found.operation.operation_id == "ServiceLogs"


def test_general_template_still_matches(spec55: Specification) -> None:
    found = spec55.match("GET", "/services/abc")
    assert found.operation.operation_id == "ServiceInspect"


def test_requested_version_kept(spec55: Specification) -> None:
    found = spec55.match("GET", "/v1.41/version")
    assert found.requested_version == "1.41"


def test_unprefixed_version_none(spec55: Specification) -> None:
    assert spec55.match("GET", "/version").requested_version is None


def test_wrong_method_names_methods(spec55: Specification) -> None:
    with pytest.raises(UndocumentedOperation, match="documented only for"):
        spec55.match("PATCH", "/containers/abc/json")


def test_unknown_path_raises(spec55: Specification) -> None:
    with pytest.raises(UndocumentedOperation, match="no path template"):
        spec55.match("GET", "/no/such/thing")


def test_find_returns_none(spec55: Specification) -> None:
    assert spec55.find("GET", "/no/such/thing") is None


def test_empty_parameter_rejected(spec55: Specification) -> None:
    assert spec55.find("GET", "/containers//json") is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/v1.41/info", ("1.41", "/info")),
        ("/v1.41", ("1.41", "/")),
        ("/info", (None, "/info")),
        ("/volumes", (None, "/volumes")),
        ("/v1.4x/info", (None, "/v1.4x/info")),
    ],
)
def test_split_version_prefix(path: str, expected: tuple[str | None, str]) -> None:
    assert split_version_prefix(path) == expected
