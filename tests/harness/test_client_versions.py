"""Tests of API version parsing and comparison."""

from __future__ import annotations

import pytest

from harness.client import ConfigError, NegotiationPolicy
from harness.client.versions import less_than, parse_fixed_version


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.41", "1.41"),
        ("v1.41", "1.41"),
        ("   v1.50   ", "1.50"),
        ("1.0", "1.0"),
        ("01.041", "1.41"),
        ("", None),
        ("v", None),
    ],
)
def test_fixed_version_valid(text: str, expected: str | None) -> None:
    assert parse_fixed_version(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "something-weird",
            "invalid API version (something-weird): must be formatted <major>.<minor>",
        ),
        ("1", "invalid API version (1): must be formatted <major>.<minor>"),
        (
            "1.2.3",
            "invalid API version (1.2.3): invalid minor version: must be "
            "formatted <major>.<minor>",
        ),
        (
            "v 1.0",
            "invalid API version (v 1.0): invalid major version: must be "
            "formatted <major>.<minor>",
        ),
        ("vv1.0", "invalid API version (vv1.0): must be formatted <major>.<minor>"),
    ],
)
def test_fixed_version_invalid(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_fixed_version(text)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("1.4", "1.40", True),
        ("1.9", "1.10", True),
        ("1.41", "1.041", False),
        ("1.40", "1.40", False),
        ("1.x", "1.1", True),
        ("1", "1.0", False),
    ],
)
def test_less_than_numeric(left: str, right: str, expected: bool) -> None:
    assert less_than(left, right) is expected


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (NegotiationPolicy.CURRENT, "1.55"),
        (NegotiationPolicy.CLIENT_V0_1, "1.44"),
        (NegotiationPolicy.ENGINE_V28, "1.24"),
    ],
)
def test_missing_header_version(policy: NegotiationPolicy, expected: str) -> None:
    assert policy.missing_header_version("1.55") == expected
