"""The recorded exchange format: requests, responses, streams, hijacked bytes.

One scenario is one JSON Lines file: a header line naming the format and
describing the recording, then one exchange per line in the order the
requests started. docs/contracts.md describes every field::

    scenario = read_scenario(Path("contracts/recorded/e20/v1.41/ping.jsonl"))
    for exchange in scenario.exchanges:
        print(exchange.request.method, exchange.request.target)
"""

from __future__ import annotations

from contracts.exchange.files import ScenarioWriter as ScenarioWriter
from contracts.exchange.files import dumps_scenario as dumps_scenario
from contracts.exchange.files import find_scenarios as find_scenarios
from contracts.exchange.files import loads_scenario as loads_scenario
from contracts.exchange.files import read_scenario as read_scenario
from contracts.exchange.files import write_scenario as write_scenario
from contracts.exchange.model import CLIENT as CLIENT
from contracts.exchange.model import DAEMON as DAEMON
from contracts.exchange.model import Body as Body
from contracts.exchange.model import Exchange as Exchange
from contracts.exchange.model import FormatError as FormatError
from contracts.exchange.model import HijackEvent as HijackEvent
from contracts.exchange.model import Request as Request
from contracts.exchange.model import Response as Response
from contracts.exchange.model import Scenario as Scenario
from contracts.exchange.normalize import IdNumbering as IdNumbering
from contracts.exchange.normalize import Normalizer as Normalizer
from contracts.exchange.streams import decode_output as decode_output
from contracts.exchange.streams import decode_records as decode_records
from contracts.exchange.streams import encode_frame as encode_frame

__all__ = [
    "CLIENT",
    "DAEMON",
    "Body",
    "Exchange",
    "FormatError",
    "HijackEvent",
    "IdNumbering",
    "Normalizer",
    "Request",
    "Response",
    "Scenario",
    "ScenarioWriter",
    "decode_output",
    "decode_records",
    "dumps_scenario",
    "encode_frame",
    "find_scenarios",
    "loads_scenario",
    "read_scenario",
    "write_scenario",
]
