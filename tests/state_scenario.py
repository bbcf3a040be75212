"""A daemon state with every kind of object, and what inspect shows of it.

``build_state`` fills a fake daemon through the Engine API. It makes
volumes with files, user networks with connected containers, and built,
committed, imported, loaded and pulled images, a dangling one among them.
It pushes an image and starts a swarm service that mounts a secret and a
config. ``observe`` collects every inspect body with logs, changes,
history and saved archives, so a test compares them before and after a
round trip through the state.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import time
from typing import Any

import httpx

DOCKERFILE = """\
FROM busybox
LABEL team=state
ENV MODE=built
COPY app.txt /app/app.txt
RUN echo step > /app/step.txt && rm /etc/hostname
CMD ["cat", "/app/app.txt"]
"""


def tar_of(files: dict[str, bytes]) -> bytes:
    """Return an uncompressed tar of ``files`` (name to content)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o640
            info.mtime = 1_700_000_000
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def ok(response: httpx.Response) -> httpx.Response:
    """Return ``response`` after checking that it succeeded."""
    assert response.status_code < 300, (response.status_code, response.text)
    return response


def run(client: httpx.Client, name: str, body: dict[str, Any]) -> str:
    """Create and start a container and return its id."""
    created = ok(client.post(f"/containers/create?name={name}", json=body))
    container_id: str = created.json()["Id"]
    ok(client.post(f"/containers/{container_id}/start"))
    return container_id


def finish(client: httpx.Client, name: str, body: dict[str, Any]) -> str:
    """Run a container to its end."""
    container_id = run(client, name, body)
    ok(client.post(f"/containers/{container_id}/wait", timeout=30))
    return container_id


def build_state(client: httpx.Client, *, swarm: bool = True) -> None:
    """Create objects of every kind the state holds."""
    _volumes(client)
    _networks(client)
    _images(client)
    if swarm:
        _swarm(client)


def _volumes(client: httpx.Client) -> None:
    ok(
        client.post(
            "/volumes/create",
            json={
                "Name": "data",
                "Labels": {"kind": "state"},
                "DriverOpts": {"type": "tmpfs", "device": "tmpfs"},
            },
        )
    )
    finish(
        client,
        "writer",
        {
            "Image": "busybox",
            "Cmd": [
                "sh",
                "-c",
                "echo kept > /data/file; mkdir /data/dir; echo deep > "
                "/data/dir/deep; echo out; echo err >&2",
            ],
            "Volumes": {"/scratch": {}},
            "HostConfig": {"Binds": ["data:/data"]},
        },
    )


def _networks(client: httpx.Client) -> None:
    ok(
        client.post(
            "/networks/create",
            json={
                "Name": "backend",
                "Labels": {"tier": "db"},
                "Options": {"com.docker.network.driver.mtu": "1400"},
                "IPAM": {"Config": [{"Subnet": "10.7.0.0/16"}]},
            },
        )
    )
    ok(client.post("/networks/create", json={"Name": "front"}))
    run(
        client,
        "web",
        {
            "Image": "busybox",
            "Cmd": ["sleep", "1000"],
            "HostConfig": {
                "NetworkMode": "backend",
                "RestartPolicy": {"Name": "always"},
            },
            "NetworkingConfig": {
                "EndpointsConfig": {
                    "backend": {
                        "Aliases": ["api"],
                        "IPAMConfig": {"IPv4Address": "10.7.0.9"},
                    }
                }
            },
        },
    )
    ok(
        client.post(
            "/networks/front/connect",
            json={"Container": "web", "EndpointConfig": {"Aliases": ["www"]}},
        )
    )
    created = ok(
        client.post(
            "/containers/create?name=idle",
            json={"Image": "busybox", "Cmd": ["sleep", "5"]},
        )
    )
    ok(
        client.post(
            "/networks/backend/connect",
            json={
                "Container": created.json()["Id"],
                "EndpointConfig": {"Aliases": ["later"]},
            },
        )
    )


def _images(client: httpx.Client) -> None:
    context = tar_of({"Dockerfile": DOCKERFILE.encode(), "app.txt": b"from app\n"})
    for _ in range(2):
        # The second build leaves the first image's tag free: a dangling image.
        ok(
            client.post(
                "/build?t=app:1&rm=1",
                content=context,
                headers={"Content-Type": "application/x-tar"},
                timeout=60,
            )
        )
        context = tar_of(
            {"Dockerfile": DOCKERFILE.encode(), "app.txt": b"from app, again\n"}
        )

    finish(
        client,
        "maker",
        {"Image": "app:1", "Cmd": ["sh", "-c", "echo made > /made.txt"]},
    )
    ok(client.post("/commit?container=maker&repo=made&tag=1&comment=kept"))
    ok(
        client.post(
            "/images/create?fromSrc=-&repo=imported&tag=1",
            content=tar_of({"bin/tool": b"#!/bin/sh\necho tool\n"}),
        )
    )
    saved = ok(client.get("/images/made:1/get")).content
    ok(client.delete("/images/made:1"))
    ok(client.post("/images/load?quiet=1", content=saved))

    ok(client.post("/images/create?fromImage=alpine&tag=3&platform=linux/arm64"))
    ok(client.post("/images/busybox/tag?repo=mine&tag=v1"))
    ok(client.post("/images/app:1/tag?repo=localhost:5000/app&tag=1"))
    auth = base64.b64encode(b'{"username": "user"}').decode()
    push = client.post(
        "/images/localhost:5000/app/push?tag=1", headers={"X-Registry-Auth": auth}
    )
    assert b'"error"' not in ok(push).content, push.text


