"""Replay a scenario against a daemon, keeping the recorded dependencies."""

from __future__ import annotations

import functools
import logging
import threading
import time

from contracts.exchange.model import Exchange, Scenario
from fakedaemon.server.listeners import Address

from .client import Replay, ReplayError, Timeouts, replay_exchange
from .ids import IdMap

logger = logging.getLogger("contracts")


def _dependencies_met(
    replays: list[Replay], index: int, timeout: float, at: float | None = None
) -> None:
    """Wait until every exchange the recording saw progress before ours has.

    An exchange that had finished before this request started (or before
    ``at``, a later moment of this exchange) must finish again first; one
    that had only received its response head (an attach, a wait, a stream)
    must have received it again.
    """
    started = replays[index].recorded.started if at is None else at
    deadline = time.monotonic() + timeout
    for position, earlier in enumerate(replays):
        if position == index or (at is None and position > index):
            continue
        recorded = earlier.recorded
        remaining = max(0.0, deadline - time.monotonic())
        if recorded.finished is not None and recorded.finished <= started:
            earlier.finished.wait(remaining)
        elif recorded.responded is not None and recorded.responded <= started:
            earlier.responded.wait(remaining)


# A recorded client that waited this long between its requests meant to
# let the daemon's time pass (a container's command runs on), so the replay
# waits as long, up to the cap. Shorter gaps are the client's own work.
PAUSE_THRESHOLD = 0.2
PAUSE_CAP = 2.0


def _client_pause(replays: list[Replay], index: int) -> float:
    """Return how long the recorded client waited before this request."""
    started = replays[index].recorded.started
    finished = [
        replay.recorded.finished
        for replay in replays[:index]
        if replay.recorded.finished is not None and replay.recorded.finished <= started
    ]
    if not finished:
        return 0.0
    pause = started - max(finished)
    return min(pause, PAUSE_CAP) if pause >= PAUSE_THRESHOLD else 0.0


def replay_scenario(
    scenario: Scenario,
    address: Address,
    timeouts: Timeouts | None = None,
    ids: IdMap | None = None,
) -> list[Replay]:
    """Send every recorded request of ``scenario`` to ``address``.

    Requests go out in recorded order, each on its own connection and
    thread, once the exchanges it depended on have progressed as far as
    they had in the recording, and after any pause the client made there.
    Ids learned from earlier responses replace the recorded ids in later
    requests. Pass ``ids`` to keep the pairs.
    """
    timeouts = timeouts or Timeouts()
    ids = ids if ids is not None else IdMap()
    origin = time.monotonic()
    replays = [
        Replay(recorded=exchange, request=exchange.request)
        for exchange in scenario.exchanges
        if exchange.request.method and exchange.response is not None
    ]
    threads: list[threading.Thread] = []

    def run(replay: Replay) -> None:
        try:
            replay.result = replay_exchange(address, replay, origin, timeouts)
            ids.learn(replay.recorded, replay.result)
        except ReplayError as error:
            replay.error = str(error)
            logger.debug("exchange %d: %s", replay.recorded.seq, error)
        finally:
            replay.responded.set()
            replay.finished.set()

    for index, replay in enumerate(replays):
        _dependencies_met(replays, index, timeouts.response)
        time.sleep(_client_pause(replays, index))
        replay.request = ids.rewrite(replay.recorded.request)
        closed = replay.recorded.client_closed
        if closed is not None:
            replay.close_after = functools.partial(
                _dependencies_met, replays, index, timeouts.response, closed
            )
        thread = threading.Thread(
            target=run, args=(replay,), name=f"replay-{replay.recorded.seq}"
        )
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join(timeouts.response + timeouts.hijack_output)
    return replays


def exchanges_of(replays: list[Replay]) -> list[tuple[Exchange, Exchange | None]]:
    """Return each recorded exchange with its replayed counterpart."""
    return [(replay.recorded, replay.result) for replay in replays]
