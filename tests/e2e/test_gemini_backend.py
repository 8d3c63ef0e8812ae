"""backend: gemini against a standalone `emobatch emulator serve` process (the real SDK path).

Also: the API key never reaches a file the pipeline writes, and a fault soak (transient API
failures, row errors, malformed output, a lost create response, an EXPIRED job) ends with every
post accounted for and no paid work duplicated.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.e2e.conftest import Emulator, Project, write_posts

pytestmark = pytest.mark.slow
SECRET = "AIzaSyE2E-test-secret-do-not-leak-0123456789"
LABELS = {
    "joy",
    "trust",
    "fear",
    "surprise",
    "sadness",
    "disgust",
    "anger",
    "anticipation",
    "neutral",
}
FAST = [
    'api={"retry_initial_delay_seconds": 0.02, "retry_max_delay_seconds": 0.2, '
    '"retry_attempts": 8}',
    'batch={"poll_interval_seconds": 0.2, "max_batch_size": 40}',
    'sampling={"min_size": 1}',
]


def _gemini_env(emu: Emulator) -> dict[str, str]:
    return {"GEMINI_API_KEY": SECRET, "EMOBATCH_GEMINI_BASE_URL": emu.url}


def test_sampling_on_gemini_backend_and_no_key_in_any_file(
    project: Project, emulator: Emulator
) -> None:
    write_posts(project.path("data", "raw", "posts.csv"), 120)
    env = _gemini_env(emulator)
    args = ["results/sampling.parquet", "--config", "backend=gemini", *FAST]
    project.snakemake(*args, env=env)
    df = pd.read_parquet(project.path("results", "sampling.parquet"))
    assert len(df) == 92 and df["post_id"].is_unique
    assert set(df["status"]) == {"ok"} and set(df["primary_emotion"]) <= LABELS
    jobs = emulator.jobs()
    assert len(jobs) == 3  # 92 requests in chunks of 40
    sentinels = [
        json.loads(p.read_text("utf-8"))
        for p in project.path("results", "sampling").glob("*/submitted/*.json")
    ]
    assert {s["job_name"] for s in sentinels} == {j.name for j in jobs}
    assert {s["backend"] for s in sentinels} == {"gemini"}
    # the same command again, and a forced submit: no second job
    again = project.snakemake(*args, env=env)
    assert "Nothing to be done" in again.stdout + again.stderr
    project.snakemake(*args[:1], "-R", "batch_submit", *args[1:], env=env)
    assert len(emulator.jobs()) == 3
    # the key is nowhere on disk: results, logs, Snakemake's metadata and logs
    leaks = [
        p
        for d in ("results", "logs", ".snakemake")
        for p in project.path(d).rglob("*")
        if p.is_file() and SECRET.encode() in p.read_bytes()
    ]
    assert leaks == []
    # ...but its fingerprint is, so a ledger tells which key paid
    assert all(s["api_key_fingerprint"].startswith("sha256:") for s in sentinels)


def test_gemini_backend_without_key_stops_before_any_rule(project: Project) -> None:
    proc = project.snakemake("results/pilot.parquet", "--config", "backend=gemini", check=False)
    assert proc.returncode != 0
    err = proc.stdout + proc.stderr
    assert "GEMINI_API_KEY" in err and "backend=local" in err
    assert "Traceback" not in err
    assert not project.path("results").exists() or not any(project.path("results").iterdir())


# Rules are tried in order and the first error-like one wins a call, so the lost create comes
# first: otherwise the transient rule (whose draws depend on how many polls a run makes) may take
# the first create and the lost response would never be exercised.
SOAK_PLAN = {
    "faults": [
        {"kind": "lost_create_response", "nth": [1], "id": "lost-create"},
        {"kind": "http_error", "operation": "*", "status": 503, "rate": 0.2, "id": "transient"},
        {"kind": "job_expired", "nth_job": [2], "id": "expired"},
        {"kind": "row_error", "rate": 0.05, "code": 500, "id": "row-errors"},
        {"kind": "malformed_output", "rate": 0.02, "mode": "invalid_json", "id": "malformed"},
    ]
}


def test_fault_soak_accounts_for_every_post(project: Project, tmp_path: Path) -> None:
    write_posts(project.path("data", "raw", "posts.csv"), 1000)
    plan = tmp_path / "soak.yaml"
    plan.write_text(yaml.safe_dump(SOAK_PLAN), encoding="utf-8")
    emu = Emulator(tmp_path / "soak-provider", faults=plan)
    try:
        args = [
            "results/sampling.parquet",
            "--config",
            "backend=gemini",
            *FAST[:1],
            'batch={"poll_interval_seconds": 0.2, "max_batch_size": 100}',
        ]
        project.snakemake(*args, env=_gemini_env(emu), timeout=600)
        df = pd.read_parquet(project.path("results", "sampling.parquet"))
        assert len(df) == 384 and df["post_id"].is_unique  # every sampled post has a row
        failed = df[df["status"] == "failed"]
        assert failed["error_reason"].notna().all()  # ok, or failed with a reason
        assert set(df["status"]) <= {"ok", "failed"}
        from emobatch.emulator import read_stats

        stats = read_stats(tmp_path / "soak-provider")
        creates = stats["creates_by_display_name"]
        assert creates and max(creates.values()) == 1  # no display name created twice
        fired = stats["faults_fired"]
        assert fired.get("lost_create_response", 0) == 1
        assert fired.get("job_expired", 0) >= 1
        assert fired.get("http_error", 0) > 0
        assert fired.get("row_error", 0) > 0 and fired.get("malformed_output", 0) > 0
        ledger = project.ledger_events("submitted")
        works = Counter((r["chunk_sha256"], r["analysis_id"], r["attempt"]) for r in ledger)
        assert max(works.values()) == 1
        # a post is paid for again only as a recovery of a failed row or an EXPIRED job
        report = {
            "posts": len(df),
            "ok": int((df["status"] == "ok").sum()),
            "failed": len(failed),
            "jobs": len(creates),
            "faults_fired": fired,
            "failed_reasons": failed["error_reason"].value_counts().to_dict(),
            "retry_rounds_used": df["retry_round"].value_counts().to_dict(),
        }
        print("SOAK", json.dumps(report, sort_keys=True, default=int))
        assert report["ok"] >= 370
    finally:
        emu.stop()
