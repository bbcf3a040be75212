"""The scenarios: the requests each one sends to an Engine, and through which client."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from .drivers import Session, image_archive, tar_of
from .swarm import swarm

IMAGE = "busybox:latest"


def system(session: Session) -> None:
    """Ping, version and info; unknown paths and unsupported API versions."""
    session.bare.get("/_ping")
    session.bare.head("/_ping")
    session.http.get("/_ping")
    session.http.get("/version")
    session.http.get("/info")
    session.http.get("/nothing-here")
    session.bare.get("/v1.99/version")
    session.bare.get("/v1.11/version")
    session.bare.get("/version")


def images(session: Session) -> None:
    """List, inspect, history, tag and delete images; a pull with no registry."""
    http = session.http
    tag = session.name("tag")
    http.get("/images/json")
    http.get("/images/json", params={"filters": json.dumps({"reference": ["busybox"]})})
    http.get("/images/json", params={"filters": json.dumps({"dangling": ["maybe"]})})
    http.get(f"/images/{IMAGE}/json")
    http.get(f"/images/{IMAGE}/history")
    http.post(f"/images/{IMAGE}/tag", params={"repo": tag, "tag": "v1"})
    http.get(f"/images/{tag}:v1/json")
    http.delete(f"/images/{tag}:v1")
    http.get("/images/fdrec-absent:latest/json")
    http.delete("/images/fdrec-absent:latest")
    http.post(f"/images/{IMAGE}/tag", params={"repo": "Bad_Repo", "tag": "x"})
    http.post("/images/create", params={"fromImage": "fdrec-absent", "tag": "latest"})


def containers(session: Session) -> None:
    """Drive a container's lifecycle over plain HTTP, with the usual errors."""
    http = session.http
    name = session.name("life")
    config = {"Image": IMAGE, "Cmd": ["sh", "-c", "echo started; sleep 30"]}
    created = http.post("/containers/create", params={"name": name}, json=config)
    ident = created.json().get("Id", name)
    http.post("/containers/create", params={"name": name}, json=config)
    http.get(f"/containers/{ident}/json")
    http.get(
        "/containers/json",
        params={"all": "1", "filters": json.dumps({"name": [name]})},
    )
    http.post(f"/containers/{ident}/start")
    http.post(f"/containers/{ident}/start")
    time.sleep(0.3)
    http.get(
        "/containers/json",
        params={"filters": json.dumps({"name": [name], "status": ["running"]})},
    )
    http.get("/containers/json", params={"filters": json.dumps({"bogus": ["x"]})})
    http.get("/containers/json", params={"filters": "{not json"})
    http.post(f"/containers/{ident}/pause")
    http.get(f"/containers/{ident}/json")
    http.post(f"/containers/{ident}/unpause")
    http.post(f"/containers/{ident}/rename", params={"name": name + "-renamed"})
    http.get(f"/containers/{name}-renamed/json")
    http.delete(f"/containers/{ident}")
    http.get(f"/containers/{ident}/logs", params={"stdout": "1", "stderr": "1"})
    http.post(f"/containers/{ident}/stop", params={"t": "1"})
    http.post(f"/containers/{ident}/stop", params={"t": "1"})
    http.post(f"/containers/{ident}/wait")
    http.post(f"/containers/{ident}/kill")
    http.delete(f"/containers/{ident}")
    http.get(f"/containers/{ident}/json")
    http.post("/containers/fdrec-absent/start")
    http.post("/containers/fdrec-absent/kill")
    http.delete("/containers/fdrec-absent")
    http.post(
        "/containers/create",
        content=b'{"Image": "busybox", ',
        headers={"Content-Type": "application/json"},
    )
    http.post("/containers/create", json={"Image": "fdrec-absent:latest"})


