"""The classic builder: Dockerfile parsing, build steps and commits."""

from __future__ import annotations

from .classic import BuildOptions, ClassicBuild
from .commit import commit_container
from .dockerfile import Dockerfile, Instruction, Stage, parse_dockerfile

__all__ = [
    "BuildOptions",
    "ClassicBuild",
    "Dockerfile",
    "Instruction",
    "Stage",
    "commit_container",
    "parse_dockerfile",
]
