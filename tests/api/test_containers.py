"""Container routes in-process: create, list, lifecycle errors, wait and logs."""

from __future__ import annotations

import json
import struct
import threading
import time
from typing import Any

from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine


def create(
    client: Client, name: str | None = None, version: str = "1.45", **config: Any
) -> str:
    body = {"Image": "busybox", **config}
    target = f"/v{version}/containers/create" + (f"?name={name}" if name else "")
    response = client.post(target, json=body)
    assert response.status_code == 201, response.data
    container_id: str = response.json["Id"]
    return container_id


def wait_exit(client: Client, container_id: str) -> dict[str, Any]:
    response = client.post(f"/v1.45/containers/{container_id}/wait")
    document: dict[str, Any] = json.loads(response.data)
    return document


def decode_frames(data: bytes) -> list[tuple[int, bytes]]:
    frames = []
    while data:
        kind, size = struct.unpack(">BxxxL", data[:8])
        frames.append((kind, data[8 : 8 + size]))
        data = data[8 + size :]
    return frames


def test_create_merges_image_config(client: Client) -> None:
    container_id = create(client, Env=["A=1"])
    document = client.get(f"/v1.45/containers/{container_id}/json").json
    assert document["Path"] == "sh"
    assert document["Args"] == []
    assert document["Config"]["Cmd"] == ["sh"]
    assert "A=1" in document["Config"]["Env"]
    assert any(entry.startswith("PATH=") for entry in document["Config"]["Env"])
    assert document["Config"]["Hostname"] == container_id[:12]
    assert document["State"]["Status"] == "created"
    assert document["HostConfig"]["NetworkMode"] == "bridge"


def test_empty_entrypoint_keeps_image_cmd(client: Client) -> None:
    container_id = create(client, Cmd=[], Entrypoint=[])
    document = client.get(f"/v1.45/containers/{container_id}/json").json
    assert document["Path"] == "sh"
    assert document["Config"]["Entrypoint"] == []


def test_invalid_name_rejected(client: Client) -> None:
    response = client.post(
        "/v1.45/containers/create?name=bad%20name", json={"Image": "busybox"}
    )
    assert response.status_code == 400
    assert response.json == {
        "message": "Invalid container name (bad name), only "
        "[a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"
    }


def test_duplicate_name_conflicts(client: Client) -> None:
    first = create(client, "web")
    response = client.post(
        "/v1.45/containers/create?name=web", json={"Image": "busybox"}
    )
    assert response.status_code == 409
    assert response.json["message"] == (
        f'Conflict. The container name "/web" is already in use by container '
        f'"{first}". You have to remove (or rename) that container to be able to '
        "reuse that name."
    )


def test_missing_image_is_not_found(client: Client) -> None:
    response = client.post("/v1.45/containers/create", json={"Image": "nosuchimage"})
    assert response.status_code == 404
    assert response.json == {"message": "No such image: nosuchimage:latest"}


def test_uppercase_image_rejected(client: Client) -> None:
    response = client.post("/v1.45/containers/create", json={"Image": "Upper"})
    assert response.status_code == 400
    assert response.json == {
        "message": "invalid reference format: repository name (library/Upper) "
        "must be lowercase"
    }


def test_generated_name_has_slash(client: Client) -> None:
    container_id = create(client)
    name = client.get(f"/v1.45/containers/{container_id}/json").json["Name"]
    assert name.startswith("/")
    assert "_" in name


def test_start_twice_is_not_modified(client: Client) -> None:
    container_id = create(client, Cmd=["sleep", "300"])
    assert client.post(f"/v1.45/containers/{container_id}/start").status_code == 204
    again = client.post(f"/v1.45/containers/{container_id}/start")
    assert again.status_code == 304
    assert again.data == b""
    client.post(f"/v1.45/containers/{container_id}/kill")


def test_stop_stopped_is_not_modified(client: Client) -> None:
    container_id = create(client, Cmd=["sleep", "300"])
    assert client.post(f"/v1.45/containers/{container_id}/stop").status_code == 304


