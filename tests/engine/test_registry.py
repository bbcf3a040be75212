"""Tests for the simulated registry and pull progress."""

from __future__ import annotations

import pytest

from fakedaemon.clock import Clock
from fakedaemon.engine.events import EventLog
from fakedaemon.engine.images import ImageRules, ImageStore
from fakedaemon.engine.references import parse_normalized
from fakedaemon.engine.registry import (
    Platform,
    Registry,
    human_size,
    parse_platform,
    progress_bar,
)
from fakedaemon.errors import DaemonError, InvalidParameter, NotFound
from fakedaemon.ids import IdSource


def make_store(rules: ImageRules | None = None) -> ImageStore:
    clock = Clock()
    return ImageStore(clock, IdSource(1), EventLog(clock), rules=rules)


def test_install_is_deterministic() -> None:
    first = Registry().install(make_store(), "busybox")
    second = Registry().install(make_store(), "busybox:latest")
    assert first.id == second.id
    assert first.repo_digests == second.repo_digests


def test_pulls_give_equal_files() -> None:
    first = Registry().install(make_store(), "busybox")
    second = Registry().install(make_store(), "busybox")
    assert first.filesystem.to_tar("/.") == second.filesystem.to_tar("/.")
    assert first.filesystem.stat("/bin/sh").mtime == first.created_ns // 10**9


def test_build_image_matches_pull() -> None:
    pulled = Registry().install(make_store(), "alpine:3")
    built = Registry().build_image("alpine:3", Platform("linux", "amd64"))
    assert built.id == pulled.id
    assert built.filesystem.to_tar("/.") == pulled.filesystem.to_tar("/.")
    assert built.source == pulled.source == "docker.io/library/alpine:3"


def test_tags_give_different_images() -> None:
    store = make_store()
    latest = Registry().install(store, "python:3.12")
    older = Registry().install(store, "python:3.11")
    assert latest.id != older.id


def test_image_id_is_config_digest() -> None:
    registry = Registry()
    remote = registry.resolve(parse_normalized("busybox:latest"))
    assert remote.image_id.startswith("sha256:")
    assert len(remote.image_id) == 71


@pytest.mark.parametrize(
    ("name", "key", "value"),
    [
        ("busybox", "Cmd", ["sh"]),
        ("alpine", "Cmd", ["/bin/sh"]),
        ("debian", "Cmd", ["bash"]),
        ("nginx", "Entrypoint", ["/docker-entrypoint.sh"]),
        ("nginx", "Cmd", ["nginx", "-g", "daemon off;"]),
        ("nginx", "ExposedPorts", {"80/tcp": {}}),
        ("nginx", "StopSignal", "SIGQUIT"),
        ("redis", "Cmd", ["redis-server"]),
        ("redis", "ExposedPorts", {"6379/tcp": {}}),
        ("python", "Cmd", ["python3"]),
        ("hello-world", "Cmd", ["/hello"]),
        ("someone/unknown", "Cmd", ["/bin/sh"]),
    ],
)
def test_catalogue_config(name: str, key: str, value: object) -> None:
    image = Registry().install(make_store(), name)
    assert image.config[key] == value


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("busybox", "/bin/sh"),
        ("alpine", "/sbin/apk"),
        ("debian", "/bin/bash"),
        ("nginx", "/usr/sbin/nginx"),
        ("redis", "/usr/local/bin/redis-server"),
        ("python", "/usr/local/bin/python3"),
        ("hello-world", "/hello"),
    ],
)
def test_catalogue_files(name: str, path: str) -> None:
    image = Registry().install(make_store(), name)
    assert image.filesystem.exists(path)


def test_env_has_path() -> None:
    image = Registry().install(make_store(), "alpine")
    assert any(item.startswith("PATH=") for item in image.config["Env"])


def test_pull_messages_in_order() -> None:
    store = make_store()
    messages = list(Registry().start_pull(store, "alpine", "3.20").messages())
    assert messages[0] == {"status": "Pulling from library/alpine", "id": "3.20"}
    statuses = [message["status"] for message in messages]
    assert statuses[1] == "Pulling fs layer"
    assert statuses.index("Verifying Checksum") < statuses.index("Pull complete")
    assert statuses[-2].startswith("Digest: sha256:")
    assert statuses[-1] == "Status: Downloaded newer image for alpine:3.20"
    assert store.get("alpine:3.20").repo_tags == ["alpine:3.20"]


def test_pull_up_to_date() -> None:
    store = make_store()
    registry = Registry()
    registry.install(store, "busybox")
    messages = list(registry.start_pull(store, "busybox").messages())
    assert len(messages) == 3
    assert messages[-1] == {"status": "Status: Image is up to date for busybox:latest"}


def test_pull_shared_layer_exists() -> None:
    store = make_store()
    registry = Registry()
    registry.install(store, "debian")
    messages = list(registry.start_pull(store, "nginx").messages())
    assert messages[1]["status"] == "Already exists"


def test_pull_progress_detail() -> None:
    store = make_store()
    messages = list(Registry().start_pull(store, "busybox").messages())
    downloading = [m for m in messages if m["status"] == "Downloading"]
    detail = downloading[-1]["progressDetail"]
    assert detail["current"] == detail["total"]
    assert downloading[-1]["progress"].startswith("[" + "=" * 50 + ">]")


