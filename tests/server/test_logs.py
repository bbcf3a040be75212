"""Log formats: dockerd's text lines and JSON lines, with request ids."""

from __future__ import annotations

import json
import logging

import pytest

from fakedaemon.server.logs import JSONFormatter, TextFormatter, configure


def record(message: str, **extra: object) -> logging.LogRecord:
    entry = logging.LogRecord(
        "fakedaemon", logging.INFO, __file__, 1, message, (), None
    )
    for key, value in extra.items():
        setattr(entry, key, value)
    return entry


def test_json_line_fields() -> None:
    line = JSONFormatter().format(record("API listen on x", request_id="ab12"))
    document = json.loads(line)
    assert document["level"] == "info"
    assert document["msg"] == "API listen on x"
    assert document["request_id"] == "ab12"
    assert document["time"].endswith("Z")


def test_text_line_shape() -> None:
    line = TextFormatter().format(record('say "hi"'))
    assert line.startswith('time="')
    assert 'level=info msg="say \\"hi\\""' in line


def test_text_line_request_id() -> None:
    line = TextFormatter().format(record("GET /_ping", request_id="cd34"))
    assert line.endswith(" request_id=cd34")


def test_invalid_level_rejected() -> None:
    with pytest.raises(ValueError, match="unable to parse logging level: loud"):
        configure("loud", "text")


def test_invalid_format_rejected() -> None:
    with pytest.raises(ValueError, match="unknown log format: xml"):
        configure("info", "xml")
