"""Figures of the benchmark suite: samples over runs, targets and ratios."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class Sample:
    """The values of one figure over several runs."""

    values: tuple[float, ...]

    @classmethod
    def of(cls, values: Sequence[float]) -> Sample:
        """Return a sample of ``values``; raises ValueError when there are none."""
        if not values:
            raise ValueError("a sample needs at least one value")
        return cls(tuple(float(value) for value in values))

    @property
    def median(self) -> float:
        """The median over the runs."""
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        """The smallest value over the runs."""
        return min(self.values)

    @property
    def high(self) -> float:
        """The largest value over the runs."""
        return max(self.values)


@dataclass(frozen=True)
class Target:
    """A goal for a figure: a check of the figure and the text that states it."""

    text: str
    check: Callable[[Figure], bool | None]


@dataclass
class Figure:
    """One row of the results: what was measured on the fake and the real Engine.

    ``better`` is the direction in which a value improves. The ratio is
    oriented by it, so a ratio above 1 means the fake is better.
    """

    section: str
    name: str
    unit: str
    better: Direction
    fake: Sample | None
    real: Sample | None = None
    target: Target | None = None
    note: str = ""
    details: dict[str, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """How many times better the fake's median is than the real Engine's."""
        if self.fake is None or self.real is None:
            return None
        fake, real = self.fake.median, self.real.median
        if self.better == "higher":
            return fake / real if real > 0 else None
        return real / fake if fake > 0 else None

    @property
    def met(self) -> bool | None:
        """Whether the target is met; None without a target or a real figure."""
        if self.target is None or self.fake is None:
            return None
        return self.target.check(self)


def at_least_real(factor: float = 1.0) -> Target:
    """Return a target the fake meets at ``factor`` times the real Engine's figure."""
    text = "≥ real" if factor == 1 else f"≥ {factor:g}× real"

    def check(figure: Figure) -> bool | None:
        ratio = figure.ratio
        return None if ratio is None else ratio >= factor

    return Target(text, check)


def below(limit: float, unit: str) -> Target:
    """Return a target the fake meets with a median under ``limit``."""

    def check(figure: Figure) -> bool | None:
        return None if figure.fake is None else figure.fake.median < limit

    return Target(f"< {limit:g} {unit}", check)
