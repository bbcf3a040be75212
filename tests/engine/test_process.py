"""Tests of simulated processes: commands, the shell, sleep, cancel and TTY."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fakedaemon.clock import Clock
from fakedaemon.engine.filesystem import Filesystem
from fakedaemon.engine.process import (
    ExecutableNotFound,
    Exit,
    Output,
    ProcessSpec,
    Script,
    Sleep,
    check_executable,
    resolve_executable,
    run,
)

ENV = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
APPLETS = ["sh", "cat", "sleep", "env", "ls", "mkdir", "rm", "touch", "id", "seq"]


@dataclass
class RecordingIO:
    """A ProcessIO that feeds fixed stdin and records every write."""

    stdin: bytes = b""
    writes: list[tuple[str, bytes]] = field(default_factory=list)

    def read_stdin(self, size: int) -> bytes:
        data, self.stdin = self.stdin[:size], self.stdin[size:]
        return data

    def write(self, stream: str, data: bytes) -> None:
        self.writes.append((stream, data))

    def output(self, stream: str) -> bytes:
        return b"".join(data for name, data in self.writes if name == stream)


def busybox_image() -> Filesystem:
    return Filesystem.from_files(
        {
            "/bin/busybox": (b"\x7fELF", 0o755),
            "/etc/passwd": b"root:x:0:0:root:/root:/bin/sh\n",
            "/etc/group": b"root:x:0:\nwheel:x:10:root\n",
            "/usr/sbin/nginx": (b"\x7fELF", 0o755),
            "/entrypoint.sh": (b'#!/bin/sh\necho "entry $1"\nexit 7\n', 0o755),
        },
        symlinks={f"/bin/{name}": "busybox" for name in APPLETS},
        dirs=["/tmp", "/root"],
    )


@dataclass
class Result:
    status: int | None
    io: RecordingIO
    fs: Filesystem

    @property
    def stdout(self) -> bytes:
        return self.io.output("stdout")

    @property
    def stderr(self) -> bytes:
        return self.io.output("stderr")


def execute(
    argv: list[str],
    stdin: bytes = b"",
    tty: bool = False,
    env: list[str] | None = None,
    fs: Filesystem | None = None,
    clock: Clock | None = None,
) -> Result:
    fs = fs if fs is not None else busybox_image().child()
    io = RecordingIO(stdin)
    spec = ProcessSpec(argv, ENV if env is None else env, "/", "box", tty)
    status = run(spec, fs, io, clock or Clock(), threading.Event())
    return Result(status, io, fs)


def sh(script: str, stdin: bytes = b"", **options: object) -> Result:
    return execute(["sh", "-c", script], stdin, **options)  # type: ignore[arg-type]


# Simple commands and exit statuses


def test_echo_out_err_exit() -> None:
    result = sh("echo out; echo err >&2; exit 3")
    assert result.stdout == b"out\n"
    assert result.stderr == b"err\n"
    assert result.status == 3


def test_or_list_runs_second() -> None:
    result = sh("false || echo x")
    assert result.stdout == b"x\n"
    assert result.status == 0


def test_and_list_exit() -> None:
    assert sh("true && exit 4").status == 4


def test_and_list_skips_after_failure() -> None:
    result = sh("false && echo no")
    assert result.stdout == b""
    assert result.status == 1


def test_exit_status_wraps() -> None:
    assert sh("exit 300").status == 44


def test_last_status_variable() -> None:
    assert sh("false; echo $?").stdout == b"1\n"


def test_each_echo_is_one_write() -> None:
    result = sh("echo a; echo b")
    assert result.io.writes == [("stdout", b"a\n"), ("stdout", b"b\n")]


def test_direct_echo_without_shell() -> None:
    result = execute(["/bin/busybox", "echo", "hi"])
    assert result.stdout == b"hi\n"


# Quoting and expansion


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("echo 'a  b' \"c  d\" e\\ f", b"a  b c  d e f\n"),
        ('echo "it\'s" \'say "hi"\'', b'it\'s say "hi"\n'),
        ("X=1; echo $X ${X} \"$X\" '$X'", b"1 1 1 $X\n"),
        ("echo ${UNSET:-def} ${UNSET-d2} [${UNSET}]", b"def d2 []\n"),
        ("X='a   b'; echo $X; echo \"$X\"", b"a b\na   b\n"),
        (
            "X=abc.tar.gz; echo ${X%.*} ${X%%.*} ${X#*.} ${#X}",
            b"abc.tar abc tar.gz 10\n",
        ),
        ("echo $((1 + 2 * 3)) $(( (7 - 1) / 4 )) $((10 % 3))", b"7 1 1\n"),
        ("echo $(echo sub) `echo back`", b"sub back\n"),
        ("echo \"$(echo 'a  b')\"", b"a  b\n"),
        ("echo a\\\nb", b"ab\n"),
        ("echo # a comment", b"\n"),
        ("echo ''", b"\n"),
        ('set -- x \'y z\'; echo $# "$1" "$2"', b"2 x y z\n"),
    ],
)
def test_expansion_cases(script: str, expected: bytes) -> None:
    assert sh(script).stdout == expected


def test_assignment_prefix_only_for_command() -> None:
    result = sh('A=b env | grep ^A=; echo "[$A]"')
    assert result.stdout == b"A=b\n[]\n"


def test_export_reaches_env() -> None:
    assert sh("export A=1; env | grep ^A=").stdout == b"A=1\n"


def test_home_tilde() -> None:
    assert sh("echo ~/x", env=[*ENV, "HOME=/root"]).stdout == b"/root/x\n"


# Control flow


def test_for_loop() -> None:
    assert sh("for x in a b; do echo $x; done").stdout == b"a\nb\n"


def test_while_loop_with_counter() -> None:
    script = "i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo $i; done"
    assert sh(script).stdout == b"1\n2\n3\n"


def test_until_loop_break() -> None:
    script = "until false; do echo once; break; done"
    assert sh(script).stdout == b"once\n"


def test_if_elif_else() -> None:
    script = "if false; then echo a; elif true; then echo b; else echo c; fi"
    assert sh(script).stdout == b"b\n"


def test_case_patterns() -> None:
    script = "for v in abc xyz; do case $v in a*) echo A;; *) echo other;; esac; done"
    assert sh(script).stdout == b"A\nother\n"


def test_function_and_return() -> None:
    script = 'f() { echo "f $1"; return 3; }; f x; echo $?'
    assert sh(script).stdout == b"f x\n3\n"


def test_subshell_exit_stays_inside() -> None:
    result = sh("(exit 5); echo $?; (cd /tmp); pwd")
    assert result.stdout == b"5\n/\n"


def test_negated_pipeline() -> None:
    assert sh("! false").status == 0


def test_pipeline_to_wc() -> None:
    assert sh("seq 3 | wc -l").stdout == b"3\n"


def test_read_loop_from_file() -> None:
    script = "printf 'a\\nb\\n' > /tmp/f; while read l; do echo \"<$l>\"; done < /tmp/f"
    assert sh(script).stdout == b"<a>\n<b>\n"


def test_exec_replaces_shell() -> None:
    result = sh("exec echo hi; echo never")
    assert result.stdout == b"hi\n"
    assert result.status == 0


# Syntax errors


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("if", 'unexpected end of file (expecting "then")'),
        ("if true; then echo", 'unexpected end of file (expecting "fi")'),
        (";", 'unexpected ";"'),
        ("fi", 'unexpected "fi"'),
        ("&& echo", 'unexpected "&&"'),
        ("echo a |", "unexpected end of file"),
        ('echo "abc', "unterminated quoted string"),
        ("echo $((1+", "missing '))'"),
    ],
)
def test_syntax_errors(script: str, message: str) -> None:
    result = sh(script)
    assert result.stderr == f"sh: syntax error: {message}\n".encode()
    assert result.status == 2


# Commands not found and programs


def test_not_found_in_shell() -> None:
    result = sh("foo; echo $?")
    assert result.stderr == b"sh: foo: not found\n"
    assert result.stdout == b"127\n"


def test_applet_without_link_runs_from_busybox() -> None:
    assert sh("basename /a/b.txt .txt").stdout == b"b\n"


def test_shebang_script_runs() -> None:
    result = execute(["/entrypoint.sh", "arg"])
    assert result.stdout == b"entry arg\n"
    assert result.status == 7


@pytest.mark.parametrize(
    ("argv0", "message"),
    [
        ("nope", 'exec: "nope": executable file not found in $PATH'),
        ("/nope", 'exec: "/nope": stat /nope: no such file or directory'),
        ("/bin", 'exec: "/bin": permission denied'),
        ("/etc/passwd", 'exec: "/etc/passwd": permission denied'),
    ],
)
def test_check_executable_rejects(argv0: str, message: str) -> None:
    spec = ProcessSpec([argv0], ENV, "/", "box", False)
    with pytest.raises(ExecutableNotFound) as caught:
        check_executable(spec, busybox_image())
    assert caught.value.message == message
    assert caught.value.name == argv0


def test_check_executable_uses_env_path() -> None:
    spec = ProcessSpec(["nginx"], ["PATH=/bin"], "/", "box", False)
    with pytest.raises(ExecutableNotFound):
        check_executable(spec, busybox_image())


def test_resolve_executable_default_path() -> None:
    spec = ProcessSpec(["nginx"], [], "/", "box", False)
    assert resolve_executable(spec, busybox_image()) == "/usr/sbin/nginx"


def test_run_raises_for_missing_executable() -> None:
    with pytest.raises(ExecutableNotFound):
        execute(["nope"])


# Redirections and files


def test_redirect_then_cat() -> None:
    result = sh("echo hi > /tmp/f; echo there >> /tmp/f; cat /tmp/f")
    assert result.stdout == b"hi\nthere\n"
    assert result.fs.read_file("/tmp/f") == b"hi\nthere\n"


def test_stderr_to_file() -> None:
    result = sh("cat /nope 2>/tmp/err; cat /tmp/err")
    assert result.stdout == b"cat: can't open '/nope': No such file or directory\n"
    assert result.stderr == b""


def test_stderr_to_stdout() -> None:
    result = sh("cat /nope 2>&1")
    assert result.stdout == b"cat: can't open '/nope': No such file or directory\n"


def test_redirect_order_matters() -> None:
    result = sh("echo x 2>&1 1>/dev/null; echo y 1>&2")
    assert result.stdout == b""
    assert result.stderr == b"y\n"


def test_stdin_from_file() -> None:
    assert sh("echo abc > /tmp/f; cat < /tmp/f").stdout == b"abc\n"


def test_redirect_missing_directory() -> None:
    result = sh("echo a > /nodir/x; echo $?")
    assert result.stderr == b"sh: can't create /nodir/x: nonexistent directory\n"
    assert result.stdout == b"1\n"


def test_redirect_missing_input() -> None:
    result = sh("cat < /nope; echo $?")
    assert result.stderr == b"sh: can't open /nope: no such file\n"
    assert result.stdout == b"1\n"


def test_file_commands() -> None:
    script = "mkdir -p /a/b; touch /a/b/f; ls /a/b; rm -r /a; ls /a; echo $?"
    result = sh(script)
    assert result.stdout == b"f\n1\n"
    assert result.stderr == b"ls: /a: No such file or directory\n"


def test_mkdir_existing_message() -> None:
    result = sh("mkdir /tmp")
    assert result.stderr == b"mkdir: can't create directory '/tmp': File exists\n"
    assert result.status == 1


def test_rm_missing_message() -> None:
    result = sh("rm /nope")
    assert result.stderr == b"rm: can't remove '/nope': No such file or directory\n"
    assert result.status == 1


def test_cd_missing_message() -> None:
    result = sh("cd /nope")
    assert result.stderr == (
        b"sh: cd: line 0: can't cd to /nope: No such file or directory\n"
    )
    assert result.status == 2


def test_cd_and_relative_paths() -> None:
    assert sh("cd /tmp; echo x > f; pwd; cat /tmp/f").stdout == b"/tmp\nx\n"


# Individual commands


def test_cat_stdin() -> None:
    assert execute(["cat"], stdin=b"piped\ndata").stdout == b"piped\ndata"


def test_cat_dash_reads_stdin() -> None:
    assert sh("cat -", stdin=b"in").stdout == b"in"


def test_cat_missing_file() -> None:
    result = execute(["cat", "x"])
    assert result.stderr == b"cat: can't open 'x': No such file or directory\n"
    assert result.status == 1


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("echo -n a; echo b", b"ab\n"),
        ("echo -e 'a\\tb\\n'", b"a\tb\n\n"),
        ("echo 'a\\tb'", b"a\\tb\n"),
        ("echo -e 'x\\cy'", b"x"),
        ("printf '%s-%d\\n' a 1 b 2", b"a-1\nb-2\n"),
        ("printf '%5s|%-3d|%x|%%\\n' ab 7 255", b"   ab|7  |ff|%\n"),
        ("printf '%b' 'a\\nb'", b"a\nb"),
        ("printf 'no newline'", b"no newline"),
        ("seq 2 4", b"2\n3\n4\n"),
        ("printf 'a\\nb\\nc\\n' | head -n 2", b"a\nb\n"),
        ("printf 'a\\nb\\nc\\n' | tail -n 1", b"c\n"),
        ("printf 'a b\\nc\\n' | wc -w", b"3\n"),
        ("echo hi | tee /tmp/t; cat /tmp/t", b"hi\nhi\n"),
        ("printf 'x\\ny\\n' | grep y", b"y\n"),
        ("hostname", b"box\n"),
        ("pwd", b"/\n"),
        ("id", b"uid=0(root) gid=0(root) groups=0(root),10(wheel)\n"),
        ("whoami", b"root\n"),
        ("dirname /a/b/c; basename /a/b/c", b"/a/b\nc\n"),
        ("[ -d /tmp ] && [ -f /etc/passwd ] && [ ! -e /nope ] && echo ok", b"ok\n"),
        ("test a = a && test 2 -gt 1 && test -n x && test -z '' && echo ok", b"ok\n"),
    ],
)
def test_command_outputs(script: str, expected: bytes) -> None:
    assert sh(script).stdout == expected


def test_printf_invalid_number() -> None:
    result = sh("printf '%d\\n' abc")
    assert result.stderr == b"printf: invalid number 'abc'\n"
    assert result.status == 1


def test_env_prints_environment() -> None:
    result = execute(["env"], env=["PATH=/bin", "A=1"])
    assert result.stdout == b"PATH=/bin\nA=1\n"


def test_env_in_shell_adds_shlvl_pwd() -> None:
    result = sh("env", env=["PATH=/bin"])
    assert result.stdout == b"PATH=/bin\nSHLVL=1\nPWD=/\n"


def test_printenv_unset_fails() -> None:
    result = sh("printenv PATH; printenv NOPE; echo $?", env=["PATH=/bin"])
    assert result.stdout == b"/bin\n1\n"


def test_date_from_clock() -> None:
    clock = Clock()
    clock.freeze(1_700_000_000.0)
    assert sh("date", clock=clock).stdout == b"Tue Nov 14 22:13:20 UTC 2023\n"


def test_date_format() -> None:
    clock = Clock()
    clock.freeze(0.0)
    assert sh("date +%Y-%m-%d", clock=clock).stdout == b"1970-01-01\n"


def test_sleep_invalid_number() -> None:
    result = execute(["sleep", "abc"])
    assert result.stderr == b"sleep: invalid number 'abc'\n"
    assert result.status == 1


# sh reading stdin


def test_sh_reads_script_from_stdin() -> None:
    result = execute(["sh"], stdin=b"echo hi\nexit 3\necho never\n")
    assert result.stdout == b"hi\n"
    assert result.status == 3


def test_sh_stdin_eof_exits_zero() -> None:
    result = execute(["sh"], stdin=b"echo 'multi\nline'\n")
    assert result.stdout == b"multi\nline\n"
    assert result.status == 0


# TTY


def test_tty_translates_newlines() -> None:
    result = sh("echo a; echo b >&2", tty=True)
    assert result.stdout == b"a\r\n"
    assert result.stderr == b"b\r\n"


def test_tty_interactive_shell() -> None:
    result = execute(["sh"], stdin=b"echo hi\r\x04", tty=True)
    assert result.stdout == b"echo hi\r\n" + b"hi\r\n"
    assert result.stderr == b"/ # / # "
    assert result.status == 0


# Sleep, services and cancellation


def _start(
    spec: ProcessSpec, clock: Clock, cancel: threading.Event
) -> tuple[threading.Thread, RecordingIO, list[int | None]]:
    io = RecordingIO()
    results: list[int | None] = []
    fs = busybox_image().child()
    thread = threading.Thread(
        target=lambda: results.append(run(spec, fs, io, clock, cancel)), daemon=True
    )
    thread.start()
    return thread, io, results


def _wait_for(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    event = threading.Event()
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        event.wait(0.01)
    raise AssertionError("condition not reached in time")


def test_sleep_follows_frozen_clock() -> None:
    clock = Clock()
    clock.freeze(0.0)
    spec = ProcessSpec(["sh", "-c", "echo a; sleep 1.5; echo b"], ENV, "/", "h", False)
    thread, io, results = _start(spec, clock, threading.Event())
    _wait_for(lambda: io.output("stdout") == b"a\n")
    clock.advance(1.0)
    thread.join(0.2)
    assert thread.is_alive()
    clock.advance(0.5)
    thread.join(5)
    assert io.output("stdout") == b"a\nb\n"
    assert results == [0]


@pytest.mark.parametrize("duration", ["2m", "1h", "1d", "infinity"])
def test_sleep_units_block(duration: str) -> None:
    clock = Clock()
    clock.freeze(0.0)
    cancel = threading.Event()
    spec = ProcessSpec(["sleep", duration], ENV, "/", "h", False)
    thread, _, results = _start(spec, clock, cancel)
    clock.advance(59.0)
    thread.join(0.1)
    assert thread.is_alive()
    cancel.set()
    clock.wake()
    thread.join(5)
    assert results == [None]


def test_cancel_during_loop_returns_none() -> None:
    clock = Clock()
    clock.freeze(0.0)
    cancel = threading.Event()
    script = "while true; do echo x; sleep 1; done"
    spec = ProcessSpec(["sh", "-c", script], ENV, "/", "h", False)
    thread, io, results = _start(spec, clock, cancel)
    _wait_for(lambda: io.output("stdout") == b"x\n")
    clock.advance(1.0)
    _wait_for(lambda: io.output("stdout") == b"x\nx\n")
    cancel.set()
    clock.wake()
    thread.join(5)
    assert results == [None]


def test_unknown_program_runs_until_cancel() -> None:
    clock = Clock()
    cancel = threading.Event()
    spec = ProcessSpec(["nginx", "-g", "daemon off;"], ENV, "/", "h", False)
    thread, _, results = _start(spec, clock, cancel)
    thread.join(0.2)
    assert thread.is_alive()
    cancel.set()
    clock.wake()
    thread.join(5)
    assert results == [None]


# Behaviours


def test_behaviour_script_runs() -> None:
    clock = Clock()
    clock.freeze(0.0)
    script = Script(
        [Output("stdout", b"ready\n"), Sleep(0), Output("stderr", b"e"), Exit(9)]
    )
    io = RecordingIO()
    spec = ProcessSpec(["anything"], ENV, "/", "h", False)
    status = run(spec, Filesystem(), io, clock, threading.Event(), lambda _: script)
    assert io.writes == [("stdout", b"ready\n"), ("stderr", b"e")]
    assert status == 9


def test_behaviour_none_falls_back() -> None:
    io = RecordingIO()
    spec = ProcessSpec(["/bin/busybox", "echo", "x"], ENV, "/", "h", False)
    status = run(spec, busybox_image(), io, Clock(), threading.Event(), lambda _: None)
    assert io.output("stdout") == b"x\n"
    assert status == 0


def test_behaviour_output_passes_tty() -> None:
    io = RecordingIO()
    spec = ProcessSpec(["x"], ENV, "/", "h", True)
    script = Script([Output("stdout", b"a\n")])
    run(spec, Filesystem(), io, Clock(), threading.Event(), lambda _: script)
    assert io.writes == [("stdout", b"a\r\n")]


def test_behaviour_rejects_bad_stream() -> None:
    with pytest.raises(ValueError):
        Output("stdlog", b"")


# The package never reaches the host


def test_no_host_process_calls() -> None:
    package = Path(__file__).resolve().parents[2] / "fakedaemon/engine/process"
    forbidden = re.compile(r"subprocess|os\.system|os\.exec|popen|os\.spawn", re.I)
    offenders = [
        path.name
        for path in sorted(package.glob("*.py"))
        if forbidden.search(path.read_text())
    ]
    assert offenders == []
