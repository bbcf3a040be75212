"""Strategies for Engine API version strings."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from harness.strategies._options import check_version

OLDEST = "1.24"
"""The oldest API version the Engine API specifications describe."""

NEWEST = "1.55"
"""The newest API version with a released specification."""


def api_versions(
    *, min_version: str = OLDEST, max_version: str = NEWEST
) -> st.SearchStrategy[str]:
    """Generate API versions ``1.NN`` from ``min_version`` to ``max_version``.

    Versions are written as the daemon prints them (``"1.41"``, never
    ``"1.041"``). Shrinks toward ``min_version``.

    Raises:
        InvalidArgument: a bound is not ``1.NN`` or ``min_version`` is above
            ``max_version``.
    """
    low = check_version("min_version", min_version)
    high = check_version("max_version", max_version)
    if low > high:
        raise InvalidArgument(
            f"min_version={min_version!r} is above max_version={max_version!r}"
        )
    return st.integers(min_value=low, max_value=high).map(lambda minor: f"1.{minor}")
