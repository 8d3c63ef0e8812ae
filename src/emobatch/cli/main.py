"""The ``emobatch`` command: one group, one sub-group per noun."""

from __future__ import annotations

import click

from emobatch.cli.costs import costs
from emobatch.cli.emulator import emulator
from emobatch.cli.estimate import estimate
from emobatch.cli.jobs import jobs
from emobatch.cli.ledger import ledger
from emobatch.cli.models import models
from emobatch.cli.monitor import monitor


@click.group(name="emobatch")
def main() -> None:
    """Reproducible, money-safe emotion coding of social-media posts with Gemini Batch Mode."""


main.add_command(emulator)
main.add_command(jobs)
main.add_command(monitor)
main.add_command(estimate)
main.add_command(costs)
main.add_command(ledger)
main.add_command(models)

if __name__ == "__main__":
    main()
