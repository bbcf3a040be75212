"""A process-wide revision number of the records that container listings encode.

``GET /containers/json`` keeps each container's encoded summary while the
revision is unchanged. Every attribute assignment on a container, its
state, health, network attachments, endpoints and mount points moves the
revision on (see ``Tracked``). A change made in place to a dict or list of
these records (``Container.networks``, ``config``, ``host_config``) must be
followed by ``mark_changed``.

The revision is one number for all engines of the process, so any change
discards every cached summary. It is never reused: each value comes from
one ``next`` on a counter, so a value that a reader saw is never stored
again once another one replaced it, even when threads store their values
out of order.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

_counter = itertools.count(1)
_revision = 0
_IMMUTABLE = (str, int, bool, float, type(None))
_MISSING = object()


def current() -> int:
    """Return the revision; read it before reading the records it covers."""
    return _revision


def mark_changed() -> None:
    """Move the revision on, after a record was changed."""
    global _revision
    _revision = next(_counter)


class Tracked:
    """Base of the records whose attribute assignments move the revision on.

    The assignment happens first and the revision moves after it, so a
    reader that saw the old revision discards what it built. Assigning an
    immutable value identical to the current one changes nothing and keeps
    the revision. Attributes named in ``_untracked`` never move it: a
    subclass lists there only attributes that no container listing reads.
    """

    __slots__ = ()
    _untracked: ClassVar[frozenset[str]] = frozenset()

    def __setattr__(self, name: str, value: Any) -> None:
        previous = getattr(self, name, _MISSING)
        object.__setattr__(self, name, value)
        if name in self._untracked:
            return
        if previous is value and type(value) in _IMMUTABLE:
            return
        mark_changed()


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
