"""Pick the specification that checks each replayed request."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from contracts.spec import Specification, SpecificationNotFound, load_spec, load_version


def spec_provider(path: Path) -> Callable[[str | None], Specification | None]:
    """Return a function from API version to specification.

    A file checks every request; a folder gives each request the
    ``v1.NN.yaml`` of its version, or none when the folder has no such file.
    """
    if path.is_file():
        spec = load_spec(path)
        return lambda version: spec

    @functools.cache
    def for_version(version: str | None) -> Specification | None:
        if version is None:
            return None
        try:
            return load_version(path, version)
        except SpecificationNotFound:
            return None

    return for_version
