"""``fakedaemon fuzz``: run a property campaign against a Docker client."""

from __future__ import annotations

import argparse
import logging
import sys

logger = logging.getLogger("fakedaemon")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fuzz`` subcommand."""
    fuzz = commands.add_parser(
        "fuzz",
        help="fuzz a Docker client against a faulty fake daemon",
        description="Start a fake daemon, inject faults drawn from hypothesis "
        "strategies, and compare what the client reports with the Docker Go "
        "client's rules. Prints the shrunk failing examples; exits 1 when a "
        "property fails.",
    )
    fuzz.add_argument(
        "--client",
        default="harness",
        metavar="NAME",
        help="harness, docker-py, or module:callable naming an adapter "
        "(default: harness)",
    )
    fuzz.add_argument(
        "--campaign",
        action="append",
        choices=("errors", "negotiation", "streams", "contracts"),
        help="the campaign to run; repeat for several (default: errors, "
        "negotiation and streams; contracts replays the recorded corpus to "
        "harness or docker-py only)",
    )
    fuzz.add_argument(
        "--examples",
        type=int,
        default=50,
        metavar="N",
        help="examples per property (default 50)",
    )
    fuzz.add_argument(
        "--seed", type=int, default=0, metavar="S", help="hypothesis seed (default 0)"
    )
    fuzz.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds the client may wait for a response (default 10)",
    )
    fuzz.add_argument("-v", "--verbose", action="store_true", help="log each failure")
    fuzz.set_defaults(run=fuzz_command)


def fuzz_command(arguments: argparse.Namespace) -> int:
    """Run the chosen campaigns; return 0 when every property held."""
    from harness.fuzz import CAMPAIGNS, load_adapter, run_campaign

    logging.basicConfig(
        level=logging.INFO if arguments.verbose else logging.WARNING,
        format="%(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if arguments.examples < 1:
        logger.error("invalid --examples %d: use 1 or more", arguments.examples)
        return 2
    try:
        adapter = load_adapter(arguments.client)
    except (ValueError, ImportError, AttributeError) as error:
        logger.error("cannot load client %s: %s", arguments.client, error)
        return 2
    passed = True
    for campaign in arguments.campaign or CAMPAIGNS:
        if campaign == "contracts":
            from harness.fuzz.replay import run_contract_campaign

            try:
                report = run_contract_campaign(
                    arguments.client,
                    examples=arguments.examples,
                    seed=arguments.seed,
                    timeout=arguments.timeout,
                )
            except ValueError as error:
                logger.error("cannot run the contracts campaign: %s", error)
                return 2
        else:
            report = run_campaign(
                adapter,
                campaign,
                examples=arguments.examples,
                seed=arguments.seed,
                timeout=arguments.timeout,
            )
        print(report.format())
        passed = passed and report.passed
    return 0 if passed else 1
