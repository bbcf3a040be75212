"""``fakedaemon serve`` as a process: config file, reload, readiness, pid file."""

from __future__ import annotations

import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme


def run_serve(*arguments: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fakedaemon", "serve", *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class Served:
    """A serve process, its socket and its captured stderr."""

    def __init__(self, tmp_path: Path, *arguments: str, **environ: str) -> None:
        self.socket_path = tmp_path / "d.sock"
        self.stderr_path = tmp_path / "serve.log"
        self._stderr = open(self.stderr_path, "w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fakedaemon",
                "serve",
                "-H",
                f"unix://{self.socket_path}",
                *arguments,
            ],
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            env={**os.environ, **environ},
        )
        assert self.process.stdout is not None
        self.ready_line = self.process.stdout.readline().strip()

    def client(self) -> httpx.Client:
        transport = httpx.HTTPTransport(uds=str(self.socket_path))
        return httpx.Client(transport=transport, base_url="http://docker")

    def log(self) -> str:
        return self.stderr_path.read_text()

    def wait_for_log(self, text: str, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            time.sleep(0.05)
        return False

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=15)
        finally:
            if self.process.stdout is not None:
                self.process.stdout.close()
            self._stderr.close()


@pytest.fixture
def started(tmp_path: Path) -> Iterator[list[Served]]:
    started: list[Served] = []
    yield started
    for served in started:
        served.stop()


def test_flag_file_conflict_fails(tmp_path: Path) -> None:
    config = tmp_path / "daemon.json"
    config.write_text('{"debug": false}')
    result = run_serve(
        "--debug", "--config-file", str(config), "-H", f"unix://{tmp_path}/d.sock"
    )
    assert result.returncode == 1
    assert (
        "the following directives are specified both as a flag and in the "
        "configuration file: debug: (from flag: true, from file: false)"
    ) in result.stderr


def test_unknown_directive_fails(tmp_path: Path) -> None:
    config = tmp_path / "daemon.json"
    config.write_text('{"x": 1}')
    result = run_serve("--config-file", str(config), "-H", f"unix://{tmp_path}/d.sock")
    assert result.returncode == 1
    assert (
        "the following directives don't match any configuration option: x"
        in result.stderr
    )


def test_settings_from_file(tmp_path: Path, started: list[Served]) -> None:
    config = tmp_path / "daemon.json"
    config.write_text(json.dumps({"labels": ["zone=a"], "experimental": True}))
    served = Served(tmp_path, "--config-file", str(config))
    started.append(served)
    with served.client() as client:
        info = client.get("/info").json()
    assert info["Labels"] == ["zone=a"]
    assert info["ExperimentalBuild"] is True


def test_sighup_reloads(tmp_path: Path, started: list[Served]) -> None:
    config = tmp_path / "daemon.json"
    config.write_text(json.dumps({"labels": ["zone=a"]}))
    served = Served(tmp_path, "--config-file", str(config))
    started.append(served)
    config.write_text(json.dumps({"labels": ["zone=b"], "debug": True}))
    served.process.send_signal(signal.SIGHUP)
    assert served.wait_for_log("Reloaded configuration")
    with served.client() as client:
        info = client.get("/info").json()
    assert info["Labels"] == ["zone=b"]
    assert info["Debug"] is True
    assert "configuration reload changed labels" in served.log()


def test_sighup_bad_file_keeps_settings(tmp_path: Path, started: list[Served]) -> None:
    config = tmp_path / "daemon.json"
    config.write_text(json.dumps({"labels": ["zone=a"]}))
    served = Served(tmp_path, "--config-file", str(config))
    started.append(served)
    config.write_text('{"labels": ["zone=b"], "nonsense": 1}')
    served.process.send_signal(signal.SIGHUP)
    assert served.wait_for_log("don't match any configuration option: nonsense")
    with served.client() as client:
        assert client.get("/info").json()["Labels"] == ["zone=a"]


def test_notify_ready_and_stopping(tmp_path: Path) -> None:
    notify_path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as receiver:
        receiver.bind(notify_path)
        receiver.settimeout(10)
        served = Served(tmp_path, NOTIFY_SOCKET=notify_path)
        ready = receiver.recv(1024)
        assert served.stop() == 0
        stopping = receiver.recv(1024)
    assert ready == b"READY=1"
    assert stopping == b"STOPPING=1"
    assert served.ready_line == f"DOCKER_HOST=unix://{served.socket_path}"


