"""``emobatch estimate MODE``: what a mode will cost, before anything is submitted.

If the mode's requests were not built yet (no ``results/<mode>/<analysis>/estimate.json``), the
command builds them with Snakemake itself, ``snakemake --cores 1
results/<mode>/<analysis>/estimate.json`` (filter, requests checkpoint, estimate), so Snakemake's
metadata stays consistent and nothing is uploaded. (``results/<mode>.parquet --until
requests_estimate`` does not work on a fresh project: before the requests checkpoint has run,
the estimate step is not yet part of the graph, so ``--until`` selects nothing.) It then
prints posts, requests, chunks, tokens and USD at batch and at interactive prices, and whether
the estimate fits ``budget_usd``. When the estimate is above the budget the pipeline's estimate
step refuses to write ``estimate.json``; the command then computes the same estimate from the
chunks itself (writing nothing), shows it, and exits 1.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
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
from emobatch.errors import BudgetExceeded


def default_snakefile(root: Path) -> Path | None:
    """The project's own Snakefile, else the one of the installed emobatch checkout."""
    import emobatch

    for candidate in (
        root / "Snakefile",
        root / "workflow" / "Snakefile",
        Path(emobatch.__file__).resolve().parents[2] / "Snakefile",
    ):
        if candidate.is_file():
            return candidate
    return None


def build_requests(project: Project, target: Path, snakefile: Path, cores: int) -> None:
    """Run Snakemake for the estimate file (filter, requests, estimate; no upload)."""
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(snakefile),
        "--directory",
        str(project.root),
        "--cores",
        str(cores),
        str(target),
    ]
    if project.config_file != Path("config/config.yaml"):
        cmd += ["--configfile", str(project.config_file)]
    click.echo(f"building the requests (submits nothing): snakemake {' '.join(cmd[3:])}", err=True)
    proc = subprocess.run(cmd, cwd=project.root, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SnakemakeFailed(proc.stdout + proc.stderr)


class SnakemakeFailed(Exception):
    def __init__(self, output: str) -> None:
        super().__init__("snakemake failed")
        self.output = output

    def reason(self) -> str:
        keep = [
            line.strip()
            for line in self.output.splitlines()
            if any(w in line for w in ("ERROR", "Error", "error:", "next step"))
        ]
        return "\n  ".join(keep[-8:]) or self.output.strip()[-1500:]


def _estimate_from_chunks(project: Project, mode: str, run: Path) -> dict[str, Any] | None:
    from emobatch.estimate import estimate_run

    chunks = sorted((run / "chunks").glob("chunk-*.jsonl"))
    if not (run / "chunks").is_dir():
        return None
    from emobatch.analysis import analysis_for

    return estimate_run(chunks, analysis=analysis_for(project.settings), mode=mode)


def _budget(estimate: dict[str, Any], budget: float | None) -> tuple[bool | None, str | None]:
    from emobatch.estimate import check_budget

    try:
        check_budget(estimate, budget)
    except BudgetExceeded as exc:
        return False, str(exc)
    return (None if budget is None else True), None


@click.command(name="estimate")
@click.argument("mode", type=click.Choice(MODES))
@click.option(
    "--rebuild",
    is_flag=True,
    help="Run snakemake even if estimate.json exists (picks up changed posts).",
)
@click.option(
    "--snakefile",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="The workflow (default: the project's Snakefile, else emobatch's own).",
)
@click.option("--cores", default=1, show_default=True, help="Cores for snakemake.")
@json_option
@project_command
def estimate(
    project: Project, mode: str, rebuild: bool, snakefile: Path | None, cores: int, as_json: bool
) -> None:
    """Posts, requests, tokens and USD (batch vs interactive) of MODE, before submitting."""
    from emobatch import atomic
    from emobatch.analysis import analysis_for

    analysis = analysis_for(project.settings).id
    run = Path("results") / mode / analysis
    path = run / "estimate.json"
    built = False
    estimate_data: dict[str, Any] | None = None
    if rebuild or not path.exists():
        snakefile = snakefile or default_snakefile(project.root)
        if snakefile is None:
            raise CliError(
                "no Snakefile in the project folder, and emobatch's own was not found",
                hint="pass --snakefile PATH",
            )
        try:
            build_requests(project, path, snakefile.resolve(), cores)
            built = True
        except SnakemakeFailed as exc:
            estimate_data = _estimate_from_chunks(project, mode, run)
            if estimate_data is None or "budget_usd" not in exc.output:
                raise CliError(
                    f"snakemake could not build the requests of {mode}:\n  {exc.reason()}",
                    hint=f"see logs/{mode}/{analysis}/*.log and logs/analysis.log",
                ) from None
    if estimate_data is None:
        estimate_data = atomic.read_json(path)
    report_path = run / "filter" / "report.json"
    report = atomic.read_json(report_path) if report_path.exists() else {}
    within, message = _budget(estimate_data, project.settings.budget_usd)
    if within is False and path.exists():
        message = (
            f"{message}\n  note: the pipeline checks budget_usd when it writes {path}; "
            "that file exists already, so the next run would NOT stop. Delete it (rm "
            f"{path}) to have the next run check the budget again"
        )
    data = {
        **estimate_data,
        "estimate_file": str(path) if path.exists() else None,
        "built_now": built,
        "budget_usd": project.settings.budget_usd,
        "within_budget": within,
        "budget_message": message,
        "posts": {
            k: report.get(k)
            for k in ("population", "selected", "already_analysed", "to_submit", "dropped_total")
        },
    }
    if as_json:
        emit_json(data)
    else:
        print_estimate(data)
    if within is False:
        raise CliError(message or "above budget")


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
    table.add_row("output tokens", count(d["output_tokens"]), "typical full answer per request")
    table.add_row(
        "thinking tokens", count(d["thinking_tokens"]), "per the model's thinking setting as sent"
    )
    table.add_row("USD, batch", usd(d["usd_batch"]), f"prices of {d.get('prices_taken_on')}")
    table.add_row("USD, flex", usd(d.get("usd_flex")), "synchronous Flex tier, batch price")
    table.add_row("USD, interactive", usd(d["usd_interactive"]), "the same calls without batch")
    table.add_row("saving", usd(d["usd_saving"]), "batch mode is 50 % of interactive")
    budget = d.get("budget_usd")
    table.add_row(
        "budget_usd",
        "-" if budget is None else usd(budget),
        {None: "no cap", True: "within budget", False: "ABOVE BUDGET (see below)"}[
            d["within_budget"]
        ],
    )
    console().print(table)
    if d["requests"] == 0:
        click.echo("nothing to submit: every selected post was coded before under this analysis")
    if d.get("estimate_file"):
        click.echo(f"from {d['estimate_file']}" + (" (built now)" if d["built_now"] else ""))