def test_stop_ends_process_with_sigterm(client: Client) -> None:
    container_id = create(client, Cmd=["sleep", "300"])
    client.post(f"/v1.45/containers/{container_id}/start")
    assert client.post(f"/v1.45/containers/{container_id}/stop").status_code == 204
    state = client.get(f"/v1.45/containers/{container_id}/json").json["State"]
    assert state["Status"] == "exited"
    assert state["ExitCode"] == 143
    assert state["FinishedAt"] != "0001-01-01T00:00:00Z"


def test_kill_not_running_conflicts(client: Client) -> None:
    container_id = create(client, "idle")
    response = client.post("/v1.45/containers/idle/kill")
    assert response.status_code == 409
    assert response.json == {
        "message": f"cannot kill container: idle: container {container_id} is not "
        "running"
    }


def test_kill_invalid_signal(client: Client) -> None:
    create(client, "idle")
    response = client.post("/v1.45/containers/idle/kill?signal=BOGUS")
    assert response.status_code == 400
    assert response.json == {
        "message": "cannot kill container: idle: invalid signal: BOGUS"
    }


def test_kill_gives_137(client: Client) -> None:
    container_id = create(client, Cmd=["sleep", "300"])
    client.post(f"/v1.45/containers/{container_id}/start")
    assert client.post(f"/v1.45/containers/{container_id}/kill").status_code == 204
    assert wait_exit(client, container_id) == {"StatusCode": 137}


def test_missing_executable_fails_start(client: Client) -> None:
    container_id = create(client, Cmd=["nosuchbin"])
    response = client.post(f"/v1.45/containers/{container_id}/start")
    assert response.status_code == 400
    assert response.json["message"] == (
        "failed to create task for container: failed to create shim task: OCI "
        "runtime create failed: runc create failed: unable to start container "
        'process: exec: "nosuchbin": executable file not found in $PATH: unknown'
    )
    state = client.get(f"/v1.45/containers/{container_id}/json").json["State"]
    assert state["Status"] == "created"
    assert state["ExitCode"] == 127
    assert "executable file not found" in state["Error"]


def test_remove_running_conflicts(client: Client) -> None:
    create(client, "busy", Cmd=["sleep", "300"])
    client.post("/v1.45/containers/busy/start")
    response = client.delete("/v1.45/containers/busy")
    assert response.status_code == 409
    assert response.json == {
        "message": 'cannot remove container "/busy": container is running: stop the '
        "container before removing or force remove"
    }
    assert client.delete("/v1.45/containers/busy?force=1").status_code == 204
    assert client.get("/v1.45/containers/busy/json").status_code == 404


def test_engine_2010_remove_running_message() -> None:
    client = Client(APIApp(Engine(DaemonConfig(engine="20.10"))))
    container_id = create(client, "busy", version="1.41", Cmd=["sleep", "300"])
    client.post("/v1.41/containers/busy/start")
    response = client.delete("/v1.41/containers/busy")
    assert response.json == {
        "message": f"You cannot remove a running container {container_id}. Stop the "
        "container before attempting removal or force remove"
    }
    client.delete("/v1.41/containers/busy?force=1")


def test_pause_and_unpause(client: Client) -> None:
    container_id = create(client, "paused", Cmd=["sleep", "300"])
    assert client.post("/v1.45/containers/paused/pause").status_code == 409
    client.post("/v1.45/containers/paused/start")
    assert client.post("/v1.45/containers/paused/pause").status_code == 204
    assert (
        client.get("/v1.45/containers/paused/json").json["State"]["Status"] == "paused"
    )
    again = client.post("/v1.45/containers/paused/pause")
    assert again.status_code == 409
    assert again.json == {"message": f"Container {container_id} is already paused"}
    assert client.post("/v1.45/containers/paused/unpause").status_code == 204
    not_paused = client.post("/v1.45/containers/paused/unpause")
    assert not_paused.status_code == 500
    assert not_paused.json == {"message": f"Container {container_id} is not paused"}
    client.post("/v1.45/containers/paused/kill")