def kill_and_wait(session: Session) -> None:
    """Kill a running container, wait for it, read its logs, remove it."""
    http = session.http
    name = session.name("kill")
    # The pause keeps "out" the last line of the log: the Engine copies the
    # two streams in two goroutines, so lines written together race.
    script = "echo err >&2; sleep 0.2; echo out; sleep 30"
    config = {"Image": IMAGE, "Cmd": ["sh", "-c", script]}
    ident = http.post("/containers/create", params={"name": name}, json=config).json()[
        "Id"
    ]
    http.post(f"/containers/{ident}/start")
    time.sleep(0.5)
    http.post(f"/containers/{ident}/kill", params={"signal": "SIGKILL"})
    http.post(f"/containers/{ident}/wait")
    http.get(f"/containers/{ident}/logs", params={"stdout": "1", "stderr": "1"})
    http.get(f"/containers/{ident}/logs", params={"stdout": "1", "tail": "1"})
    http.get(f"/containers/{ident}/json")
    http.post(f"/containers/{ident}/kill")
    http.delete(f"/containers/{ident}", params={"v": "1"})


def attach_and_exec(session: Session) -> None:
    """Hijacked attach with stdin, exec with and without detach, exec inspect."""
    http = session.http
    name = session.name("exec")
    config = {
        "Image": IMAGE,
        "Cmd": ["cat"],
        "OpenStdin": True,
        "StdinOnce": True,
        "AttachStdin": True,
        "AttachStdout": True,
        "AttachStderr": True,
    }
    ident = http.post("/containers/create", params={"name": name}, json=config).json()[
        "Id"
    ]
    http.post(f"/containers/{ident}/start")
    session.raw(
        "POST",
        f"/containers/{ident}/attach?stream=1&stdin=1&stdout=1&stderr=1",
        stdin=b"through attach\n",
    )
    http.post(f"/containers/{ident}/wait")
    http.post(f"/containers/{ident}/start")
    time.sleep(0.3)
    exec_config = {
        "Cmd": ["sh", "-c", "echo exec-out; echo exec-err >&2; exit 3"],
        "AttachStdout": True,
        "AttachStderr": True,
    }
    exec_id = http.post(f"/containers/{ident}/exec", json=exec_config).json()["Id"]
    session.raw("POST", f"/exec/{exec_id}/start", {"Detach": False, "Tty": False})
    http.get(f"/exec/{exec_id}/json")
    detached = http.post(
        f"/containers/{ident}/exec", json={"Cmd": ["true"], "AttachStdout": False}
    ).json()["Id"]
    http.post(f"/exec/{detached}/start", json={"Detach": True})
    http.get("/exec/fdrec-absent/json")
    http.post("/containers/fdrec-absent/exec", json={"Cmd": ["true"]})
    http.delete(f"/containers/{ident}", params={"force": "1"})


def archive(session: Session) -> None:
    """Copy a file into a container, stat it and copy it back out."""
    http = session.http
    name = session.name("archive")
    ident = http.post(
        "/containers/create",
        params={"name": name},
        json={"Image": IMAGE, "Cmd": ["true"]},
    ).json()["Id"]
    http.put(
        f"/containers/{ident}/archive",
        params={"path": "/tmp"},
        content=tar_of({"hello.txt": b"hello archive\n"}),
        headers={"Content-Type": "application/x-tar"},
    )
    http.head(f"/containers/{ident}/archive", params={"path": "/tmp/hello.txt"})
    http.get(f"/containers/{ident}/archive", params={"path": "/tmp/hello.txt"})
    http.get(f"/containers/{ident}/archive", params={"path": "/tmp/absent"})
    http.put(
        f"/containers/{ident}/archive",
        params={"path": "/absent/folder"},
        content=tar_of({"x": b"x"}),
    )
    http.delete(f"/containers/{ident}")


