"""`emobatch estimate` and `emobatch costs`; the budget cap stops a run before any upload."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from tests.cli.conftest import cli, cli_json
from tests.e2e.conftest import Project

# the session's `built` project is built once per xdist worker: keep its users on one
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cli")]


def test_estimate_is_within_10_percent_of_the_actual_cost(built: Project) -> None:
    estimate = json.loads(
        next(built.root.glob("results/pilot/a*/estimate.json")).read_text("utf-8")
    )
    summary = json.loads(built.path("results", "pilot.summary.json").read_text("utf-8"))
    est, actual = estimate["usd_batch"], summary["cost_usd_batch"]
    print(
        f"pilot: estimated ${est:.6f}, actual ${actual:.6f} ({100 * (actual - est) / est:+.1f} %)"
        f"; input tokens {estimate['input_tokens']} vs {summary['tokens_this_run']['prompt']},"
        f" output {estimate['output_tokens']} vs {summary['tokens_this_run']['output']}"
    )
    assert actual == pytest.approx(est, rel=0.10)
    assert estimate["input_tokens"] == summary["tokens_this_run"]["prompt"]  # same tokenizer

    report = cli_json(built, "costs", "--mode", "pilot")
    (run,) = report["runs"]
    assert run["actual_usd_batch"] == pytest.approx(actual, abs=1e-6)
    assert run["summary_cost_usd_batch"] == actual
    assert run["estimated_usd_batch"] == est and abs(run["actual_vs_estimate_pct"]) <= 10
    assert run["saving_usd"] == pytest.approx(
        run["actual_usd_interactive_equivalent"] - actual, abs=1e-6
    )
    assert report["jobs"][0]["actual_usd"] == pytest.approx(actual, abs=1e-6)
    text = cli(built, "costs")
    assert text.exit_code == 0 and "pilot" in text.stdout and "sampling" in text.stdout
    assert "no money was spent" in text.stdout


def results_tree(project: Project) -> dict[str, int]:
    """Every file under results/ with its modification time (to see that nothing changed)."""
    root = project.path("results")
    return {str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*")}


def test_budget_cap_stops_before_any_upload_then_estimate_shows_the_numbers(
    project_copy: Project,
) -> None:
    # full: 25 posts not coded yet (5 are in the history from pilot)
    stopped = project_copy.snakemake(
        "results/full.parquet", "--config", "budget_usd=0.000001", check=False
    )
    assert stopped.returncode != 0
    out = stopped.stdout + stopped.stderr
    assert re.search(
        r"the estimated cost of full is \$0\.0\d+ at batch prices \(25 requests, "
        r"[\d,]+ input and ~[\d,]+ output tokens on [\w.-]+\), above "
        r"budget_usd = \$0\.0000\. Nothing was uploaded or submitted\.",
        out,
    ), out
    assert not any(r.get("mode") == "full" for r in project_copy.ledger_events())
    assert len(project_copy.ledger_events("intent")) == 2  # pilot and sampling only
    assert len(project_copy.emulator_jobs()) == 2  # batches.list, every page
    (written,) = project_copy.root.glob("results/full/a*/estimate.json")  # with its verdict
    assert json.loads(written.read_text("utf-8"))["within_budget"] is False

    before = results_tree(project_copy)
    data = cli_json(project_copy, "estimate", "full")  # the pipeline's file, budget re-checked
    assert data["source"] == "estimate_file" and data["built_now"] is False
    assert data["requests"] == 25 and data["chunks"] == 1
    assert data["posts"] == {
        "population": 30,
        "selected": 30,
        "already_analysed": 5,
        "to_submit": 25,
        "dropped_total": 0,
    }
    assert data["usd_interactive"] == pytest.approx(2 * data["usd_batch"], rel=1e-3)
    assert data["usd_saving"] == pytest.approx(data["usd_batch"], rel=1e-3)
    assert data["within_budget"] is None  # the project's own config has no cap
    assert data["coded"] is None  # results/full.parquet does not exist

    # a mode never built: the same estimate from requests built in a temporary folder
    shutil.rmtree(written.parent)
    before = results_tree(project_copy)
    built = cli_json(project_copy, "estimate", "full")
    assert built["source"] == "built" and built["built_now"] is True
    same = ("requests", "chunks", "input_tokens", "output_tokens", "usd_batch", "posts")
    assert {k: built[k] for k in same} == {k: data[k] for k in same}
    assert results_tree(project_copy) == before  # nothing under results/ was written
    assert not list(project_copy.root.glob("results/full/a*"))

    text = cli(project_copy, "estimate", "full")
    assert text.exit_code == 0
    for label in (
        "posts",
        "requests",
        "input tokens",
        "output tokens",
        "USD, batch",
        "USD, interactive",
        "saving",
    ):
        assert label in text.stdout
    assert f"${data['usd_batch']:,.4f}" in text.stdout
    assert "nothing under results/ was written" in text.stdout

    capped = project_copy.path("config", "capped.yaml")
    capped.write_text(
        project_copy.path("config", "config.yaml")
        .read_text("utf-8")
        .replace("budget_usd: null", "budget_usd: 0.000001"),
        "utf-8",
    )
    over = cli(project_copy, "estimate", "full", "--config-file", "config/capped.yaml")
    assert over.exit_code == 1
    assert "ABOVE BUDGET" in over.stdout and "above budget_usd = $0.0000" in over.stderr
    assert results_tree(project_copy) == before
    assert len(project_copy.emulator_jobs()) == 2  # estimating submits nothing


def test_estimate_of_a_coded_mode_says_a_rerun_pays_nothing(built: Project) -> None:
    before = results_tree(built)
    data = cli_json(built, "estimate", "pilot")
    assert data["source"] == "estimate_file" and data["requests"] == 5
    assert data["coded"]["ok"] == data["coded"]["selected"] == 5
    assert data["coded"]["not_coded"] == 0
    assert data["rerun"]["usd_batch"] == 0 and data["rerun"]["requests"] == 0
    text = cli(built, "estimate", "pilot")
    assert "a re-run pays" in text.stdout and "every selected post is coded" in text.stdout
    assert results_tree(built) == before
