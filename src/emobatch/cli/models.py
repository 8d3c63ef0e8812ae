"""``emobatch models``: the model catalogue, with status, shutdown dates and USD per 1,000 posts."""

from __future__ import annotations

from typing import Any

import click

from emobatch.cli.common import Project, console, emit_json, json_option, new_table, project_command


def _thinking(row: dict[str, Any]) -> str:
    sent = row["thinking_sent"]
    if "thinkingLevel" in sent:
        return f"level {sent['thinkingLevel']}"
    if "thinkingBudget" in sent:
        return f"budget {sent['thinkingBudget']}"
    return "-"


def _variants_table(data: dict[str, Any]) -> Any:
    """USD per 1,000 posts at batch prices: as configured, packed and lean."""
    names = list(data["variants"])
    table = new_table(
        f"USD per 1,000 posts at batch prices: as configured "
        f"({data['posts_per_request']} post(s) per request), packed N to a request "
        "(packed_N) and lean (lean: rationale.max_words: 0, wire_keys: compact)"
    )
    table.add_column("model", justify="left")
    for col in ("configured", *names):
        table.add_column(col, justify="right")
    for row in data["models"]:
        variants = row["usd_per_1000_posts_variants"]
        table.add_row(
            row["model"],
            f"${row['usd_per_1000_posts']['batch']:,.4f}",
            *(f"${variants[n]:,.4f}" for n in names),
        )
    return table


@click.command(name="models")
@json_option
@project_command
def models(project: Project, as_json: bool) -> None:
    """Every catalogue model: status, shutdown, thinking as sent, USD per 1,000 posts."""
    from emobatch.model_costs import catalogue_table

    data = catalogue_table(project.settings)
    if as_json:
        emit_json(data)
        return
    tokens = data["per_post_tokens"]
    table = new_table(
        f"Gemini models (catalogue read {data['catalogue_read_on']}); USD per 1,000 posts of "
        f"the current codebook: ~{tokens['input']:,} input + ~{tokens['output']:,} output tokens "
        "per post"
    )
    for col, just in (
        ("model", "left"),
        ("status", "left"),
        ("shutdown", "left"),
        ("thinking sent", "left"),
        ("batch", "right"),
        ("flex", "right"),
        ("interactive", "right"),
        ("prices of", "left"),
    ):
        table.add_column(col, justify=just)
    for row in data["models"]:
        usd = row["usd_per_1000_posts"]
        mark = " *" if row["model"] == data["configured_model"] else ""
        table.add_row(
            row["model"] + mark,
            row["status"].replace("_", " "),
            row["shutdown"] or "-",
            _thinking(row),
            f"${usd['batch']:,.4f}",
            f"${usd['flex']:,.4f}",
            f"${usd['interactive']:,.4f}",
            row["prices_taken_on"],
        )
    out = console()
    out.print(table)
    out.print(_variants_table(data))
    out.print(
        f"* configured (batch.model_name). Default rule: {data['default_rule']} -> "
        f"{data['default_model']}. Mean post length: {tokens['measured_on']}. "
        "Thinking tokens are billed as output; facts and sources: src/emobatch/data/models.yaml"
    )
