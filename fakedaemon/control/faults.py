"""Faults: rules that make the daemon answer a matching request badly."""

from __future__ import annotations

import fnmatch
import itertools
import random
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

UNCHANGED: Any = object()
"""The default of ``api_version_header``: leave the header as the daemon sets it."""

_VERSION_PREFIX = re.compile(r"^/v[0-9.]+(?=/)")


@dataclass
class Fault:
    """One rule: which requests it matches and how the daemon misbehaves.

    Matching: ``operation`` (the specification's operation id), ``method``
    and ``path`` (a glob such as ``/containers/*/json``, compared without the
    ``/v1.xx`` prefix) must all match when given. ``nth`` is the first
    matching request the fault fires on (1-based), ``times`` how many it
    fires on in total (None: no limit), ``probability`` the chance that it
    fires on each candidate, drawn from a generator seeded with ``seed``.

    Effects, combined in this order: ``delay`` seconds of real time; then
    one of ``drop_connection`` (close without an answer), ``garbage`` (bytes
    that are not HTTP), ``status`` (an error answer with ``body`` and
    ``content_type``); without those the operation runs and its response is
    changed by ``truncate_body`` (close after N body bytes),
    ``stream_error_after`` (an in-band error after N progress messages),
    ``bad_frame_header`` or ``truncated_frame`` (the 8-byte stdout/stderr
    framing of logs and attach), ``hijack_close_early`` (close a hijacked
    connection right after the upgrade), ``upgrade_without_headers`` (a
    101 without ``Upgrade`` and ``Connection``) and ``api_version_header``
    (None removes ``Api-Version``, a string replaces it). With
    ``run_operation`` the operation runs before ``drop_connection``,
    ``garbage`` or ``status`` answer, so the change happens but the client
    sees a failure.
    """

    operation: str | None = None
    method: str | None = None
    path: str | None = None
    nth: int = 1
    times: int | None = None
    probability: float = 1.0
    seed: int | None = None
    delay: float = 0.0
    drop_connection: bool = False
    garbage: bool = False
    status: int | None = None
    body: bytes | str | dict[str, Any] | list[Any] | None = None
    content_type: str | None = None
    message: str = "injected fault"
    truncate_body: int | None = None
    stream_error_after: int | None = None
    bad_frame_header: bool = False
    truncated_frame: bool = False
    hijack_close_early: bool = False
    upgrade_without_headers: bool = False
    api_version_header: str | None = UNCHANGED
    run_operation: bool = False
    id: str = ""
    seen: int = field(default=0, compare=False)
    fired: int = field(default=0, compare=False)
    _random: random.Random = field(
        default_factory=random.Random, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.nth < 1:
            raise ValueError(f"invalid nth {self.nth}: count from 1")
        if self.times is not None and self.times < 0:
            raise ValueError(f"invalid times {self.times}: use 0 or more")
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"invalid probability {self.probability}: use 0.0 to 1.0")
        if self.delay < 0:
            raise ValueError(f"invalid delay {self.delay}: use 0 or more seconds")
        if self.method is not None:
            self.method = self.method.upper()
        terminal = [self.drop_connection, self.garbage, self.status is not None]
        if sum(terminal) > 1:
            raise ValueError(
                "drop_connection, garbage and status exclude each other: "
                "give one of them per fault"
            )
        self._random = random.Random(self.seed)

    @property
    def exhausted(self) -> bool:
        """Whether the fault has fired ``times`` times already."""
        return self.times is not None and self.fired >= self.times

    def matches(self, method: str, path: str, operation: str | None) -> bool:
        """Return whether a request is a candidate, before nth and chance."""
        if self.method is not None and method.upper() != self.method:
            return False
        if self.operation is not None and operation != self.operation:
            return False
        if self.path is not None:
            bare = _VERSION_PREFIX.sub("", path)
            if not fnmatch.fnmatchcase(bare, self.path):
                return False
        return True

    def take(self) -> bool:
        """Count a matching request; return whether the fault fires on it."""
        self.seen += 1
        if self.exhausted or self.seen < self.nth:
            return False
        if self.probability < 1.0 and self._random.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def to_json(self) -> dict[str, Any]:
        """Return the fault's settings and counters as JSON-ready values."""
        document: dict[str, Any] = {}
        for item in fields(self):
            if item.name.startswith("_"):
                continue
            value = getattr(self, item.name)
            if item.name == "api_version_header" and value is UNCHANGED:
                continue
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            document[item.name] = value
        return document

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Fault:
        """Build a fault from JSON settings, as the control API receives them.

        Raises:
            ValueError: for an unknown setting or an invalid value.
        """
        names = {item.name for item in fields(cls) if not item.name.startswith("_")}
        unknown = sorted(set(document) - names - {"seen", "fired"})
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(unknown)}")
        settings = {k: v for k, v in document.items() if k not in ("seen", "fired")}
        try:
            return cls(**settings)
        except TypeError as error:
            raise ValueError(f"invalid fault settings: {error}") from None


class FaultSet:
    """The faults of one daemon, checked in the order they were added."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, fault: Fault | None = None, /, **settings: Any) -> Fault:
        """Add a fault, given as a ``Fault`` or as its settings.

        Example::

            control.faults.add(operation="ContainerList", status=500, times=1)

        Returns:
            The added fault, whose ``fired`` counter tests may read.
        """
        if fault is None:
            fault = Fault(**settings)
        elif settings:
            raise TypeError("give either a Fault or its settings, not both")
        with self._lock:
            if not fault.id:
                fault.id = f"fault-{next(self._ids)}"
            self._faults.append(fault)
        return fault

    def extend(self, faults: Iterable[Fault | Mapping[str, Any]]) -> None:
        """Add several faults, each a ``Fault`` or a mapping of settings."""
        for fault in faults:
            if isinstance(fault, Fault):
                self.add(fault)
            else:
                self.add(**fault)

    def remove(self, fault_id: str) -> None:
        """Remove one fault by id.

        Raises:
            KeyError: no fault has that id.
        """
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.id == fault_id:
                    del self._faults[index]
                    return
        raise KeyError(fault_id)

    def clear(self) -> None:
        """Remove every fault."""
        with self._lock:
            self._faults.clear()

    def __iter__(self) -> Any:
        with self._lock:
            return iter(list(self._faults))

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    @property
    def needs_operation(self) -> bool:
        """Whether any fault matches on the operation id."""
        if not self._faults:
            # Without faults, no request needs to take the lock.
            return False
        with self._lock:
            return any(fault.operation is not None for fault in self._faults)

    def select(self, method: str, path: str, operation: str | None) -> Fault | None:
        """Return the first fault that fires on this request, counting it.

        Every matching fault counts the request, so ``nth`` of a later fault
        counts the same requests whether or not an earlier one fired.
        """
        chosen: Fault | None = None
        if not self._faults:
            return None
        with self._lock:
            for fault in self._faults:
                if not fault.matches(method, path, operation):
                    continue
                if chosen is None:
                    if fault.take():
                        chosen = fault
                else:
                    fault.seen += 1
        return chosen
