"""The classic builder: runs a Dockerfile step by step, one image per step.

Each step starts from the previous step's image, as dockerd's classic builder
does: metadata instructions commit an image without a layer, ``RUN``,
``COPY`` and ``ADD`` commit one with the files they changed. Every step's
image is stored untagged and serves as the cache of later builds.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import DaemonError, InvalidParameter
from ..catalogue import PATH_ENV
from ..filesystem import Filesystem, normalize
from ..images import HistoryEntry, Image
from ..references import parse_normalized, short_id
from ..registry import parse_platform
from .committing import ImageDraft, add_layer, create_image
from .context import BuildContext
from .dockerfile import Dockerfile, Instruction, Stage, expand, parse_dockerfile
from .instructions import (
    BuildFailed,
    StepState,
    apply_metadata,
    copy_files,
    run_command,
)

if TYPE_CHECKING:
    from ..engine import Engine

PREDEFINED_ARGS = frozenset(
    (
        "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
        "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy",
    )
)  # fmt: skip

_LAYER_INSTRUCTIONS = ("RUN", "COPY", "ADD")


@dataclass(slots=True)
class BuildOptions:
    """The parameters of ``POST /build`` that the classic builder uses."""

    dockerfile: str = "Dockerfile"
    tags: list[str] = field(default_factory=list)
    build_args: dict[str, str | None] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    target: str = ""
    no_cache: bool = False
    remove: bool = True
    force_remove: bool = False
    quiet: bool = False
    platform: str = ""
    pull: bool = False
    image_id_aux: bool = True
    """Send ``{"aux":{"ID":...}}`` after each stage (API 1.30 and later)."""


@dataclass(slots=True)
class _Stage:
    image: Image | None = None
    fs: Filesystem = field(default_factory=Filesystem)


class ClassicBuild:
    """One accepted build: ``messages()`` streams its progress.

    Everything dockerd rejects before its first progress message raises in
    the constructor, so the caller can return a plain HTTP error.
    """

    def __init__(self, engine: Engine, context: bytes, options: BuildOptions) -> None:
        self.engine = engine
        self.options = options
        self.legacy = engine.profile.legacy_messages
        self.cancel = threading.Event()
        self.tags = [
            parse_normalized(
                tag, name_in_lowercase_error=engine.images.rules.name_in_lowercase_error
            ).with_default_tag()
            for tag in options.tags
        ]
        if options.platform:
            parse_platform(options.platform, engine.registry.architecture)
        self.context = BuildContext(context)
        text = self.context.dockerfile(options.dockerfile)
        self.dockerfile: Dockerfile = parse_dockerfile(text, self.legacy)
        self.stages = self._stages_to_build()
        self._add_label_steps()
        self._used_args: set[str] = set()
        self.result_id = ""

    def _stages_to_build(self) -> list[Stage]:
        stages = self.dockerfile.stages
        target = self.options.target
        if not target:
            return list(stages)
        for stage in stages:
            if stage.name == target.lower():
                return stages[: stage.index + 1]
        if self.legacy:
            raise InvalidParameter(
                f"failed to reach build target {target} in Dockerfile"
            )
        raise InvalidParameter(f'target stage "{target}" could not be found')

    def _add_label_steps(self) -> None:
        # dockerd appends one LABEL instruction per `labels` entry.
        last = self.stages[-1]
        for key in sorted(self.options.labels):
            text = f'LABEL "{key}"="{self.options.labels[key]}"'
            last.instructions.append(
                Instruction("LABEL", text, text[len("LABEL ") :], {}, 0)
            )

    @property
    def step_total(self) -> int:
        """The ``N`` of ``Step n/N``."""
        count = len(self.dockerfile.global_args)
        return count + sum(1 + len(stage.instructions) for stage in self.stages)

    def messages(self) -> Iterator[dict[str, Any]]:
        """Yield the build's progress messages, with errors in-band.

        A quiet build keeps its output back and sends only the image id, or
        on failure the held output followed by the error.
        """
        held: list[dict[str, Any]] = []
        try:
            for message in self._run():
                if self.options.quiet:
                    held.append(message)
                else:
                    yield message
        except BuildFailed as failure:
            yield from (message for message in held if "stream" in message)
            yield _error(failure.message, failure.code)
            return
        except DaemonError as error:
            yield from (message for message in held if "stream" in message)
            yield _error(error.message)
            return
        if self.options.quiet and self.result_id:
            yield _stream(f"{self.result_id}\n")

    def _run(self) -> Iterator[dict[str, Any]]:
        step = 0
        global_args: dict[str, str] = {}
        built: list[_Stage] = []
        for instruction in self.dockerfile.global_args:
            step += 1
            yield from self._step_line(step, instruction)
            name, value = _arg_parts(instruction.rest)
            if (
                name in self.options.build_args
                and self.options.build_args[name] is not None
            ):
                value = self.options.build_args[name]
                self._used_args.add(name)
            if value is not None:
                global_args[name] = value

        final: Image | None = None
        for stage in self.stages:
            step += 1
            yield from self._step_line(step, stage.from_instruction)
            state = yield from self._from(stage, built, global_args)
            for instruction in stage.instructions:
                step += 1
                yield from self._step_line(step, instruction)
                yield from self._instruction(state, instruction, built)
            final = state.image
            built.append(_Stage(state.image, state.fs))
            if final is not None and self.options.image_id_aux:
                yield {"aux": {"ID": final.id}}

        unused = sorted(
            name
            for name in self.options.build_args
            if name not in self._used_args and name not in PREDEFINED_ARGS
        )
        if unused:
            names = " ".join(unused)
            yield _stream(
                f"[Warning] One or more build-args [{names}] were not consumed\n"
            )
        if final is None:
            raise DaemonError("No image was generated. Is your Dockerfile empty?")
        self.result_id = final.id
        yield _stream(f"Successfully built {short_id(final.id)}\n")
        for reference in self.tags:
            self.engine.images.tag(final.id, str(reference))
            yield _stream(f"Successfully tagged {reference.familiar()}\n")

    def _step_line(
        self, step: int, instruction: Instruction
    ) -> Iterator[dict[str, Any]]:
        yield _stream(f"Step {step}/{self.step_total} : {instruction.original}")
        yield _stream("\n")

    def _from(
        self, stage: Stage, built: list[_Stage], global_args: dict[str, str]
    ) -> Generator[dict[str, Any], None, StepState]:
        name = expand(stage.base, global_args)
        image: Image | None = None
        fs: Filesystem
        previous = _stage_by_name(self.stages, built, name)
        if previous is not None:
            image = previous.image
            fs = previous.fs.child()
        elif name.lower() == "scratch":
            fs = Filesystem(self.engine.clock.time)
        else:
            image = self.engine.images.find(name)
            if image is None or self.options.pull:
                session = self.engine.registry.start_pull(self.engine.images, name)
                yield from session.messages(
                    progress_text=self.engine.profile.progress_bar_text
                )
                image = self.engine.images.get(name)
            fs = image.filesystem.child()
        # NOTE: ONBUILD triggers of the base image are kept in its config but
        # not run here, unlike dockerd's "# Executing N build triggers".
        yield _stream(f" ---> {short_id(image.id) if image else ''}\n")
        draft = ImageDraft.from_image(image, self.engine.registry.architecture)
        # dockerd gives every stage the default PATH when its base sets none.
        env = draft.config.get("Env") or []
        if not any(entry.startswith("PATH=") for entry in env):
            draft.config["Env"] = [*env, PATH_ENV]
        return StepState(
            image=image,
            draft=draft,
            fs=fs,
            layer_base=fs,
            variables={},
            declared=set(),
            global_args=global_args,
        )

    def _instruction(
        self, state: StepState, instruction: Instruction, built: list[_Stage]
    ) -> Iterator[dict[str, Any]]:
        keyword = instruction.keyword
        if keyword == "ARG":
            self._declare_arg(state, instruction)
        if keyword in _LAYER_INSTRUCTIONS:
            yield from self._layer_step(state, instruction, built)
        else:
            yield from self._metadata_step(state, instruction)

    def _declare_arg(self, state: StepState, instruction: Instruction) -> None:
        name, value = _arg_parts(expand(instruction.rest, state.environment()))
        state.declared.add(name)
        if name in self.options.build_args:
            self._used_args.add(name)
            given = self.options.build_args[name]
            if given is not None:
                value = given
        if value is None:
            value = state.global_args.get(name)
        if value is not None:
            state.variables[name] = value
        else:
            state.variables.pop(name, None)

    def _metadata_step(
        self, state: StepState, instruction: Instruction
    ) -> Iterator[dict[str, Any]]:
        created_by = apply_metadata(state, instruction)
        history_text = f"/bin/sh -c #(nop) {created_by}"
        if instruction.keyword != "WORKDIR":
            history_text = f"/bin/sh -c #(nop)  {created_by}"
        cache_cmd = ["/bin/sh", "-c", "#(nop) ", created_by]
        yield from self._commit(state, history_text, cache_cmd, empty_layer=True)

    def _layer_step(
        self, state: StepState, instruction: Instruction, built: list[_Stage]
    ) -> Iterator[dict[str, Any]]:
        if instruction.keyword == "RUN":
            yield from self._run_step(state, instruction)
            return
        created_by = copy_files(
            state,
            instruction,
            self.context,
            lambda name: self._copy_source(name, built),
        )
        history_text = f"/bin/sh -c #(nop) {created_by} "
        cache_cmd = ["/bin/sh", "-c", f"#(nop) {created_by} "]
        yield from self._commit(
            state, history_text, cache_cmd, empty_layer=False, container=False
        )

    def _copy_source(self, name: str, built: list[_Stage]) -> Filesystem:
        previous = _stage_by_name(self.stages, built, name)
        if previous is not None:
            return previous.fs
        image = self.engine.images.find(name)
        if image is None:
            try:
                session = self.engine.registry.start_pull(self.engine.images, name)
                for _ in session.messages():
                    pass
                image = self.engine.images.get(name)
            except DaemonError as error:
                raise DaemonError(
                    f"invalid from flag value {name}: {error.message}"
                ) from None
        return image.filesystem

    def _run_step(
        self, state: StepState, instruction: Instruction
    ) -> Iterator[dict[str, Any]]:
        argv, shown = state.run_argv(instruction)
        used = sorted(
            name
            for name in state.variables
            if name in state.declared and name not in state.env_names()
        )
        prefix = ""
        if used:
            pairs = " ".join(f"{name}={state.variables[name]}" for name in used)
            prefix = f"|{len(used)} {pairs} "
        history_text = prefix + " ".join(argv)
        cache_cmd = ([prefix.strip()] if prefix else []) + argv
        cached = self._cached(state, cache_cmd, history_text)
        if cached is not None:
            yield from self._use_cache(state, cached)
            return
        container_id = self.engine.ids.hex_id()
        yield _stream(f" ---> Running in {container_id[:12]}\n")
        output: list[dict[str, Any]] = []
        code = run_command(self.engine, state, argv, output, self.cancel)
        yield from output
        if code != 0:
            # A failed step's container goes only with forcerm; rm keeps it.
            if self.options.force_remove:
                yield from self._removed(container_id)
            raise BuildFailed(
                f"The command '{shown}' returned a non-zero code: {code}", code
            )
        yield from self._removed(container_id)
        add_layer(self.engine, state.draft, state.fs)
        yield from self._store(
            state, history_text, cache_cmd, container_id, empty_layer=False
        )

    def _commit(
        self,
        state: StepState,
        history_text: str,
        cache_cmd: list[str],
        *,
        empty_layer: bool,
        container: bool = True,
    ) -> Iterator[dict[str, Any]]:
        cached = self._cached(state, cache_cmd, history_text)
        if cached is not None:
            yield from self._use_cache(state, cached)
            return
        container_id = self.engine.ids.hex_id()
        if container:
            yield _stream(f" ---> Running in {container_id[:12]}\n")
            yield from self._removed(container_id)
        if not empty_layer:
            add_layer(self.engine, state.draft, state.fs)
        yield from self._store(
            state, history_text, cache_cmd, container_id, empty_layer
        )

    def _removed(self, container_id: str) -> Iterator[dict[str, Any]]:
        # NOTE: build steps create no container records, so `rm=false` keeps
        # nothing that `docker ps -a` would list, unlike dockerd.
        if not self.options.remove and not self.options.force_remove:
            return
        if self.legacy:
            yield _stream(f"Removing intermediate container {container_id[:12]}\n")
        else:
            yield _stream(f" ---> Removed intermediate container {container_id[:12]}\n")

    def _store(
        self,
        state: StepState,
        history_text: str,
        cache_cmd: list[str],
        container_id: str,
        empty_layer: bool,
    ) -> Iterator[dict[str, Any]]:
        draft = state.draft
        draft.config["Image"] = draft.parent
        draft.history.append(
            HistoryEntry(
                created_ns=self.engine.clock.time_ns(),
                created_by=history_text,
                empty_layer=empty_layer,
            )
        )
        container_config = copy.deepcopy(draft.config)
        container_config["Cmd"] = cache_cmd
        container_config["Hostname"] = container_id[:12]
        snapshot = state.fs.child()
        image = create_image(
            self.engine,
            draft,
            snapshot,
            container_id=container_id,
            container_config=container_config,
        )
        state.advance(image, layer=not empty_layer)
        yield _stream(f" ---> {short_id(image.id)}\n")

    def _cached(
        self, state: StepState, cache_cmd: list[str], history_text: str
    ) -> Image | None:
        # A child of the current image made by the same step with the same
        # resulting config is the cache hit, as the classic builder finds it.
        if self.options.no_cache or state.image is None:
            return None
        expected = copy.deepcopy(state.draft.config)
        expected["Image"] = state.image.id
        for child in self.engine.images.children(state.image.id):
            config = child.container_config or {}
            if config.get("Cmd") != cache_cmd or child.config != expected:
                continue
            if child.history and child.history[-1].created_by == history_text:
                return child
        return None

    def _use_cache(self, state: StepState, image: Image) -> Iterator[dict[str, Any]]:
        yield _stream(" ---> Using cache\n")
        yield _stream(f" ---> {short_id(image.id)}\n")
        state.restore(image)


def _stage_by_name(
    stages: list[Stage], built: list[_Stage], name: str
) -> _Stage | None:
    for index, done in enumerate(built):
        stage = stages[index]
        if name.lower() == stage.name or name == str(index):
            return done
    return None


def _arg_parts(text: str) -> tuple[str, str | None]:
    name, separator, value = text.strip().partition("=")
    if not separator:
        return name, None
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    return name, value


def _stream(text: str) -> dict[str, Any]:
    return {"stream": text}


def _error(message: str, code: int | None = None) -> dict[str, Any]:
    detail: dict[str, Any] = {"message": message}
    if code is not None:
        detail = {"code": code, "message": message}
    return {"errorDetail": detail, "error": message}


def normalize_workdir(path: str, current: str) -> str:
    """Return a ``WORKDIR`` path made absolute against the current one."""
    return normalize(path, current or "/")
