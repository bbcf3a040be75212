"""The effect of each Dockerfile instruction on the image being built."""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
import re
import shlex
import tarfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...errors import DaemonError, InvalidParameter
from ..catalogue import PATH_ENV
from ..durations import format_go_duration
from ..filesystem import Filesystem, FilesystemError, normalize
from ..images import Image
from ..process import ExecutableNotFound, ProcessSpec, run
from .committing import ImageDraft
from .dockerfile import Instruction, expand

if TYPE_CHECKING:
    from ..engine import Engine
    from .context import BuildContext

DEFAULT_SHELL = ["/bin/sh", "-c"]


class BuildFailed(DaemonError):
    """A step that failed with an exit code, reported in-band with ``code``."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class StepState:
    """The image being built: its last image, next draft and working files."""

    image: Image | None
    draft: ImageDraft
    fs: Filesystem
    layer_base: Filesystem
    variables: dict[str, str]
    """Values of the build arguments this stage declared."""
    declared: set[str]
    global_args: dict[str, str]
    cmd_set: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def env_list(self) -> list[str]:
        """Return the ``Env`` entries of the image config."""
        return list(self.draft.config.get("Env") or [])

    def env_names(self) -> set[str]:
        """Return the names that the image config's ``Env`` sets."""
        return {entry.partition("=")[0] for entry in self.env_list()}

    def environment(self) -> dict[str, str]:
        """Return the variables instructions expand: arguments, then ``Env``."""
        values = dict(self.variables)
        for entry in self.env_list():
            name, _, value = entry.partition("=")
            values[name] = value
        return values

    def run_argv(self, instruction: Instruction) -> tuple[list[str], str]:
        """Return the command line of a ``RUN`` and the text its error shows."""
        form = instruction.json_form()
        if form is not None:
            return form, " ".join(form)
        shell = list(self.draft.config.get("Shell") or DEFAULT_SHELL)
        argv = [*shell, instruction.rest]
        return argv, " ".join(argv)

    def advance(self, image: Image, *, layer: bool) -> None:
        """Continue from the image a step just stored."""
        self.image = image
        self.draft.parent = image.id
        if layer:
            self.layer_base = self.fs
            self.fs = self.fs.child()

    def restore(self, image: Image) -> None:
        """Continue from a cached image."""
        self.image = image
        self.draft = ImageDraft.from_image(image, image.architecture)
        self.layer_base = image.filesystem
        self.fs = image.filesystem.child()


# Metadata instructions -------------------------------------------------------


def apply_metadata(state: StepState, instruction: Instruction) -> str:
    """Apply a metadata instruction to ``state``; return its history text."""
    keyword = instruction.keyword
    config = state.draft.config
    variables = state.environment()
    if keyword == "ENV":
        pairs = _pairs(expand(instruction.rest, variables), keyword)
        env = state.env_list()
        for name, value in pairs:
            env = [entry for entry in env if entry.partition("=")[0] != name]
            env.append(f"{name}={value}")
        config["Env"] = env
        return "ENV " + " ".join(f"{name}={value}" for name, value in pairs)
    if keyword == "LABEL":
        pairs = _pairs(expand(instruction.rest, variables), keyword)
        labels = dict(config.get("Labels") or {})
        labels.update(pairs)
        config["Labels"] = labels
        return "LABEL " + " ".join(f"{name}={value}" for name, value in pairs)
    if keyword == "ARG":
        return "ARG " + instruction.rest
    if keyword == "WORKDIR":
        path = normalize(
            expand(instruction.rest, variables), config.get("WorkingDir") or "/"
        )
        config["WorkingDir"] = path
        try:
            state.fs.mkdir(path, parents=True)
        except FilesystemError as error:
            raise DaemonError(error.message) from None
        return f"WORKDIR {path}"
    if keyword == "USER":
        user = expand(instruction.rest, variables)
        config["User"] = user
        return f"USER {user}"
    if keyword == "EXPOSE":
        words = expand(instruction.rest, variables).split()
        ports = dict(config.get("ExposedPorts") or {})
        for word in words:
            for port in _expand_ports(word):
                ports[port] = {}
        config["ExposedPorts"] = ports
        return "EXPOSE " + " ".join(words)
    if keyword == "VOLUME":
        volumes_list = (
            instruction.json_form() or expand(instruction.rest, variables).split()
        )
        volumes = dict(config.get("Volumes") or {})
        for volume in volumes_list:
            volumes[volume] = {}
        config["Volumes"] = volumes
        return "VOLUME [" + " ".join(volumes_list) + "]"
    if keyword in ("CMD", "ENTRYPOINT"):
        return _command(state, instruction)
    if keyword == "HEALTHCHECK":
        return _healthcheck(state, instruction)
    if keyword == "STOPSIGNAL":
        signal = expand(instruction.rest, variables)
        config["StopSignal"] = signal
        return f"STOPSIGNAL {signal}"
    if keyword == "SHELL":
        shell = instruction.json_form()
        if shell is None:
            raise DaemonError("SHELL requires the arguments to be in JSON form")
        config["Shell"] = shell
        return "SHELL [" + " ".join(shell) + "]"
    if keyword == "ONBUILD":
        triggers = list(config.get("OnBuild") or [])
        triggers.append(instruction.rest)
        config["OnBuild"] = triggers
        return f"ONBUILD {instruction.rest}"
    if keyword == "MAINTAINER":
        state.draft.author = instruction.rest
        return f"MAINTAINER {instruction.rest}"
    raise InvalidParameter(f"unknown instruction: {keyword}")


