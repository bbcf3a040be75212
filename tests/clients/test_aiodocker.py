"""aiodocker (asyncio, on aiohttp) against the fake daemon's socket.

Each test runs its coroutine with ``asyncio.run``, so no asyncio pytest
plugin is needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import pytest

from fakedaemon import Daemon

aiodocker = pytest.importorskip("aiodocker", reason="aiodocker is not installed")

Result = TypeVar("Result")


def run_with(
    daemon: Daemon, scenario: Callable[[Any], Awaitable[Result]], **options: Any
) -> Result:
    """Run ``scenario(docker)`` with an aiodocker client of ``daemon``."""

    async def main() -> Result:
        client = aiodocker.Docker(url=daemon.docker_host, **options)
        try:
            return await asyncio.wait_for(scenario(client), timeout=30)
        finally:
            await client.close()

    return asyncio.run(main())


def test_version_negotiated(daemon: Daemon) -> None:
    async def scenario(client: Any) -> str:
        await client.version()
        return str(client.api_version)

    assert run_with(daemon, scenario) == f"v{daemon.engine.profile.max_api}"


def test_pull_progress(daemon: Daemon) -> None:
    async def scenario(client: Any) -> list[dict[str, Any]]:
        return list(await client.images.pull("alpine:3.19"))

    messages = run_with(daemon, scenario)
    assert messages[-1] == {"status": "Status: Downloaded newer image for alpine:3.19"}


def test_pull_stream(daemon: Daemon) -> None:
    async def scenario(client: Any) -> list[str]:
        statuses = []
        async for message in client.images.pull("alpine:3.19", stream=True):
            statuses.append(message["status"])
        return statuses

    statuses = run_with(daemon, scenario)
    assert "Pull complete" in statuses


def test_container_lifecycle(daemon: Daemon) -> None:
    async def scenario(client: Any) -> tuple[dict[str, Any], list[str], list[str]]:
        container = await client.containers.create(
            {"Image": "busybox", "Cmd": ["sh", "-c", "echo out; echo err >&2; exit 2"]},
            name="job",
        )
        await container.start()
        result = await container.wait()
        stdout = await container.log(stdout=True)
        stderr = await container.log(stderr=True)
        await container.delete()
        return result, stdout, stderr

    result, stdout, stderr = run_with(daemon, scenario)
    assert result == {"StatusCode": 2}
    assert stdout == ["out\n"]
    assert stderr == ["err\n"]
    assert daemon.engine.containers.all() == []


def test_run_and_follow_logs(daemon: Daemon) -> None:
    async def scenario(client: Any) -> list[str]:
        container = await client.containers.run(
            {"Image": "busybox", "Cmd": ["sh", "-c", "echo one; echo two"]}
        )
        lines = [line async for line in container.log(stdout=True, follow=True)]
        await container.delete(force=True)
        return lines

    assert run_with(daemon, scenario) == ["one\n", "two\n"]


def test_missing_container_error(daemon: Daemon) -> None:
    async def scenario(client: Any) -> Any:
        with pytest.raises(aiodocker.DockerError) as raised:
            await client.containers.get("nosuch")
        return raised.value

    error = run_with(daemon, scenario)
    assert error.status == 404
    assert error.message == "No such container: nosuch"


def test_events_follow_state(daemon: Daemon) -> None:
    async def scenario(client: Any) -> list[tuple[str, str]]:
        subscriber = client.events.subscribe(filters={"type": ["container"]})
        # Let the events request reach the daemon before the actions start.
        await asyncio.sleep(0.2)
        container = await client.containers.run(
            {"Image": "busybox", "Cmd": ["true"]}, name="evented"
        )
        await container.wait()
        await container.delete()
        seen: list[tuple[str, str]] = []
        while len(seen) < 4:
            event = await asyncio.wait_for(subscriber.get(), timeout=5)
            seen.append((event["Type"], event["Action"]))
        await client.events.stop()
        return seen

    assert run_with(daemon, scenario) == [
        ("container", "create"),
        ("container", "start"),
        ("container", "die"),
        ("container", "destroy"),
    ]


def test_pinned_version(daemon: Daemon) -> None:
    async def scenario(client: Any) -> list[Any]:
        return list(await client.containers.list(all=True))

    assert run_with(daemon, scenario, api_version="v1.24") == []
    listed = daemon.control.journal.calls("ContainerList")
    assert [entry.api_version for entry in listed] == ["1.24"]
