"""Log formats of ``fakedaemon serve``: dockerd's text and JSON lines."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "fatal": logging.CRITICAL,
}
"""``--log-level`` values, as dockerd accepts them, and their logging levels."""

FORMATS = ("text", "json")

_LEVEL_NAMES = {
    logging.DEBUG: "debug",
    logging.INFO: "info",
    logging.WARNING: "warning",
    logging.ERROR: "error",
    logging.CRITICAL: "fatal",
}


def _timestamp(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


def _level(record: logging.LogRecord) -> str:
    return _LEVEL_NAMES.get(record.levelno, record.levelname.lower())


def _fields(record: logging.LogRecord) -> dict[str, str]:
    fields = {}
    request_id = getattr(record, "request_id", None)
    if request_id is not None:
        fields["request_id"] = str(request_id)
    return fields


class TextFormatter(logging.Formatter):
    """Formats records as ``time="..." level=info msg="..."`` (logrus text)."""

    def format(self, record: logging.LogRecord) -> str:
        """Return one line for ``record``."""
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        parts = [
            f'time="{_timestamp(record)}"',
            f"level={_level(record)}",
            f"msg={json.dumps(message)}",
        ]
        parts += [f"{key}={value}" for key, value in _fields(record).items()]
        return " ".join(parts)


class JSONFormatter(logging.Formatter):
    """Formats records as one JSON object per line (logrus JSON)."""

    def format(self, record: logging.LogRecord) -> str:
        """Return one JSON line for ``record``."""
        message = record.getMessage()
        document: dict[str, str] = {"level": _level(record), "msg": message}
        if record.exc_info:
            document["error"] = self.formatException(record.exc_info)
        document.update(_fields(record))
        document["time"] = _timestamp(record)
        return json.dumps(document, sort_keys=True)


def configure(level: str, log_format: str, *, debug: bool = False) -> None:
    """Send the ``fakedaemon`` log to stderr in ``log_format`` at ``level``.

    ``debug`` lowers the level to debug, as ``--debug`` does for dockerd.

    Raises:
        ValueError: the level or the format is not one dockerd accepts.
    """
    if level not in LEVELS:
        raise ValueError(f"unable to parse logging level: {level}")
    if log_format not in FORMATS:
        raise ValueError(
            f"unknown log format: {log_format}: use one of {', '.join(FORMATS)}"
        )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JSONFormatter() if log_format == "json" else TextFormatter())
    package = logging.getLogger("fakedaemon")
    for existing in list(package.handlers):
        package.removeHandler(existing)
    package.addHandler(handler)
    package.propagate = False
    set_level(level, debug=debug)


def set_level(level: str, *, debug: bool = False) -> None:
    """Change the log level of the running daemon (a reload)."""
    logging.getLogger("fakedaemon").setLevel(logging.DEBUG if debug else LEVELS[level])
