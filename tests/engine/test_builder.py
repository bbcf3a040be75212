"""Tests of Dockerfile parsing, the classic builder and commits."""

from __future__ import annotations

import io
import tarfile
from typing import Any

import pytest

from fakedaemon.config import DaemonConfig
from fakedaemon.engine.builder import (
    BuildOptions,
    ClassicBuild,
    commit_container,
    parse_dockerfile,
)
from fakedaemon.engine.builder.dockerfile import expand
from fakedaemon.engine.builder.layers import apply_layer, diff_tar, digest
from fakedaemon.engine.durations import format_go_duration
from fakedaemon.engine.engine import Engine
from fakedaemon.engine.filesystem import Filesystem
from fakedaemon.errors import DaemonError, InvalidParameter


def context(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def build(
    engine: Engine,
    dockerfile: str,
    files: dict[str, bytes] | None = None,
    **options: Any,
) -> list[dict[str, Any]]:
    data = context({"Dockerfile": dockerfile.encode(), **(files or {})})
    return list(ClassicBuild(engine, data, BuildOptions(**options)).messages())


def streams(messages: list[dict[str, Any]]) -> list[str]:
    return [message["stream"] for message in messages if "stream" in message]


@pytest.fixture
def engine() -> Engine:
    return Engine(DaemonConfig())


# Parsing ----------------------------------------------------------------------


def test_parse_stages_and_names() -> None:
    parsed = parse_dockerfile("FROM busybox AS Base\nRUN true\nFROM scratch\n")
    assert [stage.name for stage in parsed.stages] == ["base", ""]
    assert parsed.stages[0].instructions[0].keyword == "RUN"
    assert parsed.step_count == 3


def test_parse_continuation_and_comment() -> None:
    parsed = parse_dockerfile("FROM busybox\n# note\nRUN echo a \\\n  b\n")
    run = parsed.stages[0].instructions[0]
    # dockerd keeps the whitespace around a line continuation.
    assert run.rest == "echo a   b"


def test_parse_escape_directive() -> None:
    parsed = parse_dockerfile("# escape=`\nFROM busybox\nRUN echo a `\n b\n")
    assert parsed.stages[0].instructions[0].rest == "echo a  b"


def test_parse_flags() -> None:
    parsed = parse_dockerfile("FROM busybox\nCOPY --from=a --chown=1:2 /x /y\n")
    copy = parsed.stages[0].instructions[0]
    assert copy.flags == {"from": "a", "chown": "1:2"}
    assert copy.words() == ["/x", "/y"]


def test_parse_unknown_instruction() -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_dockerfile("FORM busybox\n")
    assert caught.value.message == (
        "dockerfile parse error on line 1: unknown instruction: FORM "
        "(did you mean FROM?)"
    )


def test_parse_legacy_unknown_instruction() -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_dockerfile("FOO bar\n", legacy_messages=True)
    assert caught.value.message == (
        "dockerfile parse error line 1: unknown instruction: FOO"
    )


def test_parse_needs_from() -> None:
    with pytest.raises(InvalidParameter) as caught:
        parse_dockerfile("RUN true\n")
    assert caught.value.message == "no build stage in current context"


def test_json_form() -> None:
    parsed = parse_dockerfile('FROM busybox\nCMD ["cat", "/x"]\n')
    assert parsed.stages[0].instructions[0].json_form() == ["cat", "/x"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$A/b", "1/b"),
        ("${A}x", "1x"),
        ("${MISSING:-d}", "d"),
        ("${A:+set}", "set"),
        ("'$A'", "'$A'"),
        ("\\$A", "$A"),
    ],
)
def test_expand(text: str, expected: str) -> None:
    assert expand(text, {"A": "1"}) == expected


@pytest.mark.parametrize(
    ("nanoseconds", "text"),
    [
        (0, "0s"),
        (30 * 10**9, "30s"),
        (90 * 10**9, "1m30s"),
        (5 * 10**6, "5ms"),
        (1_500_000, "1.5ms"),
        (2_250, "2.25µs"),
        (999, "999ns"),
        (1_500_000_000, "1.5s"),
        (3600 * 10**9, "1h0m0s"),
    ],
)
def test_go_duration(nanoseconds: int, text: str) -> None:
    assert format_go_duration(nanoseconds) == text


