"""Property campaigns that check a Docker client against a faulty fake daemon.

A campaign starts a fake daemon, makes it fail in ways drawn from
:mod:`harness.strategies`, and compares what the client reports with the
Go client's rules in :mod:`harness.fuzz.reference`::

    from harness.fuzz import load_adapter, run_campaign

    report = run_campaign(load_adapter("docker-py"), "errors", examples=50)
    print(report.format())
"""

from __future__ import annotations

from harness.fuzz.adapters import CallableAdapter as CallableAdapter
from harness.fuzz.adapters import ClientAdapter as ClientAdapter
from harness.fuzz.adapters import Outcome as Outcome
from harness.fuzz.adapters import Step as Step
from harness.fuzz.adapters import load_adapter as load_adapter
from harness.fuzz.campaigns import CAMPAIGNS as CAMPAIGNS
from harness.fuzz.campaigns import CampaignReport as CampaignReport
from harness.fuzz.campaigns import run_campaign as run_campaign
from harness.fuzz.runner import Failure as Failure

__all__ = [
    "CAMPAIGNS",
    "CallableAdapter",
    "CampaignReport",
    "ClientAdapter",
    "Failure",
    "Outcome",
    "Step",
    "load_adapter",
    "run_campaign",
]
