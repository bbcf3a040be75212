"""An authorization policy: allow or deny requests by method, path and client.

dockerd delegates authorization to plugins; this daemon reads the rules of
one policy from a JSON file instead::

    {
      "name": "ci-policy",
      "default": "allow",
      "rules": [
        {"action": "allow", "users": ["admin"]},
        {"action": "deny", "methods": ["POST"], "path": "/containers/*/exec",
         "message": "exec is disabled"}
      ]
    }

The first rule that matches decides, and ``default`` decides when none
does. A rule matches when every field it gives matches:

- ``methods``: any of the listed HTTP methods.
- ``path``: an ``fnmatch`` pattern on the path without its ``/v1.xx`` prefix.
- ``users``: any of the listed common names of the verified TLS client
  certificate. ``""`` names a client without one.

A denied request gets 403 with dockerd's wording, ``authorization denied by
plugin <name>: <message>``.
"""

from __future__ import annotations

import fnmatch
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from .api.jsonenc import dump_line
from .server.http import PEER_NAME_KEY

if TYPE_CHECKING:
    from .api.app import APIApp

logger = logging.getLogger("fakedaemon")

Dispatch = Callable[[Request], Response]


_VERSION_PREFIX = re.compile(r"^/v[0-9.]+(?=/)")
_RULE_KEYS = frozenset({"action", "methods", "path", "users", "message"})
_POLICY_KEYS = frozenset({"name", "default", "rules"})


@dataclass(frozen=True)
class Rule:
    """One rule of a policy; a field left as None matches anything."""

    action: str
    methods: frozenset[str] | None = None
    path: str | None = None
    users: frozenset[str] | None = None
    message: str = ""

    def matches(self, method: str, path: str, user: str) -> bool:
        """Return whether this rule applies to the request."""
        if self.methods is not None and method not in self.methods:
            return False
        if self.path is not None and not fnmatch.fnmatchcase(path, self.path):
            return False
        return self.users is None or user in self.users


@dataclass(frozen=True)
class Decision:
    """The outcome for one request: allowed or not, and the denial message."""

    allowed: bool
    message: str = ""


@dataclass(frozen=True)
class Policy:
    """An ordered list of rules and the action taken when none matches."""

    name: str
    rules: tuple[Rule, ...] = ()
    default: str = "allow"

    def decide(self, method: str, path: str, user: str) -> Decision:
        """Return the decision of the first matching rule, else the default."""
        unversioned = _VERSION_PREFIX.sub("", path, count=1)
        for rule in self.rules:
            if rule.matches(method, unversioned, user):
                if rule.action == "allow":
                    return Decision(True)
                return Decision(False, rule.message or f"{method} {path} is denied")
        if self.default == "allow":
            return Decision(True)
        return Decision(False, f"{method} {path} is not allowed by any rule")


def load_policy(path: str | Path) -> Policy:
    """Read a policy from a JSON rules file.

    Raises:
        ValueError: the file cannot be read or is not a valid policy.
    """
    try:
        document = json.loads(Path(path).read_text())
    except OSError as error:
        raise ValueError(f"cannot read authorization rules {path}: {error}") from None
    except json.JSONDecodeError as error:
        raise ValueError(
            f"invalid JSON in authorization rules {path}: {error}"
        ) from None
    try:
        return parse_policy(document)
    except ValueError as error:
        raise ValueError(f"invalid authorization rules {path}: {error}") from None


def parse_policy(document: Any) -> Policy:
    """Build a policy from its JSON document (see the module docstring).

    Raises:
        ValueError: a field is unknown, missing or of the wrong type.
    """
    if not isinstance(document, Mapping):
        raise ValueError("the document must be a JSON object")
    unknown = sorted(set(document) - _POLICY_KEYS)
    if unknown:
        raise ValueError(f"unknown fields {', '.join(unknown)}")
    name = document.get("name", "fakedaemon")
    if not isinstance(name, str) or not name:
        raise ValueError('"name" must be a non-empty string')
    default = _action(document.get("default", "allow"), '"default"')
    items = document.get("rules", [])
    if not isinstance(items, list):
        raise ValueError('"rules" must be a list')
    rules = tuple(_parse_rule(index, item) for index, item in enumerate(items))
    return Policy(name, rules, default)


def _parse_rule(index: int, item: Any) -> Rule:
    where = f"rule {index}"
    if not isinstance(item, Mapping):
        raise ValueError(f"{where} must be a JSON object")
    unknown = sorted(set(item) - _RULE_KEYS)
    if unknown:
        raise ValueError(f"{where} has unknown fields {', '.join(unknown)}")
    if "action" not in item:
        raise ValueError(f'{where} has no "action"')
    path = item.get("path")
    if path is not None and not isinstance(path, str):
        raise ValueError(f'{where}: "path" must be a string')
    message = item.get("message", "")
    if not isinstance(message, str):
        raise ValueError(f'{where}: "message" must be a string')
    methods = _names(item.get("methods"), f'{where}: "methods"')
    return Rule(
        action=_action(item["action"], f'{where}: "action"'),
        methods=frozenset(m.upper() for m in methods) if methods is not None else None,
        path=path,
        users=_names(item.get("users"), f'{where}: "users"'),
        message=message,
    )


def _action(value: Any, where: str) -> str:
    if value not in ("allow", "deny"):
        raise ValueError(f'{where} must be "allow" or "deny", not {value!r}')
    return str(value)


def _names(value: Any, where: str) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where} must be a list of strings")
    return frozenset(value)


class AuthorizationMiddleware:
    """Applies the current policy to each request of a routed path.

    dockerd runs its authorization middleware outside the version check and
    skips it for unknown paths, which get their 404 before any middleware.
    ``policy`` may be replaced while the daemon runs (a configuration reload).
    """

    def __init__(self, app: APIApp, policy: Policy | None = None) -> None:
        self.app = app
        self.policy = policy
        self.denied = 0

    def __call__(self, request: Request, call_next: Dispatch) -> Response:
        """Deny ``request`` with 403 or pass it to ``call_next``."""
        policy = self.policy
        if policy is None or not self._routed(request):
            return call_next(request)
        user = str(request.environ.get(PEER_NAME_KEY, ""))
        decision = policy.decide(request.method, request.path, user)
        if decision.allowed:
            return call_next(request)
        self.denied += 1
        logger.info(
            "authorization denied %s %s for %r by policy %s: %s",
            request.method,
            request.path,
            user,
            policy.name,
            decision.message,
        )
        message = f"authorization denied by plugin {policy.name}: {decision.message}"
        return Response(
            dump_line({"message": message}),
            status=403,
            content_type="application/json",
        )

    def _routed(self, request: Request) -> bool:
        if request.method == "OPTIONS" or request.path in self.app.unversioned_routes:
            return True
        adapter = self.app.url_map.bind_to_environ(request.environ)
        return bool(adapter.test(request.path, request.method))
