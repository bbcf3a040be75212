"""Map the ids of a recording to the ids a replayed daemon gave out."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

from contracts.exchange.model import DAEMON, Body, Exchange, Request
from contracts.exchange.normalize import LONG_ID, SHORT_ID


def _ids_in(text: str) -> list[str]:
    found: list[str] = []
    for match in LONG_ID.finditer(text):
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
        return [json.loads(response.payload)] if response.payload else None
    except ValueError:
        return None


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}/{index}")
    elif isinstance(value, str):
        for number, found in enumerate(_ids_in(value)):
            yield f"{path}#{number}", found


def _text_of(exchange: Exchange) -> str:
    parts: list[str] = []
    if exchange.response is not None:
        parts.extend(value for _, value in exchange.response.headers)
        parts.append(exchange.response.payload.decode("utf-8", "replace"))
    parts.append(exchange.hijacked_bytes(DAEMON).decode("utf-8", "replace"))
    return "\n".join(parts)


class IdMap:
    """The recorded ids learned so far, each with the target's id for it.

    Ids are paired by where they sit in the two responses: at the same
    JSON path when both bodies are JSON, else in order of appearance.
    """

    def __init__(self) -> None:
        self._map: dict[str, str] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._map)

    def get(self, recorded: str) -> str | None:
        """Return the target's id for a recorded id, or None."""
        with self._lock:
            return self._map.get(recorded)

    def learn(self, recorded: Exchange, target: Exchange) -> None:
        """Pair the ids of a recorded response with those of the target's."""
        pairs: list[tuple[str, str]] = []
        expected_docs = _json_documents(recorded)
        actual_docs = _json_documents(target)
        if expected_docs is not None and actual_docs is not None:
            actual_at = dict(_walk(actual_docs))
            for path, value in _walk(expected_docs):
                if path in actual_at:
                    pairs.append((value, actual_at[path]))
        else:
            expected = _ids_in(_text_of(recorded))
            actual = _ids_in(_text_of(target))
            pairs.extend(zip(expected, actual, strict=False))
        with self._lock:
            for old, new in pairs:
                self._map.setdefault(old, new)

    def rewrite_text(self, text: str) -> str:
        """Replace each known recorded id, long or short, with the target's."""
        with self._lock:
            mapping = dict(self._map)
        shorts = {old[:12]: new[:12] for old, new in mapping.items()}
        text = LONG_ID.sub(lambda found: mapping.get(found[0], found[0]), text)
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
