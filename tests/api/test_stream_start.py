"""Streamed responses fix their starting point when the request arrives.

The headers of a streamed response go out before its body runs, and clients
act once they arrive: the CLI starts the container after its wait's headers,
a test creates a container once ``/events`` responds. Each test here delays the
body, acts, and only then reads, so a stream that started late misses
what happened in between.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.test import Client, EnvironBuilder

from fakedaemon.engine.engine import Engine


def create(client: Client, **config: object) -> str:
    body = {"Image": "busybox", **config}
    created = client.post("/v1.45/containers/create", json=body)
    assert created.status_code == 201, created.data
    container_id: str = created.json["Id"]
    return container_id


class HeldBack:
    """A response whose headers were sent and whose body has not started.

    The WSGI app is called as the daemon's server calls it. werkzeug's test
    client would read the first chunk before it returns.
    """

    def __init__(self, client: Client, method: str, path: str) -> None:
        environ = EnvironBuilder(path=path, method=method).get_environ()
        statuses: list[str] = []

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            statuses.append(status)
            return lambda data: None

        self.body: Iterable[bytes] = client.application(environ, start_response)
        self.status = statuses[0]

    def read(self) -> bytes:
        return b"".join(self.body)

    def close(self) -> None:
        getattr(self.body, "close", lambda: None)()


def read_within(read: Callable[[], bytes], seconds: float) -> bytes | None:
    """Run ``read`` on a thread and return its result, or None after ``seconds``."""
    results: list[bytes] = []
    reader = threading.Thread(target=lambda: results.append(read()), daemon=True)
    reader.start()
    reader.join(seconds)
    return results[0] if results else None


def test_next_exit_wait_early_exit(client: Client, engine: Engine) -> None:
    container_id = create(client, Cmd=["true"])
    container = engine.containers.get(container_id)
    response = HeldBack(
        client, "POST", f"/v1.45/containers/{container_id}/wait?condition=next-exit"
    )
    assert response.status == "200 OK"
    assert client.post(f"/v1.45/containers/{container_id}/start").status_code == 204
    assert engine.containers.wait(container, "not-running") == 0
    body = read_within(response.read, 5)
    if body is None:
        # Remove the container so the stuck wait ends.
        client.delete(f"/v1.45/containers/{container_id}?force=1")
    assert body is not None, "the wait missed the exit that came before its body"
    assert json.loads(body) == {"StatusCode": 0}


def test_not_running_wait_early_restart(client: Client, engine: Engine) -> None:
    container_id = create(client, Cmd=["sleep", "300"])
    container = engine.containers.get(container_id)
    assert client.post(f"/v1.45/containers/{container_id}/start").status_code == 204
    response = HeldBack(client, "POST", f"/v1.45/containers/{container_id}/wait")
    restarted = client.post(f"/v1.45/containers/{container_id}/restart?t=0")
    assert restarted.status_code == 204
    assert container.process is not None
    body = read_within(response.read, 5)
    if body is None:
        client.delete(f"/v1.45/containers/{container_id}?force=1")
    assert body is not None, "the wait missed the exit that came before its body"
    assert json.loads(body)["StatusCode"] == container.state.exit_code


def test_events_early_create(client: Client, engine: Engine) -> None:
    until = time.time() + 1
    response = HeldBack(client, "GET", f"/v1.45/events?until={until:.3f}")
    assert response.status == "200 OK"
    container_id = create(client)
    body = read_within(response.read, 10)
    assert body is not None
    actions = [
        (document["Action"], document["id"])
        for document in map(json.loads, body.splitlines())
    ]
    assert actions == [("create", container_id)]
    assert engine.events.listeners == 0


def test_events_unread_body_unsubscribes(client: Client, engine: Engine) -> None:
    response = HeldBack(client, "GET", "/v1.45/events")
    assert engine.events.listeners == 1
    response.close()
    assert engine.events.listeners == 0


def test_followed_logs_late_output(client: Client, engine: Engine) -> None:
    container_id = create(client, Cmd=["cat"], OpenStdin=True)
    container = engine.containers.get(container_id)
    assert client.post(f"/v1.45/containers/{container_id}/start").status_code == 204
    container.log.append("stdout", time.time_ns(), b"first\n")
    response = HeldBack(
        client, "GET", f"/v1.45/containers/{container_id}/logs?stdout=1&follow=1"
    )
    chunks = iter(response.body)
    first = next(chunks)
    container.log.append("stdout", time.time_ns(), b"second\n")
    assert client.post(f"/v1.45/containers/{container_id}/kill").status_code == 204
    rest = read_within(lambda: b"".join(chunks), 5)
    assert rest is not None
    assert first.endswith(b"first\n")
    assert rest.endswith(b"second\n")
