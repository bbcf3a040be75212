"""Tests that Client implements APIClient and covers the specification."""

from __future__ import annotations

import inspect
import os
import re
from pathlib import Path
from typing import get_overloads

import pytest
import yaml

import harness.client
from harness.client import APIClient, Client

SHARED = Path(
    os.environ.get("FAKEDAEMON_SHARED", Path(__file__).resolve().parents[3] / "shared")
)
SPEC = SHARED / "contracts" / "upstream" / "v1.55.yaml"

NOT_IMPLEMENTED: set[str] = set()


def protocol_methods() -> list[str]:
    return [
        name
        for name, value in vars(APIClient).items()
        if callable(value) and not name.startswith("_")
    ]


def operation_names() -> list[str]:
    if not SPEC.exists():
        pytest.skip(f"specification not found at {SPEC}; set FAKEDAEMON_SHARED")
    document = yaml.safe_load(SPEC.read_text())
    names = []
    for item in document["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", operation["operationId"])
            names.append(snake.lower())
    return names


def test_client_is_api_client() -> None:
    client: APIClient = Client(version="1.41")
    assert isinstance(client, APIClient)


@pytest.mark.parametrize("name", protocol_methods())
def test_protocol_signature_matches(name: str) -> None:
    expected = inspect.signature(getattr(APIClient, name))
    actual = inspect.signature(getattr(Client, name))
    assert list(actual.parameters) == list(expected.parameters)
    for parameter in expected.parameters.values():
        other = actual.parameters[parameter.name]
        assert other.kind == parameter.kind, parameter.name
        assert other.annotation == parameter.annotation, parameter.name


@pytest.mark.parametrize("name", ["container_stats", "exec_start"])
def test_protocol_overloads_match(name: str) -> None:
    expected = [
        str(inspect.signature(f)) for f in get_overloads(getattr(APIClient, name))
    ]
    actual = [str(inspect.signature(f)) for f in get_overloads(getattr(Client, name))]
    assert expected == actual


def test_operation_count() -> None:
    assert len(operation_names()) == 108


def test_protocol_covers_specification() -> None:
    missing = set(operation_names()) - set(protocol_methods())
    assert missing == NOT_IMPLEMENTED


def test_client_covers_protocol() -> None:
    missing = [name for name in protocol_methods() if not hasattr(Client, name)]
    assert missing == []


def test_all_sorted_and_exported() -> None:
    names = harness.client.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    for name in names:
        assert hasattr(harness.client, name), name
