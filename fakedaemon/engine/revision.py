"""Revision numbers of the records that container listings encode.

Each container store owns one ``Revision``. ``GET /containers/json`` keeps
each container's encoded summary while the revision of its store is
unchanged. The records a listing reads subclass ``Tracked``: a container,
its state, health, network attachments, endpoints and mount points. Once
the store adopts a container, every attribute assignment on it or on a
record reachable from it moves that store's revision on, and no other
store's. A change made in place to a dict or list of these records
(``Container.networks``, ``config``, ``host_config``) must be followed by
the container's ``mark_changed``, which also adopts records put there.

A record that no store adopted moves nothing: nothing is cached about a
container that no store contains. An adopted record keeps its revision
after it leaves its container or its store, so its later changes cost at
most one refill of that store's cache.

A revision number is never reused, because each value comes from one
``next`` on the revision's own counter. So a value that a reader saw is
never stored again once another one replaced it, even when threads store
their values out of order.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar, Self

_IMMUTABLE = (str, int, bool, float, type(None))
_MISSING = object()


class Revision:
    """The revision number of one container store's records."""

    __slots__ = ("_counter", "number")

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self.number = 0
        """The current revision; read it before reading the records it covers."""

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
    lists there only attributes that no container listing reads. Attributes
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
    """Values computed from the records, kept for one revision at a time.

    A reader takes the table of the revision it read before it read any
    record, and a new revision starts an empty table. A reader that still
    has an older table fills that table, which no later reader takes, so
    nothing is ever stored under a newer revision than it was built from.
    """

    def __init__(self) -> None:
        self._table: tuple[int, dict[Any, Any]] = (-1, {})

    def table(self, revision_number: int) -> dict[Any, Any]:
        """Return the entries valid at ``revision_number``."""
        table = self._table
        if table[0] != revision_number:
            table = (revision_number, {})
            self._table = table
        return table[1]
