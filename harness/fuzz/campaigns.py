"""The fuzz campaigns: errors, negotiation and streams, against any client."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from harness.fuzz.adapters import ClientAdapter, Outcome, Step
from harness.fuzz.daemon import FuzzDaemon
from harness.fuzz.reference import (
    GENERATIONS,
    ExpectedError,
    expected_error,
    expected_negotiation,
)
from harness.fuzz.runner import (
    Failure,
    Hang,
    PropertyFailure,
    call_with_timeout,
    run_property,
    settle_connections,
)
from harness.strategies import (
    ErrorResponse,
    FramedStream,
    ProgressStream,
    api_versions,
    error_responses,
    framed_streams,
    progress_streams,
)
from harness.strategies.errors import FORMS

logger = logging.getLogger("harness")

CAMPAIGNS = ("errors", "negotiation", "streams")
"""The campaigns :func:`run_campaign` knows."""

MULTIPLEXED = "application/vnd.docker.multiplexed-stream"


@dataclass
class CampaignReport:
    """The result of one campaign against one client."""

    client: str
    campaign: str
    examples: int
    seed: int
    cases: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """Whether every property held."""
        return not self.failures

    def format(self) -> str:
        """Return a text report: one line per case, then each failure."""
        failed = {failure.case for failure in self.failures}
        lines = [
            f"campaign {self.campaign} against {self.client}: "
            f"{len(self.cases) - len(failed)} of {len(self.cases)} properties held "
            f"({self.examples} examples each, seed {self.seed}, "
            f"{self.seconds:.1f} s)"
        ]
        for case in self.cases:
            lines.append(f"  {'FAIL' if case in failed else 'ok  '} {case}")
        for failure in self.failures:
            lines.append(f"\n{failure.case}: shrunk example {failure.example}")
            lines.extend(f"  - {problem}" for problem in failure.problems)
        return "\n".join(lines)


@dataclass
class _Context:
    adapter: ClientAdapter
    daemon: FuzzDaemon
    timeout: float

    def run(self, step: Step, example: object) -> Outcome:
        """Run one step and fail the example on a hang or a leaked connection."""
        baseline = self.daemon.client_connections()
        try:
            outcome = call_with_timeout(
                lambda: self.adapter.run(step), self.timeout + 5.0
            )
        except Hang as hang:
            raise PropertyFailure([str(hang)], example) from None
        leaked = settle_connections(self.daemon.client_connections, baseline)
        if leaked:
            raise PropertyFailure(
                [
                    f"{leaked} connection(s) to the daemon still open after the "
                    "client was closed"
                ],
                example,
            )
        return outcome


def _request_url(daemon: FuzzDaemon, version: str, path: str) -> str:
    authority = urllib.parse.quote(str(daemon.socket_path), safe="")
    return f"http://{authority}/v{version}{path}"


def _error_problems(outcome: Outcome, expected: ExpectedError, form: str) -> list[str]:
    if outcome.kind != "api-error":
        return [
            f"expected an API error with status {expected.status}, got "
            f"{outcome.kind} {outcome.exception}: {outcome.message[:200]!r}"
        ]
    problems = []
    if outcome.status != expected.status:
        problems.append(f"status {outcome.status}, expected {expected.status}")
    if outcome.error_kind is not None and outcome.error_kind != expected.kind:
        problems.append(f"error kind {outcome.error_kind}, expected {expected.kind}")
    if form == "go" and not expected.matches(outcome.message):
        how = "" if expected.exact else " (start)"
        problems.append(
            f"message {outcome.message[:300]!r}, expected{how} "
            f"{expected.message[:300]!r}"
        )
    if form == "explanation":
        shown = outcome.daemon_message or ""
        wanted = expected.daemon_message or ""
        if shown != wanted:
            problems.append(
                f"daemon message {shown[:300]!r}, expected {wanted[:300]!r}"
            )
    return problems


def _errors_cases(context: _Context) -> list[tuple[str, Any, Callable[[Any], None]]]:
    daemon = context.daemon
    version = str(daemon.daemon.engine.profile.max_api)

    def check(response: ErrorResponse) -> None:
        daemon.clear_faults()
        daemon.add_fault(
            operation="SystemInfo",
            status=response.status,
            body=response.body,
            content_type=response.content_type,
        )
        outcome = context.run(
            Step("error", daemon.docker_host, context.timeout), response
        )
        # The client may have negotiated a lower version than the daemon's.
        expected = expected_error(
            response.status,
            response.content_type,
            response.body,
            _request_url(daemon, version, "/info"),
        )
        problems = _error_problems(outcome, expected, context.adapter.message_form)
        if problems:
            raise PropertyFailure(problems, response)

    connection_faults = st.sampled_from(
        [
            {"drop_connection": True},
            {"garbage": True},
            {"truncate_body": 10},
            {"truncate_body": 1},
        ]
    )

    def check_connection(fault: dict[str, Any]) -> None:
        daemon.clear_faults()
        daemon.add_fault(operation="SystemInfo", **fault)
        outcome = context.run(Step("error", daemon.docker_host, context.timeout), fault)
        if outcome.kind != "protocol-error":
            raise PropertyFailure(
                [
                    f"expected a protocol error, got {outcome.kind} "
                    f"{outcome.exception}: {outcome.message[:200]!r}"
                ],
                fault,
            )

    cases: list[tuple[str, Any, Callable[[Any], None]]] = [
        (f"errors/{form}", error_responses(forms=(form,)), check) for form in FORMS
    ]
    cases.append(("errors/connection", connection_faults, check_connection))
    return cases


def _negotiation_cases(
    context: _Context,
) -> list[tuple[str, Any, Callable[[Any], None]]]:
    daemon = context.daemon
    fixed_max = getattr(context.adapter, "fixed_max_version", None)
    fixed_min = getattr(context.adapter, "fixed_min_version", None)

    @st.composite
    def settings(draw: st.DrawFn, header: bool) -> dict[str, Any]:
        client_max = fixed_max or draw(api_versions(min_version="1.24"))
        client_min = fixed_min or draw(
            api_versions(min_version="1.24", max_version=client_max)
        )
        return {
            "generation": draw(st.sampled_from(GENERATIONS)),
            "max_version": client_max,
            "min_version": client_min,
            "daemon": draw(api_versions(min_version="1.12", max_version="1.60")),
            "header": header,
        }

    def check(drawn: dict[str, Any]) -> None:
        daemon.clear_faults()
        header = drawn["daemon"] if drawn["header"] else None
        for operation in ("SystemPing", "SystemPingHead"):
            daemon.add_fault(operation=operation, api_version_header=header)
        version_body = {"ApiVersion": drawn["daemon"], "MinAPIVersion": "1.12"}
        daemon.add_fault(
            operation="SystemVersion",
            status=200,
            body=json.dumps(version_body) + "\n",
            content_type="application/json",
            api_version_header=header,
        )
        options = {
            key: drawn[key] for key in ("generation", "max_version", "min_version")
        }
        step = Step("negotiate", daemon.docker_host, context.timeout, options)
        outcome = context.run(step, drawn)
        expected = expected_negotiation(
            client_max=drawn["max_version"],
            client_min=drawn["min_version"],
            header=header,
            generation=drawn["generation"],
        )
        if expected.version is not None:
            if outcome.kind != "ok" or outcome.version != expected.version:
                raise PropertyFailure(
                    [
                        f"negotiated {outcome.version or outcome.kind} "
                        f"({outcome.message[:200]!r}), expected {expected.version}"
                    ],
                    drawn,
                )
        elif outcome.kind != "negotiation-error":
            raise PropertyFailure(
                [
                    f"negotiated {outcome.version or outcome.kind}, expected a "
                    f"failure ({expected.failure})"
                ],
                drawn,
            )

    return [
        ("negotiation/header", settings(True), check),
        ("negotiation/no-header", settings(False), check),
    ]


def _streams_cases(context: _Context) -> list[tuple[str, Any, Callable[[Any], None]]]:
    daemon = context.daemon

    def check_frames(stream: FramedStream) -> None:
        daemon.clear_faults()
        daemon.add_fault(
            operation="ContainerInspect",
            status=200,
            body={"Id": "c1", "Config": {"Tty": False}},
        )
        daemon.add_fault(
            operation="ContainerLogs",
            status=200,
            body=stream.body,
            content_type=MULTIPLEXED,
        )
        outcome = context.run(Step("logs", daemon.docker_host, context.timeout), stream)
        problems = []
        # Go's StdCopy writes stdin frames to stdout; a client that drops the
        # stream type is compared on payloads only.
        keeps_types = any(kind is not None for kind, _ in outcome.items)
        got = [_destination(kind, keeps_types) for kind, _ in outcome.items]
        got_frames = [
            (kind, payload)
            for kind, (_, payload) in zip(got, outcome.items, strict=True)
        ]
        wanted_frames = [
            (_destination(kind, keeps_types), payload)
            for kind, payload in stream.frames
        ]
        if got_frames != wanted_frames:
            problems.append(f"frames {got_frames!r}, expected {wanted_frames!r}")
        wanted_kind = {
            None: "ok",
            "system": "stream-error",
            "bad-type": "protocol-error",
            "truncated": "protocol-error",
        }[stream.error]
        if outcome.kind != wanted_kind:
            problems.append(
                f"ended with {outcome.kind} {outcome.exception} "
                f"{outcome.message[:200]!r}, expected {wanted_kind}"
            )
        elif stream.error == "system":
            text = stream.error_payload.decode("utf-8", "replace")
            if text not in outcome.message:
                problems.append(
                    f"system error {outcome.message!r} does not contain {text!r}"
                )
        if problems:
            raise PropertyFailure(problems, stream)

    def check_progress(stream: ProgressStream) -> None:
        daemon.clear_faults()
        daemon.add_fault(
            operation="ImageCreate",
            status=200,
            body=stream.body,
            content_type="application/json",
        )
        outcome = context.run(Step("pull", daemon.docker_host, context.timeout), stream)
        problems = []
        if outcome.items != stream.messages:
            problems.append(f"messages {outcome.items!r}, expected {stream.messages!r}")
        if stream.error is None and outcome.kind != "ok":
            problems.append(f"ended with {outcome.kind}: {outcome.message[:200]!r}")
        if stream.error is not None and (
            outcome.kind != "stream-error" or outcome.message != stream.error
        ):
            problems.append(
                f"ended with {outcome.kind} {outcome.message[:200]!r}, expected "
                f"the in-band error {stream.error!r}"
            )
        if problems:
            raise PropertyFailure(problems, stream)

    return [
        ("streams/frames", framed_streams(), check_frames),
        ("streams/frames-corrupt", framed_streams(valid=False), check_frames),
        ("streams/progress", progress_streams(), check_progress),
    ]


def _destination(kind: int | None, keeps_types: bool) -> int | None:
    if not keeps_types or kind is None:
        return None
    return 1 if kind == 0 else kind


_BUILDERS = {
    "errors": _errors_cases,
    "negotiation": _negotiation_cases,
    "streams": _streams_cases,
}


def run_campaign(
    adapter: ClientAdapter,
    campaign: str,
    *,
    examples: int = 50,
    seed: int = 0,
    timeout: float = 10.0,
) -> CampaignReport:
    """Run every property of ``campaign`` against ``adapter`` on a new fake daemon.

    Args:
        adapter: the client under test.
        campaign: one of :data:`CAMPAIGNS`.
        examples: examples per property (each campaign has several).
        seed: the hypothesis seed, for reproducible runs.
        timeout: seconds the client may take per response; a call still
            running 5 s after that counts as a hang.

    Raises:
        ValueError: an unknown campaign or a non-positive example count.
    """
    if campaign not in _BUILDERS:
        raise ValueError(f"unknown campaign {campaign!r}: use {', '.join(CAMPAIGNS)}")
    if examples < 1:
        raise ValueError(f"invalid examples {examples}: use 1 or more")
    report = CampaignReport(adapter.name, campaign, examples, seed)
    started = time.perf_counter()
    with FuzzDaemon() as daemon:
        context = _Context(adapter, daemon, timeout)
        for case, strategy, check in _BUILDERS[campaign](context):
            report.cases.append(case)
            failure = run_property(
                case, strategy, check, examples=examples, seed_value=seed
            )
            if failure is not None:
                logger.info(
                    "%s failed for %s: %s", case, adapter.name, failure.problems
                )
                report.failures.append(failure)
    report.seconds = time.perf_counter() - started
    return report
