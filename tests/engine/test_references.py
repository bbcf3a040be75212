"""Tests for image reference parsing and printing."""

from __future__ import annotations

import pytest

from fakedaemon.engine.references import (
    DigestReference,
    InvalidReference,
    Reference,
    is_full_id,
    is_id_prefix,
    parse_any,
    parse_normalized,
    short_id,
)

DIGEST = "sha256:" + "ab" * 32


@pytest.mark.parametrize(
    ("text", "full", "familiar"),
    [
        ("busybox", "docker.io/library/busybox", "busybox"),
        ("busybox:1.36", "docker.io/library/busybox:1.36", "busybox:1.36"),
        ("user/app:1", "docker.io/user/app:1", "user/app:1"),
        ("library/busybox", "docker.io/library/busybox", "busybox"),
        ("docker.io/library/busybox", "docker.io/library/busybox", "busybox"),
        ("index.docker.io/x", "docker.io/library/x", "x"),
        ("localhost:5000/x", "localhost:5000/x", "localhost:5000/x"),
        ("localhost/x", "localhost/x", "localhost/x"),
        ("ghcr.io/a/b", "ghcr.io/a/b", "ghcr.io/a/b"),
        ("a/b/c", "docker.io/a/b/c", "a/b/c"),
        ("docker.io/library/a/b", "docker.io/library/a/b", "library/a/b"),
        (f"ghcr.io/a/b@{DIGEST}", f"ghcr.io/a/b@{DIGEST}", f"ghcr.io/a/b@{DIGEST}"),
        (f"app:1@{DIGEST}", f"docker.io/library/app:1@{DIGEST}", f"app:1@{DIGEST}"),
        ("[::1]:5000/x", "[::1]:5000/x", "[::1]:5000/x"),
        ("my-app__x.y", "docker.io/library/my-app__x.y", "my-app__x.y"),
    ],
)
def test_normalized_forms(text: str, full: str, familiar: str) -> None:
    reference = parse_normalized(text)
    assert str(reference) == full
    assert reference.familiar() == familiar


def test_parts_of_tag_and_digest() -> None:
    reference = parse_normalized(f"ghcr.io/a/b:v1@{DIGEST}")
    assert reference == Reference("ghcr.io", "a/b", "v1", DIGEST)


def test_default_tag_only_for_names() -> None:
    assert parse_normalized("busybox").with_default_tag().tag == "latest"
    pinned = parse_normalized(f"busybox@{DIGEST}").with_default_tag()
    assert pinned.tag is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("busybox:1:2", "invalid reference format"),
        ("busybox@sha256:abc", "invalid reference format"),
        ("-x", "invalid reference format"),
        ("a//b", "invalid reference format"),
        ("", "invalid reference format"),
        ("busybox:", "invalid reference format"),
        ("busybox@md5:" + "a" * 32, "unsupported digest algorithm"),
        ("busybox@sha256:" + "a" * 40, "invalid checksum digest length"),
        (
            "Busybox",
            "invalid reference format: repository name (library/Busybox) "
            "must be lowercase",
        ),
        (
            "user/App:1",
            "invalid reference format: repository name (user/App) must be lowercase",
        ),
        (
            "0" * 64,
            f"invalid repository name ({'0' * 64}), cannot specify 64-byte "
            "hexadecimal strings",
        ),
        ("x" * 256, "repository name must not be more than 255 characters"),
    ],
)
def test_invalid_messages(text: str, message: str) -> None:
    with pytest.raises(InvalidReference) as caught:
        parse_normalized(text)
    assert caught.value.message == message
    assert caught.value.status == 400


def test_lowercase_message_of_engine_20() -> None:
    with pytest.raises(InvalidReference) as caught:
        parse_normalized("UPPER", name_in_lowercase_error=False)
    assert caught.value.message == (
        "invalid reference format: repository name must be lowercase"
    )


def test_with_tag_rejects_bad_tag() -> None:
    with pytest.raises(InvalidReference, match="invalid tag format"):
        parse_normalized("busybox").with_tag("sha256:abc")


def test_with_tag_replaces_tag() -> None:
    assert parse_normalized("busybox:1").with_tag("2").familiar() == "busybox:2"


@pytest.mark.parametrize("text", ["a" * 64, "sha256:" + "a" * 64])
def test_any_reference_ids(text: str) -> None:
    assert parse_any(text) == DigestReference("sha256:" + "a" * 64)


def test_any_reference_short_digest_is_name() -> None:
    parsed = parse_any("sha256:9")
    assert isinstance(parsed, Reference)
    assert parsed.familiar() == "sha256:9"


def test_id_rules() -> None:
    image_id = "sha256:9e4a009d48f2" + "0" * 52
    assert is_id_prefix(image_id, "9e4a")
    assert is_id_prefix(image_id, "sha256:9e")
    assert not is_id_prefix(image_id, "busybox")
    assert not is_id_prefix(image_id, "")
    assert is_full_id(image_id)
    assert not is_full_id("9e4a")
    assert short_id(image_id) == "9e4a009d48f2"
