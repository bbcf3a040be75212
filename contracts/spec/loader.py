"""Load Engine API specifications from YAML files, with a parse cache."""

from __future__ import annotations

import functools
import logging
import os
import re
import time
from pathlib import Path
from typing import Any

import yaml

from contracts.spec.document import Specification

logger = logging.getLogger("contracts")

# The libyaml-backed loader parses the 450 kB Engine API files about ten
# times faster than the pure-Python one; fall back when libyaml is missing.
_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_FILE_NAME = re.compile(r"^v(?P<version>\d+\.\d+)\.yaml$")


class SpecificationNotFound(FileNotFoundError):
    """No specification file for the requested version in the folder."""


def load_spec(path: str | os.PathLike[str]) -> Specification:
    """Load the Swagger 2.0 specification at ``path``.

    Parsed documents are cached by resolved path, size and modification
    time, so loading the same file again costs a ``stat`` call.

    Raises:
        FileNotFoundError: when the file does not exist.
        ValueError: when the file is not a Swagger 2.0 document.
    """
    resolved = Path(path).resolve()
    status = resolved.stat()
    return _load_cached(str(resolved), status.st_size, status.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _load_cached(path: str, size: int, mtime_ns: int) -> Specification:
    # size and mtime_ns are part of the cache key only: a changed file
    # misses the cache and is parsed again.
    return parse_spec(path)


def parse_spec(path: str | os.PathLike[str]) -> Specification:
    """Parse the specification at ``path`` without consulting the cache.

    Raises:
        FileNotFoundError: when the file does not exist.
        ValueError: when the file is not a Swagger 2.0 document.
    """
    path = str(path)
    started = time.perf_counter()
    with open(path, "rb") as stream:
        document = yaml.load(stream, Loader=_Loader)
    if not isinstance(document, dict):
        raise ValueError(f"{path} does not contain a YAML mapping")
    specification = Specification(document, source=path)
    logger.debug(
        "loaded API %s from %s in %.0f ms",
        specification.version,
        path,
        (time.perf_counter() - started) * 1000,
    )
    return specification


def spec_path(folder: str | os.PathLike[str], version: str) -> Path:
    """Return the path of version ``version``'s file (``v1.41.yaml``) in ``folder``.

    Raises:
        SpecificationNotFound: when the file does not exist.
    """
    candidate = Path(folder) / f"v{_normalise(version)}.yaml"
    if not candidate.is_file():
        known = ", ".join(available_versions(folder)) or "none"
        raise SpecificationNotFound(
            f"no specification for API {version} in {folder} "
            f"(expected {candidate.name}; available: {known})"
        )
    return candidate


def load_version(folder: str | os.PathLike[str], version: str) -> Specification:
    """Load the specification of API ``version`` (``"1.41"``) from ``folder``.

    Raises:
        SpecificationNotFound: when ``folder`` has no file for the version.
    """
    return load_spec(spec_path(folder, version))


def available_versions(folder: str | os.PathLike[str]) -> list[str]:
    """Return the versions with a ``vX.Y.yaml`` file in ``folder``, oldest first."""
    base = Path(folder)
    if not base.is_dir():
        return []
    found = []
    for entry in base.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match is not None:
            found.append(match.group("version"))
    return sorted(found, key=_version_key)


def clear_cache() -> None:
    """Forget every parsed document, so the next load reads the file again."""
    _load_cached.cache_clear()


def _normalise(version: str) -> str:
    """Return ``version`` without a leading ``v`` and with numeric parts."""
    text = str(version).removeprefix("v")
    major, _, minor = text.partition(".")
    if not (major.isdigit() and minor.isdigit()):
        raise ValueError(f"invalid API version {version!r}: expected MAJOR.MINOR")
    return f"{int(major)}.{int(minor)}"


def _version_key(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor)
