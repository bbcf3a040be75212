"""Serve one daemon and send it raw requests, for instruction counts per request.

``python -m harness.bench.rawload PATH COUNT [--containers N]`` serves a
daemon in this process on a unix socket and sends COUNT keep-alive GETs of
PATH from a child process that writes bytes on a raw socket, so almost no
client work shares the process. Run it under callgrind with two counts.
The difference of the totals divided by the difference of the counts is
the daemon's instructions per request, which a busy machine does not blur::

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python -m harness.bench.rawload /_ping 20
    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python -m harness.bench.rawload /_ping 220
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from .server import child_environ

REQUEST = (
    "GET {path} HTTP/1.1\r\nHost: docker\r\nAccept: */*\r\n"
    "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n"
    "User-Agent: python-httpx/0.29.0\r\n\r\n"
)
"""The request line and the headers httpx sends, so the parsing work matches."""


def send_requests(socket_path: str, path: str, count: int) -> None:
    """Send ``count`` GETs of ``path`` on one connection, reading each response."""
    request = REQUEST.format(path=path).encode()
    with socket.socket(socket.AF_UNIX) as connection:
        connection.connect(socket_path)
        for _ in range(count):
            connection.sendall(request)
            received = b""
            while b"\r\n\r\n" not in received:
                received += connection.recv(65536)
            head, _, body = received.partition(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            while len(body) < length:
                body += connection.recv(65536)


def main(argv: list[str] | None = None) -> int:
    """Serve a daemon, or with ``--client`` send the requests; see the docstring."""
    parser = argparse.ArgumentParser(prog="python -m harness.bench.rawload")
    parser.add_argument("path", help="path to GET, such as /_ping")
    parser.add_argument("count", type=int, help="requests to send")
    parser.add_argument("--containers", type=int, default=0, help="containers")
    parser.add_argument("--client", metavar="SOCKET", help=argparse.SUPPRESS)
    arguments = parser.parse_args(argv)
    if arguments.client:
        send_requests(arguments.client, arguments.path, arguments.count)
        return 0

    from fakedaemon import Daemon, DaemonConfig

    from .filled import fill

    with tempfile.TemporaryDirectory(prefix="fdb-", dir="/tmp") as folder:
        socket_path = str(Path(folder) / "raw.sock")
        daemon = Daemon(DaemonConfig(), hosts=[f"unix://{socket_path}"])
        fill(daemon, arguments.containers, 0)
        with daemon:
            command = [sys.executable, "-m", "harness.bench.rawload"]
            command += [arguments.path, str(arguments.count), "--client", socket_path]
            subprocess.run(command, check=True, env=child_environ())
    return 0


if __name__ == "__main__":
    sys.exit(main())