def _swarm(client: httpx.Client) -> None:
    ok(client.post("/swarm/init", json={"ListenAddr": "127.0.0.1:2377"}))
    secret = ok(
        client.post(
            "/secrets/create",
            json={"Name": "token", "Data": "c2VjcmV0IHZhbHVl", "Labels": {"a": "b"}},
        )
    ).json()["ID"]
    config = ok(
        client.post("/configs/create", json={"Name": "settings", "Data": "bW9kZT0x"})
    ).json()["ID"]
    ok(
        client.post(
            "/networks/create",
            json={"Name": "mesh", "Driver": "overlay", "Attachable": True},
        )
    )
    spec = {
        "Name": "svc",
        "Labels": {"app": "svc"},
        "TaskTemplate": {
            "ContainerSpec": {
                "Image": "busybox",
                "Command": ["sleep", "1000"],
                "Secrets": [
                    {
                        "SecretID": secret,
                        "SecretName": "token",
                        "File": {"Name": "token", "UID": "0", "GID": "0", "Mode": 292},
                    }
                ],
                "Configs": [
                    {
                        "ConfigID": config,
                        "ConfigName": "settings",
                        "File": {
                            "Name": "/settings",
                            "UID": "0",
                            "GID": "0",
                            "Mode": 292,
                        },
                    }
                ],
            },
            "Networks": [{"Target": "mesh"}],
            # A short delay, so a restarted daemon replaces the tasks quickly.
            "RestartPolicy": {"Condition": "any", "Delay": 200_000_000},
        },
        "Mode": {"Replicated": {"Replicas": 2}},
        "EndpointSpec": {"Ports": [{"TargetPort": 80, "PublishedPort": 8080}]},
    }
    service_id = ok(client.post("/services/create", json=spec)).json()["ID"]
    wait_running(client, service_id, 2)
    version = ok(client.get(f"/services/{service_id}")).json()["Version"]["Index"]
    spec["Labels"] = {"app": "svc", "updated": "yes"}
    ok(client.post(f"/services/{service_id}/update?version={version}", json=spec))
    wait_running(client, service_id, 2)


def wait_running(client: httpx.Client, service: str, count: int) -> None:
    """Wait until ``count`` tasks of ``service`` run and no update is pending."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        filters = json.dumps({"service": [service], "desired-state": ["running"]})
        tasks = ok(client.get("/tasks", params={"filters": filters})).json()
        running = [t for t in tasks if t["Status"]["State"] == "running"]
        status = ok(client.get(f"/services/{service}")).json().get("UpdateStatus")
        settled = status is None or status.get("State") == "completed"
        if len(running) == count and len(tasks) == count and settled:
            return
        time.sleep(0.05)
    raise AssertionError(f"service {service} did not reach {count} running tasks")


def observe(client: httpx.Client) -> dict[str, Any]:
    """Return what the Engine API shows of every object, keyed by kind and name."""
    shown: dict[str, Any] = {}
    shown["info"] = _info(client)
    for image in ok(client.get("/images/json?all=1")).json():
        key = image["Id"]
        shown[f"image-summary:{key}"] = image
        shown[f"image:{key}"] = ok(client.get(f"/images/{key}/json")).json()
        shown[f"history:{key}"] = ok(client.get(f"/images/{key}/history")).json()
        archive = ok(client.get(f"/images/{key}/get")).content
        shown[f"save:{key}"] = hashlib.sha256(archive).hexdigest()
    for container in ok(client.get("/containers/json?all=1")).json():
        key = container["Names"][0]
        shown[f"container-summary:{key}"] = container
        shown[f"container:{key}"] = ok(client.get(f"/containers{key}/json")).json()
        logs = client.get(f"/containers{key}/logs?stdout=1&stderr=1&timestamps=1")
        shown[f"logs:{key}"] = ok(logs).content
        shown[f"changes:{key}"] = ok(client.get(f"/containers{key}/changes")).json()
    for volume in ok(client.get("/volumes")).json()["Volumes"]:
        shown[f"volume:{volume['Name']}"] = volume
    for network in ok(client.get("/networks")).json():
        key = network["Name"]
        shown[f"network:{key}"] = ok(client.get(f"/networks/{network['Id']}")).json()
    swarm = client.get("/swarm")
    if swarm.status_code == 200:
        shown["swarm"] = swarm.json()
        shown["unlockkey"] = ok(client.get("/swarm/unlockkey")).json()
        for kind in ("nodes", "services", "tasks", "secrets", "configs"):
            for item in ok(client.get(f"/{kind}")).json():
                detail = ok(client.get(f"/{kind}/{item['ID']}")).json()
                shown[f"{kind}:{item['ID']}"] = detail
    return shown


def _info(client: httpx.Client) -> dict[str, Any]:
    info = ok(client.get("/info")).json()
    kept = ("ID", "Containers", "ContainersRunning", "ContainersStopped", "Images")
    return {key: info[key] for key in kept}


def volume_files(client: httpx.Client, volume: str) -> bytes:
    """Return what a new container finds in ``volume``, as ``ls -lR`` and cat."""
    command = "ls -lR /v; cat /v/file /v/dir/deep"
    created = ok(
        client.post(
            "/containers/create",
            json={
                "Image": "busybox",
                "Cmd": ["sh", "-c", command],
                "HostConfig": {"Binds": [f"{volume}:/v:ro"]},
            },
        )
    ).json()["Id"]
    ok(client.post(f"/containers/{created}/start"))
    ok(client.post(f"/containers/{created}/wait", timeout=30))
    output = ok(client.get(f"/containers/{created}/logs?stdout=1&stderr=1")).content
    ok(client.delete(f"/containers/{created}?v=1"))
    return output


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Return the keys whose bodies differ, and keys on one side only."""
    keys = sorted(set(before) | set(after))
    return [key for key in keys if before.get(key) != after.get(key)]
