"""The swarm scenario: a one-node swarm, a service, its tasks, secrets, configs."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from .drivers import Session

IMAGE = "busybox:latest"
# How long to wait before polling for the service's task to run, how often
# and how many times. The pauses come back in a replay (up to 2 seconds
# each), so the daemon replayed gets as much time; the first is long enough
# for an Engine to start the task, so a recording has a single poll.
FIRST_PAUSE = 2.0
POLL_PAUSE = 0.5
POLLS = 30


def _encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _running_task(session: Session, service: str) -> str | None:
    """List the service's tasks until one runs; return its id."""
    filters = json.dumps({"service": [service], "desired-state": ["running"]})
    for poll in range(POLLS):
        time.sleep(FIRST_PAUSE if poll == 0 else POLL_PAUSE)
        tasks: Any = session.http.get("/tasks", params={"filters": filters}).json()
        if not isinstance(tasks, list):
            return None
        running = [t for t in tasks if t.get("Status", {}).get("State") == "running"]
        if running:
            return str(running[0]["ID"])
    return None


def swarm(session: Session) -> None:
    """Init a swarm; drive nodes, a service, its tasks, secrets and configs; leave."""
    http = session.http
    init = {"ListenAddr": "127.0.0.1:2377", "AdvertiseAddr": "127.0.0.1"}
    http.post("/swarm/init", json=init)
    http.post("/swarm/init", json=init)
    cluster = http.get("/swarm").json()
    http.get("/swarm/unlockkey")
    spec = dict(cluster["Spec"])
    spec["Labels"] = {"fdrec": "1"}
    spec["Orchestration"] = {"TaskHistoryRetentionLimit": 3}
    version = cluster["Version"]["Index"]
    http.post("/swarm/update", params={"version": str(version)}, json=spec)
    http.post("/swarm/update", params={"version": str(version)}, json=spec)
    http.get("/swarm")

    nodes = http.get("/nodes").json()
    node = nodes[0]["ID"]
    inspected = http.get(f"/nodes/{node}").json()
    node_spec = dict(inspected["Spec"])
    node_spec["Labels"] = {"fdrec": "1"}
    node_version = str(inspected["Version"]["Index"])
    http.post(f"/nodes/{node}/update", params={"version": node_version}, json=node_spec)
    http.get(f"/nodes/{node}")
    http.get("/nodes/fdrec-absent")

    # Secrets and configs come before the service: the agent's reports of
    # the task's progress are raft writes in batches of its own timing, so
    # every version index after the task started varies between runs.
    secret_name = session.name("secret")
    secret_spec = {
        "Name": secret_name,
        "Labels": {"fdrec": "1"},
        "Data": _encoded("not so secret\n"),
    }
    secret = http.post("/secrets/create", json=secret_spec).json().get("ID", "")
    http.post("/secrets/create", json=secret_spec)
    http.get("/secrets", params={"filters": json.dumps({"name": [secret_name]})})
    found = http.get(f"/secrets/{secret}").json()
    secret_version = str(found.get("Version", {}).get("Index", 0))
    relabelled = {**secret_spec, "Labels": {"fdrec": "2"}}
    http.post(
        f"/secrets/{secret}/update", params={"version": secret_version}, json=relabelled
    )
    changed = {**relabelled, "Data": _encoded("changed\n")}
    http.post(
        f"/secrets/{secret}/update", params={"version": secret_version}, json=changed
    )
    http.get(f"/secrets/{secret_name}")
    http.get("/secrets/fdrec-absent")
    http.delete(f"/secrets/{secret}")
    http.delete(f"/secrets/{secret}")

    config_name = session.name("config")
    config_spec = {
        "Name": config_name,
        "Labels": {"fdrec": "1"},
        "Data": _encoded("key=value\n"),
    }
    config = http.post("/configs/create", json=config_spec).json().get("ID", "")
    http.post("/configs/create", json=config_spec)
    http.get("/configs", params={"filters": json.dumps({"name": [config_name]})})
    http.get(f"/configs/{config}")
    http.get("/configs/fdrec-absent")
    http.delete(f"/configs/{config}")

    name = session.name("svc")
    service_spec = {
        "Name": name,
        "Labels": {"fdrec": "1"},
        "TaskTemplate": {"ContainerSpec": {"Image": IMAGE, "Args": ["sleep", "30"]}},
        "Mode": {"Replicated": {"Replicas": 1}},
    }
    created = http.post("/services/create", json=service_spec).json()
    service = created.get("ID", name)
    http.post("/services/create", json=service_spec)
    http.get(f"/services/{service}")
    http.get(f"/services/{name}")
    http.get("/services", params={"filters": json.dumps({"name": [name]})})
    task = _running_task(session, service)
    if task is not None:
        http.get(f"/tasks/{task}")
        http.get(f"/tasks/{task}/logs", params={"stdout": "1"})
    http.get(f"/services/{service}/logs", params={"stdout": "1"})
    http.get(f"/services/{service}/logs")
    current = http.get(f"/services/{service}").json()
    scaled = dict(current["Spec"])
    scaled["Mode"] = {"Replicated": {"Replicas": 2}}
    service_version = str(current["Version"]["Index"])
    http.post(
        f"/services/{service}/update", params={"version": service_version}, json=scaled
    )
    http.get("/services/fdrec-absent")
    http.get("/tasks/fdrec-absent")

    http.delete(f"/services/{service}")
    http.delete(f"/services/{service}")
    http.post("/swarm/leave")
    http.post("/swarm/leave", params={"force": "1"})
    http.get("/swarm")
    http.post("/swarm/leave", params={"force": "1"})
