"""The clients a scenario drives: plain HTTP, raw hijacks, the docker CLI, docker-py."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from contracts.exchange.wire import (
    UNTIL_CLOSE,
    BodyDecoder,
    response_body_mode,
    split_head,
)


@dataclass
class Session:
    """The clients of one scenario, all pointed at the recorder.

    Args:
        socket_path: the recorder's unix socket.
        version: the API version every client requests.
        prefix: the start of every name the scenario creates, so cleanup
            finds them and parallel users of the Engine are left alone.
    """

    socket_path: str
    version: str
    prefix: str

    def __post_init__(self) -> None:
        transport = httpx.HTTPTransport(uds=self.socket_path)
        self.http = httpx.Client(
            transport=transport,
            base_url=f"http://docker/v{self.version}",
            timeout=60,
            headers={"User-Agent": "fakedaemon-scenarios"},
        )
        self.bare = httpx.Client(
            transport=httpx.HTTPTransport(uds=self.socket_path),
            base_url="http://docker",
            timeout=60,
            headers={"User-Agent": "fakedaemon-scenarios"},
        )
        self._config = tempfile.mkdtemp(prefix="fdrec-cli-")

    def close(self) -> None:
        """Close the HTTP clients and remove the CLI's configuration folder."""
        self.http.close()
        self.bare.close()
        shutil.rmtree(self._config, ignore_errors=True)

    def name(self, suffix: str) -> str:
        """Return a container or tag name unique to this scenario run."""
        return f"{self.prefix}-{suffix}"

    def raw(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        upgrade: bool = True,
        stdin: bytes | None = None,
    ) -> tuple[int, bytes]:
        """Send one request on its own connection; read until the daemon closes.

        With ``upgrade`` the request asks for a hijack (``Upgrade: tcp``);
        ``stdin`` is written after the response head, then the write side is
        closed.
        """
        data = json.dumps(body).encode() if body is not None else b""
        lines = [
            f"{method} /v{self.version}{path} HTTP/1.1",
            "Host: docker",
            "User-Agent: fakedaemon-scenarios",
            "Content-Type: application/json",
            f"Content-Length: {len(data)}",
        ]
        if upgrade:
            lines += ["Connection: Upgrade", "Upgrade: tcp"]
        else:
            lines.append("Connection: close")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(60)
            sock.connect(self.socket_path)
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
            buffer = b""
            while (parsed := split_head(buffer)) is None:
                chunk = sock.recv(65536)
                if not chunk:
                    return 0, buffer
                buffer += chunk
            head, rest = parsed
            status = int(head.second)
            if stdin is not None:
                sock.sendall(stdin)
            if stdin is not None:
                sock.shutdown(socket.SHUT_WR)
            mode, length = response_body_mode(method, status, head)
            if status == 101:
                # A hijacked stream ends when the daemon closes it.
                mode, length = UNTIL_CLOSE, 0
            decoder = BodyDecoder(mode, length)
            output, rest = decoder.feed(rest)
            while not decoder.done:
                chunk = sock.recv(65536)
                if not chunk:
                    decoder.finish()
                    break
                pieces, rest = decoder.feed(chunk)
                output.extend(pieces)
            return status, b"".join(output)

    def docker(
        self, *arguments: str, input: bytes | None = None
    ) -> subprocess.CompletedProcess[bytes]:
        """Run the docker CLI against the recorder at this scenario's version."""
        executable = shutil.which("docker")
        if executable is None:
            raise RuntimeError("the docker CLI is not installed")
        environment = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": self._config,
            "DOCKER_CONFIG": self._config,
            "DOCKER_HOST": f"unix://{self.socket_path}",
            "DOCKER_API_VERSION": self.version,
            "DOCKER_CLI_HINTS": "false",
        }
        return subprocess.run(
            [executable, *arguments],
            input=input,
            capture_output=True,
            env=environment,
            timeout=120,
            check=False,
        )

    def dockerpy(self) -> Any:
        """Return a docker-py client at this scenario's version."""
        import docker  # type: ignore[import-untyped]

        return docker.DockerClient(
            base_url=f"unix://{self.socket_path}", version=self.version, timeout=60
        )


def tar_of(files: dict[str, bytes]) -> bytes:
    """Return an uncompressed tar archive holding ``files``."""
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(content)
            member.mtime = 1_700_000_000
            archive.addfile(member, io.BytesIO(content))
    return buffer.getvalue()


def socket_of(address: str) -> Path:
    """Return the path of a ``unix://`` address."""
    if not address.startswith("unix://"):
        raise ValueError(f"expected a unix:///path address, got {address!r}")
    return Path(address[len("unix://") :])


def image_archive(tag: str) -> bytes:
    """Return a ``docker save`` archive of one small image tagged ``tag``.

    Every byte is fixed, so the image gets the same id on every daemon that
    loads it, unlike an archive saved from an Engine's own busybox.
    """
    import hashlib
    import json

    layer = tar_of({"fdrec.txt": b"loaded\n"})
    diff_id = "sha256:" + hashlib.sha256(layer).hexdigest()
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "created": "2024-01-01T00:00:00Z",
            "config": {"Cmd": ["cat", "/fdrec.txt"]},
            "history": [{"created": "2024-01-01T00:00:00Z", "created_by": "fdrec"}],
            "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        },
        separators=(",", ":"),
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = [{"Config": config_name, "RepoTags": [tag], "Layers": ["layer.tar"]}]
    return tar_of(
        {
            config_name: config,
            "layer.tar": layer,
            "manifest.json": json.dumps(manifest).encode(),
        }
    )