def test_rename_conflict_and_success(client: Client) -> None:
    taken = create(client, "taken")
    create(client, "old")
    conflict = client.post("/v1.45/containers/old/rename?name=taken")
    assert conflict.status_code == 409
    assert conflict.json["message"].startswith(
        'Error when allocating new name: Conflict. The container name "/taken" is '
        f'already in use by container "{taken}".'
    )
    assert client.post("/v1.45/containers/old/rename?name=new").status_code == 204
    assert client.get("/v1.45/containers/new/json").json["Name"] == "/new"


def test_wait_invalid_condition(client: Client) -> None:
    create(client, "waiter")
    response = client.post("/v1.45/containers/waiter/wait?condition=bogus")
    assert response.status_code == 400
    assert response.json == {"message": 'invalid condition: "bogus"'}


def test_wait_returns_exit_code(client: Client) -> None:
    container_id = create(client, Cmd=["sh", "-c", "exit 3"])
    client.post(f"/v1.45/containers/{container_id}/start")
    assert wait_exit(client, container_id) == {"StatusCode": 3}


def test_wait_before_130_has_no_error_field(client: Client) -> None:
    container_id = create(client, Cmd=["true"])
    client.post(f"/v1.45/containers/{container_id}/start")
    response = client.post(f"/v1.29/containers/{container_id}/wait")
    assert json.loads(response.data) == {"StatusCode": 0}


def test_logs_need_a_stream(client: Client) -> None:
    create(client, "quiet")
    response = client.get("/v1.45/containers/quiet/logs")
    assert response.status_code == 400
    assert response.json == {
        "message": "Bad parameters: you must choose at least one stream"
    }


def test_logs_are_framed(client: Client) -> None:
    container_id = create(client, Cmd=["sh", "-c", "echo out; echo err >&2"])
    client.post(f"/v1.45/containers/{container_id}/start")
    wait_exit(client, container_id)
    response = client.get(f"/v1.45/containers/{container_id}/logs?stdout=1&stderr=1")
    assert (
        response.headers["Content-Type"] == "application/vnd.docker.multiplexed-stream"
    )
    assert decode_frames(response.data) == [(1, b"out\n"), (2, b"err\n")]


def test_logs_before_142_are_raw_stream_type(client: Client) -> None:
    container_id = create(client, Cmd=["echo", "hi"])
    client.post(f"/v1.45/containers/{container_id}/start")
    wait_exit(client, container_id)
    response = client.get(f"/v1.41/containers/{container_id}/logs?stdout=1")
    assert response.headers["Content-Type"] == "application/vnd.docker.raw-stream"
    assert decode_frames(response.data) == [(1, b"hi\n")]


def test_logs_with_tty_are_raw(client: Client) -> None:
    container_id = create(client, Cmd=["echo", "hi"], Tty=True)
    client.post(f"/v1.45/containers/{container_id}/start")
    wait_exit(client, container_id)
    response = client.get(f"/v1.45/containers/{container_id}/logs?stdout=1")
    assert response.headers["Content-Type"] == "application/vnd.docker.raw-stream"
    assert response.data == b"hi\r\n"


def test_logs_tail_and_timestamps(client: Client) -> None:
    container_id = create(client, Cmd=["sh", "-c", "echo a; echo b; echo c"])
    client.post(f"/v1.45/containers/{container_id}/start")
    wait_exit(client, container_id)
    response = client.get(
        f"/v1.45/containers/{container_id}/logs?stdout=1&tail=1&timestamps=1"
    )
    frames = decode_frames(response.data)
    assert len(frames) == 1
    stamp, _, text = frames[0][1].partition(b" ")
    assert text == b"c\n"
    assert len(stamp) == len(b"2024-01-02T03:04:05.123456789Z")
    assert stamp.endswith(b"Z")