def test_pull_without_progress_text() -> None:
    store = make_store()
    session = Registry().start_pull(store, "busybox")
    messages = list(session.messages(progress_text=False))
    assert all("progress" not in message for message in messages)


def test_pull_event() -> None:
    store = make_store()
    list(Registry().start_pull(store, "user/app", "1").messages())
    event = store.events.snapshot()[-1]
    assert event.action == "pull"
    assert event.actor_id == "user/app:1"
    assert event.attributes == {"name": "user/app"}


def test_pull_by_digest() -> None:
    store = make_store()
    digest = "sha256:" + "c" * 64
    messages = list(Registry().start_pull(store, f"busybox@{digest}").messages())
    assert messages[0]["id"] == digest
    assert messages[-1]["status"] == (
        f"Status: Downloaded newer image for busybox@{digest}"
    )
    assert store.get(f"busybox@{digest}").repo_digests == [f"busybox@{digest}"]


def test_pull_tag_param_digest() -> None:
    store = make_store()
    digest = "sha256:" + "d" * 64
    session = Registry().start_pull(store, "busybox", digest)
    assert session.reference.digest == digest


def test_pull_invalid_tag() -> None:
    with pytest.raises(InvalidParameter, match="^invalid tag format$"):
        Registry().start_pull(make_store(), "busybox", "sha256:abc")


def test_pull_uppercase_engine_20() -> None:
    store = make_store(ImageRules.for_profile("20.10"))
    with pytest.raises(InvalidParameter) as caught:
        Registry().start_pull(store, "Busybox")
    assert caught.value.message == (
        "invalid reference format: repository name must be lowercase"
    )


def test_pull_empty_from_image() -> None:
    with pytest.raises(DaemonError) as caught:
        Registry().start_pull(make_store(), "")
    assert caught.value.status == 500


def test_offline_pull_fails_before_stream() -> None:
    with pytest.raises(DaemonError) as caught:
        Registry(offline=True).start_pull(make_store(), "alpine")
    assert caught.value.status == 500
    assert caught.value.message == (
        'Get "https://registry-1.docker.io/v2/": dial tcp: lookup '
        "registry-1.docker.io: no such host"
    )


def test_offline_local_registry() -> None:
    with pytest.raises(DaemonError) as caught:
        Registry(offline=True).start_pull(make_store(), "localhost:5000/x")
    assert caught.value.message == (
        'Get "http://localhost:5000/v2/": dial tcp 127.0.0.1:5000: connect: '
        "connection refused"
    )


def test_offline_reason_override() -> None:
    registry = Registry(offline=True, offline_reason="proxyconnect tcp: refused")
    with pytest.raises(DaemonError) as caught:
        registry.start_pull(make_store(), "ghcr.io/a/b")
    assert (
        caught.value.message == 'Get "https://ghcr.io/v2/": proxyconnect tcp: refused'
    )


def test_denied_repository() -> None:
    registry = Registry(deny=["nothere"])
    with pytest.raises(NotFound) as caught:
        registry.start_pull(make_store(), "nothere")
    assert caught.value.status == 404
    assert caught.value.message == (
        "pull access denied for nothere, repository does not exist or may "
        "require 'docker login': denied: requested access to the resource is "
        "denied"
    )


def test_denied_tag() -> None:
    registry = Registry()
    registry.deny("busybox:9.9")
    with pytest.raises(NotFound, match="manifest for busybox:9.9 not found"):
        registry.start_pull(make_store(), "busybox", "9.9")


def test_other_os_errors_in_band() -> None:
    session = Registry().start_pull(make_store(), "busybox", platform="windows")
    messages = list(session.messages())
    assert messages[-1] == {
        "errorDetail": {
            "message": "no matching manifest for windows/amd64 in the manifest "
            "list entries"
        },
        "error": "no matching manifest for windows/amd64 in the manifest list entries",
    }


def test_platform_architecture() -> None:
    store = make_store()
    list(Registry().start_pull(store, "busybox", platform="linux/arm64").messages())
    assert store.get("busybox").architecture == "arm64"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("linux", Platform("linux", "amd64")),
        ("linux/arm64", Platform("linux", "arm64")),
        ("linux/arm/v7", Platform("linux", "arm", "v7")),
        ("linux/aarch64", Platform("linux", "arm64")),
    ],
)
def test_parse_platform(text: str, expected: Platform) -> None:
    assert parse_platform(text, "amd64") == expected


def test_parse_platform_invalid() -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_platform("bad/x/y/z", "amd64")
    assert caught.value.message == (
        '"bad/x/y/z": cannot parse platform specifier: invalid argument'
    )


@pytest.mark.parametrize(
    ("size", "text"),
    [(500, "500B"), (32768, "32.77kB"), (1982256, "1.982MB"), (2_000_000, "2MB")],
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text


def test_progress_bar_text() -> None:
    assert progress_bar(22254, 2152262) == "[>" + " " * 50 + "]  22.25kB/2.152MB"