# Layers -----------------------------------------------------------------------


def test_diff_tar_whiteout_roundtrip() -> None:
    base = Filesystem.from_files({"/a": b"1", "/b": b"2"})
    upper = base.child()
    upper.remove("/a")
    upper.write_file("/c", b"3")
    data = diff_tar(upper)
    target = Filesystem.from_files({"/a": b"1", "/b": b"2"})
    apply_layer(target, data)
    assert target.exists("/a") is False
    assert target.read_file("/c") == b"3"
    assert digest(data).startswith("sha256:")


# Building ---------------------------------------------------------------------


def test_build_stream_sequence(engine: Engine) -> None:
    messages = build(
        engine,
        "FROM busybox\nCOPY hello.txt /hello.txt\nRUN echo built > /built.txt\n"
        'CMD ["cat","/hello.txt"]\n',
        {"hello.txt": b"hello\n"},
        tags=["app"],
    )
    lines = streams(messages)
    base = engine.images.get("busybox").id[7:19]
    assert lines[:3] == ["Step 1/4 : FROM busybox", "\n", f" ---> {base}\n"]
    assert lines[3] == "Step 2/4 : COPY hello.txt /hello.txt"
    assert lines[8].startswith(" ---> Running in ")
    assert lines[9].startswith(" ---> Removed intermediate container ")
    assert lines[-1] == "Successfully tagged app:latest\n"
    image = engine.images.get("app")
    assert {"aux": {"ID": image.id}} in messages
    assert lines[-2] == f"Successfully built {image.id[7:19]}\n"


def test_build_files_and_config(engine: Engine) -> None:
    build(
        engine,
        "FROM busybox\nCOPY hello.txt /hello.txt\nRUN echo built > /built.txt\n"
        'CMD ["cat","/hello.txt"]\n',
        {"hello.txt": b"hello\n"},
        tags=["app"],
    )
    image = engine.images.get("app")
    assert image.filesystem.read_file("/hello.txt") == b"hello\n"
    assert image.filesystem.read_file("/built.txt") == b"built\n"
    assert image.config["Cmd"] == ["cat", "/hello.txt"]
    assert len(image.layers) == 3


def test_build_history(engine: Engine) -> None:
    build(engine, "FROM busybox\nENV A=1\nRUN true\n", tags=["app"])
    history = engine.images.history("app")
    assert history[0]["CreatedBy"] == "/bin/sh -c true"
    assert history[1]["CreatedBy"] == "/bin/sh -c #(nop)  ENV A=1"


def test_build_intermediate_images(engine: Engine) -> None:
    before = engine.images.count()
    build(engine, "FROM busybox\nENV A=1\nLABEL b=2\n", tags=["app"])
    assert engine.images.count() == before + 2
    image = engine.images.get("app")
    parent = engine.images.by_id(image.parent)
    assert parent is not None
    assert parent.repo_tags == []


def test_build_run_output(engine: Engine) -> None:
    lines = streams(build(engine, "FROM busybox\nRUN echo out; echo err >&2\n"))
    assert "out\n" in lines
    assert "\x1b[91merr\n\x1b[0m" in lines


def test_build_failing_run(engine: Engine) -> None:
    messages = build(engine, "FROM busybox\nRUN exit 3\n")
    message = "The command '/bin/sh -c exit 3' returned a non-zero code: 3"
    assert messages[-1] == {
        "errorDetail": {"code": 3, "message": message},
        "error": message,
    }


def test_build_exec_form_failure(engine: Engine) -> None:
    messages = build(engine, 'FROM busybox\nRUN ["false"]\n')
    assert messages[-1]["error"] == "The command 'false' returned a non-zero code: 1"


