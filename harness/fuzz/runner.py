"""Running one property with hypothesis and keeping its shrunk counterexample."""

from __future__ import annotations

import gc
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from hypothesis import HealthCheck, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisWarning

T = TypeVar("T")


class PropertyFailure(AssertionError):
    """A campaign property that did not hold for one example."""

    def __init__(self, problems: list[str], example: object) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.example = example


@dataclass(frozen=True, slots=True)
class Failure:
    """The shrunk counterexample of one property.

    Attributes:
        case: the property's name, such as ``errors/json-charset``.
        problems: what differed from the reference.
        example: the shrunk example, as ``repr`` text.
    """

    case: str
    problems: list[str]
    example: str


class Hang(Exception):
    """The client did not return within the campaign's time limit."""


def call_with_timeout(function: Callable[[], T], timeout: float) -> T:
    """Call ``function`` in a thread and return its result within ``timeout`` s.

    Raises:
        Hang: the call is still running; its thread is left behind, as a
            daemon thread, because Python threads cannot be stopped.
    """
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(function())
        except BaseException as error:  # noqa: BLE001 - handed to the caller
            errors.append(error)

    thread = threading.Thread(target=target, name="fuzz-call", daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise Hang(f"the client did not return within {timeout:g} s")
    if errors:
        raise errors[0]
    return result[0]


def settle_connections(count: Callable[[], int | None], baseline: int | None) -> int:
    """Return how many connections stay open above ``baseline``, after a GC."""
    if baseline is None:
        return 0
    now = count()
    if now is not None and now > baseline:
        # A response freed only by the cycle collector is not a leak.
        gc.collect()
        now = count()
    return 0 if now is None else max(now - baseline, 0)


def run_property(
    case: str,
    strategy: st.SearchStrategy[Any],
    check: Callable[[Any], None],
    *,
    examples: int,
    seed_value: int,
) -> Failure | None:
    """Run ``check`` on ``examples`` draws; return the shrunk failure, if any.

    ``check`` raises :class:`PropertyFailure` when the property does not
    hold; any other exception is reported as a failure of the campaign
    itself with its type and text.
    """

    @seed(seed_value)
    @settings(
        max_examples=examples,
        database=None,
        deadline=None,
        verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(strategy)
    def prop(example: Any) -> None:
        check(example)

    try:
        with warnings.catch_warnings():
            # Oversized error bodies (2 MiB) are examples on purpose.
            warnings.filterwarnings(
                "ignore", "Generating overly large repr", HypothesisWarning
            )
            prop()
    except PropertyFailure as failure:
        return Failure(case, failure.problems, _show(failure.example))
    return None


def _show(example: object, limit: int = 600) -> str:
    text = repr(example)
    if len(text) > limit:
        return text[: limit - 20] + f"... ({len(text)} characters)"
    return text
