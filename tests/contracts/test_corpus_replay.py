"""The recorded corpus: the fake reproduces it, and the Engines still match it.

The fake replays each Engine's corpus under the matching profile and rig.
The same replay against a real Engine of that release checks the corpus for
drift. When an Engine no longer responds as recorded, the corpus needs
recording again, not the fake a fix. docs/differences.md lists every exchange the
fake does not reproduce, with its reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from contracts.verify import ExchangeResult, format_table, verify_recordings
from fakedaemon import Daemon
from fakedaemon.config import DaemonConfig
from fakedaemon.server.listeners import parse_address

CORPUS = Path(__file__).resolve().parents[2] / "contracts" / "recorded"
RELEASES = sorted(path.name for path in CORPUS.iterdir() if path.is_dir())
# The share of each Engine's exchanges the fake must reproduce.
TARGET = 0.95
# A real Engine misses only the exchanges that race on it and those that see
# the network a replayed swarm leaves behind. Races: an exec inspected while
# its start still streams, a swarm task's version index. More misses mean
# the corpus drifted.
DRIFT_TARGET = 0.97


def rate(results: list[ExchangeResult]) -> float:
    return sum(result.passed for result in results) / len(results)


def flatten(results: dict[str, list[ExchangeResult]]) -> list[ExchangeResult]:
    return [result for group in results.values() for result in group]


@pytest.fixture(scope="module", params=RELEASES)
def replayed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, list[ExchangeResult]]]:
    """Each Engine's corpus replayed against a fake of that release and rig."""
    release: str = request.param
    socket_path = tmp_path_factory.mktemp("corpus") / "docker.sock"
    config = DaemonConfig(engine=release, offline=True, rig="real-dockerd")
    with Daemon(config, hosts=[f"unix://{socket_path}"]) as daemon:
        results = verify_recordings(CORPUS / release, parse_address(daemon.docker_host))
    yield release, flatten(results)


@pytest.mark.timeout(600)
def test_fake_reproduces_corpus(replayed: tuple[str, list[ExchangeResult]]) -> None:
    release, results = replayed
    failed = [
        f"{r.scenario} #{r.seq}: {r.first_problem()}" for r in results if not r.passed
    ]
    assert rate(results) >= TARGET, f"Engine {release}:\n" + "\n".join(failed)


def real_engines() -> dict[str, str]:
    """Map the release of each real Engine the tests may use to its host.

    $FAKEDAEMON_REAL_ENGINES lists ``unix://`` hosts separated by commas;
    without it, $FAKEDAEMON_REAL_ENGINE names the only one.
    """
    listed = os.environ.get("FAKEDAEMON_REAL_ENGINES") or os.environ.get(
        "FAKEDAEMON_REAL_ENGINE", ""
    )
    found: dict[str, str] = {}
    for host in filter(None, listed.split(",")):
        socket_path = host.strip().removeprefix("unix://")
        transport = httpx.HTTPTransport(uds=socket_path)
        with httpx.Client(transport=transport, base_url="http://docker") as client:
            version = str(client.get("/version").json()["Version"])
        found[".".join(version.split(".")[:2])] = host.strip()
    return found


@pytest.mark.timeout(600)
@pytest.mark.parametrize("release", RELEASES)
def test_corpus_matches_engine(
    release: str,
    require: Callable[[str], None],
    capsys: pytest.CaptureFixture[str],
) -> None:
    host = real_engines().get(release)
    if host is None:
        require(
            f"no Engine {release} among FAKEDAEMON_REAL_ENGINES (unix:// hosts "
            "separated by commas) or FAKEDAEMON_REAL_ENGINE"
        )
        return
    results = flatten(verify_recordings(CORPUS / release, parse_address(host)))
    with capsys.disabled():
        print(f"\nEngine {release} at {host} against its recorded corpus:")
        print(format_table(results))
    assert rate(results) >= DRIFT_TARGET
