"""The authorization policy: rules, first match, dockerd's denial wording."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from fakedaemon import Daemon, DaemonConfig
from fakedaemon.authz import load_policy, parse_policy

POLICY = {
    "name": "ci",
    "default": "allow",
    "rules": [
        {"action": "allow", "users": ["admin"]},
        {
            "action": "deny",
            "methods": ["post"],
            "path": "/containers/*/exec",
            "message": "exec is disabled",
        },
        {"action": "deny", "path": "/images/*", "methods": ["DELETE"]},
    ],
}


@pytest.fixture
def client(tmp_path: Path) -> Client:
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps(POLICY))
    daemon = Daemon(DaemonConfig(authorization_rules=str(rules)))
    return Client(daemon.app)


def test_denied_request_gets_403(client: Client) -> None:
    response = client.post("/v1.45/containers/abc/exec", json={"Cmd": ["ls"]})
    assert response.status_code == 403
    assert response.json == {
        "message": "authorization denied by plugin ci: exec is disabled"
    }


def test_denial_skips_version_headers(client: Client) -> None:
    response = client.post("/containers/abc/exec", json={"Cmd": ["ls"]})
    assert "Api-Version" not in response.headers


def test_default_message_names_request(client: Client) -> None:
    response = client.delete("/images/busybox")
    assert response.json == {
        "message": "authorization denied by plugin ci: DELETE /images/busybox is denied"
    }


def test_other_requests_allowed(client: Client) -> None:
    assert client.get("/_ping").status_code == 200


def test_unknown_path_stays_404(client: Client) -> None:
    assert client.delete("/images").status_code == 404


def test_first_match_wins() -> None:
    policy = parse_policy(POLICY)
    assert policy.decide("POST", "/containers/a/exec", "admin").allowed
    assert not policy.decide("POST", "/v1.41/containers/a/exec", "guest").allowed


def test_default_deny() -> None:
    policy = parse_policy(
        {"default": "deny", "rules": [{"action": "allow", "methods": ["GET"]}]}
    )
    assert policy.decide("GET", "/info", "").allowed
    decision = policy.decide("POST", "/build", "")
    assert not decision.allowed
    assert decision.message == "POST /build is not allowed by any rule"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "must be a JSON object"),
        ({"rulez": []}, "unknown fields rulez"),
        ({"rules": [{"path": "/x"}]}, 'rule 0 has no "action"'),
        ({"rules": [{"action": "deny", "users": "bob"}]}, "list of strings"),
        ({"default": "perhaps"}, 'must be "allow" or "deny"'),
        ({"name": ""}, "non-empty string"),
    ],
)
def test_invalid_policy_rejected(document: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_policy(document)


def test_load_names_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text("{")
    with pytest.raises(ValueError, match=f"invalid JSON in authorization rules {path}"):
        load_policy(path)
