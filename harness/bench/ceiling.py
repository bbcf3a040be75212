"""The client's ceiling: a socket loop that responds to every request with fixed bytes.

``python -m harness.bench.ceiling SOCKET`` serves SOCKET, prints ``ready``
and responds to each request head with the bytes of Engine 20.10's
``/_ping`` response, without parsing or building anything, until SIGTERM,
or with ``--parent-pipe`` until its standard input closes.
No daemon can respond to the suite's client faster than this loop, so its
rate bounds every request rate the suite measures.

The package does not import this module, because runpy warns when
``python -m`` runs a module that the package has already imported.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path

RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Api-Version: 1.41\r\n"
    b"Cache-Control: no-cache, no-store, must-revalidate\r\n"
    b"Docker-Experimental: false\r\n"
    b"Ostype: linux\r\n"
    b"Pragma: no-cache\r\n"
    b"Server: Docker/20.10.24+dfsg1 (linux)\r\n"
    b"Date: Sat, 05 Dec 2026 06:28:40 GMT\r\n"
    b"Content-Length: 2\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"OK"
)
"""Engine 20.10's response to ``GET /_ping``, as recorded, so the client reads
the same headers as from the Engine."""


def _respond(connection: socket.socket) -> None:
    """Respond to each request head on ``connection`` until the client closes it."""
    pending = b""
    with connection:
        while True:
            data = connection.recv(65536)
            if not data:
                return
            pending += data
            # The suite sends GET requests without bodies, so a head ends
            # each request.
            end = pending.find(b"\r\n\r\n")
            while end >= 0:
                pending = pending[end + 4 :]
                connection.sendall(RESPONSE)
                end = pending.find(b"\r\n\r\n")


def serve(path: Path) -> None:
    """Serve ``path`` with one thread per connection, until the process ends."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(64)
    print("ready", flush=True)
    while True:
        connection, _ = listener.accept()
        threading.Thread(target=_respond, args=(connection,), daemon=True).start()


if __name__ == "__main__":
    # Imported only when run, so that importing the module loads the
    # standard library alone.
    from harness.bench.server import PARENT_PIPE, watch_parent_pipe

    socket_path = Path(sys.argv[1])

    def leave() -> None:
        socket_path.unlink(missing_ok=True)
        os._exit(0)

    if PARENT_PIPE in sys.argv[2:]:
        watch_parent_pipe(leave)
    serve(socket_path)