def test_list_filters(client: Client) -> None:
    running = create(client, "alpha", Cmd=["sleep", "300"], Labels={"tier": "web"})
    create(client, "beta", Labels={"tier": "db"})
    client.post("/v1.45/containers/alpha/start")
    listed = client.get("/v1.45/containers/json").json
    assert [entry["Id"] for entry in listed] == [running]
    assert listed[0]["Names"] == ["/alpha"]
    assert listed[0]["State"] == "running"
    assert listed[0]["Status"].startswith("Up ")
    assert listed[0]["Command"] == "sleep 300"
    everything = client.get("/v1.45/containers/json?all=1").json
    assert len(everything) == 2
    by_label = client.get('/v1.45/containers/json?all=1&filters={"label":["tier=db"]}')
    assert [entry["Names"] for entry in by_label.json] == [["/beta"]]
    by_status = client.get('/v1.45/containers/json?filters={"status":{"created":true}}')
    assert [entry["Names"] for entry in by_status.json] == [["/beta"]]
    by_name = client.get('/v1.45/containers/json?all=1&filters={"name":["alp"]}')
    assert [entry["Names"] for entry in by_name.json] == [["/alpha"]]
    client.post("/v1.45/containers/alpha/kill")


def test_list_invalid_status(client: Client) -> None:
    response = client.get('/v1.45/containers/json?all=1&filters={"status":["bogus"]}')
    assert response.status_code == 400
    assert response.json == {"message": "invalid filter 'status=bogus'"}


def test_list_exited_filter(client: Client) -> None:
    failing = create(client, Cmd=["sh", "-c", "exit 2"])
    passing = create(client, Cmd=["true"])
    for container_id in (failing, passing):
        client.post(f"/v1.45/containers/{container_id}/start")
        wait_exit(client, container_id)
    response = client.get('/v1.45/containers/json?all=1&filters={"exited":["2"]}')
    assert [entry["Id"] for entry in response.json] == [failing]
    assert response.json[0]["Status"].startswith("Exited (2) ")


def test_list_limit_and_ancestor(client: Client) -> None:
    for _ in range(3):
        create(client)
        time.sleep(0.001)
    limited = client.get("/v1.45/containers/json?limit=2").json
    assert len(limited) == 2
    by_image = client.get(
        '/v1.45/containers/json?all=1&filters={"ancestor":["busybox"]}'
    ).json
    assert len(by_image) == 3


def test_auto_remove_after_exit(client: Client, engine: Engine) -> None:
    container_id = create(client, Cmd=["true"], HostConfig={"AutoRemove": True})
    container = engine.containers.get(container_id)
    # As the CLI does, wait before start, on a thread of its own.
    results: list[int] = []
    waiter = threading.Thread(
        target=lambda: results.append(engine.containers.wait(container, "removed"))
    )
    waiter.start()
    client.post(f"/v1.45/containers/{container_id}/start")
    waiter.join(10)
    assert results == [0]
    assert client.get(f"/v1.45/containers/{container_id}/json").status_code == 404


def test_events_follow_lifecycle(client: Client, engine: Engine) -> None:
    container_id = create(client, "ev", Cmd=["true"])
    client.post(f"/v1.45/containers/{container_id}/start")
    wait_exit(client, container_id)
    client.delete(f"/v1.45/containers/{container_id}")
    actions = [
        event.action
        for event in engine.events.snapshot()
        if event.type == "container" and event.actor_id == container_id
    ]
    assert actions == ["create", "start", "die", "destroy"]


def test_name_filter_is_linear(client: Client) -> None:
    create(client, "a" * 28 + "X")
    started = time.perf_counter()
    response = client.get('/v1.45/containers/json?all=1&filters={"name":["(a+)+$"]}')
    assert time.perf_counter() - started < 1
    assert response.status_code == 200
    assert response.json == []


def test_name_filter_invalid_pattern_matches_nothing(client: Client) -> None:
    create(client, "named")
    response = client.get('/v1.45/containers/json?all=1&filters={"name":["["]}')
    assert response.status_code == 200
    assert response.json == []


def test_name_filter_sees_leading_slash(client: Client) -> None:
    create(client, "web")
    anchored = client.get('/v1.45/containers/json?all=1&filters={"name":["^/web$"]}')
    assert [entry["Names"] for entry in anchored.json] == [["/web"]]
