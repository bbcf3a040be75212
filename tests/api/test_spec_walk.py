"""Drive every operation of the fake at every API version and check the spec.

The walk covers each API version from 1.25 to 1.55 and each operation that
the daemon serves and that version's specification documents. It sends one
request that succeeds and, where the operation names an object, one that
fails because the object is missing (404). Each response must conform to
that version's specification: a documented status and content type, and a
body that fits the schema. Strict mode runs as well. The fields it finds
undocumented are collected per version, not failed (see ``undocumented``).
``GAPS`` lists the failures accepted, each with its reason.

API 1.24 has no Swagger document (only v1.24.md), so it is skipped.
Hijacked operations (attach, exec start without ``Detach``) are checked in
process on their 404 paths, and over a unix socket on their 101 status line
and headers only.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import socket
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from contracts.spec import (
    ContractFailure,
    Specification,
    UndocumentedField,
    UndocumentedStatus,
    UnexpectedContentType,
    load_version,
)
from fakedaemon import Daemon
from fakedaemon.api.app import APIApp, _route_table
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine

logger = logging.getLogger("fakedaemon")

REPOSITORY = Path(__file__).resolve().parents[2]
VERSIONS = [f"1.{minor}" for minor in range(25, 56)]
MISSING = "walkmissing0000"


def upstream_folder() -> Path:
    """Return the folder of the v1.NN.yaml files ($FAKEDAEMON_SHARED or beside)."""
    configured = os.environ.get("FAKEDAEMON_SHARED")
    shared = Path(configured) if configured else REPOSITORY.parent / "shared"
    return shared / "contracts" / "upstream"


def missing(reason: str) -> None:
    """Skip the test, or fail it under CI where everything must be present."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true requires it)")
    pytest.skip(reason)


def specification(version: str) -> Specification:
    """Return the specification of ``version`` or skip when it is absent."""
    folder = upstream_folder()
    if not (folder / f"v{version}.yaml").is_file():
        missing(
            f"upstream specification v{version}.yaml not found in {folder}; "
            "set FAKEDAEMON_SHARED to the folder that contains contracts/upstream"
        )
    return load_version(folder, version)


# Exchanges and the per-version world --------------------------------------


@dataclass
class Exchange:
    """One request and the fake's response, ready for the specification."""

    method: str
    path: str
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class World:
    """One engine per API version, with the objects several operations read."""

    version: str
    engine: Engine
    client: Client
    lock: threading.Lock = field(default_factory=threading.Lock)
    shared: dict[str, str] = field(default_factory=dict)
    counter: int = 0

    def send(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        query: dict[str, Any] | None = None,
    ) -> Exchange:
        """Send one request to ``/v<version><path>`` and read the whole response."""
        url = f"/v{self.version}{path}"
        options: dict[str, Any] = {"headers": headers or {}}
        if query is not None:
            options["query_string"] = query
        if json_body is not None:
            options["json"] = json_body
        elif data is not None:
            options["data"] = data
        response = self.client.open(url, method=method, **options)
        body = response.get_data()
        return Exchange(method, url, response.status_code, dict(response.headers), body)

    def name(self, kind: str) -> str:
        """Return a fresh object name, unique within this world."""
        with self.lock:
            self.counter += 1
            # Swarm object names must be DNS labels, so the dot goes.
            minor = self.version.replace(".", "")
            return f"walk-{kind}-{minor}-{self.counter}"

    def container(self, *, running: bool = False, tty: bool = False) -> str:
        """Create a container (exited, or running ``sleep``) and return its id."""
        command = ["sleep", "3600"] if running else ["true"]
        created = self.send(
            "POST",
            "/containers/create",
            query={"name": self.name("container")},
            json_body={"Image": "busybox", "Cmd": command, "Tty": tty},
        )
        assert created.status == 201, created.body
        container_id: str = created.json()["Id"]
        self.send("POST", f"/containers/{container_id}/start")
        if not running:
            container = self.engine.containers.get(container_id)
            self.engine.containers.wait(container, "not-running")
        return container_id

    def shared_container(self, *, running: bool) -> str:
        """Return a container that operations only read, created once."""
        key = "running" if running else "exited"
        with self.lock:
            known = self.shared.get(key)
        if known is None:
            known = self.container(running=running)
            with self.lock:
                self.shared[key] = known
        return known

    def volume(self) -> str:
        """Create a volume and return its name."""
        name = self.name("volume")
        created = self.send("POST", "/volumes/create", json_body={"Name": name})
        assert created.status == 201, created.body
        return name

    def network(self) -> str:
        """Create a network and return its id."""
        created = self.send(
            "POST", "/networks/create", json_body={"Name": self.name("network")}
        )
        assert created.status == 201, created.body
        network_id: str = created.json()["Id"]
        return network_id

    def exec_instance(self, *, tty: bool = False, command: str = "true") -> str:
        """Create an exec in the running container and return its id."""
        container_id = self.shared_container(running=True)
        created = self.send(
            "POST",
            f"/containers/{container_id}/exec",
            json_body={"Cmd": command.split(), "AttachStdout": True, "Tty": tty},
        )
        assert created.status == 201, created.body
        exec_id: str = created.json()["Id"]
        return exec_id

    def tagged_image(self) -> str:
        """Tag busybox under a fresh name and return that reference."""
        repository = self.name("image")
        tagged = self.send(
            "POST", "/images/busybox/tag", query={"repo": repository, "tag": "v1"}
        )
        assert tagged.status == 201, tagged.body
        return f"{repository}:v1"


_worlds: dict[str, World] = {}
_worlds_lock = threading.Lock()


def world_for(version: str) -> World:
    """Return the world of ``version``, building it on first use."""
    with _worlds_lock:
        found = _worlds.get(version)
        if found is None:
            # Pulls of the missing name fail as for an unknown repository.
            engine = Engine(DaemonConfig(deny=[MISSING]))
            found = World(version, engine, Client(APIApp(engine)))
            _worlds[version] = found
        return found