def cli(session: Session) -> None:
    """Run the docker CLI: run, run with stdin, ps, logs, exec, rename, pull, rm."""
    name = session.name("cli")
    session.docker("version")
    session.docker("run", "--name", name, IMAGE, "sh", "-c", "echo hi; echo oops >&2")
    session.docker("run", "-i", "--rm", IMAGE, "cat", input=b"line one\nline two\n")
    session.docker("ps", "-a", "--filter", f"name={name}")
    session.docker("logs", name)
    session.docker("inspect", name)
    session.docker("rename", name, name + "-2")
    session.docker("start", name + "-2")
    session.docker("wait", name + "-2")
    session.docker("rm", name + "-2")
    background = session.name("cli-bg")
    session.docker("run", "-d", "--name", background, IMAGE, "sleep", "30")
    session.docker("exec", background, "sh", "-c", "echo from exec")
    session.docker("pause", background)
    session.docker("unpause", background)
    session.docker("stop", "-t", "1", background)
    session.docker("rm", background)
    session.docker("rm", session.name("cli-absent"))
    session.docker("pull", "fdrec-absent:latest")
    session.docker("images", "--filter", "reference=busybox")
    session.docker("image", "inspect", IMAGE)


def dockerpy(session: Session) -> None:
    """docker-py: ping, version, images, and a container run to completion."""
    import docker.errors  # type: ignore[import-untyped]

    client = session.dockerpy()
    try:
        client.ping()
        client.version()
        client.images.list()
        client.images.get(IMAGE)
        name = session.name("py")
        container = client.containers.create(
            IMAGE, ["sh", "-c", "echo from docker-py"], name=name
        )
        container.start()
        container.wait()
        container.logs()
        container.reload()
        container.remove()
        try:
            client.containers.get(name)
        except docker.errors.NotFound:
            pass
    finally:
        client.close()


def volumes(session: Session) -> None:
    """Create, list, inspect, use and remove volumes, with the usual errors."""
    http = session.http
    name = session.name("vol")
    http.post("/volumes/create", json={"Name": name, "Labels": {"fdrec": "1"}})
    http.post("/volumes/create", json={"Name": name, "Labels": {"fdrec": "1"}})
    http.get("/volumes")
    http.get("/volumes", params={"filters": json.dumps({"label": ["fdrec=1"]})})
    http.get("/volumes", params={"filters": json.dumps({"bogus": ["x"]})})
    http.get(f"/volumes/{name}")
    http.get("/volumes/fdrec-absent")
    user = session.name("vol-user")
    config = {
        "Image": IMAGE,
        "Cmd": ["true"],
        "HostConfig": {"Binds": [f"{name}:/data"]},
    }
    ident = http.post("/containers/create", params={"name": user}, json=config).json()[
        "Id"
    ]
    http.get(f"/containers/{ident}/json")
    http.delete(f"/volumes/{name}")
    http.delete(f"/containers/{ident}")
    http.delete(f"/volumes/{name}")
    http.delete("/volumes/fdrec-absent")
    http.post("/volumes/create", json={"Name": "fdrec bad name"})
    http.post(
        "/volumes/create", json={"Name": session.name("vol-x"), "Driver": "fdrec"}
    )


def networks(session: Session) -> None:
    """Create, list, inspect, connect and remove a network, with the usual errors."""
    http = session.http
    name = session.name("net")
    labels = {"fdrec": "1"}
    # A pool the Engine picks itself depends on the routes of its host (it
    # skips subnets already routed there), so the recorded one is given.
    ipam = {"Config": [{"Subnet": "10.123.0.0/16"}]}
    request = {"Name": name, "Labels": labels, "IPAM": ipam}
    created = http.post("/networks/create", json=request)
    network = created.json().get("Id", name)
    http.post("/networks/create", json={"Name": name, "CheckDuplicate": True})

    http.get("/networks")
    http.get("/networks", params={"filters": json.dumps({"label": ["fdrec=1"]})})
    http.get("/networks", params={"filters": json.dumps({"bogus": ["x"]})})
    http.get(f"/networks/{network}")
    http.get(f"/networks/{name}")
    http.get("/networks/fdrec-absent")

    user = session.name("net-user")
    config = {"Image": IMAGE, "Cmd": ["true"]}
    ident = http.post("/containers/create", params={"name": user}, json=config).json()[
        "Id"
    ]
    http.post(f"/networks/{network}/connect", json={"Container": ident})
    http.post(f"/networks/{network}/connect", json={"Container": ident})
    http.get(f"/containers/{ident}/json")
    http.post(f"/networks/{network}/disconnect", json={"Container": ident})
    http.post(f"/networks/{network}/disconnect", json={"Container": ident})
    http.post("/networks/fdrec-absent/connect", json={"Container": ident})

    http.delete(f"/containers/{ident}")
    http.delete(f"/networks/{network}")
    http.delete("/networks/fdrec-absent")
    http.delete("/networks/none")
    http.post(
        "/networks/create", json={"Name": session.name("net-x"), "Driver": "fdrec"}
    )