def test_build_cache(engine: Engine) -> None:
    dockerfile = "FROM busybox\nENV A=1\nRUN echo x > /x\n"
    build(engine, dockerfile, tags=["first"])
    lines = streams(build(engine, dockerfile, tags=["second"]))
    assert lines.count(" ---> Using cache\n") == 2
    assert engine.images.get("first").id == engine.images.get("second").id


def test_build_no_cache(engine: Engine) -> None:
    dockerfile = "FROM busybox\nRUN echo x > /x\n"
    build(engine, dockerfile)
    lines = streams(build(engine, dockerfile, no_cache=True))
    assert " ---> Using cache\n" not in lines


def test_build_multi_stage(engine: Engine) -> None:
    messages = build(
        engine,
        "FROM busybox AS base\nRUN echo made > /made\n"
        "FROM scratch\nCOPY --from=base /made /copied\n",
        tags=["multi"],
    )
    image = engine.images.get("multi")
    assert image.filesystem.read_file("/copied") == b"made\n"
    assert image.filesystem.exists("/bin/busybox") is False
    assert " ---> \n" in streams(messages)
    assert len([m for m in messages if "aux" in m]) == 2


def test_build_target(engine: Engine) -> None:
    build(
        engine,
        "FROM busybox AS first\nENV STAGE=1\nFROM busybox\nENV STAGE=2\n",
        tags=["t"],
        target="first",
    )
    assert "STAGE=1" in engine.images.get("t").config["Env"]


def test_build_unknown_target(engine: Engine) -> None:
    data = context({"Dockerfile": b"FROM busybox\n"})
    with pytest.raises(InvalidParameter) as caught:
        ClassicBuild(engine, data, BuildOptions(target="zz"))
    assert caught.value.message == 'target stage "zz" could not be found'


def test_build_missing_dockerfile(engine: Engine) -> None:
    with pytest.raises(DaemonError) as caught:
        ClassicBuild(engine, context({}), BuildOptions(dockerfile="nope"))
    assert caught.value.message == "Cannot locate specified Dockerfile: nope"
    assert caught.value.status == 500


def test_build_empty_dockerfile(engine: Engine) -> None:
    with pytest.raises(InvalidParameter) as caught:
        ClassicBuild(engine, context({"Dockerfile": b""}), BuildOptions())
    assert caught.value.message == "the Dockerfile (Dockerfile) cannot be empty"


def test_build_args(engine: Engine) -> None:
    messages = build(
        engine,
        "FROM busybox\nARG V=1\nRUN echo $V > /v\n",
        tags=["args"],
        build_args={"V": "7", "UNUSED": "x"},
    )
    image = engine.images.get("args")
    assert image.filesystem.read_file("/v") == b"7\n"
    assert (
        engine.images.history("args")[0]["CreatedBy"]
        == "|1 V=7 /bin/sh -c echo $V > /v"
    )
    warning = "[Warning] One or more build-args [UNUSED] were not consumed\n"
    assert warning in streams(messages)


def test_build_metadata(engine: Engine) -> None:
    build(
        engine,
        "FROM busybox\nLABEL x=y\nWORKDIR /app\nUSER nobody\nEXPOSE 80 53/udp\n"
        'VOLUME /data\nENTRYPOINT ["sh"]\nHEALTHCHECK --interval=30s CMD true\n'
        'STOPSIGNAL SIGINT\nSHELL ["/bin/ash","-c"]\nONBUILD RUN true\n',
        tags=["meta"],
    )
    image = engine.images.get("meta")
    config = image.config
    assert config["Labels"] == {"x": "y"}
    assert config["WorkingDir"] == "/app"
    assert config["User"] == "nobody"
    assert config["ExposedPorts"] == {"80/tcp": {}, "53/udp": {}}
    assert config["Volumes"] == {"/data": {}}
    assert config["Entrypoint"] == ["sh"]
    assert config["Cmd"] is None
    assert config["Healthcheck"] == {
        "Test": ["CMD-SHELL", "true"],
        "Interval": 30 * 10**9,
    }
    assert config["StopSignal"] == "SIGINT"
    assert config["Shell"] == ["/bin/ash", "-c"]
    assert config["OnBuild"] == ["RUN true"]
    assert image.filesystem.is_dir("/app")


