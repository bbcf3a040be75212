"""Compare a replayed exchange with its recording, after normalisation."""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass
from typing import Any

from contracts.exchange.model import CLIENT, DAEMON, Exchange, Request, Response
from contracts.exchange.normalize import LONG_ID, Normalizer, normalize_server
from contracts.exchange.streams import (
    OUTPUT_TYPES,
    decode_output,
    merge_output,
    split_frames,
)

from .ordering import in_stable_order

# Headers whose values are part of the contract; Date, Content-Length and
# the like vary with the run or the body and are left out.
COMPARED_HEADERS = (
    "content-type",
    "api-version",
    "docker-experimental",
    "ostype",
    "server",
    "builder-version",
    "swarm",
)
# The replay sends each request on its own connection, so connection
# management headers are compared only where they are the contract: the
# 101 answer of a hijack.
UPGRADE_HEADERS = ("upgrade", "connection")


@dataclass(frozen=True, slots=True)
class Difference:
    """One place where the target's exchange differs from the recording."""

    path: str
    expected: Any
    actual: Any

    def describe(self) -> str:
        """Return the difference as one line of text."""
        expected, actual = _short(self.expected), _short(self.actual)
        return f"{self.path}: expected {expected}, got {actual}"


def _short(value: Any, limit: int = 120) -> str:
    text = json.dumps(value, ensure_ascii=False) if value is not _MISSING else "nothing"
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


def view(exchange: Exchange, normalizer: Normalizer) -> dict[str, Any]:
    """Return the normalised, comparable form of an exchange's answer.

    The request is normalised first (and dropped), so placeholders are
    numbered the same way on both sides.
    """
    normalizer.text(exchange.request.target)
    if exchange.request.body is not None:
        normalizer.text(exchange.request.body.data.decode("utf-8", "replace"))
    response = exchange.response
    if response is None:
        return {"status": None}
    result: dict[str, Any] = {
        "status": response.status,
        "headers": _headers(response, normalizer),
    }
    if response.status == 101:
        result["reason"] = response.reason
    result["body"] = _body(response, normalizer, exchange.request)
    if exchange.hijack is not None:
        result["hijack"] = _hijack(exchange, response, normalizer)
    return result


def _headers(response: Response, normalizer: Normalizer) -> dict[str, str]:
    headers: dict[str, str] = {}
    names: tuple[str, ...] = COMPARED_HEADERS
    if response.status == 101:
        names += UPGRADE_HEADERS
    for name in names:
        value = response.header(name)
        if value is None:
            continue
        if name == "server" and normalizer.versions:
            value = normalize_server(value)
        headers[name] = value
    return headers


def _text(data: bytes, normalizer: Normalizer) -> str:
    return normalizer.text(data.decode("utf-8", "replace"))


def _body(response: Response, normalizer: Normalizer, request: Request) -> Any:
    payload = response.payload
    kind = response.content_type
    # Go's HTTP server sends a body larger than its write buffer chunked, so
    # chunking alone does not make a stream: a single document compares as one.
    if kind == "application/json" and payload:
        try:
            document = in_stable_order(request, json.loads(payload))
        except ValueError:
            pass
        else:
            normalizer.learn_names(document)
            return {"json": normalizer.value(document)}
    if response.records is not None and kind not in OUTPUT_TYPES:
        records = []
        for record in response.records:
            if "json" in record:
                normalizer.learn_names(record["json"])
                records.append(normalizer.value(record["json"]))
            else:
                records.append({"text": normalizer.text(str(record.get("text", "")))})
        return {"records": records}
    # Engine 20.10 sends logs without a Content-Type; framed output is
    # recognised by its headers.
    if kind in OUTPUT_TYPES or (not kind and split_frames(payload)):
        merged = merge_output(decode_output(payload))
        output = {name: _text(data, normalizer) for name, data in merged.items()}
        return {"output": output}
    if not payload:
        return None
    if kind == "application/json":
        try:
            document = json.loads(payload)
        except ValueError:
            return {"text": _text(payload, normalizer)}
        normalizer.learn_names(document)
        return {"json": normalizer.value(document)}
    if kind == "application/x-tar":
        return {"tar": _tar_members(payload)}
    try:
        return {"text": normalizer.text(payload.decode("utf-8"))}
    except UnicodeDecodeError:
        return {"bytes": len(payload)}


def _tar_members(payload: bytes) -> Any:
    """List an archive's members by name and type; times and owners vary.

    Ids in member names (the image and layer folders of ``docker save``)
    become ``<id>``, and the list is sorted: dockerd writes members in the
    lexical order of their names, which for ids is a matter of chance.
    """
    try:
        with tarfile.open(fileobj=io.BytesIO(payload)) as archive:
            members = [
                [LONG_ID.sub("<id>", member.name), member.type.decode()]
                for member in archive
            ]
    except tarfile.TarError as error:
        return {"invalid": str(error)}
    return sorted(members)


def _hijack(exchange: Exchange, response: Response, normalizer: Normalizer) -> Any:
    output = exchange.hijacked_bytes(DAEMON)
    if response.content_type in OUTPUT_TYPES or response.status == 101:
        merged = merge_output(decode_output(output))
    else:
        merged = {"raw": output}
    return {
        "output": {name: _text(data, normalizer) for name, data in merged.items()},
        "input": _text(exchange.hijacked_bytes(CLIENT), normalizer),
    }


def diff(expected: Any, actual: Any, path: str = "") -> list[Difference]:
    """Return every difference between two normalised values, depth first."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found: list[Difference] = []
        for key in expected:
            where = f"{path}/{key}"
            if key not in actual:
                found.append(Difference(where, expected[key], _MISSING))
            else:
                found.extend(diff(expected[key], actual[key], where))
        for key in actual:
            if key not in expected:
                found.append(Difference(f"{path}/{key}", _MISSING, actual[key]))
        return found
    if isinstance(expected, list) and isinstance(actual, list):
        found = []
        if len(expected) != len(actual):
            found.append(Difference(f"{path}/length", len(expected), len(actual)))
        for index, (left, right) in enumerate(zip(expected, actual, strict=False)):
            found.extend(diff(left, right, f"{path}/{index}"))
        return found
    if type(expected) is not type(actual) or expected != actual:
        return [Difference(path or "/", expected, actual)]
    return []


def compare(
    recorded: Exchange,
    target: Exchange,
    expected_normalizer: Normalizer,
    actual_normalizer: Normalizer,
) -> list[Difference]:
    """Return the differences between a recorded exchange and its replay."""
    expected = view(recorded, expected_normalizer)
    actual = view(target, actual_normalizer)
    return diff(expected, actual)