def build(session: Session) -> None:
    """Build an image from a tar context, run it, and a build that fails."""
    http = session.http
    tag = session.name("built")
    dockerfile = (
        f"FROM {IMAGE}\n"
        "LABEL fdrec=1\n"
        "RUN echo built > /built.txt\n"
        'CMD ["cat", "/built.txt"]\n'
    )
    context = tar_of({"Dockerfile": dockerfile.encode()})
    headers = {"Content-Type": "application/x-tar"}
    http.post("/build", params={"t": tag}, content=context, headers=headers)
    http.get(f"/images/{tag}/json")
    http.get(f"/images/{tag}/history")
    failing = tar_of({"Dockerfile": f"FROM {IMAGE}\nRUN exit 7\n".encode()})
    # forcerm removes the container of the failed step, which rm keeps.
    params = {"t": tag + "-bad", "forcerm": "1"}
    http.post("/build", params=params, content=failing, headers=headers)
    broken = tar_of({"Dockerfile": b"FROMM busybox\n"})
    http.post("/build", params={"t": tag + "-bad"}, content=broken, headers=headers)
    http.post(
        "/build", params={"dockerfile": "Absent"}, content=context, headers=headers
    )
    http.delete(f"/images/{tag}")


def container_ops(session: Session) -> None:
    """Top, stats, changes, resize, update, restart, export and commit a container."""
    http = session.http
    name = session.name("ops")
    config = {
        "Image": IMAGE,
        "Cmd": ["sh", "-c", "echo made > /tmp/made; sleep 30"],
        "Tty": True,
    }
    ident = http.post("/containers/create", params={"name": name}, json=config).json()[
        "Id"
    ]

    http.get(f"/containers/{ident}/top")
    http.post(f"/containers/{ident}/start")
    time.sleep(0.5)
    http.get(f"/containers/{ident}/changes")
    http.post(f"/containers/{ident}/resize", params={"h": "40", "w": "100"})
    http.post(f"/containers/{ident}/resize", params={"h": "x", "w": "100"})
    http.post(f"/containers/{ident}/update", json={"CpuShares": 512})
    http.post(f"/containers/{ident}/update", json={"RestartPolicy": {"Name": "bogus"}})
    http.post(f"/containers/{ident}/restart", params={"t": "0"})
    time.sleep(0.3)
    http.get(f"/containers/{ident}/json")
    http.post(f"/containers/{ident}/kill")
    http.post(f"/containers/{ident}/wait")

    tag = session.name("committed")
    http.post(
        "/commit",
        params={"container": ident, "repo": tag, "tag": "v1", "comment": "fdrec"},
        json={"Labels": {"fdrec": "1"}},
    )
    http.get(f"/images/{tag}:v1/json")
    http.get(f"/containers/{ident}/export")

    http.get("/containers/fdrec-absent/top")
    http.get("/containers/fdrec-absent/changes")
    http.post("/commit", params={"container": "fdrec-absent"})
    http.delete(f"/images/{tag}:v1")
    http.post(
        "/containers/prune",
        params={"filters": json.dumps({"label": ["fdrec-none=1"]})},
    )
    http.delete(f"/containers/{ident}")


