"""The API core in-process: routing, version checks, headers and error bodies."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from fakedaemon.api.app import APIApp, VersionHeaders, _with
from fakedaemon.config import DaemonConfig
from fakedaemon.engine.engine import Engine
from fakedaemon.profiles import DEFAULT_PROFILE, get_profile


def client_for(**settings: object) -> Client:
    config = DaemonConfig(**settings)  # type: ignore[arg-type]
    return Client(APIApp(Engine(config)))


@pytest.fixture
def client() -> Client:
    return client_for()


def test_ping_headers(client: Client) -> None:
    response = client.get("/_ping")
    assert response.status_code == 200
    assert response.data == b"OK"
    assert response.headers["Api-Version"] == "1.55"
    assert response.headers["Server"] == "Docker/29.7.2 (linux)"
    assert response.headers["Ostype"] == "linux"
    assert response.headers["Docker-Experimental"] == "false"
    assert response.headers["Cache-Control"] == "no-cache, no-store, must-revalidate"
    assert response.headers["Pragma"] == "no-cache"
    assert response.headers["Builder-Version"] == "2"
    assert response.headers["Swarm"] == "inactive"


def test_ping_swarm_header_checked() -> None:
    engine = Engine(DaemonConfig())
    engine.swarm.state = "inactive\r\nX-Injected: yes"
    response = Client(APIApp(engine)).get("/_ping")
    assert response.status_code == 500
    assert "X-Injected" not in response.headers


def test_ping_head_has_empty_body(client: Client) -> None:
    response = client.head("/v1.41/_ping")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == "0"
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_engine_2010_ping_lacks_builder_header() -> None:
    response = client_for(engine="20.10").get("/_ping")
    assert "Builder-Version" not in response.headers
    assert "Swarm" not in response.headers
    assert response.headers["Api-Version"] == "1.41"


def test_unknown_path_is_page_not_found(client: Client) -> None:
    response = client.get("/v1.41/nothing/here")
    assert response.status_code == 404
    assert response.data == b'{"message":"page not found"}\n'
    assert response.headers["Content-Type"] == "application/json"
    assert "Api-Version" not in response.headers
    assert "Server" not in response.headers


def test_wrong_method_is_page_not_found(client: Client) -> None:
    response = client.delete("/version")
    assert response.status_code == 404
    assert response.data == b'{"message":"page not found"}\n'


def test_head_of_get_route_is_not_found(client: Client) -> None:
    assert client.head("/version").status_code == 404


def test_trailing_slash_is_not_found(client: Client) -> None:
    assert client.get("/version/").status_code == 404


def test_version_too_old(client: Client) -> None:
    response = client.get("/v1.12/version")
    assert response.status_code == 400
    assert response.json == {
        "message": "client version 1.12 is too old. Minimum supported API version "
        "is 1.24, please upgrade your client to a newer version"
    }
    assert response.headers["Api-Version"] == "1.55"
    assert "Docker-Experimental" not in response.headers


def test_version_too_new(client: Client) -> None:
    response = client.get("/v1.99/version")
    assert response.status_code == 400
    assert response.json == {
        "message": "client version 1.99 is too new. Maximum supported API version "
        "is 1.55"
    }


def test_version_check_repeats_for_each_request(client: Client) -> None:
    # Accepted versions are remembered; refused ones are checked every time.
    for _ in range(2):
        assert client.get("/v1.99/_ping").status_code == 400
        assert client.get("/v1.41/_ping").status_code == 200
        assert client.get("/v1.12/_ping").status_code == 400
        assert client.get("/v1.055/_ping").status_code == 200


def test_experimental_header_follows_the_setting() -> None:
    app = APIApp(Engine(DaemonConfig()))
    client = Client(app)
    assert client.get("/v1.41/_ping").headers["Docker-Experimental"] == "false"
    app.engine.config.experimental = True
    assert client.get("/v1.41/_ping").headers["Docker-Experimental"] == "true"


def test_engine_2010_too_old_is_plain_text() -> None:
    response = client_for(engine="20.10").get("/v1.10/version")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.data == (
        b"client version 1.10 is too old. Minimum supported API version is 1.12, "
        b"please upgrade your client to a newer version\n"
    )


def test_configured_minimum_applies() -> None:
    client = client_for(min_api_version="1.40")
    assert client.get("/v1.39/version").status_code == 400
    assert client.get("/v1.40/version").status_code == 200


def test_environment_minimum_applies() -> None:
    client = client_for(environ={"DOCKER_MIN_API_VERSION": "1.44"})
    assert client.get("/v1.43/version").status_code == 400
    assert client.get("/version").json["MinAPIVersion"] == "1.44"


def test_invalid_environment_minimum_rejected() -> None:
    with pytest.raises(ValueError, match="minimum supported API version is 1.24"):
        client_for(environ={"DOCKER_MIN_API_VERSION": "1.12"})


def test_version_compared_as_numbers(client: Client) -> None:
    # 1.4 is older than 1.24 when compared part by part as numbers.
    assert client.get("/v1.4/version").status_code == 400
    assert client.get("/v1.040/version").status_code == 200


def test_unversioned_route_uses_maximum(client: Client) -> None:
    response = client.get("/version")
    assert response.json["ApiVersion"] == "1.55"
    assert response.json["MinAPIVersion"] == "1.24"


def test_create_rejects_wrong_content_type(client: Client) -> None:
    response = client.post(
        "/v1.45/containers/create", data="x", content_type="text/plain"
    )
    assert response.status_code == 400
    assert response.json == {
        "message": "unsupported Content-Type header (text/plain): must be "
        "'application/json'"
    }


def test_create_rejects_empty_body(client: Client) -> None:
    response = client.post("/v1.45/containers/create", content_type="application/json")
    assert response.status_code == 400
    assert response.json == {
        "message": "invalid JSON: got EOF while reading request body"
    }


def test_create_rejects_malformed_json(client: Client) -> None:
    response = client.post(
        "/v1.45/containers/create", data="{bad", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json == {
        "message": "invalid JSON: invalid character 'b' looking for beginning of "
        "object key string"
    }


def test_engine_2010_malformed_json_is_500() -> None:
    response = client_for(engine="20.10").post(
        "/v1.41/containers/create", data="{bad", content_type="application/json"
    )
    assert response.status_code == 500
    assert response.json == {
        "message": "invalid character 'b' looking for beginning of object key string"
    }


def test_engine_2010_content_type_message() -> None:
    response = client_for(engine="20.10").post(
        "/v1.41/containers/create", data="x", content_type="text/plain"
    )
    assert response.json == {
        "message": "Content-Type specified (text/plain) must be 'application/json'"
    }


def test_json_with_charset_accepted(client: Client) -> None:
    response = client.post(
        "/v1.45/containers/create",
        data='{"Image":"busybox","Labels":{"a":"<&>"}}',
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201
    inspect = client.get(f"/v1.45/containers/{response.json['Id']}/json")
    assert b'"a":"<&>"' in inspect.data


def test_not_found_error_body(client: Client) -> None:
    response = client.get("/v1.45/containers/nope/json")
    assert response.status_code == 404
    assert response.data == b'{"message":"No such container: nope"}\n'
    assert response.headers["Docker-Experimental"] == "false"


def test_invalid_filter_rejected(client: Client) -> None:
    response = client.get('/containers/json?filters={"bogus":["x"]}')
    assert response.status_code == 400
    assert response.json == {"message": "invalid filter 'bogus'"}


def test_malformed_filter_rejected(client: Client) -> None:
    response = client.get("/containers/json?filters=notjson")
    assert response.status_code == 400
    assert response.json == {"message": "invalid filter"}


def test_hijack_in_process_fails_clearly(client: Client) -> None:
    created = client.post(
        "/containers/create", json={"Image": "busybox", "Cmd": ["echo", "hi"]}
    )
    response = client.post(
        f"/containers/{created.json['Id']}/attach?stream=1&stdout=1",
        headers={"Connection": "Upgrade", "Upgrade": "tcp"},
    )
    assert response.status_code == 400
    assert "hijacked connection" in response.json["message"]


def test_version_error_repeats_url_text(client: Client) -> None:
    response = client.get("/v1/version")
    assert response.status_code == 400
    assert response.json["message"].startswith("client version 1 is too old.")
    too_new = client.get("/v1.0990/version")
    assert too_new.json["message"].startswith("client version 1.0990 is too new.")


def test_engine_29_profile_minimum() -> None:
    client = client_for(engine="29.x")
    assert client.get("/v1.39/version").status_code == 400
    assert client.get("/version").json["MinAPIVersion"] == "1.40"


def test_default_range_reaches_124() -> None:
    client = client_for()
    assert client.get("/v1.24/version").status_code == 200
    assert client.get("/version").json["Version"] == "29.7.2"


def test_url_map_still_builds_urls() -> None:
    app = APIApp(Engine(DaemonConfig()))
    adapter = app.url_map.bind("localhost")
    endpoint, arguments = adapter.match("/v1.41/containers/abc/json", "GET")
    assert arguments == {"version": "1.41", "id": "abc"}
    assert adapter.build(endpoint, arguments) == "/v1.41/containers/abc/json"


def test_fixed_path_match_reused(client: Client) -> None:
    first = client.get("/v1.41/_ping")
    second = client.get("/v1.41/_ping")
    assert first.data == second.data == b"OK"
    assert second.headers["Api-Version"] == "1.55"
    assert client.get("/v1.41/containers/nope/json").status_code == 404


def version_headers() -> VersionHeaders:
    headers = {"Server": "Docker/29.7.2 (linux)", "Ostype": "linux"}
    return VersionHeaders(get_profile(DEFAULT_PROFILE), False, headers)


def test_version_headers_replace_handler_ones() -> None:
    response = Response(b"{}", content_type="application/json")
    response.headers["server"] = "handler"
    _with(response, version_headers(), "X")
    assert response.headers.getlist("Server") == ["Docker/29.7.2 (linux)"]
    assert response.headers.getlist("Ostype") == ["linux"]


def test_version_headers_added_once() -> None:
    response = Response(b"{}", content_type="application/json")
    _with(response, version_headers(), "X")
    assert response.headers.getlist("Server") == ["Docker/29.7.2 (linux)"]
    assert list(response.headers.keys())[-2:] == ["Server", "Ostype"]


def test_cached_matches_keep_their_arguments(client: Client) -> None:
    for name in ("first", "second", "first"):
        response = client.get(f"/v1.41/containers/{name}/json")
        assert response.status_code == 404
        assert response.get_json() == {"message": f"No such container: {name}"}


def test_middleware_added_later_runs() -> None:
    app = APIApp(Engine(DaemonConfig()))
    client = Client(app)
    assert client.get("/_ping").status_code == 200
    seen: list[str] = []

    def record(request: Request, call_next: Callable[[Request], Response]) -> Response:
        seen.append(request.path)
        return call_next(request)

    app.middlewares.append(record)
    assert client.get("/_ping").status_code == 200
    assert seen == ["/_ping"]