def go_quoted_list(words: list[str]) -> str:
    """Format a list of strings as Go's ``%q`` does: ``["a" "b"]``."""
    return "[" + " ".join(json.dumps(word, ensure_ascii=False) for word in words) + "]"


def _command(state: StepState, instruction: Instruction) -> str:
    config = state.draft.config
    form = instruction.json_form()
    if form is None:
        shell = list(config.get("Shell") or DEFAULT_SHELL)
        form = [*shell, instruction.rest] if instruction.rest else []
    if instruction.keyword == "CMD":
        config["Cmd"] = form
        state.cmd_set = True
    else:
        config["Entrypoint"] = form
        # ENTRYPOINT resets a CMD inherited from the base image.
        if not state.cmd_set:
            config["Cmd"] = None
    return f"{instruction.keyword} {go_quoted_list(form)}"


_DURATION = re.compile(r"([0-9]+(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)")
_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "ms": 10**6, "s": 10**9,
          "m": 60 * 10**9, "h": 3600 * 10**9}  # fmt: skip


def _parse_duration(name: str, text: str) -> int:
    position = 0
    total = 0.0
    while position < len(text):
        match = _DURATION.match(text, position)
        if match is None:
            raise InvalidParameter(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if not text:
        raise InvalidParameter('time: invalid duration ""')
    return int(total)


def _healthcheck(state: StepState, instruction: Instruction) -> str:
    config = state.draft.config
    rest = instruction.rest.strip()
    word, _, command = rest.partition(" ")
    health: dict[str, Any] = {}
    if word.upper() == "NONE":
        health["Test"] = ["NONE"]
    elif word.upper() == "CMD":
        inner = Instruction("CMD", command, command.strip())
        form = inner.json_form()
        health["Test"] = (
            ["CMD", *form] if form is not None else ["CMD-SHELL", command.strip()]
        )
    else:
        raise InvalidParameter('Unknown type "' + word + '" in HEALTHCHECK (try CMD)')
    durations = {}
    for flag, key in (
        ("interval", "Interval"),
        ("timeout", "Timeout"),
        ("start-period", "StartPeriod"),
        ("start-interval", "StartInterval"),
    ):
        value = (
            _parse_duration(flag, instruction.flags[flag])
            if flag in instruction.flags
            else 0
        )
        durations[key] = value
        if value:
            health[key] = value
    retries = int(instruction.flags.get("retries") or 0)
    if retries:
        health["Retries"] = retries
    config["Healthcheck"] = health
    shown = " ".join(
        json.dumps(format_go_duration(durations[key]))
        for key in ("Interval", "Timeout", "StartPeriod", "StartInterval")
    )
    return (
        f"HEALTHCHECK &{{{go_quoted_list(health['Test'])} {shown} {_go_rune(retries)}}}"
    )


def _go_rune(value: int) -> str:
    if 32 <= value < 127:
        return repr(chr(value))
    return f"'\\x{value:02x}'"


def _pairs(text: str, keyword: str) -> list[tuple[str, str]]:
    try:
        words = shlex.split(text, posix=True)
    except ValueError:
        words = text.split()
    if not words:
        raise InvalidParameter(f"{keyword} requires at least one argument")
    if "=" not in words[0]:
        # The legacy form `ENV NAME value with spaces`.
        name, _, value = text.strip().partition(" ")
        return [(name, value.strip())]
    pairs = []
    for word in words:
        name, separator, value = word.partition("=")
        if not separator:
            raise InvalidParameter(f"{keyword} names can not be blank")
        pairs.append((name, value))
    return pairs


def _expand_ports(word: str) -> list[str]:
    port, _, protocol = word.partition("/")
    protocol = protocol or "tcp"
    start, dash, end = port.partition("-")
    if dash and start.isdigit() and end.isdigit():
        return [f"{number}/{protocol}" for number in range(int(start), int(end) + 1)]
    return [f"{port}/{protocol}"]


# RUN ---------------------------------------------------------------------------


class _CollectIO:
    """Process streams that turn output into build stream messages."""

    def __init__(self, output: list[dict[str, Any]]) -> None:
        self._output = output

    def read_stdin(self, size: int) -> bytes:
        return b""

    def write(self, stream: str, data: bytes) -> None:
        text = data.decode("utf-8", errors="replace")
        if stream == "stderr":
            text = f"\x1b[91m{text}\x1b[0m"
        self._output.append({"stream": text})


def run_command(
    engine: Engine,
    state: StepState,
    argv: list[str],
    output: list[dict[str, Any]],
    cancel: threading.Event,
) -> int:
    """Run a ``RUN`` command in the simulation over the working files."""
    config = state.draft.config
    env = state.env_list()
    names = state.env_names()
    env += [
        f"{name}={value}"
        for name, value in state.variables.items()
        if name not in names
    ]
    if not any(entry.startswith("PATH=") for entry in env):
        env.insert(0, PATH_ENV)
    spec = ProcessSpec(
        argv=argv,
        env=env,
        working_dir=config.get("WorkingDir") or "/",
        hostname=engine.ids.hex_id(12),
    )
    try:
        code = run(spec, state.fs, _CollectIO(output), engine.clock, cancel)
    except ExecutableNotFound as missing:
        prefix = (
            "failed to create shim task: OCI runtime create failed: "
            "runc create failed: "
        )
        if not engine.profile.legacy_messages:
            prefix = "failed to create task for container: " + prefix
        raise DaemonError(
            f"{prefix}unable to start container process: {missing.message}: unknown"
        ) from None
    if code is None:
        # A cancelled build kills its step's container, so the step ends as
        # SIGKILL ends a process (Engines 20.10 and 26.1 report 137).
        return 137
    return code


# COPY and ADD ------------------------------------------------------------------


def copy_files(
    state: StepState,
    instruction: Instruction,
    context: BuildContext,
    stage_files: Callable[[str], Filesystem],
) -> str:
    """Copy files from the context (or ``--from``) into the working files.

    Returns:
        The history text, ``COPY file:<sha256> in /dest``.
    """
    keyword = instruction.keyword
    variables = state.environment()
    words = instruction.json_form()
    if words is None:
        words = expand(instruction.rest, variables).split()
    else:
        words = [expand(word, variables) for word in words]
    if len(words) < 2:
        raise InvalidParameter(f"{keyword} requires at least two arguments")
    sources, destination = words[:-1], words[-1]
    source_from = instruction.flags.get("from", "")
    source_fs = stage_files(source_from) if source_from else context.fs

    paths: list[str] = []
    for source in sources:
        if keyword == "ADD" and re.match(r"^https?://", source):
            host = source.split("/")[2]
            raise DaemonError(f'Get "{source}": dial tcp: lookup {host}: no such host')
        matched = (
            context.match(source) if not source_from else _match(source_fs, source)
        )
        if not matched:
            if source_from:
                raise DaemonError(
                    f"{keyword} failed: stat {source.lstrip('/')}: file does not exist"
                )
            raise DaemonError(
                f"{keyword} failed: file not found in build context or excluded by "
                f".dockerignore: stat {source}: file does not exist"
            )
        paths.extend(matched)

    workdir = state.draft.config.get("WorkingDir") or "/"
    target = normalize(destination, workdir)
    into_directory = (
        destination.endswith("/")
        or destination.endswith("/.")
        or destination == "."
        or len(paths) > 1
        or state.fs.is_dir(target)
    )
    owner = _owner(state.fs, instruction.flags.get("chown", ""))
    mode = (
        int(instruction.flags["chmod"], 8) if instruction.flags.get("chmod") else None
    )

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path in paths:
            if (
                keyword == "ADD"
                and source_fs.is_file(path)
                and _is_archive(source_fs.read_file(path))
            ):
                _add_archive(tar, source_fs.read_file(path))
                into_directory = True
                continue
            if source_fs.is_dir(path):
                into_directory = into_directory or len(paths) == 1
                _add_tree(tar, source_fs, path, "", owner, mode)
            else:
                name = (
                    posixpath.basename(path)
                    if into_directory
                    else posixpath.basename(target)
                )
                _add_entry(tar, source_fs, path, name, owner, mode)
    data = buffer.getvalue()

    extract_to = target if into_directory else posixpath.dirname(target)
    try:
        state.fs.mkdir(extract_to, parents=True)
        state.fs.extract_tar(extract_to, data)
    except FilesystemError as error:
        raise DaemonError(f"{keyword} failed: {error.message}") from None

    if len(paths) == 1:
        kind = "dir" if source_fs.is_dir(paths[0]) else "file"
    else:
        kind = "multi"
    checksum = hashlib.sha256(data).hexdigest()
    return f"{keyword} {kind}:{checksum} in {destination}"


def _match(fs: Filesystem, pattern: str) -> list[str]:
    import fnmatch

    path = normalize(pattern)
    if not any(char in path for char in "*?["):
        return [path] if fs.lexists(path) else []
    directory = posixpath.dirname(path)
    if not fs.is_dir(directory):
        return []
    return [
        posixpath.join(directory, name)
        for name in fs.listdir(directory)
        if fnmatch.fnmatchcase(posixpath.join(directory, name), path)
    ]


def _owner(fs: Filesystem, text: str) -> tuple[int, int] | None:
    if not text:
        return None
    user, _, group = text.partition(":")
    uid = _lookup_id(fs, "/etc/passwd", user)
    gid = _lookup_id(fs, "/etc/group", group) if group else uid
    return uid, gid


def _lookup_id(fs: Filesystem, database: str, name: str) -> int:
    if name.isdigit():
        return int(name)
    try:
        lines = fs.read_file(database).decode(errors="replace").splitlines()
    except FilesystemError:
        lines = []
    for line in lines:
        fields = line.split(":")
        if len(fields) >= 3 and fields[0] == name and fields[2].isdigit():
            return int(fields[2])
    kind = "user" if database.endswith("passwd") else "group"
    raise DaemonError(
        f"unable to convert uid/gid chown string to host mapping: "
        f"can't find uid for {kind} {name}: no such {kind}: {name}"
    )


def _is_archive(data: bytes) -> bool:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            tar.getmembers()
        return True
    except (tarfile.TarError, EOFError, OSError):
        return False


def _add_archive(tar: tarfile.TarFile, data: bytes) -> None:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as source:
        for member in source.getmembers():
            extracted = source.extractfile(member) if member.isfile() else None
            tar.addfile(member, extracted)


def _add_tree(
    tar: tarfile.TarFile,
    fs: Filesystem,
    directory: str,
    prefix: str,
    owner: tuple[int, int] | None,
    mode: int | None,
) -> None:
    for name in fs.listdir(directory):
        path = posixpath.join(directory, name)
        entry = f"{prefix}{name}"
        _add_entry(tar, fs, path, entry, owner, mode)
        if fs.lstat(path).kind == "dir":
            _add_tree(tar, fs, path, entry + "/", owner, mode)


def _add_entry(
    tar: tarfile.TarFile,
    fs: Filesystem,
    path: str,
    name: str,
    owner: tuple[int, int] | None,
    mode: int | None,
) -> None:
    stat = fs.lstat(path)
    info = tarfile.TarInfo(name)
    info.mtime = int(stat.mtime)
    info.mode = mode if mode is not None else stat.mode
    info.uid, info.gid = owner if owner is not None else (0, 0)
    if stat.kind == "dir":
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    elif stat.kind == "symlink":
        info.type = tarfile.SYMTYPE
        info.linkname = stat.link_target
        tar.addfile(info)
    else:
        data = fs.read_file(path)
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
