"""Map the ids of a recording to the ids a replayed daemon gave out."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

from contracts.exchange.model import DAEMON, Body, Exchange, Request
from contracts.exchange.normalize import LONG_ID, SHORT_ID, SWARM_ID

from .ordering import in_stable_order


def _ids_in(text: str, pattern: re.Pattern[str] = LONG_ID) -> list[str]:
    found: list[str] = []
    for match in pattern.finditer(text):
        if match.group() not in found:
            found.append(match.group())
    return found


def _json_documents(exchange: Exchange) -> list[Any] | None:
    """Return the response's JSON documents, or None when it is not JSON."""
    response = exchange.response
    if response is None:
        return None
    if response.records is not None:
        documents = [record["json"] for record in response.records if "json" in record]
        return documents or None
    try:
        document = json.loads(response.payload) if response.payload else None
    except ValueError:
        return None
    return None if document is None else [in_stable_order(exchange.request, document)]


# Fields that tell which object a list element describes, for pairing the
# elements of two lists of different lengths.
IDENTITY_KEYS = ("Names", "Name", "RepoTags", "Destination", "Path")


def _identity(value: Any) -> str | None:
    """Return what names a list element apart from its ids, or None."""
    if not isinstance(value, dict):
        return None
    for key in IDENTITY_KEYS:
        found = value.get(key)
        if found and found != ["<none>:<none>"]:
            text = LONG_ID.sub("", json.dumps(found, sort_keys=True))
            return SWARM_ID.sub("", text)
    return None


def _aligned(expected: list[Any], actual: list[Any]) -> Iterator[tuple[Any, Any]]:
    """Pair list elements by position, or by identity when the lengths differ.

    Elements without an identity, or whose identity repeats, stay unpaired
    in lists of different lengths, because pairing by position there would
    pair different objects.
    """
    if len(expected) == len(actual):
        yield from zip(expected, actual, strict=True)
        return
    by_identity: dict[str, Any] = {}
    repeated: set[str] = set()
    for item in actual:
        key = _identity(item)
        if key is not None:
            if key in by_identity:
                repeated.add(key)
            by_identity[key] = item
    for item in expected:
        key = _identity(item)
        if key is not None and key in by_identity and key not in repeated:
            yield item, by_identity[key]


def _pairs(expected: Any, actual: Any) -> Iterator[tuple[str, str]]:
    """Yield (recorded id, target id) for ids in the same place of two values."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, item in expected.items():
            if key in actual:
                yield from _pairs(item, actual[key])
    elif isinstance(expected, list) and isinstance(actual, list):
        for left, right in _aligned(expected, actual):
            yield from _pairs(left, right)
    elif isinstance(expected, str) and isinstance(actual, str):
        yield from zip(_ids_in(expected), _ids_in(actual), strict=False)
        yield from zip(
            _ids_in(expected, SWARM_ID), _ids_in(actual, SWARM_ID), strict=False
        )
        # Some ids only ever appear short, such as the intermediate
        # containers a build names in its output.
        yield from zip(
            _ids_in(expected, SHORT_ID), _ids_in(actual, SHORT_ID), strict=False
        )


def _text_of(exchange: Exchange) -> str:
    parts: list[str] = []
    if exchange.response is not None:
        parts.extend(value for _, value in exchange.response.headers)
        parts.append(exchange.response.payload.decode("utf-8", "replace"))
    parts.append(exchange.hijacked_bytes(DAEMON).decode("utf-8", "replace"))
    return "\n".join(parts)


class IdMap:
    """The recorded ids learned so far, each with the target's id for it.

    Ids, 64-hex or swarm, are paired by where they sit in the two responses: at the same
    JSON path when both bodies are JSON (list elements by position, or by
    name when the lists differ in length), else in order of appearance.
    The pairing is one to one: an id already paired on either side is not
    paired again.
    """

    def __init__(self) -> None:
        self._map: dict[str, str] = {}
        self._reverse: dict[str, str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._map)

    def get(self, recorded: str) -> str | None:
        """Return the target's id for a recorded id, or None."""
        with self._lock:
            return self._map.get(recorded)

    def recorded_for(self, target: str) -> str:
        """Return the recorded id paired with a target id, or the id itself.

        A 12-hex short id maps to the short form of the recorded id whose
        target id it starts.
        """
        with self._lock:
            found = self._reverse.get(target)
            if found is not None:
                return found
            if len(target) == 12:
                for new, old in self._reverse.items():
                    if new.startswith(target):
                        return old[:12]
        return target

    def learn(self, recorded: Exchange, target: Exchange) -> None:
        """Pair the ids of a recorded response with those of the target's."""
        expected_docs = _json_documents(recorded)
        actual_docs = _json_documents(target)
        if expected_docs is not None and actual_docs is not None:
            pairs = list(_pairs(expected_docs, actual_docs))
        else:
            recorded_text, target_text = _text_of(recorded), _text_of(target)
            pairs = [
                pair
                for pattern in (LONG_ID, SWARM_ID)
                for pair in zip(
                    _ids_in(recorded_text, pattern),
                    _ids_in(target_text, pattern),
                    strict=False,
                )
            ]
        with self._lock:
            for old, new in pairs:
                if len(old) == 12 and self._knows_short(old, new):
                    continue
                if old not in self._map and new not in self._reverse:
                    self._map[old] = new
                    self._reverse[new] = old

    def _knows_short(self, old: str, new: str) -> bool:
        """Return whether either short id is the start of an id already paired."""
        return any(known.startswith(old) for known in self._map) or any(
            known.startswith(new) for known in self._reverse
        )

    def rewrite_text(self, text: str) -> str:
        """Replace each known recorded id, long, short or swarm, with the target's."""
        with self._lock:
            mapping = dict(self._map)
        shorts = {old[:12]: new[:12] for old, new in mapping.items() if len(old) != 25}
        text = LONG_ID.sub(lambda found: mapping.get(found[0], found[0]), text)
        text = SWARM_ID.sub(lambda found: mapping.get(found[0], found[0]), text)
        return SHORT_ID.sub(lambda found: shorts.get(found[0], found[0]), text)

    def rewrite(self, request: Request) -> Request:
        """Return ``request`` with recorded ids replaced in its target and body."""
        body = request.body
        if body is not None:
            try:
                text = body.data.decode("utf-8")
            except UnicodeDecodeError:
                pass  # a binary body (an archive) keeps its bytes
            else:
                body = Body(self.rewrite_text(text).encode("utf-8"))
        return Request(
            method=request.method,
            target=self.rewrite_text(request.target),
            headers=list(request.headers),
            body=body,
        )
