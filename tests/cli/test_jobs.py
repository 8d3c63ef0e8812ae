"""`emobatch jobs list|show|cancel|fetch` against a real project (Snakemake + the emulator)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.cli.conftest import cli, cli_json, job_names
from tests.e2e.conftest import Project

# the session's `built` project is built once per xdist worker: keep its users on one
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("cli")]


def test_list_shows_every_job_with_state_counts_and_costs(built: Project) -> None:
    names = job_names(built)
    text = cli(built, "jobs", "list")
    assert text.exit_code == 0, text.output
    for name in names.values():
        assert name.removeprefix("batches/") in text.stdout
    assert "SUCCEEDED" in text.stdout and "SUBMITTED" in text.stdout
    assert "est $" in text.stdout and "actual $" in text.stdout

    jobs = {j["mode"]: j for j in cli_json(built, "jobs", "list")["jobs"]}
    pilot, sampling = jobs["pilot"], jobs["sampling"]
    assert pilot["job_name"] == names["pilot"] and pilot["state"] == "SUCCEEDED"
    assert pilot["state_source"] == "marker"
    assert (pilot["requests"], pilot["succeeded"], pilot["failed"]) == (5, 5, 0)
    assert pilot["chunk"] == "chunk-0000" and pilot["took_seconds"] >= 0
    assert pilot["age_seconds"] is None  # a finished job shows how long it took, not an age
    assert pilot["parsed_rows"] == 5 and pilot["actual_usd"] > 0
    assert pilot["actual_usd"] == pytest.approx(pilot["estimated_usd"], rel=0.10)
    assert sampling["state"] == "SUBMITTED" and sampling["requests"] == 25
    assert sampling["actual_usd"] is None and sampling["estimated_usd"] > 0

    live = {j["mode"]: j for j in cli_json(built, "jobs", "list", "--refresh")["jobs"]}
    assert live["sampling"]["state"] in ("PENDING", "RUNNING")
    assert live["sampling"]["state_source"] == "live"
    assert live["sampling"]["pending"] == 25
    only = cli_json(built, "jobs", "list", "--mode", "pilot", "--remote")["jobs"]
    assert [j["job_name"] for j in only] == [names["pilot"]]  # sampling is known, not "unknown"


def test_show_gives_live_batch_stats_and_what_the_project_knows(built: Project) -> None:
    names = job_names(built)
    text = cli(built, "jobs", "show", "pilot/chunk-0000")
    assert text.exit_code == 0, text.output
    assert names["pilot"] in text.stdout
    assert "batchStats   requests 5, succeeded 5, failed 0, pending 0" in text.stdout
    assert "submitted/chunk-0000.json" in text.stdout and "completed/chunk-0000.json" in text.stdout

    data = cli_json(built, "jobs", "show", names["sampling"].removeprefix("batches/"))
    assert data["job_name"] == names["sampling"] and data["state_source"] == "live"
    stats = data["operation"]["metadata"]["batchStats"]
    assert int(stats["requestCount"]) == 25 and int(stats["pendingRequestCount"]) == 25
    assert data["sentinel"].endswith("submitted/chunk-0000.json") and data["marker"] is None

    missing = cli(built, "jobs", "show", "batches/doesnotexist")
    assert missing.exit_code == 1
    assert "404" in missing.stderr and "next step:" in missing.stderr
    assert "Traceback" not in missing.output
    unknown = cli(built, "jobs", "show", "nosuchjob")
    assert unknown.exit_code == 1 and "no job 'nosuchjob' in this project" in unknown.stderr


def test_cancel_asks_first_then_says_what_happens_next(project_copy: Project) -> None:
    name = job_names(project_copy)["sampling"]
    declined = cli(project_copy, "jobs", "cancel", "sampling/chunk-0000", input="n\n")
    assert declined.exit_code == 1 and "Cancel " + name in declined.output
    assert cli_json(project_copy, "jobs", "show", name)["state"] in ("PENDING", "RUNNING")

    done = cli(project_copy, "jobs", "cancel", name, "--yes")
    assert done.exit_code == 0, done.output
    assert f"cancel requested for {name}; the provider reports CANCELLED" in done.stdout
    assert "cancelled by the user" in done.stdout and "emobatch ledger forget" in done.stdout
    assert cli_json(project_copy, "jobs", "show", name)["state"] == "CANCELLED"
    again = cli(project_copy, "jobs", "cancel", name, "--yes")
    assert again.exit_code == 0 and "nothing to cancel" in again.stdout
    log = project_copy.path("logs", "analysis.log").read_text("utf-8")
    assert f"BATCH cancel {name}" in log

    # the pipeline stops the chunk with the promised message, and submits nothing new
    run = project_copy.snakemake("results/sampling.parquet", check=False)
    assert run.returncode != 0
    assert "cancelled by the user" in run.stdout + run.stderr
    assert len(project_copy.ledger_events("submitted")) == 2

    # the operator changes their mind: forget the cancelled job, then it can be submitted again
    sha = json.loads(
        next(project_copy.root.glob("results/sampling/a*/submitted/chunk-0000.json")).read_text(
            "utf-8"
        )
    )["chunk_sha256"]
    forget = cli(project_copy, "ledger", "forget", sha[:12], "--yes")
    assert forget.exit_code == 0, forget.output
    assert "forgot job " + name in forget.stdout and "submitted/chunk-0000.json" in forget.stdout
    assert project_copy.ledger_events("forgotten")[-1]["chunk_sha256"] == sha


def test_fetch_downloads_and_parses_into_the_pipelines_paths(
    built: Project, project_copy: Project
) -> None:
    names = job_names(project_copy)
    running = cli(project_copy, "jobs", "fetch", "sampling/chunk-0000")
    assert running.exit_code == 75
    assert "nothing to download yet" in running.stderr and "next step:" in running.stderr

    # the state of a run that submitted pilot and stopped: no marker, nothing downloaded
    run_dir = next(project_copy.root.glob("results/pilot/a*"))
    original = pd.read_parquet(
        next(built.root.glob("results/pilot/a*")) / "parsed" / "chunk-0000.parquet"
    )
    for sub, ext in (
        ("completed", "json"),
        ("raw", "jsonl"),
        ("recovered", "json"),
        ("parsed", "parquet"),
    ):
        (run_dir / sub / f"chunk-0000.{ext}").unlink()
    (run_dir / "parsed.json").unlink()
    for ext in ("parquet", "csv", "summary.json"):
        project_copy.path("results", f"pilot.{ext}").unlink()
    submitted_before = len(project_copy.ledger_events("submitted"))

    fetched = cli_json(project_copy, "jobs", "fetch", names["pilot"])
    assert [(s["step"], s["action"].split()[0]) for s in fetched["steps"]] == [
        ("marker", "written"),
        ("download", "downloaded"),
        ("recover", "written"),
        ("parse", "written"),
    ]
    assert (fetched["rows"], fetched["ok"], fetched["failed"]) == (5, 5, 0)
    assert fetched["next_step"].startswith("snakemake --cores 2 results/pilot.parquet merges")
    marker = json.loads((run_dir / "completed" / "chunk-0000.json").read_text("utf-8"))
    assert marker["format"] == "emobatch.completion/1" and marker["state"] == "SUCCEEDED"
    assert marker["job_name"] == names["pilot"] and marker["succeeded"] == 5
    parsed = pd.read_parquet(run_dir / "parsed" / "chunk-0000.parquet")
    pd.testing.assert_frame_equal(parsed, original)
    assert len(project_copy.ledger_events("submitted")) == submitted_before  # nothing paid
    assert "BATCH fetch pilot chunk-0000" in project_copy.path("logs", "analysis.log").read_text(
        "utf-8"
    )

    # the next snakemake run only collects and merges: no submit, poll, download or parse
    dry = project_copy.snakemake("results/pilot.parquet", "-n")
    planned = {
        line.split()[-1].rstrip(":")
        for line in (dry.stdout + dry.stderr).splitlines()
        if line.startswith(("rule ", "localrule ", "checkpoint "))
    }
    assert planned == {"results_collect", "results_merge"}, dry.stdout + dry.stderr

    again = cli(project_copy, "jobs", "fetch", "pilot/chunk-0000")
    assert again.exit_code == 0 and "parse     kept" in again.stdout
    # re-fetching a chunk an earlier run had collected: the merge must be forced
    (run_dir / "parsed.json").write_text("{}", "utf-8")
    (run_dir / "parsed" / "chunk-0000.parquet").unlink()
    refetched = cli_json(project_copy, "jobs", "fetch", "pilot/chunk-0000")
    assert [s["action"].split()[0] for s in refetched["steps"]] == [
        "kept",
        "kept",
        "kept",
        "written",
        "exists",
    ]
    assert "results/pilot.parquet -R results_collect" in refetched["next_step"]


def test_remote_lists_jobs_the_project_does_not_know(project_copy: Project) -> None:
    from google import genai
    from google.genai import types

    from emobatch.emulator import serve_in_background

    chunk = next(project_copy.root.glob("results/pilot/a*/chunks/chunk-0000.jsonl"))
    with serve_in_background(
        project_copy.path("results", "emulator"), latency_seconds=600
    ) as server:
        client = genai.Client(
            api_key="someone-else",
            http_options=types.HttpOptions(base_url=server.base_url, api_version="v1beta"),
        )
        upload = client.files.upload(
            file=str(chunk),
            config=types.UploadFileConfig(mime_type="jsonl", display_name="stranger"),
        )
        stranger = client.batches.create(
            model="gemini-2.5-flash",
            src=upload.name,
            config=types.CreateBatchJobConfig(display_name="stranger"),
        )
    offline = {j["job_name"] for j in cli_json(project_copy, "jobs", "list")["jobs"]}
    assert stranger.name not in offline
    remote = {j["job_name"]: j for j in cli_json(project_copy, "jobs", "list", "--remote")["jobs"]}
    assert remote[stranger.name]["known"] is False
    assert remote[stranger.name]["display_name"] == "stranger"
    assert sum(not j["known"] for j in remote.values()) == 1
    text = cli(project_copy, "jobs", "list", "--remote")
    assert "(not ours)" in text.stdout
    refused = cli(project_copy, "jobs", "fetch", stranger.name)
    assert refused.exit_code == 1 and "not one of this project's jobs" in refused.stderr
