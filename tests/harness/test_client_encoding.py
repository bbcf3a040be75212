"""Tests of query, filters, JSON and registry auth encoding."""

from __future__ import annotations

import base64
import json

import pytest

from harness.client import ConfigError, Query, encode_filters, encode_registry_auth
from harness.client.encoding import encode_registry_config, go_json, json_body


def test_query_sorted_keys() -> None:
    query = Query()
    query.set("b", "2")
    query.set("a", "1")
    assert query.encode() == "a=1&b=2"


def test_query_repeated_values_keep_order() -> None:
    query = Query()
    query.extend("t", ["z:1", "a:2"])
    assert query.encode() == "t=z%3A1&t=a%3A2"


def test_query_escape_like_go() -> None:
    query = Query()
    query.set("q", "a b/c~d_e.f-g*h")
    assert query.encode() == "q=a+b%2Fc~d_e.f-g%2Ah"


def test_query_flags() -> None:
    query = Query()
    query.flag("off", False)
    query.flag("on", True)
    query.explicit_flag("zero", False)
    query.explicit_flag("unset", None)
    assert query.encode() == "on=1&zero=0"


def test_query_none_left_out() -> None:
    query = Query()
    query.set("a", None)
    query.integer("b", None)
    query.integer("c", 0)
    assert query.encode() == "c=0"


def test_filters_map_form_from_lists() -> None:
    encoded = encode_filters({"status": ["running", "paused"], "label": ["a=b"]})
    assert encoded == '{"label":{"a=b":true},"status":{"paused":true,"running":true}}'


def test_filters_map_form_from_dicts() -> None:
    encoded = encode_filters({"dangling": {"true": True}})
    assert encoded == '{"dangling":{"true":true}}'


def test_filters_list_form() -> None:
    encoded = encode_filters(
        {"status": {"running": True, "exited": False}}, form="list"
    )
    assert encoded == '{"status":["running"]}'


def test_filters_empty_is_none() -> None:
    assert encode_filters({}) is None


def test_filters_string_value_rejected() -> None:
    with pytest.raises(ConfigError, match="got the string 'running'"):
        encode_filters({"status": "running"})


def test_filters_unknown_form_rejected() -> None:
    with pytest.raises(ConfigError, match="invalid filters form"):
        encode_filters({"a": ["b"]}, form="set")  # type: ignore[arg-type]


def test_go_json_escapes_html() -> None:
    assert go_json({"a": "<&>"}) == '{"a":"\\u003c\\u0026\\u003e"}'


def test_go_json_keeps_utf8() -> None:
    assert go_json(["é"]) == '["é"]'


def test_json_body_ends_with_newline() -> None:
    assert json_body({"Image": "busybox"}) == b'{"Image":"busybox"}\n'


def test_registry_auth_base64url_padded() -> None:
    encoded = encode_registry_auth({"username": "u", "password": "p?>"})
    assert (
        encoded
        == base64.urlsafe_b64encode(b'{"username":"u","password":"p?\\u003e"}').decode()
    )


def test_registry_auth_field_order() -> None:
    encoded = encode_registry_auth(
        {"serveraddress": "reg", "password": "p", "username": "u"}
    )
    decoded = base64.urlsafe_b64decode(encoded).decode()
    assert decoded == '{"username":"u","password":"p","serveraddress":"reg"}'


def test_registry_auth_padding_present() -> None:
    encoded = encode_registry_auth({"username": "ab"})
    assert encoded.endswith("=")


def test_registry_auth_none_is_empty() -> None:
    assert encode_registry_auth(None) == ""


def test_registry_auth_unknown_field() -> None:
    with pytest.raises(ConfigError, match=r"\['user'\]"):
        encode_registry_auth({"user": "x"})


def test_registry_config_keyed_by_registry() -> None:
    encoded = encode_registry_config({"reg.example": {"username": "u"}})
    decoded = json.loads(base64.urlsafe_b64decode(encoded))
    assert decoded == {"reg.example": {"username": "u"}}
