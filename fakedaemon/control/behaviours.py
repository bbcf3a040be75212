"""Behaviours: what a container of a given image or command does when it runs."""

from __future__ import annotations

import fnmatch
import itertools
import math
import shlex
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..engine.process import Exit, Output, ProcessSpec, Script, Sleep

if TYPE_CHECKING:
    from ..engine.containers import Container


@dataclass
class BehaviourRule:
    """One registered behaviour and the containers it applies to.

    ``image`` matches the image name the container was created with
    (``busybox``, ``busybox:latest``, ``docker.io/library/busybox``) or a
    glob of it; ``command`` matches the process's command line, as a list
    compared word by word or as a glob of the words joined by spaces. A rule
    with neither applies to every container. The process writes ``stdout``,
    then ``stderr``, runs ``duration`` seconds on the daemon's clock (``inf``
    or None with ``forever``: until stopped) and exits with ``exit_code``.
    ``script`` replaces all of that with explicit steps.
    """

    image: str | None = None
    command: str | Sequence[str] | None = None
    stdout: bytes = b""
    stderr: bytes = b""
    duration: float = 0.0
    exit_code: int = 0
    script: Script | None = None
    id: str = ""
    uses: int = field(default=0, compare=False)

    def applies_to(self, image: str, argv: Sequence[str], image_id: str = "") -> bool:
        """Return whether a container of ``image`` running ``argv`` matches."""
        return _rule_applies(self.image, self.command, image, argv, image_id)

    def to_script(self) -> Script:
        """Return the steps the simulated process runs."""
        if self.script is not None:
            return self.script
        steps: list[Output | Sleep | Exit] = []
        if self.stdout:
            steps.append(Output("stdout", self.stdout))
        if self.stderr:
            steps.append(Output("stderr", self.stderr))
        if self.duration:
            steps.append(Sleep(self.duration))
        steps.append(Exit(self.exit_code))
        return Script(steps)

    def to_json(self) -> dict[str, Any]:
        """Return the rule as JSON-ready values (a script as its steps)."""
        document: dict[str, Any] = {
            "id": self.id,
            "image": self.image,
            "command": (
                self.command
                if self.command is None or isinstance(self.command, str)
                else list(self.command)
            ),
            "stdout": self.stdout.decode("utf-8", "replace"),
            "stderr": self.stderr.decode("utf-8", "replace"),
            "duration": None if math.isinf(self.duration) else self.duration,
            "forever": math.isinf(self.duration),
            "exit_code": self.exit_code,
            "uses": self.uses,
        }
        return document


@dataclass(frozen=True)
class ProbeResult:
    """One scripted health check: what it writes, how long it runs, its exit code.

    ``output`` goes to the check's stdout, ``duration`` is seconds on the
    daemon's clock (a duration past the check's timeout makes it time out),
    and an ``exit_code`` of 0 is healthy, anything else a failure.
    """

    exit_code: int = 0
    output: bytes = b""
    duration: float = 0.0

    def __post_init__(self) -> None:
        if isinstance(self.output, str):
            object.__setattr__(self, "output", self.output.encode())
        if self.duration < 0 or math.isnan(self.duration):
            raise ValueError(f"invalid duration {self.duration}: use 0 or more seconds")
        if not 0 <= self.exit_code <= 255:
            raise ValueError(f"invalid exit code {self.exit_code}: use 0 to 255")

    def to_script(self) -> Script:
        """Return the steps of the scripted check."""
        steps: list[Output | Sleep | Exit] = []
        if self.output:
            steps.append(Output("stdout", self.output))
        if self.duration:
            steps.append(Sleep(self.duration))
        steps.append(Exit(self.exit_code))
        return Script(steps)

    def to_json(self) -> dict[str, Any]:
        """Return the result as JSON-ready values."""
        return {
            "exit_code": self.exit_code,
            "output": self.output.decode("utf-8", "replace"),
            "duration": self.duration,
        }


@dataclass
class HealthRule:
    """One registered health check behaviour and the checks it scripts.

    ``image`` matches as in ``BehaviourRule``. ``command`` matches the
    check's command (the words after ``CMD``, or the shell text after
    ``CMD-SHELL``) as a list or a glob. A container's n-th check runs the
    n-th of ``results``, and every check after the last runs the last.
    """

    image: str | None = None
    command: str | Sequence[str] | None = None
    results: tuple[ProbeResult, ...] = (ProbeResult(),)
    id: str = ""
    uses: int = field(default=0, compare=False)
    # Checks scripted so far, by container id.
    _checks: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def applies_to(self, image: str, test: Sequence[str], image_id: str = "") -> bool:
        """Return whether a check ``test`` of a container of ``image`` matches."""
        return _rule_applies(self.image, self.command, image, test, image_id)

    def next_script(self, container_id: str) -> Script:
        """Return the script of ``container_id``'s next check.

        The caller holds the ``Behaviours`` lock, which guards the positions.
        """
        position = self._checks.get(container_id, 0)
        self._checks[container_id] = position + 1
        self.uses += 1
        return self.results[min(position, len(self.results) - 1)].to_script()

    def to_json(self) -> dict[str, Any]:
        """Return the rule as JSON-ready values."""
        return {
            "id": self.id,
            "kind": "health",
            "image": self.image,
            "command": (
                self.command
                if self.command is None or isinstance(self.command, str)
                else list(self.command)
            ),
            "results": [result.to_json() for result in self.results],
            "uses": self.uses,
        }


