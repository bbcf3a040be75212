"""The ``--config-file`` (daemon.json): reading, checking against flags, reload.

A setting may come from a flag or from the file, never from both, as with
dockerd: a setting given twice and a key that names no setting are errors
with dockerd's messages. On SIGHUP the file is read again and the settings
dockerd reloads (``debug``, ``labels``, ``log-level``, and here the
authorization rules) take their new values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Directive:
    """One setting: its daemon.json key, its flag's destination and its type."""

    key: str
    dest: str
    kind: type
    reloadable: bool = False


DIRECTIVES = (
    Directive("hosts", "host", list),
    Directive("debug", "debug", bool, reloadable=True),
    Directive("labels", "label", list, reloadable=True),
    Directive("log-level", "log_level", str, reloadable=True),
    Directive("log-format", "log_format", str),
    Directive("experimental", "experimental", bool),
    Directive("tls", "tls", bool),
    Directive("tlsverify", "tlsverify", bool),
    Directive("tlscacert", "tlscacert", str),
    Directive("tlscert", "tlscert", str),
    Directive("tlskey", "tlskey", str),
    Directive("pidfile", "pidfile", str),
    Directive("group", "group", str),
    Directive("data-root", "data_root", str),
    Directive("min-api-version", "min_api_version", str),
    Directive("max-api-version", "max_api_version", str),
    Directive("api-cors-header", "api_cors_header", str),
    Directive("authorization-rules", "authorization_rules", str, reloadable=True),
    Directive("engine", "engine", str),
    Directive("rig", "rig", str),
    Directive("offline", "offline", bool),
    Directive("seed", "seed", int),
    Directive("images", "image", list),
)
"""Every key a configuration file may hold; the flag of each has ``dest``."""

BY_KEY = {directive.key: directive for directive in DIRECTIVES}


class ConfigFileError(ValueError):
    """The configuration file cannot be used; the message is dockerd's."""


def read_file(path: str | Path) -> dict[str, Any]:
    """Read and check the types of a daemon.json file.

    Raises:
        ConfigFileError: the file is missing, not a JSON object, names an
            unknown setting or gives a value of the wrong type.
    """
    try:
        text = Path(path).read_text()
    except OSError as error:
        raise _error(path, f"open {path}: {error.strerror or error}") from None
    if not text.strip():
        # dockerd treats an empty file as an empty configuration.
        return {}
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise _error(path, f"invalid JSON: {error}") from None
    if not isinstance(document, dict):
        raise _error(path, "the file must contain a JSON object")
    unknown = sorted(key for key in document if key not in BY_KEY)
    if unknown:
        raise _error(
            path,
            "the following directives don't match any configuration option: "
            + ", ".join(unknown),
        )
    for key, value in document.items():
        _check_type(path, BY_KEY[key], value)
    return document


def merge(
    path: str | Path, document: Mapping[str, Any], flags: Mapping[str, Any]
) -> dict[str, Any]:
    """Return the flag destinations with the file's values added.

    ``flags`` maps destinations to flag values, None for a flag not given.

    Raises:
        ConfigFileError: a setting is given both as a flag and in the file.
    """
    conflicts = []
    for directive in DIRECTIVES:
        flag_value = flags.get(directive.dest)
        if directive.key in document and flag_value is not None:
            conflicts.append(
                f"{directive.key}: (from flag: {go_text(flag_value)}, "
                f"from file: {go_text(document[directive.key])})"
            )
    if conflicts:
        raise _error(
            path,
            "the following directives are specified both as a flag and in the "
            "configuration file: " + ", ".join(conflicts),
        )
    merged = dict(flags)
    for key, value in document.items():
        merged[BY_KEY[key].dest] = value
    return merged


def reloadable(document: Mapping[str, Any]) -> dict[str, Any]:
    """Return the settings of ``document`` that a reload applies, by key.

    As with dockerd, a setting absent from the file keeps its current value.
    """
    return {key: value for key, value in document.items() if BY_KEY[key].reloadable}


def go_text(value: Any) -> str:
    """Format ``value`` as Go's ``%v`` does in dockerd's conflict message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(go_text(item) for item in value) + "]"
    return str(value)


def _check_type(path: str | Path, directive: Directive, value: Any) -> None:
    kind = directive.kind
    if kind is list:
        valid = isinstance(value, list) and all(isinstance(v, str) for v in value)
        expected = "a list of strings"
    elif kind is int:
        valid = isinstance(value, int) and not isinstance(value, bool)
        expected = "an integer"
    elif kind is bool:
        valid = isinstance(value, bool)
        expected = "a boolean"
    else:
        valid = isinstance(value, str)
        expected = "a string"
    if not valid:
        raise _error(
            path,
            f"invalid value for {directive.key}: expected {expected}, "
            f"got {json.dumps(value)}",
        )


def _error(path: str | Path, message: str) -> ConfigFileError:
    return ConfigFileError(
        f"unable to configure the Docker daemon with file {path}: {message}"
    )
