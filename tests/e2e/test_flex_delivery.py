"""Flex delivery through Snakemake against a standalone emulator (the real SDK's
generateContent with service_tier flex): 20 % of calls shed with 503 and retried later, every
row coded once, priced as batch; and a kill -9 midway whose rerun sends only the unanswered keys.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from emobatch.emulator import read_stats
from tests.e2e.conftest import Emulator, Project, write_posts
from tests.e2e.test_gemini_backend import FAST, _gemini_env

pytestmark = pytest.mark.slow
SHED = {"faults": [{"kind": "flex_shed", "rate": 0.2, "id": "shed"}]}
FLEX = [
    "--config",
    "backend=gemini",
    "delivery=flex",
    *FAST,
    'realtime={"shed_retry_seconds": 0.05, "retry_initial_delay_seconds": 0.01, '
    '"retry_max_delay_seconds": 0.05, "max_attempts": 20}',
]


def _ledger(project: Project) -> list[dict]:
    return project.ledger_events("realtime")


def test_flex_pilot_with_shed_calls_codes_every_row_once(project: Project, tmp_path: Path) -> None:
    plan = tmp_path / "shed.yaml"
    plan.write_text(yaml.safe_dump(SHED), encoding="utf-8")
    emu = Emulator(tmp_path / "provider", faults=plan)
    try:
        project.snakemake("results/pilot.parquet", *FLEX, env=_gemini_env(emu))
    finally:
        emu.stop()
    df = pd.read_parquet(project.path("results", "pilot.parquet"))
    assert len(df) == 5 and set(df["status"]) == {"ok"}
    stats = read_stats(tmp_path / "provider")
    assert stats["faults_fired"].get("flex_shed", 0) >= 1  # some calls were shed...
    assert stats["generate_content_answered_by_tier"] == {"flex": 5}  # ...and retried on flex
    assert stats["duplicate_requests"] == 0  # no key answered twice
    assert stats["creates_total"] == 0 and stats["upload_starts"] == 0  # no batch job
    (rec,) = _ledger(project)
    assert rec["delivery"] == "flex" and rec["paid"] == 5 and rec["shed"] >= 1
    assert rec["fallback"] == 0  # never silently at the standard price
    # priced at the Flex rate, which equals batch (3.1 Flash-Lite: $0.125 / $0.75 per 1M)
    expected = df["prompt_tokens"] * 0.125 + (df["output_tokens"] + df["thoughts_tokens"]) * 0.75
    assert df["cost_usd"].to_numpy() == pytest.approx((expected / 1e6).to_numpy())
    summary = json.loads(project.path("results", "pilot.summary.json").read_text("utf-8"))
    assert summary["delivery"] == "flex"
    assert summary["cost_usd"] == pytest.approx(summary["cost_usd_batch"])
    assert summary["cost_usd_interactive_equivalent"] == pytest.approx(2 * summary["cost_usd"])


def test_kill_midway_resumes_with_only_the_unanswered_keys(
    project: Project, emulator: Emulator
) -> None:
    write_posts(project.path("data", "raw", "posts.csv"), 40)
    env = _gemini_env(emulator)
    crash = {"EMOBATCH_CRASH_AT": "during_realtime", "EMOBATCH_CRASH_AFTER": "2",
             "EMOBATCH_CRASH_SCOPE": "group"}  # fmt: skip
    one_at_a_time = [*FLEX, 'realtime={"concurrency": 1}']
    killed = project.snakemake("results/pilot.parquet", *one_at_a_time, env={**env, **crash},
                               check=False, new_session=True)  # fmt: skip
    assert killed.returncode == -9, killed.stderr[-3000:]
    project.snakemake("--unlock", "results/pilot.parquet", *one_at_a_time, env=env)
    partial = list(project.path("results", "pilot").glob("a*/raw/chunk-0000.jsonl.partial"))
    assert len(partial) == 1 and len(partial[0].read_text("utf-8").splitlines()) == 2
    assert read_stats(emulator.state)["generate_content_answered_by_tier"] == {"flex": 2}

    project.snakemake("results/pilot.parquet", *one_at_a_time, env=env)
    df = pd.read_parquet(project.path("results", "pilot.parquet"))
    assert len(df) == 5 and set(df["status"]) == {"ok"}
    stats = read_stats(emulator.state)
    assert stats["generate_content_answered_by_tier"] == {"flex": 5}  # 2 before, 3 after
    assert stats["duplicate_requests"] == 0
    (rec,) = _ledger(project)  # the killed run never reached its ledger record
    assert rec["resumed"] == 2 and rec["to_send"] == 3 and rec["paid"] == 3