def transfer(session: Session) -> None:
    """Save, load, search, push, prune and system df with no registry."""
    http = session.http
    http.get(f"/images/{IMAGE}/json")
    http.get(f"/images/{IMAGE}/get")
    http.get("/images/get", params={"names": IMAGE})

    loaded = session.name("loaded") + ":latest"
    http.post(
        "/images/load",
        params={"quiet": "1"},
        content=image_archive(loaded),
        headers={"Content-Type": "application/x-tar"},
    )
    http.get(f"/images/{loaded}/json")
    http.post(
        "/images/load",
        content=b"not a tar archive",
        headers={"Content-Type": "application/x-tar"},
    )

    http.get("/images/search", params={"term": "busybox"})
    http.post(f"/images/{IMAGE}/push")
    http.get(f"/distribution/{IMAGE}/json")

    # Prunes that match nothing, so a shared Engine keeps what others made.
    nothing = {"filters": json.dumps({"label": ["fdrec-none=1"]})}
    for kind in ("images", "volumes", "networks"):
        http.post(f"/{kind}/prune", params=nothing)
    http.post("/build/prune")
    http.get("/system/df")
    http.delete(f"/images/{loaded}")

    http.get("/plugins")
    http.get("/plugins/fdrec-absent/json")
    http.delete("/plugins/fdrec-absent")


def misc(session: Session) -> None:
    """Stats, exec resize, plugin and auth errors with no registry, volume update."""
    http = session.http
    name = session.name("misc")
    config = {"Image": IMAGE, "Cmd": ["sleep", "30"]}
    ident = http.post("/containers/create", params={"name": name}, json=config).json()[
        "Id"
    ]
    http.post(f"/containers/{ident}/start")
    time.sleep(0.3)
    http.get(f"/containers/{ident}/stats", params={"stream": "0"})

    exec_config = {"Cmd": ["sleep", "5"], "Tty": True}
    exec_id = http.post(f"/containers/{ident}/exec", json=exec_config).json()["Id"]
    http.post(f"/exec/{exec_id}/start", json={"Detach": True, "Tty": True})
    time.sleep(0.3)
    http.post(f"/exec/{exec_id}/resize", params={"h": "40", "w": "100"})
    http.post("/exec/fdrec-absent/resize", params={"h": "40", "w": "100"})
    http.get("/containers/fdrec-absent/stats", params={"stream": "0"})
    http.post(f"/containers/{ident}/kill")
    http.delete(f"/containers/{ident}", params={"force": "1"})

    http.get("/plugins/privileges", params={"remote": "fdrec-absent"})
    http.post("/plugins/pull", params={"remote": "fdrec-absent"}, json=[])
    http.post("/plugins/fdrec-absent/enable")
    http.post("/plugins/fdrec-absent/disable")
    http.post("/plugins/fdrec-absent/set", json=["DEBUG=1"])
    http.post("/plugins/fdrec-absent/upgrade", params={"remote": "x"}, json=[])
    http.post("/plugins/fdrec-absent/push")
    http.post(
        "/plugins/create",
        params={"name": session.name("plugin")},
        content=tar_of({"rootfs/empty": b""}),
        headers={"Content-Type": "application/x-tar"},
    )

    http.post(
        "/auth",
        json={"username": "fdrec", "password": "fdrec", "serveraddress": "127.0.0.1:9"},
    )
    http.put("/volumes/fdrec-absent", params={"version": "1"}, json={})


SCENARIOS: dict[str, Callable[[Session], None]] = {
    "system": system,
    "images": images,
    "containers": containers,
    "kill-and-wait": kill_and_wait,
    "attach-and-exec": attach_and_exec,
    "archive": archive,
    "cli": cli,
    "dockerpy": dockerpy,
    "volumes": volumes,
    "networks": networks,
    "build": build,
    "container-ops": container_ops,
    "transfer": transfer,
    "misc": misc,
    "swarm": swarm,
}
