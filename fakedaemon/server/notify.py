"""Readiness notification to a service manager (systemd's ``sd_notify``)."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

logger = logging.getLogger("fakedaemon")


def notify(state: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``state`` (``READY=1``, ``STOPPING=1``...) to ``$NOTIFY_SOCKET``.

    A path starting with ``@`` names an abstract socket. Returns whether a
    message was sent; without ``NOTIFY_SOCKET`` nothing is sent.
    """
    environment = os.environ if environ is None else environ
    address = environment.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
            sender.connect(address)
            sender.sendall(state.encode())
    except OSError as error:
        logger.warning("failed to notify %s of %s: %s", address, state, error)
        return False
    return True