def test_pidfile_rejects_second(tmp_path: Path, started: list[Served]) -> None:
    pidfile = tmp_path / "d.pid"
    served = Served(tmp_path, "--pidfile", str(pidfile))
    started.append(served)
    assert pidfile.read_text() == str(served.process.pid)
    result = run_serve("--pidfile", str(pidfile), "-H", f"unix://{tmp_path}/e.sock")
    assert result.returncode == 1
    assert (
        f"pid file found, ensure docker is not running or delete {pidfile}"
        in result.stderr
    )
    served.stop()
    assert not pidfile.exists()


def test_json_logs_carry_request_id(tmp_path: Path, started: list[Served]) -> None:
    served = Served(tmp_path, "--log-format", "json", "--debug")
    started.append(served)
    with served.client() as client:
        client.get("/_ping")
    assert served.wait_for_log("GET /_ping 200")
    lines = [json.loads(line) for line in served.log().splitlines()]
    ping = next(line for line in lines if line["msg"].startswith("GET /_ping"))
    assert ping["level"] == "debug"
    assert len(ping["request_id"]) == 16


def test_crash_restores_with_255(tmp_path: Path, started: list[Served]) -> None:
    root = tmp_path / "root"
    served = Served(tmp_path, "--data-root", str(root))
    with served.client() as client:
        body = {"Image": "busybox", "Cmd": ["sleep", "1000"]}
        client.post("/containers/create?name=job", json=body)
        client.post("/containers/job/start")
    time.sleep(0.6)  # longer than the save delay
    served.process.kill()
    served.process.wait(timeout=10)
    served.stop()
    again = Served(tmp_path, "--data-root", str(root))
    started.append(again)
    with again.client() as client:
        state = client.get("/containers/job/json").json()["State"]
    assert state["Status"] == "exited"
    assert state["ExitCode"] == 255


def test_crash_keeps_volumes_networks(tmp_path: Path, started: list[Served]) -> None:
    root = tmp_path / "root"
    served = Served(tmp_path, "--data-root", str(root))
    with served.client() as client:
        client.post("/networks/create", json={"Name": "net", "Labels": {"a": "b"}})
        body = {
            "Image": "busybox",
            "Cmd": ["sh", "-c", "echo kept > /v/file"],
            "HostConfig": {"Binds": ["vol:/v"], "NetworkMode": "net"},
        }
        client.post("/containers/create?name=writer", json=body)
        client.post("/containers/writer/start")
        client.post("/containers/writer/wait")
        network = client.get("/networks/net").json()

    time.sleep(0.6)  # longer than the save delay
    served.process.kill()
    served.process.wait(timeout=10)
    served.stop()

    again = Served(tmp_path, "--data-root", str(root))
    started.append(again)
    with again.client() as client:
        restored = client.get("/networks/net").json()
        body = {"Image": "busybox", "Cmd": ["cat", "/v/file"]}
        body["HostConfig"] = {"Binds": ["vol:/v"]}
        client.post("/containers/create?name=reader", json=body)
        client.post("/containers/reader/start")
        client.post("/containers/reader/wait")
        output = client.get("/containers/reader/logs?stdout=1").content

    assert restored["Id"] == network["Id"]
    assert restored["Labels"] == {"a": "b"}
    assert output.endswith(b"kept\n")


def test_tls_flags_serve(tmp_path: Path, started: list[Served]) -> None:
    authority = trustme.CA()
    server = authority.issue_cert("127.0.0.1")
    paths = {name: tmp_path / f"{name}.pem" for name in ("ca", "cert", "key")}
    authority.cert_pem.write_to_path(str(paths["ca"]))
    server.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    server.private_key_pem.write_to_path(str(paths["key"]))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fakedaemon",
            "serve",
            "-H",
            "tcp://127.0.0.1:0",
            "--tlsverify",
            "--tlscacert",
            str(paths["ca"]),
            "--tlscert",
            str(paths["cert"]),
            "--tlskey",
            str(paths["key"]),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline().strip().rsplit(":", 1)[1])
        context = ssl.create_default_context()
        authority.configure_trust(context)
        authority.issue_cert("ci@clients.test", common_name="ci").configure_cert(
            context
        )
        response = httpx.get(f"https://127.0.0.1:{port}/_ping", verify=context)
        assert response.text == "OK"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)
        assert process.stderr is not None
        errors = process.stderr.read()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
    assert "Binding to an IP address" not in errors