def _rule_applies(
    image_pattern: str | None,
    command_pattern: str | Sequence[str] | None,
    image: str,
    argv: Sequence[str],
    image_id: str,
) -> bool:
    if image_pattern is not None and not (
        _image_matches(image_pattern, image) or image_pattern == image_id
    ):
        return False
    if command_pattern is None:
        return True
    if isinstance(command_pattern, str):
        return fnmatch.fnmatchcase(shlex.join(argv), command_pattern) or (
            fnmatch.fnmatchcase(" ".join(argv), command_pattern)
        )
    return list(command_pattern) == list(argv)


def _image_matches(pattern: str, image: str) -> bool:
    candidates = {image, *_image_aliases(image)}
    return any(fnmatch.fnmatchcase(name, pattern) for name in candidates)


def _image_aliases(image: str) -> list[str]:
    # ``busybox`` also goes by ``busybox:latest``, ``library/busybox`` and
    # ``docker.io/library/busybox``, as the daemon normalizes names.
    if image.startswith("sha256:") or "@" in image:
        return []
    name, _, tag = image.rpartition(":") if _has_tag(image) else (image, "", "")
    forms = [name]
    if name.startswith("docker.io/library/"):
        forms.append(name.removeprefix("docker.io/library/"))
    elif name.startswith("docker.io/"):
        forms.append(name.removeprefix("docker.io/"))
    elif "/" not in name:
        forms += [f"library/{name}", f"docker.io/library/{name}"]
    elif "." not in name.split("/", 1)[0] and ":" not in name.split("/", 1)[0]:
        forms.append(f"docker.io/{name}")
    tag = tag or "latest"
    return [*forms, *(f"{form}:{tag}" for form in forms)]


def _has_tag(image: str) -> bool:
    last = image.rsplit("/", 1)[-1]
    return ":" in last


