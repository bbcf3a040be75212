"""Go-style JSON decoding and strconv parsing."""

from __future__ import annotations

import pytest

from fakedaemon.api import gojson
from fakedaemon.api.strconv import StrconvError, parse_int, parse_uint


def test_deep_valid_document_parses() -> None:
    text = "[" * 3000 + "]" * 3000
    document, end = gojson.loads(text)
    assert end == len(text)
    assert isinstance(document, list)


def test_depth_limit_message() -> None:
    with pytest.raises(gojson.JSONSyntaxError, match="exceeded max depth"):
        gojson.loads("[" * 10001)


def test_nan_is_rejected() -> None:
    with pytest.raises(gojson.JSONSyntaxError, match="'N' looking for beginning"):
        gojson.loads('{"a":NaN}')


def test_number_keeps_literal() -> None:
    document, _ = gojson.loads('{"a":1e400}')
    assert document["a"].text == "1e400"


def test_strslice_string_becomes_list() -> None:
    target = gojson.struct("x.T", {"Cmd": gojson.STRSLICE})
    assert gojson.check({"cmd": "true"}, target) == {"Cmd": ["true"]}


def test_strslice_error_wins_over_saved() -> None:
    target = gojson.struct("x.T", {"A": gojson.STRING, "Cmd": gojson.STRSLICE})
    with pytest.raises(gojson.GoTypeError, match=r"T\.Cmd of type string"):
        gojson.check({"A": 5, "Cmd": 5}, target)


def test_first_type_error_is_reported() -> None:
    target = gojson.struct("x.T", {"A": gojson.STRING, "B": gojson.BOOL})
    with pytest.raises(gojson.GoTypeError, match=r"T\.A of type string"):
        gojson.check({"A": 5, "B": 5}, target)


@pytest.mark.parametrize("text", [" 5", "1_0", "٣", "0x10", ""])
def test_atoi_rejects_python_forms(text: str) -> None:
    with pytest.raises(StrconvError, match="invalid syntax"):
        parse_int(text)


def test_atoi_range() -> None:
    with pytest.raises(StrconvError, match="value out of range"):
        parse_int("9" * 5000)


def test_parse_uint_rejects_sign() -> None:
    with pytest.raises(StrconvError, match='ParseUint: parsing "-1"'):
        parse_uint("-1")
