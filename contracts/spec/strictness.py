"""Find body fields that a schema does not document (strict mode)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.spec.paths import child_path
from contracts.spec.refs import JSONObject, resolve


@dataclass(slots=True)
class _Shape:
    """What a schema and its ``allOf`` parts declare for objects and arrays."""

    properties: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    declares_properties: bool = False
    additional: Mapping[str, Any] | None = None
    open: bool = False
    items: Mapping[str, Any] | None = None


def _collect(document: JSONObject, schema: JSONObject, shape: _Shape) -> None:
    schema = resolve(document, schema)
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        shape.declares_properties = True
        for name, sub in properties.items():
            shape.properties.setdefault(name, sub)
    extra = schema.get("additionalProperties")
    if extra is True:
        shape.open = True
    elif isinstance(extra, Mapping):
        shape.open = True
        shape.additional = extra
    items = schema.get("items")
    if isinstance(items, Mapping) and shape.items is None:
        shape.items = items
    for part in schema.get("allOf", []):
        if isinstance(part, Mapping):
            _collect(document, part, shape)


def undocumented_fields(
    document: JSONObject, schema: JSONObject, instance: Any, path: str = "$"
) -> Iterator[str]:
    """Yield the JSON path of every object member that ``schema`` does not list.

    An object counts as closed when its schema (with its ``allOf`` parts)
    declares ``properties`` and no ``additionalProperties``. Swagger leaves
    such objects open, but the Engine API documents every field it sends
    that way, so an extra field means the specification or the daemon
    differs. Objects declared with no properties at all (free-form maps) are
    never reported.
    """
    shape = _Shape()
    _collect(document, schema, shape)
    if isinstance(instance, dict):
        for name, value in instance.items():
            member = child_path(path, name)
            if name in shape.properties:
                yield from undocumented_fields(
                    document, shape.properties[name], value, member
                )
            elif shape.additional is not None:
                yield from undocumented_fields(
                    document, shape.additional, value, member
                )
            elif shape.declares_properties and not shape.open:
                yield member
    elif isinstance(instance, list) and shape.items is not None:
        for index, value in enumerate(instance):
            yield from undocumented_fields(
                document, shape.items, value, child_path(path, index)
            )
