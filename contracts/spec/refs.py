"""Resolve Swagger ``$ref`` pointers inside one specification document."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

JSONObject = Mapping[str, Any]


class RefError(LookupError):
    """A ``$ref`` that is not a local JSON pointer or points nowhere."""


def resolve_pointer(document: JSONObject, ref: str) -> JSONObject:
    """Return the object that a local ``$ref`` such as ``#/definitions/X`` names.

    Raises:
        RefError: when the reference is not local (``#/...``) or a part of it
            does not exist in the document.
    """
    if not ref.startswith("#/"):
        raise RefError(f"unsupported $ref {ref!r}: only local '#/...' references")
    node: Any = document
    for raw in ref[2:].split("/"):
        # JSON pointer escapes (RFC 6901): ~1 is '/', ~0 is '~', in that order.
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise RefError(f"$ref {ref!r} points nowhere: no {part!r}")
    if not isinstance(node, Mapping):
        raise RefError(f"$ref {ref!r} does not point to an object")
    return node


def resolve(document: JSONObject, schema: JSONObject) -> JSONObject:
    """Follow ``$ref`` links from ``schema`` until a schema without one.

    Raises:
        RefError: when a reference is broken or the chain loops on itself.
    """
    seen: set[str] = set()
    while "$ref" in schema:
        ref = str(schema["$ref"])
        if ref in seen:
            raise RefError(f"$ref {ref!r} refers to itself")
        seen.add(ref)
        schema = resolve_pointer(document, ref)
    return schema


def inline_refs(document: JSONObject, node: Any) -> Any:
    """Return a copy of ``node`` with every ``$ref`` replaced by its target.

    A reference met again inside its own expansion (a recursive definition)
    stays a ``{"$ref": ...}`` object, so the result is always finite.
    """
    return _inline(document, node, ())


def _inline(document: JSONObject, node: Any, active: tuple[str, ...]) -> Any:
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            # Swagger 2.0 ignores the siblings of $ref, but the Engine API
            # puts x-nullable beside it and means it, so siblings are kept.
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if ref in active:
                return {"$ref": ref, **siblings}
            target = _inline(document, resolve_pointer(document, ref), (*active, ref))
            return {**target, **siblings}
        return {key: _inline(document, value, active) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline(document, item, active) for item in node]
    return node
