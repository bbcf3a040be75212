"""Verify scenarios against a daemon and collect one result per exchange."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from contracts.exchange.files import find_scenarios, read_scenario
from contracts.exchange.model import Exchange, Scenario
from contracts.exchange.normalize import IdNumbering, Normalizer
from contracts.spec import Specification
from fakedaemon.server.listeners import Address

from .client import Timeouts
from .compare import Difference, compare
from .ids import IdMap
from .operations import operation_name, requested_version
from .replay import replay_scenario

logger = logging.getLogger("contracts")

SpecFor = Callable[[str | None], Specification | None]


@dataclass(slots=True)
class ExchangeResult:
    """The verdict on one replayed exchange."""

    scenario: str
    seq: int
    operation: str
    method: str
    target: str
    differences: list[Difference] = field(default_factory=list)
    spec_failures: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def passed(self) -> bool:
        """True when the replay matched and conformed."""
        return self.error is None and not self.differences and not self.spec_failures

    def first_problem(self) -> str:
        """Return the first reason the exchange failed, or ''."""
        if self.error is not None:
            return f"replay failed: {self.error}"
        if self.differences:
            return self.differences[0].describe()
        if self.spec_failures:
            return f"specification: {self.spec_failures[0]}"
        return ""

    def problems(self) -> list[str]:
        """Return every reason the exchange failed."""
        found = [f"replay failed: {self.error}"] if self.error else []
        found.extend(difference.describe() for difference in self.differences)
        found.extend(f"specification: {failure}" for failure in self.spec_failures)
        return found


def _spec_failures(target: Exchange, spec: Specification | None) -> list[str]:
    response = target.response
    if spec is None or response is None or target.hijack is not None:
        return []
    path = target.request.target.split("?", 1)[0]
    if spec.find(target.request.method, path) is None:
        return []
    headers = {name: value for name, value in response.headers}
    failures = spec.check_response(
        target.request.method, path, response.status, headers, response.payload
    )
    return [failure.message for failure in failures]


def verify_scenario(
    scenario: Scenario,
    address: Address,
    *,
    spec_for: SpecFor | None = None,
    versions: bool = True,
    timeouts: Timeouts | None = None,
) -> list[ExchangeResult]:
    """Replay ``scenario`` against ``address`` and judge each exchange."""
    ids = IdMap()
    replays = replay_scenario(scenario, address, timeouts, ids)
    # Both sides number ids together, the target's ids under the number of
    # the recorded id each was paired with, so an unpaired id on either side
    # shows as one difference instead of renumbering every later id.
    numbering = IdNumbering()
    expected_normalizer = Normalizer(versions=versions, numbering=numbering)
    actual_normalizer = Normalizer(
        versions=versions, numbering=numbering, canonical=ids.recorded_for
    )
    results: list[ExchangeResult] = []
    for replay in replays:
        recorded = replay.recorded
        version = _version(recorded.request.target)
        spec = spec_for(version) if spec_for is not None else None
        result = ExchangeResult(
            scenario=scenario.name,
            seq=recorded.seq,
            operation=operation_name(
                recorded.request.method, recorded.request.target, spec
            ),
            method=recorded.request.method,
            target=recorded.request.target,
        )
        if replay.result is None:
            result.error = replay.error or "no answer"
        else:
            result.differences = compare(
                recorded, replay.result, expected_normalizer, actual_normalizer
            )
            result.spec_failures = _spec_failures(replay.result, spec)
        results.append(result)
    return results


def _version(target: str) -> str | None:
    return requested_version(target)


def verify_recordings(
    root: Path,
    address: Address,
    *,
    spec_for: SpecFor | None = None,
    versions: bool = True,
    timeouts: Timeouts | None = None,
) -> dict[Path, list[ExchangeResult]]:
    """Verify every scenario file under ``root``, one after the other."""
    results: dict[Path, list[ExchangeResult]] = {}
    for path in find_scenarios(root):
        scenario = read_scenario(path)
        if not scenario.name:
            scenario.name = path.stem
        logger.info("verifying %s", path)
        results[path] = verify_scenario(
            scenario,
            address,
            spec_for=spec_for,
            versions=versions,
            timeouts=timeouts,
        )
    return results
