"""``emobatch estimate MODE``: what a mode will cost, before anything is submitted.

The numbers come from :func:`emobatch.operations.estimate_report.estimate_for_mode`: the
pipeline's ``estimate.json`` when it exists, else the same estimate computed from the request
chunks (built, if need be, into a temporary folder with the rules' own stage functions). The
command writes nothing under ``results/`` and submits nothing. It prints posts, requests,
chunks, tokens and USD at batch, flex and interactive prices, whether the estimate fits
``budget_usd`` (exit code 1 when it does not), and, once the mode's dataset exists, how many
posts are coded already and what a re-run would pay.
"""

from __future__ import annotations

from typing import Any

import click

from emobatch.cli.common import (
    CliError,
    Project,
    console,
    count,
    emit_json,
    json_option,
    new_table,
    project_command,
    usd,
)
from emobatch.config import MODES
from emobatch.operations.estimate_report import estimate_for_mode


@click.command(name="estimate")
@click.argument("mode", type=click.Choice(MODES))
@click.option(
    "--rebuild",
    is_flag=True,
    help="Ignore the pipeline's estimate and chunks; select and build the requests again in a "
    "temporary folder (picks up changed posts).",
)
@json_option
@project_command
def estimate(project: Project, mode: str, rebuild: bool, as_json: bool) -> None:
    """Posts, requests, tokens and USD (batch vs interactive) of MODE, before submitting."""
    data = estimate_for_mode(project.settings, mode, rebuild=rebuild)
    if as_json:
        emit_json(data)
    else:
        print_estimate(data)
    if data["within_budget"] is False:
        raise CliError(data["budget_message"] or "above budget")


SOURCES = {
    "estimate_file": "from {file} (written by the pipeline)",
    "chunks": "computed from the pipeline's request chunks (its estimate step has not run yet)",
    "built": "computed from a selection and requests built in a temporary folder (nothing "
    "under results/ was written)",
}


def print_estimate(d: dict[str, Any]) -> None:
    posts = d["posts"]
    table = new_table(
        f"estimate for {d['mode']} (analysis {d['analysis_id']}, model {d['model']})",
        show_header=False,
    )
    table.add_column("what")
    table.add_column("value", justify="right")
    table.add_column("note")
    table.add_row(
        "posts",
        count(posts.get("selected")),
        f"of {count(posts.get('population'))} in the input; "
        f"{count(posts.get('already_analysed'))} already coded (not paid again)",
    )
    table.add_row("requests", count(d["requests"]), f"in {d['chunks']} chunk(s)")
    ratio = d.get("token_ratio_applied") or 1.0
    table.add_row(
        "input tokens",
        count(d["input_tokens"]),
        "emobatch heuristic"
        + (f" x {ratio:.3f} (provider's countTokens on a sample)" if ratio != 1.0 else ""),
    )
    table.add_row("output tokens", count(d["output_tokens"]), "typical full answer per post")
    table.add_row(
        "thinking tokens", count(d["thinking_tokens"]), "per the model's thinking setting as sent"
    )
    table.add_row("USD, batch", usd(d["usd_batch"]), f"prices of {d.get('prices_taken_on')}")
    table.add_row("USD, flex", usd(d.get("usd_flex")), "synchronous Flex tier, batch price")
    table.add_row("USD, interactive", usd(d["usd_interactive"]), "the same calls without batch")
    table.add_row("saving", usd(d["usd_saving"]), "batch mode is 50 % of interactive")
    if d.get("usd_per_1000_posts") is not None:
        table.add_row("USD / 1,000 posts", usd(d["usd_per_1000_posts"]), "batch, as configured")
    for name, value in (d.get("usd_per_1000_posts_variants") or {}).items():
        table.add_row(f"  {name}", usd(value), "batch, per 1,000 posts (`emobatch models`)")
    budget = d.get("budget_usd")
    table.add_row(
        "budget_usd",
        "-" if budget is None else usd(budget),
        {None: "no cap", True: "within budget", False: "ABOVE BUDGET (see below)"}[
            d["within_budget"]
        ],
    )
    coded, rerun = d.get("coded"), d.get("rerun")
    if coded and rerun:
        table.add_row(
            "already coded",
            count(coded["ok"]),
            f"of {count(coded['selected'])} selected posts, in {coded['dataset']}",
        )
        table.add_row(
            "a re-run pays",
            usd(rerun["usd_batch"]),
            "nothing: every selected post is coded"
            if not coded["not_coded"]
            else f"{count(rerun['requests'])} request(s) in {rerun['chunks']} chunk(s) not "
            f"submitted yet; {count(coded['not_coded'])} post(s) not coded",
        )
    console().print(table)
    if d["requests"] == 0:
        click.echo("nothing to submit: every selected post was coded before under this analysis")
    click.echo(SOURCES[d["source"]].format(file=d.get("estimate_file")))
