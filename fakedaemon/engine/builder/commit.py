"""``POST /commit``: an image from a container's files and configuration."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ...errors import InvalidParameter
from ..images import HistoryEntry, Image
from ..references import parse_normalized
from .committing import ImageDraft, add_layer, create_image
from .dockerfile import parse_change
from .instructions import StepState, apply_metadata

if TYPE_CHECKING:
    from ..engine import Engine

CHANGE_INSTRUCTIONS = frozenset(
    (
        "CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD",
        "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    )
)  # fmt: skip
"""Instructions that ``changes`` may hold, as dockerd allows them."""


def merge_commit_config(
    given: dict[str, Any], container: dict[str, Any]
) -> dict[str, Any]:
    """Return the image config of a commit whose request body set ``given``.

    dockerd starts from the body's fields alone and fills in a few from the
    container's config (its ``merge`` of ``daemon/commit.go``); Hostname,
    Image, Tty and the other fields stay as the body left them.
    """
    config = copy.deepcopy(given)
    for key in ("User", "WorkingDir", "StopSignal"):
        if not config.get(key) and container.get(key):
            config[key] = container[key]
    for key in ("ExposedPorts", "Volumes"):
        merged = {**(container.get(key) or {}), **(config.get(key) or {})}
        if merged:
            config[key] = merged
    env = list(config.get("Env") or [])
    names = {entry.split("=", 1)[0] for entry in env}
    env += [e for e in container.get("Env") or [] if e.split("=", 1)[0] not in names]
    if env:
        config["Env"] = env
    config["Labels"] = {
        **(container.get("Labels") or {}),
        **(config.get("Labels") or {}),
    }
    if not config.get("Entrypoint"):
        if not config.get("Cmd"):
            config["Cmd"] = container.get("Cmd")
        if config.get("Entrypoint") is None:
            config["Entrypoint"] = container.get("Entrypoint")
    if container.get("Healthcheck") and not config.get("Healthcheck"):
        config["Healthcheck"] = container["Healthcheck"]
    return config


def commit_container(
    engine: Engine,
    container_reference: str,
    *,
    repository: str = "",
    tag: str = "",
    comment: str = "",
    author: str = "",
    changes: Sequence[str] = (),
    overrides: dict[str, Any] | None = None,
) -> Image:
    """Store a new image holding the container's files and config.

    Raises:
        NoSuchContainer: when the container does not exist (404).
        InvalidParameter: for a malformed name or change (400).
    """
    reference = None
    if repository:
        reference = parse_normalized(repository)
        if tag:
            reference = reference.trimmed().with_tag(tag)
    container = engine.containers.get(container_reference)
    parent = engine.images.by_id(container.image_id)

    # A body that sets no field of the config decodes to none, and the
    # container's config is taken whole.
    if overrides:
        config = merge_commit_config(overrides, container.config)
    else:
        config = copy.deepcopy(container.config)
    draft = ImageDraft.from_image(parent, engine.registry.architecture)
    draft.config = config
    draft.author = author
    state = StepState(
        image=parent,
        draft=draft,
        fs=container.filesystem,
        layer_base=container.filesystem,
        variables={},
        declared=set(),
        global_args={},
    )
    for line in changes:
        for text in line.splitlines():
            if not text.strip():
                continue
            instruction = parse_change(text)
            if instruction.keyword not in CHANGE_INSTRUCTIONS:
                raise InvalidParameter(
                    f"{instruction.keyword} is not a valid change command"
                )
            apply_metadata(state, instruction)
    snapshot = container.filesystem.child()
    add_layer(engine, draft, container.filesystem)
    draft.history.append(
        HistoryEntry(
            created_ns=engine.clock.time_ns(),
            created_by=" ".join([container.path, *container.args]),
            comment=comment,
            author=author,
        )
    )
    image = create_image(
        engine,
        draft,
        snapshot,
        container_id=container.id,
        container_config=copy.deepcopy(container.config),
        comment=comment,
    )
    engine.events.publish(
        "container",
        "commit",
        container.id,
        {
            "comment": comment,
            "imageID": image.id,
            "imageRef": reference.familiar() if reference else "",
            "name": container.name.lstrip("/"),
        },
    )
    if reference is not None:
        engine.images.tag(image.id, str(reference.with_default_tag()))
    return image