class Behaviours:
    """The behaviours of one daemon; the newest matching rule wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[BehaviourRule] = []
        self._health_rules: list[HealthRule] = []
        self._ids = itertools.count(1)

    def add(
        self,
        *,
        image: str | None = None,
        command: str | Sequence[str] | None = None,
        stdout: bytes | str = b"",
        stderr: bytes | str = b"",
        duration: float | None = 0.0,
        exit_code: int = 0,
        script: Script | None = None,
    ) -> BehaviourRule:
        """Register what containers of ``image`` or ``command`` do when started.

        Args:
            image: an image name or a glob of it; None for any image.
            command: the command line, as a list of words or a glob of the
                words joined by spaces; None for any command.
            stdout: bytes (or UTF-8 text) the process writes to stdout.
            stderr: bytes (or UTF-8 text) the process writes to stderr.
            duration: seconds the process runs on the daemon's clock after
                writing; None or ``math.inf`` runs until it is stopped.
            exit_code: the status the process exits with.
            script: explicit steps (``Output``, ``Sleep``, ``Exit``) in
                place of the four settings above.

        Returns:
            The rule; its ``uses`` counts the processes it scripted.
        """
        seconds = math.inf if duration is None else float(duration)
        if seconds < 0:
            raise ValueError(f"invalid duration {duration}: use 0 or more seconds")
        rule = BehaviourRule(
            image=image,
            command=command,
            stdout=stdout.encode() if isinstance(stdout, str) else stdout,
            stderr=stderr.encode() if isinstance(stderr, str) else stderr,
            duration=seconds,
            exit_code=exit_code,
            script=script,
        )
        with self._lock:
            rule.id = f"behaviour-{next(self._ids)}"
            self._rules.append(rule)
        return rule

    def add_from_json(self, document: Mapping[str, Any]) -> BehaviourRule:
        """Register a behaviour from the control API's JSON settings.

        Raises:
            ValueError: for an unknown setting or an invalid value.
        """
        allowed = {"image", "command", "stdout", "stderr", "duration", "exit_code"}
        settings = dict(document)
        forever = bool(settings.pop("forever", False))
        unknown = sorted(set(settings) - allowed)
        if unknown:
            raise ValueError(f"unknown behaviour settings: {', '.join(unknown)}")
        if forever:
            settings["duration"] = None
        try:
            return self.add(**settings)
        except TypeError as error:
            raise ValueError(f"invalid behaviour settings: {error}") from None

    def extend(self, rules: Iterable[Mapping[str, Any]]) -> None:
        """Register several behaviours given as keyword mappings."""
        for settings in rules:
            self.add(**settings)

    def add_health(
        self,
        *,
        image: str | None = None,
        command: str | Sequence[str] | None = None,
        exit_code: int = 0,
        output: bytes | str = b"",
        duration: float = 0.0,
        results: Sequence[ProbeResult | Mapping[str, Any]] | None = None,
    ) -> HealthRule:
        """Register what the health checks of ``image`` or ``command`` return.

        Args:
            image: an image name or a glob of it; None for any image.
            command: the check's command (the words after ``CMD``, or the
                shell text after ``CMD-SHELL``), as a list or a glob; None
                for any check.
            exit_code: the check's exit code; 0 is healthy.
            output: bytes (or UTF-8 text) the check writes.
            duration: seconds the check runs on the daemon's clock.
            results: a sequence of checks (``ProbeResult`` or mappings of
                ``exit_code``, ``output``, ``duration``) in place of the three
                settings above; after the last, the last repeats.

        Returns:
            The rule; its ``uses`` counts the checks it scripted.

        Raises:
            ValueError: an empty ``results`` or an invalid value.
        """
        steps: tuple[ProbeResult, ...]
        if results is None:
            steps = (_probe_result(exit_code, output, duration),)
        else:
            steps = tuple(
                result if isinstance(result, ProbeResult) else _probe_from(result)
                for result in results
            )
            if not steps:
                raise ValueError("results is empty: give at least one check result")
        rule = HealthRule(image=image, command=command, results=steps)
        with self._lock:
            rule.id = f"behaviour-{next(self._ids)}"
            self._health_rules.append(rule)
        return rule

    def add_health_from_json(self, document: Mapping[str, Any]) -> HealthRule:
        """Register a health check behaviour from the control API's JSON settings.

        Raises:
            ValueError: for an unknown setting or an invalid value.
        """
        allowed = {"image", "command", "exit_code", "output", "duration", "results"}
        unknown = sorted(set(document) - allowed)
        if unknown:
            raise ValueError(f"unknown health behaviour settings: {', '.join(unknown)}")
        try:
            return self.add_health(**document)
        except TypeError as error:
            raise ValueError(f"invalid health behaviour settings: {error}") from None

    def remove(self, rule_id: str) -> None:
        """Remove one behaviour, of a process or of a health check, by id.

        Raises:
            KeyError: no behaviour has that id.
        """
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.id == rule_id:
                    del self._rules[index]
                    return
            for index, health_rule in enumerate(self._health_rules):
                if health_rule.id == rule_id:
                    del self._health_rules[index]
                    return
        raise KeyError(rule_id)

    def clear(self) -> None:
        """Remove every behaviour, of processes and of health checks."""
        with self._lock:
            self._rules.clear()
            self._health_rules.clear()

    @property
    def rules(self) -> list[BehaviourRule]:
        """The registered behaviours, oldest first."""
        with self._lock:
            return list(self._rules)

    @property
    def health_rules(self) -> list[HealthRule]:
        """The registered health check behaviours, oldest first."""
        with self._lock:
            return list(self._health_rules)

    def health_script(self, container: Container, test: Sequence[str]) -> Script | None:
        """Return the script of ``container``'s next check ``test``, or None.

        The newest matching rule wins; without one the check's command is
        interpreted.
        """
        image = str(container.config.get("Image") or "")
        with self._lock:
            for rule in reversed(self._health_rules):
                if rule.applies_to(image, test, container.image_id):
                    return rule.next_script(container.id)
        return None

    def script_for(
        self, image: str, argv: Sequence[str], image_id: str = ""
    ) -> Script | None:
        """Return the script of the newest rule matching, or None."""
        with self._lock:
            for rule in reversed(self._rules):
                if rule.applies_to(image, argv, image_id):
                    rule.uses += 1
                    return rule.to_script()
        return None

    def covers(self, container: Container, argv: Sequence[str]) -> bool:
        """Return whether a rule scripts ``argv`` in ``container``.

        A scripted command needs no executable in the image, so the engine
        skips its start check for it.
        """
        image = str(container.config.get("Image") or "")
        with self._lock:
            return any(
                rule.applies_to(image, argv, container.image_id) for rule in self._rules
            )

    def for_container(
        self, container: Container
    ) -> Callable[[ProcessSpec], Script | None] | None:
        """Return the behaviour hook for ``container``'s process, if any rule exists.

        The engine passes the hook to ``run``; it binds the container's image
        name, which the process spec does not carry.
        """
        with self._lock:
            if not self._rules:
                return None
        image = str(container.config.get("Image") or "")
        image_id = container.image_id

        def hook(spec: ProcessSpec) -> Script | None:
            return self.script_for(image, spec.argv, image_id)

        return hook


def _probe_result(exit_code: int, output: bytes | str, duration: float) -> ProbeResult:
    data = output.encode() if isinstance(output, str) else bytes(output)
    return ProbeResult(exit_code=int(exit_code), output=data, duration=float(duration))


def _probe_from(settings: Mapping[str, Any]) -> ProbeResult:
    unknown = sorted(set(settings) - {"exit_code", "output", "duration"})
    if unknown:
        raise ValueError(f"unknown check result settings: {', '.join(unknown)}")
    return _probe_result(
        settings.get("exit_code", 0),
        settings.get("output", b""),
        settings.get("duration", 0.0),
    )
