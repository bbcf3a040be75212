"""Revision numbers of the records that container listings and inspect encode.

Each container has a ``Revision``, which its store gives it when it adds
it. ``GET /containers/json`` keeps each container's encoded summary with
the revision number it was encoded at, and uses it while the number is
unchanged; ``GET /containers/{id}/json`` does the same with the whole
document. The records they read subclass ``Tracked``: a container, its
state, health, network attachments, endpoints and mount points. Once
the store adopts a container, every attribute assignment on it or on a
record reachable from it moves that container's revision on, and no
other. A change made in place to a dict or list of these records
(``Container.networks``, ``config``, ``host_config``) must be followed by
the container's ``mark_changed``, which also adopts records put there.

A record that no store adopted moves nothing: nothing is cached about a
container that no store contains. An adopted record keeps its revision
after it leaves its container, so its later changes cost at most one
encoding of that container's summary again.

The revisions of one store take their numbers from one counter, so a
number never comes back within the store. So an entry stored under a
number that a reader saw never matches again once the number moved, even
when threads store their entries out of order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any, ClassVar, Self

_IMMUTABLE = (str, int, bool, float, type(None))
_MISSING = object()


class Revision:
    """The revision number of one container and the records it contains."""

    __slots__ = ("_counter", "number")

    def __init__(self, counter: Iterator[int] | None = None) -> None:
        self._counter = itertools.count(1) if counter is None else counter
        """The numbers this revision takes, shared by the revisions of a store."""
        self.number = next(self._counter)
        """The current revision number. Read it before reading the records it covers."""

    def mark_changed(self) -> None:
        """Move the revision on, after a record was changed."""
        self.number = next(self._counter)


class Tracked:
    """Base of the records whose attribute assignments move a revision on.

    A record moves the revision that adopted it (``adopt``) and nothing
    before that. The assignment happens first and the revision moves after
    it, so a reader that saw the old revision discards what it built.
    Assigning an immutable value identical to the current one keeps the
    revision. Attributes named in ``_untracked`` never move it: a subclass
    lists there only attributes that neither a listing nor inspect reads. Attributes
    named in ``_children`` hold Tracked records, directly or inside lists,
    tuples and dicts, and a record assigned to one of them is adopted too.
    """

    __slots__ = ("_revision",)
    _revision: Revision | None
    _untracked: ClassVar[frozenset[str]] = frozenset()
    _children: ClassVar[frozenset[str]] = frozenset()

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        record = super().__new__(cls)
        # Set before __init__, whose assignments then move no revision.
        object.__setattr__(record, "_revision", None)
        return record

    def __setattr__(self, name: str, value: Any) -> None:
        revision = self._revision
        if revision is None:
            object.__setattr__(self, name, value)
            return
        previous = getattr(self, name, _MISSING)
        if previous is value and type(value) in _IMMUTABLE:
            return
        object.__setattr__(self, name, value)
        if name in self._untracked:
            return
        if name in self._children:
            _adopt(value, revision)
        # Revision.mark_changed, inlined: this runs at every state change.
        revision.number = next(revision._counter)

    def adopt(self, revision: Revision) -> None:
        """Make ``revision`` the one this record and its children move on."""
        object.__setattr__(self, "_revision", revision)
        for name in self._children:
            _adopt(getattr(self, name), revision)

    def mark_changed(self) -> None:
        """Move the owning revision on after a change in place to this record.

        Records put into the record's lists and dicts are adopted first.
        Nothing happens while no revision has adopted the record.
        """
        revision = self._revision
        if revision is None:
            return
        self.adopt(revision)
        revision.mark_changed()

    def revision_number(self) -> int | None:
        """Return the current number of the owning revision, None before adoption."""
        revision = self._revision
        return None if revision is None else revision.number


def _adopt(value: Any, revision: Revision) -> None:
    """Adopt ``value`` when it is Tracked, or the Tracked records it contains."""
    if isinstance(value, Tracked):
        value.adopt(revision)
    elif isinstance(value, dict):
        for item in value.values():
            _adopt(item, revision)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _adopt(item, revision)


class RevisionCache:
    """Values computed from records, each kept with its revision number.

    A reader reads a record's revision number before it reads the record,
    and stores what it computed under that number. A change moves the
    number on after it is made, so a value computed before or during a
    change carries a number that the record no longer has, and is never
    returned again.
    """

    def __init__(self) -> None:
        self._entries: dict[Any, tuple[int, Any]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Any, number: int) -> Any:
        """Return the value of ``key`` computed at revision ``number``, else None."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != number:
            return None
        return entry[1]

    def put(self, key: Any, number: int, value: Any, limit: int) -> None:
        """Keep ``value`` for ``key`` at revision ``number``.

        A new key beyond ``limit`` entries first empties the cache, which
        also drops the entries of removed containers.
        """
        entries = self._entries
        if len(entries) >= limit and key not in entries:
            entries.clear()
        entries[key] = (number, value)

    def entries(self) -> dict[Any, tuple[int, Any]]:
        """Return a copy of the entries: the revision number and value by key."""
        return dict(self._entries)