def test_build_labels_option(engine: Engine) -> None:
    messages = build(engine, "FROM busybox\n", tags=["l"], labels={"b": "1", "a": "2"})
    assert 'Step 3/3 : LABEL "b"="1"' in streams(messages)
    assert engine.images.get("l").labels == {"a": "2", "b": "1"}


def test_build_copy_directory_and_glob(engine: Engine) -> None:
    build(
        engine,
        "FROM busybox\nCOPY d /dest/\nCOPY *.txt /texts/\n",
        {"d/one": b"1", "d/sub/two": b"2", "a.txt": b"a", "b.txt": b"b"},
        tags=["files"],
    )
    fs = engine.images.get("files").filesystem
    assert fs.read_file("/dest/sub/two") == b"2"
    assert fs.listdir("/texts") == ["a.txt", "b.txt"]


def test_build_copy_chown(engine: Engine) -> None:
    build(engine, "FROM busybox\nCOPY --chown=nobody:1 f /f\n", {"f": b"x"}, tags=["o"])
    stat = engine.images.get("o").filesystem.stat("/f")
    assert (stat.uid, stat.gid) == (65534, 1)


def test_build_add_extracts_tar(engine: Engine) -> None:
    archive = context({"inner/file": b"inside"})
    build(
        engine, "FROM busybox\nADD pack.tar /opt/\n", {"pack.tar": archive}, tags=["a"]
    )
    fs = engine.images.get("a").filesystem
    assert fs.read_file("/opt/inner/file") == b"inside"


def test_build_copy_missing(engine: Engine) -> None:
    messages = build(engine, "FROM busybox\nCOPY missing /x\n")
    assert messages[-1]["error"] == (
        "COPY failed: file not found in build context or excluded by "
        ".dockerignore: stat missing: file does not exist"
    )


def test_build_pulls_base(engine: Engine) -> None:
    messages = build(engine, "FROM alpine:3.20\n", tags=["pulled"])
    assert {"status": "Pulling from library/alpine", "id": "3.20"} in messages
    assert engine.images.find("alpine:3.20") is not None


def test_build_offline_base() -> None:
    engine = Engine(DaemonConfig(offline=True))
    messages = build(engine, "FROM alpine\n")
    assert messages[-1]["error"].startswith('Get "https://registry-1.docker.io/v2/"')


def test_build_quiet(engine: Engine) -> None:
    messages = build(engine, "FROM busybox\nENV A=1\n", quiet=True, tags=["q"])
    image = engine.images.get("q")
    assert messages == [{"stream": f"{image.id}\n"}]


def test_build_legacy_removal_line() -> None:
    engine = Engine(DaemonConfig(engine="20.10"))
    lines = streams(build(engine, "FROM busybox\nENV A=1\n"))
    assert any(line.startswith("Removing intermediate container ") for line in lines)


# Commit -----------------------------------------------------------------------


def test_commit_container(engine: Engine) -> None:
    container = engine.containers.create({"Image": "busybox", "Cmd": ["sh"]}, None)
    container.filesystem.write_file("/note", b"kept")
    image = commit_container(
        engine,
        container.id,
        repository="snap",
        tag="v1",
        comment="msg",
        author="me",
        changes=['CMD ["cat","/note"]', "ENV X=1"],
    )
    assert engine.images.get("snap:v1").id == image.id
    assert image.filesystem.read_file("/note") == b"kept"
    assert image.config["Cmd"] == ["cat", "/note"]
    assert "X=1" in image.config["Env"]
    assert image.parent == container.image_id
    assert image.comment == "msg"
    assert image.author == "me"


def test_commit_invalid_change(engine: Engine) -> None:
    container = engine.containers.create({"Image": "busybox", "Cmd": ["sh"]}, None)
    with pytest.raises(InvalidParameter) as caught:
        commit_container(engine, container.id, changes=["RUN true"])
    assert caught.value.message == "RUN is not a valid change command"
