"""Malformed request bodies and queries get the real Engines' errors.

Every expected status and message below was measured on Engines 26.1
(API 1.45) and 20.10 (API 1.41).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.test import Client

from fakedaemon.api.app import APIApp
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine

CREATE = "/containers/create"
IMAGE = '{"Image":"busybox",%s}'
HOST = '{"Image":"busybox","HostConfig":{%s}}'
INVALID = "invalid JSON: json: cannot unmarshal"

# (path, body, status, message) on Engine 26.1.
MODERN_CASES = [
    (
        CREATE,
        IMAGE % '"Cmd":[1,2]',
        400,
        f"{INVALID} array into Go struct field "
        "ContainerConfigWrapper.Config.Cmd of type string",
    ),
    (
        CREATE,
        '{"Image":5}',
        400,
        f"{INVALID} number into Go struct field "
        "ContainerConfigWrapper.Config.Image of type string",
    ),
    (
        CREATE,
        IMAGE % '"Cmd":5',
        400,
        f"{INVALID} number into Go struct field "
        "ContainerConfigWrapper.Config.Cmd of type string",
    ),
    (
        CREATE,
        IMAGE % '"Env":[1,2]',
        400,
        f"{INVALID} number into Go struct field "
        "ContainerConfigWrapper.Config.Env of type string",
    ),
    (
        CREATE,
        IMAGE % '"Env":{"a":1}',
        400,
        f"{INVALID} object into Go struct field "
        "ContainerConfigWrapper.Config.Env of type []string",
    ),
    (
        CREATE,
        IMAGE % '"Labels":["a"]',
        400,
        f"{INVALID} array into Go struct field "
        "ContainerConfigWrapper.Config.Labels of type map[string]string",
    ),
    (
        CREATE,
        IMAGE % '"Labels":{"a":1}',
        400,
        f"{INVALID} number into Go struct "
        "field ContainerConfigWrapper.Config.Labels of type string",
    ),
    (
        CREATE,
        IMAGE % '"ExposedPorts":["80"]',
        400,
        f"{INVALID} array into Go "
        "struct field ContainerConfigWrapper.Config.ExposedPorts of type nat.PortSet",
    ),
    (
        CREATE,
        IMAGE % '"Volumes":["/x"]',
        400,
        f"{INVALID} array into Go struct "
        "field ContainerConfigWrapper.Config.Volumes of type map[string]struct {}",
    ),
    (
        CREATE,
        IMAGE % '"Hostname":5',
        400,
        f"{INVALID} number into Go struct field "
        "ContainerConfigWrapper.Config.Hostname of type string",
    ),
    (
        CREATE,
        IMAGE % '"Tty":"yes"',
        400,
        f"{INVALID} string into Go struct field "
        "ContainerConfigWrapper.Config.Tty of type bool",
    ),
    (
        CREATE,
        IMAGE % '"Healthcheck":"x"',
        400,
        f"{INVALID} string into Go struct "
        "field ContainerConfigWrapper.Config.Healthcheck of type v1.HealthcheckConfig",
    ),
    (
        CREATE,
        IMAGE % '"StopTimeout":1.5',
        400,
        f"{INVALID} number 1.5 into Go "
        "struct field ContainerConfigWrapper.Config.StopTimeout of type int",
    ),
    (
        CREATE,
        IMAGE % '"StopTimeout":NaN',
        400,
        "invalid JSON: invalid character 'N' looking for beginning of value",
    ),
    (
        CREATE,
        HOST % '"NetworkMode":5',
        400,
        f"{INVALID} number into Go struct "
        "field HostConfig.HostConfig.NetworkMode of type container.NetworkMode",
    ),
    (
        CREATE,
        HOST % '"Binds":"/a:/b"',
        400,
        f"{INVALID} string into Go struct "
        "field HostConfig.HostConfig.Binds of type []string",
    ),
    (
        CREATE,
        HOST % '"Binds":[5]',
        400,
        f"{INVALID} number into Go struct field "
        "HostConfig.HostConfig.Binds of type string",
    ),
    (
        CREATE,
        HOST % '"Memory":1e400',
        400,
        f"{INVALID} number 1e400 into Go "
        "struct field HostConfig.HostConfig.Resources.Memory of type int64",
    ),
    (
        CREATE,
        HOST % '"PortBindings":{"80/tcp":"x"}',
        400,
        f"{INVALID} string into "
        "Go struct field HostConfig.HostConfig.PortBindings of type []nat.PortBinding",
    ),
    (
        CREATE,
        HOST % '"RestartPolicy":"always"',
        400,
        f"{INVALID} string into Go "
        "struct field HostConfig.HostConfig.RestartPolicy of type "
        "container.RestartPolicy",
    ),
    (
        CREATE,
        HOST % '"Mounts":[{"Type":5}]',
        400,
        f"{INVALID} number into Go "
        "struct field Mount.HostConfig.Mounts.Type of type mount.Type",
    ),
    (
        CREATE,
        HOST % '"Ulimits":[{"Name":"nofile","Soft":"x"}]',
        400,
        f"{INVALID} "
        "string into Go struct field Ulimit.HostConfig.Resources.Ulimits.Soft of type "
        "int64",
    ),
    (
        CREATE,
        IMAGE % '"NetworkingConfig":{"EndpointsConfig":[1]}',
        400,
        f"{INVALID} array into Go struct field NetworkingConfig.NetworkingConfig."
        "EndpointsConfig of type map[string]*network.EndpointSettings",
    ),
    (
        CREATE,
        IMAGE % '"NetworkingConfig":{"EndpointsConfig":{"bridge":5}}',
        400,
        f"{INVALID} number into Go struct field NetworkingConfig.NetworkingConfig."
        "EndpointsConfig of type network.EndpointSettings",
    ),
    (
        CREATE,
        "5",
        400,
        f"{INVALID} number into Go value of type runconfig.ContainerConfigWrapper",
    ),
    (CREATE, "null", 400, "config cannot be empty in order to create a container"),
    (
        CREATE,
        "[" * 100000,
        400,
        "invalid JSON: invalid character '[' exceeded max depth",
    ),
    (CREATE, "[" * 10000, 400, "invalid JSON: unexpected EOF"),
    (
        CREATE,
        HOST % ('"Memory":1' + "0" * 5000),
        400,
        f"{INVALID} number 1"
        + "0" * 5000
        + " into Go struct field HostConfig.HostConfig.Resources.Memory "
        "of type int64",
    ),
    (
        CREATE,
        HOST % '"PortBindings":{"notaport":[{"HostPort":"1"}]}',
        400,
        'invalid port specification: "notaport"',
    ),
    (
        CREATE,
        HOST % '"RestartPolicy":{"Name":"bogus"}',
        400,
        "invalid restart "
        "policy: unknown policy 'bogus'; use one of 'no', 'always', 'on-failure', or "
        "'unless-stopped'",
    ),
    (CREATE, HOST % '"Memory":-5', 400, "Minimum memory limit allowed is 6MB"),
    (CREATE, HOST % '"CapAdd":"x"', 400, 'invalid CapAdd: unknown capability: "CAP_X"'),
    (
        CREATE,
        IMAGE % '"WorkingDir":"rel"',
        400,
        "the working directory 'rel' is invalid, it needs to be an absolute path",
    ),
    (CREATE, IMAGE % '"StopSignal":"SIGFOO"', 400, "invalid signal: SIGFOO"),
    (CREATE, IMAGE % '"Env":["=foo"]', 400, "invalid environment variable: =foo"),
    (
        CREATE,
        IMAGE % '"Healthcheck":{"Interval":5}',
        400,
        "Interval in Healthcheck cannot be less than 1ms",
    ),
    (
        CREATE,
        HOST % '"Links":["nosuch:alias"]',
        400,
        "could not get container for nosuch: No such container: nosuch",
    ),
    (CREATE, HOST % '"VolumesFrom":["nosuch"]', 400, "No such container: nosuch"),
    (
        "/containers/c1/update",
        '{"RestartPolicy":"x"}',
        400,
        f"{INVALID} string "
        "into Go struct field UpdateConfig.RestartPolicy of type "
        "container.RestartPolicy",
    ),
    (
        "/containers/c1/update",
        '{"Memory":-5}',
        400,
        "Minimum memory limit allowed is 6MB",
    ),
    (
        "/containers/c1/update",
        '{"CpuShares":1e400}',
        400,
        f"{INVALID} number 1e400 "
        "into Go struct field UpdateConfig.Resources.CpuShares of type int64",
    ),
    (
        "/containers/c1/exec",
        '{"Cmd":"echo hi"}',
        400,
        f"{INVALID} string into Go struct field ExecConfig.Cmd of type []string",
    ),
    ("/containers/c1/exec", '{"Cmd":[]}', 400, "No exec command specified"),
    (
        "/containers/c1/exec",
        '{"Cmd":["x"],"Env":"A=1"}',
        400,
        f"{INVALID} string into Go struct field ExecConfig.Env of type []string",
    ),
    (
        "/containers/c1/exec",
        '{"Cmd":["x"],"WorkingDir":5}',
        400,
        f"{INVALID} number into Go struct field ExecConfig.WorkingDir of type string",
    ),
    (
        "/containers/c1/exec",
        '{"Cmd":["x"],"ConsoleSize":[-1,-1]}',
        400,
        f"{INVALID} number -1 into Go struct field ExecConfig.ConsoleSize of type uint",
    ),
    (
        "/containers/c1/exec",
        '{"Cmd":["x"],"ConsoleSize":"x"}',
        400,
        f"{INVALID} string into Go struct field ExecConfig.ConsoleSize of type [2]uint",
    ),
    (
        "/volumes/create",
        '{"Labels":{"a":1}}',
        400,
        f"{INVALID} number into Go struct field CreateOptions.Labels of type string",
    ),
    (
        "/volumes/create",
        '{"DriverOpts":[1]}',
        400,
        f"{INVALID} array into Go "
        "struct field CreateOptions.DriverOpts of type map[string]string",
    ),
    (
        "/networks/create",
        '{"Name":"n1","Labels":["x"]}',
        400,
        f"{INVALID} array "
        "into Go struct field NetworkCreateRequest.NetworkCreate.Labels of type "
        "map[string]string",
    ),
    (
        "/networks/create",
        '{"Name":"n1","IPAM":{"Config":"x"}}',
        400,
        f"{INVALID} "
        "string into Go struct field IPAM.NetworkCreate.IPAM.Config of type "
        "[]network.IPAMConfig",
    ),
    (
        "/networks/create",
        '{"Name":"n1","IPAM":{"Config":[{"Subnet":5}]}}',
        400,
        f"{INVALID} number into Go struct field IPAMConfig.NetworkCreate.IPAM.Config."
        "Subnet of type string",
    ),
    (
        "/networks/create",
        '{"Name":5}',
        400,
        f"{INVALID} number into Go struct "
        "field NetworkCreateRequest.Name of type string",
    ),
    (
        "/networks/create",
        '{"Name":"n1","EnableIPv6":"yes"}',
        400,
        f"{INVALID} "
        "string into Go struct field NetworkCreateRequest.NetworkCreate.EnableIPv6 of "
        "type bool",
    ),
    (
        "/networks/bridge/disconnect",
        '{"Container":["x"]}',
        400,
        f"{INVALID} array "
        "into Go struct field NetworkDisconnect.Container of type string",
    ),
    (
        "/networks/bridge/connect",
        '{"Container":5}',
        400,
        f"{INVALID} number into "
        "Go struct field NetworkConnect.Container of type string",
    ),
]

# (path, body, status, message) on Engine 20.10.
LEGACY_CASES = [
    (
        CREATE,
        IMAGE % '"Cmd":[1,2]',
        500,
        "json: cannot unmarshal array into Go "
        "struct field ContainerConfigWrapper.Cmd of type string",
    ),
    (
        CREATE,
        HOST % '"Memory":1e400',
        500,
        "json: cannot unmarshal number 1e400 "
        "into Go struct field HostConfig.HostConfig.Memory of type int64",
    ),
    (
        CREATE,
        IMAGE % '"Healthcheck":"x"',
        500,
        "json: cannot unmarshal string into "
        "Go struct field ContainerConfigWrapper.Healthcheck of type "
        "container.HealthConfig",
    ),
    (CREATE, "[" * 100000, 500, "invalid character '[' exceeded max depth"),
    (CREATE, "null", 400, "Config cannot be empty in order to create a container"),
    (
        CREATE,
        HOST % '"RestartPolicy":{"Name":"bogus"}',
        400,
        "invalid restart policy 'bogus'",
    ),
    (CREATE, IMAGE % '"StopSignal":"SIGFOO"', 400, "Invalid signal: SIGFOO"),
    (
        "/containers/c1/update",
        '{"Memory":"x"}',
        500,
        "json: cannot unmarshal "
        "string into Go struct field UpdateConfig.Memory of type int64",
    ),
    (
        "/containers/c1/exec",
        '{"Cmd":5}',
        400,
        "json: cannot unmarshal number into "
        "Go struct field ExecConfig.Cmd of type []string",
    ),
    ("/containers/c1/exec", "", 400, "got EOF while reading request body"),
    (
        "/volumes/create",
        '{"Labels":[1]}',
        400,
        "json: cannot unmarshal array into "
        "Go struct field VolumeCreateBody.Labels of type map[string]string",
    ),
    (
        "/networks/create",
        '{"Name":"n1","IPAM":{"Config":[1]}}',
        400,
        "json: cannot "
        "unmarshal number into Go struct field IPAM.IPAM.Config of type "
        "network.IPAMConfig",
    ),
    (
        "/networks/create",
        '{"Name":"n1","Options":{"a":1}}',
        400,
        "json: cannot "
        "unmarshal number into Go struct field NetworkCreateRequest.Options of type "
        "string",
    ),
]

# (path, status, message) of query parameters on Engine 26.1.
QUERY_CASES = [
    (
        "GET /containers/json?limit=abc",
        500,
        'strconv.Atoi: parsing "abc": invalid syntax',
    ),
    (
        "GET /containers/json?limit=99999999999999999999",
        500,
        'strconv.Atoi: parsing "99999999999999999999": value out of range',
    ),
    (
        "POST /containers/c1/stop?t=-99999999999999999999",
        500,
        'strconv.Atoi: parsing "-99999999999999999999": value out of range',
    ),
    (
        "POST /containers/c1/stop?t=abc",
        500,
        'strconv.Atoi: parsing "abc": invalid syntax',
    ),
    (
        "POST /containers/c1/restart?t=1.5",
        500,
        'strconv.Atoi: parsing "1.5": invalid syntax',
    ),
    (
        "GET /containers/c1/logs?stdout=1&since=abc",
        500,
        'strconv.ParseInt: parsing "abc": invalid syntax',
    ),
    (
        "GET /containers/c1/logs?stdout=1&until=1e23",
        500,
        'strconv.ParseInt: parsing "1e23": invalid syntax',
    ),
    (
        "GET /containers/c1/logs?stdout=1&since=1.5x",
        500,
        'strconv.ParseInt: parsing "5x": invalid syntax',
    ),
    (
        "POST /containers/c1/resize?h=99999999999999999999&w=5",
        400,
        'strconv.Atoi: parsing "99999999999999999999": value out of range',
    ),
    (
        "GET /images/search?term=x&limit=abc",
        400,
        'invalid limit specified: strconv.Atoi: parsing "abc": invalid syntax',
    ),
    (
        'GET /containers/json?filters={"exited":["abc"]}',
        400,
        "invalid filter 'exited=abc': strconv.Atoi: parsing \"abc\": invalid syntax",
    ),
    (
        'GET /containers/json?filters={"health":["nope"]}',
        400,
        "unrecognized filter value for health: nope",
    ),
    (
        'GET /containers/json?filters={"publish":["abc/xyz"]}',
        500,
        "error while looking up for publish abc/xyz: strconv.ParseUint: parsing "
        '"abc": invalid syntax',
    ),
    (
        "POST /containers/c1/kill?signal=99999",
        400,
        "cannot kill container: c1: the linux daemon does not support signal 99999",
    ),
    (
        "POST /containers/c1/kill?signal=-1",
        400,
        "cannot kill container: c1: the linux daemon does not support signal -1",
    ),
    (
        "POST /images/busybox/tag?repo=sha256:" + "a" * 64,
        400,
        "refusing to create an ambiguous tag using digest algorithm as name",
    ),
]


def start_client(profile: str) -> Iterator[Client]:
    engine = Engine(DaemonConfig(engine=profile))
    client = Client(APIApp(engine))
    created = client.post(
        "/containers/create?name=c1", json={"Image": "busybox", "Cmd": ["top"]}
    )
    assert created.status_code == 201, created.data
    client.post("/containers/c1/start")
    yield client
    engine.close()


@pytest.fixture
def modern() -> Iterator[Client]:
    yield from start_client("26.1")


@pytest.fixture
def legacy() -> Iterator[Client]:
    yield from start_client("20.10")


def post_json(client: Client, path: str, body: str) -> tuple[int, dict[str, Any]]:
    response = client.post(
        path, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    return response.status_code, response.get_json(silent=True) or {}


@pytest.mark.parametrize(("path", "body", "status", "message"), MODERN_CASES)
def test_modern_body(
    modern: Client, path: str, body: str, status: int, message: str
) -> None:
    got_status, document = post_json(modern, path, body)
    assert document.get("message") == message
    assert got_status == status


@pytest.mark.parametrize(("path", "body", "status", "message"), LEGACY_CASES)
def test_legacy_body(
    legacy: Client, path: str, body: str, status: int, message: str
) -> None:
    got_status, document = post_json(legacy, path, body)
    assert document.get("message") == message
    assert got_status == status


@pytest.mark.parametrize(("request_line", "status", "message"), QUERY_CASES)
def test_modern_query(
    modern: Client, request_line: str, status: int, message: str
) -> None:
    method, path = request_line.split(" ", 1)
    response = modern.open(path, method=method)
    assert response.get_json()["message"] == message
    assert response.status_code == status


def test_legacy_kill_prints_unsigned(legacy: Client) -> None:
    response = legacy.post("/containers/c1/kill?signal=-1")
    assert response.get_json()["message"] == (
        "Cannot kill container: c1: The linux daemon does not support signal "
        "18446744073709551615"
    )
    assert response.status_code == 500


def test_bad_create_keeps_list_working(modern: Client) -> None:
    status, _ = post_json(modern, CREATE, IMAGE % '"Cmd":[1,2]')
    assert status == 400
    assert modern.get("/containers/json?all=1").status_code == 200


def test_string_cmd_is_one_argument(modern: Client) -> None:
    status, document = post_json(modern, CREATE, IMAGE % '"Cmd":"true"')
    assert status == 201
    inspect = modern.get(f"/containers/{document['Id']}/json").get_json()
    assert inspect["Path"] == "true"
    assert inspect["Config"]["Cmd"] == ["true"]


def test_string_entrypoint_is_one_argument(modern: Client) -> None:
    body = IMAGE % '"Entrypoint":"sleep","Cmd":["5"]'
    status, document = post_json(modern, CREATE, body)
    assert status == 201
    inspect = modern.get(f"/containers/{document['Id']}/json").get_json()
    assert inspect["Path"] == "sleep"
    assert inspect["Args"] == ["5"]


def test_lowercase_keys_decode(modern: Client) -> None:
    status, document = post_json(modern, CREATE, '{"image":"busybox","cmd":"true"}')
    assert status == 201
    inspect = modern.get(f"/containers/{document['Id']}/json").get_json()
    assert inspect["Path"] == "true"


def test_negative_search_limit_is_empty(modern: Client) -> None:
    response = modern.get("/images/search?term=x&limit=-1")
    assert response.status_code == 200
    assert response.data == b""


def test_negative_tail_shows_all(modern: Client) -> None:
    status, document = post_json(modern, CREATE, IMAGE % '"Cmd":["echo","hi"]')
    assert status == 201
    modern.post(f"/containers/{document['Id']}/start")
    modern.post(f"/containers/{document['Id']}/wait")
    response = modern.get(f"/containers/{document['Id']}/logs?stdout=1&tail=-5")
    assert response.data.endswith(b"hi\n")