@pytest.fixture(scope="module", autouse=True)
def close_worlds() -> Iterator[None]:
    """Close every world once the module is done; write the strict-mode report.

    The report (JSON: version, operation, JSON paths) goes to the file that
    FAKEDAEMON_WALK_REPORT names, when it is set.
    """
    yield
    with _worlds_lock:
        for world in _worlds.values():
            world.engine.close()
        _worlds.clear()
    report = os.environ.get("FAKEDAEMON_WALK_REPORT")
    if report:
        Path(report).write_text(json.dumps(undocumented, indent=2, sort_keys=True))
    for version in sorted(undocumented, key=lambda text: int(text.split(".")[1])):
        logger.info("API %s undocumented fields: %s", version, undocumented[version])


def tar_of(files: dict[str, bytes]) -> bytes:
    """Return an uncompressed tar archive holding ``files``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, content in files.items():
            member = tarfile.TarInfo(name)
            member.size = len(content)
            archive.addfile(member, io.BytesIO(content))
    return buffer.getvalue()


# Requests that succeed -----------------------------------------------------

Recipe = Callable[[World], Exchange]

# The statuses of the requests that cannot get a 2xx: the swarm operations
# fail as on a node outside a swarm, and the plugin operations as on an
# Engine with no plugin installed.
NOT_A_SWARM = 503
NO_SUCH_PLUGIN = 404


def _container_op(
    action: str, *, running: bool = False, method: str = "POST", **query: Any
) -> Recipe:
    def recipe(world: World) -> Exchange:
        container_id = world.container(running=running)
        path = f"/containers/{container_id}/{action}".rstrip("/")
        return world.send(method, path, query=query)

    return recipe


def _shared_container_op(
    action: str, *, running: bool, method: str = "GET", **query: Any
) -> Recipe:
    def recipe(world: World) -> Exchange:
        container_id = world.shared_container(running=running)
        return world.send(method, f"/containers/{container_id}/{action}", query=query)

    return recipe


def _plain(method: str, path: str, **options: Any) -> Recipe:
    def recipe(world: World) -> Exchange:
        return world.send(method, path, **options)

    return recipe


def container_create(world: World) -> Exchange:
    return world.send(
        "POST",
        "/containers/create",
        query={"name": world.name("container")},
        json_body={"Image": "busybox", "Cmd": ["true"]},
    )


def container_unpause(world: World) -> Exchange:
    container_id = world.container(running=True)
    world.send("POST", f"/containers/{container_id}/pause")
    return world.send("POST", f"/containers/{container_id}/unpause")


def container_rename(world: World) -> Exchange:
    container_id = world.container()
    return world.send(
        "POST",
        f"/containers/{container_id}/rename",
        query={"name": world.name("renamed")},
    )


def container_update(world: World) -> Exchange:
    container_id = world.container(running=True)
    return world.send(
        "POST",
        f"/containers/{container_id}/update",
        json_body={"CpuShares": 512},
    )


def container_stats(world: World) -> Exchange:
    container_id = world.shared_container(running=True)
    # Without one-shot (API 1.41) dockerd waits a second for a second sample:
    # move the engine's clock on until the request returns.
    done = threading.Event()

    def advance() -> None:
        while not done.wait(0.005):
            world.engine.clock.advance(1)

    ticker = threading.Thread(target=advance, daemon=True)
    ticker.start()
    try:
        return world.send(
            "GET", f"/containers/{container_id}/stats", query={"stream": "0"}
        )
    finally:
        done.set()
        ticker.join()


def container_resize(world: World) -> Exchange:
    container_id = world.container(running=True, tty=True)
    return world.send(
        "POST", f"/containers/{container_id}/resize", query={"h": 24, "w": 80}
    )


def put_container_archive(world: World) -> Exchange:
    container_id = world.shared_container(running=True)
    return world.send(
        "PUT",
        f"/containers/{container_id}/archive",
        query={"path": "/tmp"},
        data=tar_of({"walk.txt": b"walk\n"}),
        headers={"Content-Type": "application/x-tar"},
    )


def container_exec(world: World) -> Exchange:
    container_id = world.shared_container(running=True)
    return world.send(
        "POST",
        f"/containers/{container_id}/exec",
        json_body={"Cmd": ["true"], "AttachStdout": True},
    )


def exec_inspect(world: World) -> Exchange:
    return world.send("GET", f"/exec/{world.exec_instance()}/json")


def exec_start(world: World) -> Exchange:
    # With Detach the daemon returns 200 without a hijack, so it runs in process.
    return world.send(
        "POST", f"/exec/{world.exec_instance()}/start", json_body={"Detach": True}
    )


def exec_resize(world: World) -> Exchange:
    exec_id = world.exec_instance(tty=True, command="sleep 3600")
    world.send("POST", f"/exec/{exec_id}/start", json_body={"Detach": True})
    return world.send("POST", f"/exec/{exec_id}/resize", query={"h": 24, "w": 80})


def image_commit(world: World) -> Exchange:
    container_id = world.shared_container(running=False)
    return world.send(
        "POST",
        "/commit",
        query={"container": container_id, "repo": world.name("commit")},
    )


def image_tag(world: World) -> Exchange:
    return world.send(
        "POST", "/images/busybox/tag", query={"repo": world.name("tag"), "tag": "t"}
    )


def image_delete(world: World) -> Exchange:
    return world.send("DELETE", f"/images/{world.tagged_image()}")


def image_load(world: World) -> Exchange:
    archive = world.send("GET", "/images/busybox/get")
    assert archive.status == 200, archive.body
    return world.send(
        "POST",
        "/images/load",
        query={"quiet": "1"},
        data=archive.body,
        headers={"Content-Type": "application/x-tar"},
    )


def image_push(world: World) -> Exchange:
    reference = f"127.0.0.1:5000/{world.name('push')}"
    world.send("POST", "/images/busybox/tag", query={"repo": reference, "tag": "v1"})
    return world.send(
        "POST",
        f"/images/{reference}/push",
        query={"tag": "v1"},
        headers={"X-Registry-Auth": "e30="},
    )


def image_build(world: World) -> Exchange:
    return world.send(
        "POST",
        "/build",
        query={"t": world.name("build")},
        data=tar_of({"Dockerfile": b"FROM busybox\nRUN true\n"}),
        headers={"Content-Type": "application/x-tar"},
    )


def volume_delete(world: World) -> Exchange:
    return world.send("DELETE", f"/volumes/{world.volume()}")


def network_delete(world: World) -> Exchange:
    return world.send("DELETE", f"/networks/{world.network()}")


def network_connect(world: World) -> Exchange:
    container_id = world.container(running=True)
    return world.send(
        "POST",
        f"/networks/{world.network()}/connect",
        json_body={"Container": container_id},
    )


def network_disconnect(world: World) -> Exchange:
    container_id = world.container(running=True)
    network_id = world.network()
    connected = world.send(
        "POST", f"/networks/{network_id}/connect", json_body={"Container": container_id}
    )
    assert connected.status == 200, connected.body
    return world.send(
        "POST",
        f"/networks/{network_id}/disconnect",
        json_body={"Container": container_id},
    )


def system_events(world: World) -> Exchange:
    world.container()
    until = world.engine.clock.time_ns() // 1_000_000_000 + 1
    world.engine.clock.advance(2)
    return world.send("GET", "/events", query={"since": "0", "until": str(until)})


def volume_update(world: World) -> Exchange:
    # Only cluster volumes can be updated, and this daemon is not a swarm.
    return world.send(
        "PUT",
        f"/volumes/{world.volume()}",
        query={"version": "1"},
        json_body={"Spec": {}},
    )


def swarm(method: str, path: str, body: Any = None) -> Recipe:
    return _plain(method, path, json_body=body)


SWARM_BODY = {"ListenAddr": "0.0.0.0:2377", "RemoteAddrs": ["127.0.0.1:2377"]}

SUCCESS: dict[str, Recipe] = {
    # Containers
    "ContainerList": _plain("GET", "/containers/json", query={"all": "1"}),
    "ContainerCreate": container_create,
    "ContainerInspect": _shared_container_op("json", running=True),
    "ContainerTop": _shared_container_op("top", running=True),
    "ContainerLogs": _shared_container_op(
        "logs", running=False, stdout="1", stderr="1"
    ),
    "ContainerChanges": _shared_container_op("changes", running=True),
    "ContainerExport": _shared_container_op("export", running=False),
    "ContainerStats": container_stats,
    "ContainerResize": container_resize,
    "ContainerStart": _container_op("start"),
    "ContainerStop": _container_op("stop", running=True, t="0"),
    "ContainerRestart": _container_op("restart", running=True, t="0"),
    "ContainerKill": _container_op("kill", running=True),
    "ContainerUpdate": container_update,
    "ContainerRename": container_rename,
    "ContainerPause": _container_op("pause", running=True),
    "ContainerUnpause": container_unpause,
    "ContainerWait": _container_op("wait"),
    "ContainerDelete": _container_op("", method="DELETE"),
    "ContainerArchiveInfo": _shared_container_op(
        "archive", running=False, method="HEAD", path="/etc"
    ),
    "ContainerArchive": _shared_container_op("archive", running=False, path="/etc"),
    "PutContainerArchive": put_container_archive,
    "ContainerPrune": _plain(
        "POST", "/containers/prune", query={"filters": '{"label":["walk-none"]}'}
    ),
    # Execs
    "ContainerExec": container_exec,
    "ExecStart": exec_start,
    "ExecResize": exec_resize,
    "ExecInspect": exec_inspect,
    # Images
    "ImageList": _plain("GET", "/images/json"),
    "ImageBuild": image_build,
    "BuildPrune": _plain("POST", "/build/prune"),
    "ImageCreate": _plain(
        "POST", "/images/create", query={"fromImage": "busybox", "tag": "latest"}
    ),
    "ImageInspect": _plain("GET", "/images/busybox/json"),
    "ImageHistory": _plain("GET", "/images/busybox/history"),
    "ImagePush": image_push,
    "ImageTag": image_tag,
    "ImageDelete": image_delete,
    "ImageSearch": _plain("GET", "/images/search", query={"term": "busybox"}),
    "ImagePrune": _plain("POST", "/images/prune"),
    "ImageCommit": image_commit,
    "ImageGet": _plain("GET", "/images/busybox/get"),
    "ImageGetAll": _plain("GET", "/images/get", query={"names": "busybox"}),
    "ImageLoad": image_load,
    "ImageAttestations": _plain("GET", "/images/busybox/attestations"),
    "DistributionInspect": _plain("GET", "/distribution/busybox:latest/json"),
    # Networks
    "NetworkList": _plain("GET", "/networks"),
    "NetworkInspect": _plain("GET", "/networks/bridge"),
    "NetworkDelete": network_delete,
    "NetworkCreate": _plain(
        "POST", "/networks/create", json_body={"Name": "walk-created"}
    ),
    "NetworkConnect": network_connect,
    "NetworkDisconnect": network_disconnect,
    "NetworkPrune": _plain(
        "POST", "/networks/prune", query={"filters": '{"label":["walk-none"]}'}
    ),
    # Volumes
    "VolumeList": _plain("GET", "/volumes"),
    "VolumeCreate": _plain("POST", "/volumes/create", json_body={"Name": "walk-v"}),
    "VolumeInspect": lambda world: world.send("GET", f"/volumes/{world.volume()}"),
    "VolumeUpdate": volume_update,
    "VolumeDelete": volume_delete,
    "VolumePrune": _plain(
        "POST", "/volumes/prune", query={"filters": '{"label":["walk-none"]}'}
    ),
    # System
    "SystemAuth": _plain(
        "POST",
        "/auth",
        json_body={"username": "walk", "password": "walk", "serveraddress": ""},
    ),
    "SystemInfo": _plain("GET", "/info"),
    "SystemVersion": _plain("GET", "/version"),
    "SystemPing": _plain("GET", "/_ping"),
    "SystemPingHead": _plain("HEAD", "/_ping"),
    "SystemEvents": system_events,
    "SystemDataUsage": _plain("GET", "/system/df"),
    "Session": _plain("POST", "/session", headers={"Upgrade": "h2c"}),
    # Plugins
    "PluginList": _plain("GET", "/plugins"),
    "GetPluginPrivileges": _plain(
        "GET", "/plugins/privileges", query={"remote": "walk/plugin"}
    ),
    "PluginPull": _plain(
        "POST", "/plugins/pull", query={"remote": "walk/plugin"}, json_body=[]
    ),
    "PluginInspect": _plain("GET", "/plugins/walk/json"),
    "PluginDelete": _plain("DELETE", "/plugins/walk"),
    "PluginEnable": _plain("POST", "/plugins/walk/enable", query={"timeout": "0"}),
    "PluginDisable": _plain("POST", "/plugins/walk/disable"),
    "PluginUpgrade": _plain(
        "POST", "/plugins/walk/upgrade", query={"remote": "walk/p"}, json_body=[]
    ),
    "PluginCreate": _plain(
        "POST",
        "/plugins/create",
        query={"name": "walk"},
        data=tar_of({"config.json": b"{}"}),
        headers={"Content-Type": "application/x-tar"},
    ),
    "PluginPush": _plain("POST", "/plugins/walk/push"),
    "PluginSet": _plain("POST", "/plugins/walk/set", json_body=["DEBUG=1"]),
}

# The status a request of SUCCESS gets when it is not a 2xx, by operation.
EXPECTED_STATUS: dict[str, int] = {
    "VolumeUpdate": NOT_A_SWARM,
    # BuildKit sessions are not emulated.
    "Session": 501,
    "PluginCreate": 501,
    **{
        operation: NO_SUCH_PLUGIN
        for operation in (
            "PluginPull",
            "PluginInspect",
            "PluginDelete",
            "PluginEnable",
            "PluginDisable",
            "PluginUpgrade",
            "PluginPush",
            "PluginSet",
        )
    },
}


# Requests for a missing object ---------------------------------------------


def _missing(method: str, path: str, **options: Any) -> Recipe:
    return _plain(method, path.replace("{missing}", MISSING), **options)


def missing_network_container(world: World) -> Exchange:
    return world.send(
        "POST",
        f"/networks/{world.network()}/connect",
        json_body={"Container": MISSING},
    )


MISSING_OBJECT: dict[str, Recipe] = {
    "ContainerCreate": _missing(
        "POST", "/containers/create", json_body={"Image": "walk-missing:none"}
    ),
    "ContainerExec": _missing(
        "POST", "/containers/{missing}/exec", json_body={"Cmd": ["true"]}
    ),
    "ContainerUpdate": _missing(
        "POST", "/containers/{missing}/update", json_body={"CpuShares": 2}
    ),
    "PutContainerArchive": _missing(
        "PUT",
        "/containers/{missing}/archive",
        query={"path": "/tmp"},
        data=tar_of({"a": b"a"}),
        headers={"Content-Type": "application/x-tar"},
    ),
    "ContainerArchive": _missing(
        "GET", "/containers/{missing}/archive", query={"path": "/"}
    ),
    "ContainerArchiveInfo": _missing(
        "HEAD", "/containers/{missing}/archive", query={"path": "/"}
    ),
    "ContainerLogs": _missing(
        "GET", "/containers/{missing}/logs", query={"stdout": "1"}
    ),
    "ContainerStats": _missing(
        "GET", "/containers/{missing}/stats", query={"stream": "0"}
    ),
    "ContainerRename": _missing(
        "POST", "/containers/{missing}/rename", query={"name": "walk-x"}
    ),
    "ContainerResize": _missing(
        "POST", "/containers/{missing}/resize", query={"h": 1, "w": 1}
    ),
    "ContainerAttach": _missing(
        "POST", "/containers/{missing}/attach", query={"stdout": "1"}
    ),
    "ExecStart": _missing("POST", "/exec/{missing}/start", json_body={}),
    "ExecResize": _missing("POST", "/exec/{missing}/resize", query={"h": 1, "w": 1}),
    "ExecInspect": _missing("GET", "/exec/{missing}/json"),
    "ImageCommit": _missing("POST", "/commit", query={"container": MISSING}),
    "ImageCreate": _missing(
        "POST", "/images/create", query={"fromImage": MISSING, "tag": "latest"}
    ),
    "ImageTag": _missing(
        "POST", "/images/{missing}/tag", query={"repo": "walk-t", "tag": "x"}
    ),
    "ImageGetAll": _missing("GET", "/images/get", query={"names": MISSING}),
    "DistributionInspect": _missing("GET", "/distribution/{missing}/json"),
    "NetworkConnect": missing_network_container,
    "NetworkDisconnect": _missing(
        "POST", "/networks/{missing}/disconnect", json_body={"Container": "x"}
    ),
}

# Operations whose path names an object and that need nothing else: a GET,
# HEAD, POST or DELETE on the path with the name replaced by a missing one.
for _operation, _method, _path in (
    ("ContainerInspect", "GET", "/containers/{missing}/json"),
    ("ContainerTop", "GET", "/containers/{missing}/top"),
    ("ContainerChanges", "GET", "/containers/{missing}/changes"),
    ("ContainerExport", "GET", "/containers/{missing}/export"),
    ("ContainerStart", "POST", "/containers/{missing}/start"),
    ("ContainerStop", "POST", "/containers/{missing}/stop"),
    ("ContainerRestart", "POST", "/containers/{missing}/restart"),
    ("ContainerKill", "POST", "/containers/{missing}/kill"),
    ("ContainerPause", "POST", "/containers/{missing}/pause"),
    ("ContainerUnpause", "POST", "/containers/{missing}/unpause"),
    ("ContainerWait", "POST", "/containers/{missing}/wait"),
    ("ContainerDelete", "DELETE", "/containers/{missing}"),
    ("ImageInspect", "GET", "/images/{missing}/json"),
    ("ImageHistory", "GET", "/images/{missing}/history"),
    ("ImageDelete", "DELETE", "/images/{missing}"),
    ("ImageGet", "GET", "/images/{missing}/get"),
    ("ImageAttestations", "GET", "/images/{missing}/attestations"),
    ("NetworkInspect", "GET", "/networks/{missing}"),
    ("NetworkDelete", "DELETE", "/networks/{missing}"),
    ("VolumeInspect", "GET", "/volumes/{missing}"),
    ("VolumeDelete", "DELETE", "/volumes/{missing}"),
    ("PluginInspect", "GET", "/plugins/{missing}/json"),
    ("PluginDelete", "DELETE", "/plugins/{missing}"),
    ("PluginDisable", "POST", "/plugins/{missing}/disable"),
):
    MISSING_OBJECT[_operation] = _missing(_method, _path)


# Swarm mode ------------------------------------------------------------------

SWARM_INIT = {"ListenAddr": "0.0.0.0:2377", "AdvertiseAddr": "127.0.0.1:2377"}


def swarm_world_for(version: str) -> World:
    """Return the world of ``version`` whose engine manages a swarm."""
    key = f"{version}-swarm"
    with _worlds_lock:
        found = _worlds.get(key)
        if found is None:
            engine = Engine(DaemonConfig(deny=[MISSING]))
            found = World(version, engine, Client(APIApp(engine)))
            initialized = found.send("POST", "/swarm/init", json_body=SWARM_INIT)
            assert initialized.status == 200, initialized.body
            _worlds[key] = found
        return found


def fresh_world(version: str) -> World:
    """Return a world of its own, for requests that change the swarm itself."""
    engine = Engine(DaemonConfig())
    world = World(version, engine, Client(APIApp(engine)))
    with _worlds_lock:
        _worlds[f"{version}-{id(world)}"] = world
    return world


def swarm_init(world: World) -> Exchange:
    return fresh_world(world.version).send("POST", "/swarm/init", json_body=SWARM_INIT)


def swarm_leave(world: World) -> Exchange:
    own = fresh_world(world.version)
    own.send("POST", "/swarm/init", json_body=SWARM_INIT)
    return own.send("POST", "/swarm/leave", query={"force": "1"})


def object_version(world: World, path: str) -> str:
    """Return the ``Version.Index`` of a swarm object, for its update request."""
    inspected = world.send("GET", path)
    assert inspected.status == 200, inspected.body
    return str(inspected.json()["Version"]["Index"])


def swarm_update(world: World) -> Exchange:
    document = world.send("GET", "/swarm").json()
    return world.send(
        "POST",
        "/swarm/update",
        query={"version": str(document["Version"]["Index"])},
        json_body=document["Spec"],
    )


def node_id(world: World) -> str:
    nodes = world.send("GET", "/nodes").json()
    identifier: str = nodes[0]["ID"]
    return identifier


def node_update(world: World) -> Exchange:
    identifier = node_id(world)
    document = world.send("GET", f"/nodes/{identifier}").json()
    return world.send(
        "POST",
        f"/nodes/{identifier}/update",
        query={"version": str(document["Version"]["Index"])},
        json_body=document["Spec"],
    )


SERVICE_SPEC = {
    "TaskTemplate": {"ContainerSpec": {"Image": "busybox", "Command": ["true"]}},
    "Mode": {"Replicated": {"Replicas": 1}},
}


def service(world: World) -> str:
    """Create a replicated service and return its id."""
    created = world.send(
        "POST",
        "/services/create",
        json_body={"Name": world.name("service"), **SERVICE_SPEC},
    )
    assert created.status == 201, created.body
    identifier: str = created.json()["ID"]
    return identifier


def service_update(world: World) -> Exchange:
    identifier = service(world)
    document = world.send("GET", f"/services/{identifier}").json()
    return world.send(
        "POST",
        f"/services/{identifier}/update",
        query={"version": str(document["Version"]["Index"])},
        json_body=document["Spec"],
    )


def task_id(world: World) -> str:
    """Create a service and return the id of its first task.

    The orchestrator creates tasks in its own thread, so this polls for up
    to five seconds.
    """
    identifier = service(world)
    deadline = time.monotonic() + 5
    while True:
        tasks = world.send("GET", "/tasks").json()
        own = [task for task in tasks if task["ServiceID"] == identifier]
        if own or time.monotonic() > deadline:
            break
        time.sleep(0.005)
    assert own, f"service {identifier} has no task after 5 seconds"
    task: str = own[0]["ID"]
    return task


def blob(world: World, kind: str) -> str:
    """Create a secret or config (``kind``) and return its id."""
    created = world.send(
        "POST",
        f"/{kind}s/create",
        json_body={"Name": world.name(kind), "Data": "d2Fsaw=="},
    )
    assert created.status == 201, created.body
    identifier: str = created.json()["ID"]
    return identifier


def blob_update(kind: str) -> Recipe:
    def recipe(world: World) -> Exchange:
        identifier = blob(world, kind)
        document = world.send("GET", f"/{kind}s/{identifier}").json()
        return world.send(
            "POST",
            f"/{kind}s/{identifier}/update",
            query={"version": str(document["Version"]["Index"])},
            json_body=document["Spec"],
        )

    return recipe


def _on(
    make_path: Callable[[World], str], method: str = "GET", **options: Any
) -> Recipe:
    def recipe(world: World) -> Exchange:
        return world.send(method, make_path(world), **options)

    return recipe


SWARM_SUCCESS: dict[str, Recipe] = {
    "SwarmInit": swarm_init,
    "SwarmLeave": swarm_leave,
    "SwarmInspect": _plain("GET", "/swarm"),
    "SwarmUpdate": swarm_update,
    "SwarmUnlockkey": _plain("GET", "/swarm/unlockkey"),
    "NodeList": _plain("GET", "/nodes"),
    "NodeInspect": _on(lambda world: f"/nodes/{node_id(world)}"),
    "NodeUpdate": node_update,
    "ServiceList": _plain("GET", "/services"),
    "ServiceCreate": _plain(
        "POST", "/services/create", json_body={"Name": "walk-svc", **SERVICE_SPEC}
    ),
    "ServiceInspect": _on(lambda world: f"/services/{service(world)}"),
    "ServiceDelete": _on(lambda world: f"/services/{service(world)}", "DELETE"),
    "ServiceUpdate": service_update,
    "ServiceLogs": _on(
        lambda world: f"/services/{service(world)}/logs", query={"stdout": "1"}
    ),
    "TaskList": _plain("GET", "/tasks"),
    "TaskInspect": _on(lambda world: f"/tasks/{task_id(world)}"),
    "TaskLogs": _on(
        lambda world: f"/tasks/{task_id(world)}/logs", query={"stdout": "1"}
    ),
    "SecretList": _plain("GET", "/secrets"),
    "SecretCreate": _on(
        lambda world: "/secrets/create",
        "POST",
        json_body={"Name": "walk-secret", "Data": "d2Fsaw=="},
    ),
    "SecretInspect": _on(lambda world: f"/secrets/{blob(world, 'secret')}"),
    "SecretDelete": _on(lambda world: f"/secrets/{blob(world, 'secret')}", "DELETE"),
    "SecretUpdate": blob_update("secret"),
    "ConfigList": _plain("GET", "/configs"),
    "ConfigCreate": _on(
        lambda world: "/configs/create",
        "POST",
        json_body={"Name": "walk-config", "Data": "d2Fsaw=="},
    ),
    "ConfigInspect": _on(lambda world: f"/configs/{blob(world, 'config')}"),
    "ConfigDelete": _on(lambda world: f"/configs/{blob(world, 'config')}", "DELETE"),
    "ConfigUpdate": blob_update("config"),
}

SWARM_MISSING: dict[str, Recipe] = {
    "NodeInspect": _missing("GET", "/nodes/{missing}"),
    "NodeDelete": _missing("DELETE", "/nodes/{missing}"),
    "NodeUpdate": _missing(
        "POST", "/nodes/{missing}/update", query={"version": "1"}, json_body={}
    ),
    "ServiceInspect": _missing("GET", "/services/{missing}"),
    "ServiceDelete": _missing("DELETE", "/services/{missing}"),
    "ServiceUpdate": _missing(
        "POST", "/services/{missing}/update", query={"version": "1"}, json_body={}
    ),
    "ServiceLogs": _missing("GET", "/services/{missing}/logs", query={"stdout": "1"}),
    "TaskInspect": _missing("GET", "/tasks/{missing}"),
    "TaskLogs": _missing("GET", "/tasks/{missing}/logs", query={"stdout": "1"}),
    "SecretInspect": _missing("GET", "/secrets/{missing}"),
    "SecretDelete": _missing("DELETE", "/secrets/{missing}"),
    "SecretUpdate": _missing(
        "POST", "/secrets/{missing}/update", query={"version": "1"}, json_body={}
    ),
    "ConfigInspect": _missing("GET", "/configs/{missing}"),
    "ConfigDelete": _missing("DELETE", "/configs/{missing}"),
    "ConfigUpdate": _missing(
        "POST", "/configs/{missing}/update", query={"version": "1"}, json_body={}
    ),
}

# Outside a swarm, every swarm operation but init and join fails with 503.
OUTSIDE_SWARM: dict[str, Recipe] = {
    "SwarmInspect": swarm("GET", "/swarm"),
    "SwarmLeave": swarm("POST", "/swarm/leave"),
    "SwarmUpdate": _plain(
        "POST", "/swarm/update", query={"version": "1"}, json_body={}
    ),
    "SwarmUnlockkey": swarm("GET", "/swarm/unlockkey"),
    "SwarmUnlock": swarm("POST", "/swarm/unlock", {"UnlockKey": "x"}),
    "NodeList": swarm("GET", "/nodes"),
    "NodeInspect": swarm("GET", "/nodes/walk"),
    "NodeDelete": swarm("DELETE", "/nodes/walk"),
    "NodeUpdate": _plain(
        "POST", "/nodes/walk/update", query={"version": "1"}, json_body={}
    ),
    "ServiceList": swarm("GET", "/services"),
    "ServiceCreate": swarm("POST", "/services/create", {"Name": "walk"}),
    "ServiceInspect": swarm("GET", "/services/walk"),
    "ServiceDelete": swarm("DELETE", "/services/walk"),
    "ServiceUpdate": _plain(
        "POST", "/services/walk/update", query={"version": "1"}, json_body={}
    ),
    "ServiceLogs": _plain("GET", "/services/walk/logs", query={"stdout": "1"}),
    "TaskList": swarm("GET", "/tasks"),
    "TaskInspect": swarm("GET", "/tasks/walk"),
    "TaskLogs": _plain("GET", "/tasks/walk/logs", query={"stdout": "1"}),
    "SecretList": swarm("GET", "/secrets"),
    "SecretCreate": swarm("POST", "/secrets/create", {"Name": "walk", "Data": ""}),
    "SecretInspect": swarm("GET", "/secrets/walk"),
    "SecretDelete": swarm("DELETE", "/secrets/walk"),
    "SecretUpdate": _plain(
        "POST", "/secrets/walk/update", query={"version": "1"}, json_body={}
    ),
    "ConfigList": swarm("GET", "/configs"),
    "ConfigCreate": swarm("POST", "/configs/create", {"Name": "walk", "Data": ""}),
    "ConfigInspect": swarm("GET", "/configs/walk"),
    "ConfigDelete": swarm("DELETE", "/configs/walk"),
    "ConfigUpdate": _plain(
        "POST", "/configs/walk/update", query={"version": "1"}, json_body={}
    ),
}


# Parametrization -----------------------------------------------------------


def served_operations() -> set[str]:
    """Return the operation ids of every route the daemon registers."""
    routes, _ = _route_table()
    return {route.operation for route in routes}


def cases(recipes: dict[str, Recipe]) -> list[Any]:
    """Return a (version, operation) parameter per recipe and version.

    The operations a version's specification lacks are left out when the
    specifications are present; without them every pair is kept, and the
    tests skip with the reason.
    """
    served = served_operations()
    folder = upstream_folder()
    parameters = [
        pytest.param(
            "1.24",
            "",
            id="1.24",
            marks=pytest.mark.skip(
                reason="API 1.24 has no Swagger document, only v1.24.md"
            ),
        )
    ]
    for version in VERSIONS:
        documented: set[str] | None = None
        if (folder / f"v{version}.yaml").is_file():
            spec = load_version(folder, version)
            documented = {operation.operation_id for operation in spec.operations}
        for operation in sorted(recipes):
            if operation not in served:
                continue
            if documented is not None and operation not in documented:
                continue
            parameters.append(
                pytest.param(version, operation, id=f"{version}-{operation}")
            )
    return parameters


# Known gaps ----------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """Failures the walk accepts, because the specification or the fake is known
    to be wrong there.

    ``kind`` is "spec" when a real Engine sends the same response and the
    document of that version is incomplete. It is "emulation" for the
    responses of features the daemon does not emulate, and "fake" for a
    deviation of the fake still to fix, which the test reports as xfail.
    ``where`` is a JSON path with ``[*]`` for any index, or ``status NNN``.
    """

    kind: str
    operation: str
    where: str
    first: str
    last: str
    reason: str

    def covers(self, failure: ContractFailure) -> bool:
        """Return whether ``failure`` is this gap."""
        if failure.operation_id != self.operation:
            return False
        if not version_between(failure.version, self.first, self.last):
            return False
        if isinstance(failure, UndocumentedStatus):
            return self.where == f"status {failure.message.split()[1]}"
        if isinstance(failure, UnexpectedContentType):
            return self.where == f"content-type {failure.message.split()[0]}"
        return re.sub(r"\[\d+\]", "[*]", failure.location) == self.where


def version_between(version: str, first: str, last: str) -> bool:
    """Return whether ``first <= version <= last`` (API versions 1.NN)."""

    def minor(text: str) -> int:
        return int(text.split(".")[1])

    return minor(first) <= minor(version) <= minor(last)


SWARM_503_FROM = (
    "dockerd answers 503 outside a swarm in every version; the documents "
    "list 503 from API 1.27"
)
GAPS = [
    # Nulls for Go's nil pointers, which both Engines (20.10 and 26.1) send
    # where the older documents have no x-nullable.
    Gap("spec", "ContainerInspect", "$.Config.Volumes", "1.25", "1.36", "nil map"),
    Gap("spec", "ImageInspect", "$.Config.Volumes", "1.25", "1.36", "nil map"),
    Gap("spec", "ImageInspect", "$.ContainerConfig.Volumes", "1.25", "1.36", "nil map"),
    Gap(
        "spec",
        "ContainerInspect",
        "$.HostConfig.MemorySwappiness",
        "1.25",
        "1.55",
        "nil *int64 until set",
    ),
    Gap(
        "spec",
        "ContainerInspect",
        "$.HostConfig.PidsLimit",
        "1.25",
        "1.38",
        "nil *int64 until set; x-nullable from 1.39",
    ),
    Gap(
        "spec",
        "ContainerList",
        "$[*].NetworkSettings.Networks.bridge.IPAMConfig",
        "1.25",
        "1.31",
        "nil pointer; x-nullable from 1.32",
    ),
    Gap(
        "spec",
        "ExecInspect",
        "$.ExitCode",
        "1.25",
        "1.55",
        "nil *int until the exec process exits",
    ),
    # Types that older documents got wrong.
    Gap(
        "spec",
        "ContainerInspect",
        "$.ExecIDs",
        "1.25",
        "1.37",
        "a list of ids; the documents say string until 1.38",
    ),
    Gap(
        "spec",
        "ContainerInspect",
        "$.NetworkSettings.Ports",
        "1.25",
        "1.31",
        "a PortMap object; the documents say array until 1.32",
    ),
    Gap(
        "spec",
        "SystemDataUsage",
        "$.Containers[*]",
        "1.25",
        "1.39",
        "container summaries; the documents nest an array until 1.40",
    ),
    Gap(
        "spec",
        "ContainerInspect",
        "$.HostConfig.RestartPolicy.Name",
        "1.25",
        "1.39",
        'Engine 23.0 and later send "no"; the enum has it from 1.40',
    ),
    Gap(
        "spec",
        "ContainerLogs",
        "content-type application/vnd.docker.raw-stream",
        "1.25",
        "1.41",
        "both Engines send it; the documents list it from 1.42",
    ),
    Gap(
        "spec",
        "SystemEvents",
        "content-type application/jsonl",
        "1.52",
        "1.52",
        "Engine 29.x sends JSON Lines from 1.52; the document lists it from 1.53",
    ),
    # Statuses dockerd sends that a document leaves out.
    Gap("spec", "ImageGet", "status 404", "1.25", "1.55", "no such image"),
    Gap("spec", "ImageGetAll", "status 404", "1.25", "1.55", "no such image"),
    Gap("spec", "PluginEnable", "status 404", "1.25", "1.26", "no such plugin"),
    Gap("spec", "PluginDisable", "status 404", "1.25", "1.26", "no such plugin"),
    *(
        Gap("spec", operation, "status 503", "1.25", "1.26", SWARM_503_FROM)
        for operation in (
            "SwarmInspect",
            "SwarmUnlockkey",
            "SwarmUnlock",
            "NodeList",
            "NodeInspect",
            "NodeDelete",
            "NodeUpdate",
            "ServiceList",
            "ServiceInspect",
            "ServiceDelete",
            "ServiceUpdate",
            "ServiceLogs",
            "TaskList",
            "TaskInspect",
            "SecretList",
            "SecretCreate",
            "SecretInspect",
            "SecretDelete",
            "SecretUpdate",
        )
    ),
    Gap(
        "spec",
        "ExecStart",
        "status 101",
        "1.25",
        "1.55",
        "dockerd switches protocols when the request asks for an upgrade, as "
        "for attach, where the documents list 101",
    ),
    *(
        Gap(
            "spec",
            operation,
            "content-type application/vnd.docker.raw-stream",
            "1.25",
            "1.41",
            "dockerd frames service and task logs as container logs; the "
            "documents list the stream type from 1.42",
        )
        for operation in ("ServiceLogs", "TaskLogs")
    ),
    *(
        Gap(
            "spec",
            operation,
            "$.Id",
            "1.25",
            "1.55",
            'dockerd sends {"ID": ...}; the documents name the IdResponse "Id"',
        )
        for operation in ("SecretCreate", "ConfigCreate")
    ),
    *(
        Gap(
            "spec",
            operation,
            where,
            "1.30",
            "1.30",
            "base64 text; the 1.30 document types Data as an array",
        )
        for operation, where in (
            ("ConfigList", "$[*].Spec.Data"),
            ("ConfigInspect", "$.Spec.Data"),
        )
    ),
    # What the daemon does not emulate.
    Gap(
        "emulation",
        "DistributionInspect",
        "status 404",
        "1.30",
        "1.55",
        "the simulated registry reports a missing repository as 404, not 401",
    ),
    Gap("emulation", "SwarmInit", "status 501", "1.25", "1.55", "no swarm mode"),
    Gap("emulation", "SwarmJoin", "status 501", "1.25", "1.55", "no swarm mode"),
    Gap("emulation", "Session", "status 501", "1.25", "1.55", "no BuildKit"),
    Gap("emulation", "PluginCreate", "status 501", "1.25", "1.55", "no plugin store"),
    Gap(
        "emulation",
        "PluginPull",
        "status 404",
        "1.25",
        "1.55",
        "no plugin registry: every remote is missing",
    ),
    # The fake's own deviations, to fix outside the API layer or together
    # with the tests that assert the current response.
    Gap(
        "fake",
        "ContainerInspect",
        "$.HostConfig.OomKillDisable",
        "1.25",
        "1.55",
        "Engines 20.10 and 26.1 send false; the default host config has null",
    ),
    Gap(
        "fake",
        "ContainerWait",
        "$.Error",
        "1.30",
        "1.55",
        "Engine 26.1 omits a nil Error; the fake sends null as 20.10 does",
    ),
]


def split_gaps(
    failures: list[ContractFailure],
) -> tuple[list[ContractFailure], list[Gap]]:
    """Return the failures no gap covers, and the gaps that covered the rest."""
    left: list[ContractFailure] = []
    used: list[Gap] = []
    for failure in failures:
        gap = next((gap for gap in GAPS if gap.covers(failure)), None)
        if gap is None:
            left.append(failure)
        elif gap not in used:
            used.append(gap)
    return left, used


# Undocumented fields that strict mode finds, per version and operation.
undocumented: dict[str, dict[str, list[str]]] = {}


def check(spec: Specification, exchange: Exchange) -> list[ContractFailure]:
    """Return the non-strict failures; record what strict mode adds."""
    arguments = (
        exchange.method,
        exchange.path,
        exchange.status,
        exchange.headers,
        exchange.body,
    )
    failures = spec.check_response(*arguments)
    strict = spec.check_response(*arguments, strict=True)
    extra = sorted(
        failure.location or failure.message
        for failure in strict
        if isinstance(failure, UndocumentedField)
    )
    if extra:
        operation = strict[0].operation_id or exchange.path
        undocumented.setdefault(spec.version, {})[operation] = extra
    return failures


def verify(spec: Specification, exchange: Exchange) -> None:
    """Fail on any failure outside GAPS; report a known fake deviation as xfail."""
    failures, gaps = split_gaps(check(spec, exchange))
    assert not failures, "\n".join(str(failure) for failure in failures)
    deviations = [gap.reason for gap in gaps if gap.kind == "fake"]
    if deviations:
        pytest.xfail("; ".join(deviations))


@pytest.mark.parametrize(("version", "operation"), cases(SUCCESS))
def test_success(version: str, operation: str) -> None:
    spec = specification(version)
    exchange = SUCCESS[operation](world_for(version))
    expected = EXPECTED_STATUS.get(operation)
    if expected is None:
        assert 200 <= exchange.status < 300, exchange.body[:500]
    else:
        assert exchange.status == expected, exchange.body[:500]
    verify(spec, exchange)


@pytest.mark.parametrize(("version", "operation"), cases(SWARM_SUCCESS))
def test_swarm_success(version: str, operation: str) -> None:
    spec = specification(version)
    exchange = SWARM_SUCCESS[operation](swarm_world_for(version))
    assert 200 <= exchange.status < 300, exchange.body[:500]
    verify(spec, exchange)


@pytest.mark.parametrize(("version", "operation"), cases(SWARM_MISSING))
def test_swarm_missing_object(version: str, operation: str) -> None:
    spec = specification(version)
    exchange = SWARM_MISSING[operation](swarm_world_for(version))
    assert exchange.status == 404, exchange.body[:500]
    verify(spec, exchange)


@pytest.mark.parametrize(("version", "operation"), cases(OUTSIDE_SWARM))
def test_outside_swarm(version: str, operation: str) -> None:
    spec = specification(version)
    exchange = OUTSIDE_SWARM[operation](world_for(version))
    assert exchange.status == NOT_A_SWARM, exchange.body[:500]
    verify(spec, exchange)


@pytest.mark.parametrize("version", VERSIONS)
def test_swarm_join_invalid_token(version: str) -> None:
    spec = specification(version)
    body = {**SWARM_BODY, "JoinToken": "SWMTKN-1-walk"}
    exchange = world_for(version).send("POST", "/swarm/join", json_body=body)
    assert exchange.status == 500, exchange.body[:500]
    verify(spec, exchange)


@pytest.mark.parametrize(("version", "operation"), cases(MISSING_OBJECT))
def test_missing_object(version: str, operation: str) -> None:
    spec = specification(version)
    exchange = MISSING_OBJECT[operation](world_for(version))
    assert exchange.status == 404, exchange.body[:500]
    verify(spec, exchange)


# Shapes fixed after the walk found them -----------------------------------


@pytest.mark.parametrize(
    ("version", "legacy", "summary"),
    [("1.51", True, False), ("1.52", True, True), ("1.53", False, True)],
)
def test_data_usage_shape(version: str, legacy: bool, summary: bool) -> None:
    client = Client(APIApp(Engine(DaemonConfig())))
    document: Any = client.get(f"/v{version}/system/df").json
    assert ("Images" in document) is legacy
    assert ("LayersSize" in document) is legacy
    assert ("ImageUsage" in document) is summary
    assert ("BuildCacheUsage" in document) is summary


def test_data_usage_verbose_items() -> None:
    client = Client(APIApp(Engine(DaemonConfig())))
    document: Any = client.get("/v1.52/system/df?verbose=1").json
    assert "Images" not in document
    assert document["ImageUsage"]["TotalCount"] == 1
    assert len(document["ImageUsage"]["Items"]) == 1


# Hijacked operations over a socket ------------------------------------------


@pytest.fixture(scope="module")
def socket_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon on a unix socket for the operations that hijack."""
    path = tmp_path_factory.mktemp("walk") / "docker.sock"
    with Daemon(DaemonConfig(), hosts=[f"unix://{path}"]) as running:
        yield running


def upgrade_head(daemon: Daemon, path: str, body: bytes) -> tuple[int, dict[str, str]]:
    """Send an upgrading POST and return the status and headers it gets."""
    address = daemon.docker_host.removeprefix("unix://")
    request = (
        f"POST {path} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\n"
        f"Upgrade: tcp\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
        connection.settimeout(10)
        connection.connect(address)
        connection.sendall(request)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = connection.recv(4096)
            if not chunk:
                break
            received += chunk
    head = received.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
    return status, headers


@pytest.mark.parametrize("version", VERSIONS)
def test_hijack_upgrade_status(socket_daemon: Daemon, version: str) -> None:
    spec = specification(version)
    client = Client(APIApp(socket_daemon.engine))
    world = World(version, socket_daemon.engine, client)
    container_id = world.shared_container(running=True)
    exec_id = world.exec_instance()
    cases = [
        (f"/v{version}/containers/{container_id}/attach?stdout=1&stream=0", b""),
        (f"/v{version}/exec/{exec_id}/start", b'{"Detach":false,"Tty":false}'),
    ]
    for path, body in cases:
        status, headers = upgrade_head(socket_daemon, path, body)
        assert status == 101, path
        verify(spec, Exchange("POST", path, status, headers, b""))
