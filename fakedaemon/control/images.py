"""Images a test registers: a base image plus its own configuration and files."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..engine.images import HistoryEntry, Image
from ..engine.references import parse_normalized

if TYPE_CHECKING:
    from ..engine.engine import Engine

FileSpec = bytes | str | tuple[bytes | str, int]
"""A file's content (text is UTF-8) or its content and permission bits."""


@dataclass
class ImageDefinition:
    """What ``ImageRegistrations.add`` was given, kept to rebuild the image."""

    reference: str
    base: str
    config: dict[str, Any]
    files: dict[str, tuple[bytes, int]]
    image_id: str = ""

    def to_json(self) -> dict[str, Any]:
        """Return the definition with file contents in base64."""
        return {
            "reference": self.reference,
            "base": self.base,
            "config": self.config,
            "files": {
                path: {"base64": base64.b64encode(data).decode(), "mode": mode}
                for path, (data, mode) in self.files.items()
            },
            "id": self.image_id,
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> ImageDefinition:
        """Read a definition written by ``to_json`` or sent to the control API."""
        return cls(
            reference=str(document["reference"]),
            base=str(document.get("base") or "busybox:latest"),
            config=dict(document.get("config") or {}),
            files=files_from_json(document.get("files") or {}),
        )


def files_from_json(files: Mapping[str, Any]) -> dict[str, tuple[bytes, int]]:
    """Decode files given as text, ``{"base64": ...}`` or ``{"text": ...}``.

    Each may carry ``"mode"`` (an integer, 0o644 when absent).

    Raises:
        ValueError: a file entry has none of the accepted forms.
    """
    result: dict[str, tuple[bytes, int]] = {}
    for path, value in files.items():
        if isinstance(value, str):
            result[path] = (value.encode(), 0o644)
            continue
        if not isinstance(value, Mapping):
            raise ValueError(f"invalid file {path!r}: give text or an object")
        mode = int(value.get("mode", 0o644))
        if "base64" in value:
            result[path] = (base64.b64decode(value["base64"]), mode)
        elif "text" in value:
            result[path] = (str(value["text"]).encode(), mode)
        else:
            raise ValueError(f"invalid file {path!r}: give 'text' or 'base64'")
    return result


def normalize_files(files: Mapping[str, FileSpec]) -> dict[str, tuple[bytes, int]]:
    """Turn the ``files`` argument of ``add`` into content and mode pairs."""
    result: dict[str, tuple[bytes, int]] = {}
    for path, spec in files.items():
        if isinstance(spec, tuple):
            data, mode = spec
        else:
            data, mode = spec, 0o644
        result[path] = (data.encode() if isinstance(data, str) else data, mode)
    return result


class ImageRegistrations:
    """The images a test added to one daemon, kept so reset and load restore them."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        self._definitions: dict[str, ImageDefinition] = {}

    def add(
        self,
        reference: str,
        *,
        config: Mapping[str, Any] | None = None,
        files: Mapping[str, FileSpec] | None = None,
        base: str = "busybox:latest",
    ) -> Image:
        """Make an image present under ``reference``.

        The image is ``base`` (a built-in image, pulled without the registry's
        checks) with ``config`` merged over its configuration and ``files``
        added in one more layer, so containers of it run the simulated
        commands of ``base`` and find the files.

        Args:
            reference: the name and tag to store it under (``app:1.0``).
            config: container configuration keys (``Cmd``, ``Entrypoint``,
                ``Env``, ``Labels``, ``WorkingDir``, ``ExposedPorts`` ...).
            files: path to content, or to ``(content, mode)``.
            base: the built-in image to start from.

        Returns:
            The stored image.
        """
        definition = ImageDefinition(
            reference=reference,
            base=base,
            config=dict(config or {}),
            files=normalize_files(files or {}),
        )
        image = self.install(definition)
        with self._lock:
            self._definitions[reference] = definition
        return image

    def install(self, definition: ImageDefinition) -> Image:
        """Build the image of ``definition`` and store it under its reference."""
        engine = self._engine
        parsed = parse_normalized(definition.reference).with_default_tag()
        base_store_image = _base_image(engine, definition.base)
        image = _derive(base_store_image, definition)
        stored, _ = engine.images.add(image, [parsed])
        definition.image_id = stored.id
        engine.images.publish(stored, "tag", stored.id, parsed.familiar())
        return stored

    @property
    def definitions(self) -> list[ImageDefinition]:
        """The registered images, in the order they were added."""
        with self._lock:
            return list(self._definitions.values())

    def adopt(self, definition: ImageDefinition) -> None:
        """Keep ``definition`` as registered; its image is already stored."""
        with self._lock:
            self._definitions[definition.reference] = definition

    def reinstall(self) -> None:
        """Store every registered image again (after a reset)."""
        for definition in self.definitions:
            self.install(definition)

    def clear(self) -> None:
        """Forget the registrations (the stored images stay until a reset)."""
        with self._lock:
            self._definitions.clear()


def _base_image(engine: Engine, reference: str) -> Image:
    from ..engine.images import ImageStore
    from ..engine.registry import Registry

    # A private store keeps the base image out of the daemon's image list.
    scratch = ImageStore(engine.clock, engine.ids, engine.events)
    return Registry(engine.config, offline=False, deny=()).install(scratch, reference)


def _derive(base: Image, definition: ImageDefinition) -> Image:
    config = copy.deepcopy(base.config)
    config.update(copy.deepcopy(definition.config))
    filesystem = base.filesystem.child()
    for path, (data, mode) in definition.files.items():
        directory = path.rsplit("/", 1)[0] or "/"
        filesystem.mkdir(directory, parents=True)
        filesystem.write_file(path, data, mode=mode)
    content = json.dumps(
        {
            "base": base.id,
            "config": config,
            "files": {
                path: [hashlib.sha256(data).hexdigest(), mode]
                for path, (data, mode) in sorted(definition.files.items())
            },
        },
        sort_keys=True,
    ).encode()
    layer = "sha256:" + hashlib.sha256(b"layer" + content).hexdigest()
    layers = list(base.layers)
    sizes = list(base.layer_sizes)
    history = list(base.history)
    if definition.files:
        layers.append(layer)
        sizes.append(sum(len(data) for data, _ in definition.files.values()))
        history.append(
            HistoryEntry(base.created_ns, "COPY files / # fakedaemon control")
        )
    return Image(
        id="sha256:" + hashlib.sha256(content).hexdigest(),
        config=config,
        created_ns=base.created_ns,
        architecture=base.architecture,
        os=base.os,
        layers=layers,
        layer_sizes=sizes,
        history=history,
        filesystem=filesystem,
    )
