"""Validate before scaling, through Snakemake: the coding sheet, codes filled in by the test, the
agreement report, and the gate that keeps ``results/full.parquet`` from uploading anything on a
paid backend until the current analysis is validated (or an override reason is recorded)."""

from __future__ import annotations

import csv
import json
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from emobatch.emulator import read_stats
from tests.e2e.conftest import REPO, Project, copy_project, write_posts
from tests.e2e.test_gemini_backend import FAST, Emulator, _gemini_env

# coded_once is built once per xdist worker: keep both tests on one
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("validation")]
LABELS = ["joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation"]
SHEET = 'validation={"sheet": {"size": 30, "min_per_label": 1}}'


def _codes(path: Path, truth: dict[str, str], coders: int, agree: float, seed: int) -> str:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["post_id", "coder", "primary_emotion"])
        for k in range(coders):
            for post, label in truth.items():
                code = (
                    label
                    if rng.random() < agree
                    else rng.choice([x for x in [*LABELS, "neutral"] if x != label])
                )
                w.writerow([post, f"coder{k}", code])
    return str(path)


def _sheet_truth(project: Project) -> dict[str, str]:
    sheet = pd.read_csv(
        project.path("results", "validation", "sheet.csv"), dtype=str, encoding="utf-8-sig"
    )
    assert list(sheet.columns[:4]) == ["post_id", "text", "primary_emotion", "sentiment"]
    assert sheet["primary_emotion"].isna().all()  # blinded: no model answers
    coded = pd.read_parquet(project.path("results", "sampling.parquet"))
    labels = dict(zip(coded["post_id"], coded["primary_emotion"], strict=True))
    return {p: labels[p] for p in sheet["post_id"]}


def _validation_args(codes: str, **extra: str) -> list[str]:
    fields = {"human_codes": codes, "sheet": {"size": 30, "min_per_label": 1}, **extra}
    return ["--config", "backend=gemini", *FAST, f"validation={json.dumps(fields)}"]


@pytest.fixture(scope="module")
def coded_once(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Path]:
    """60 posts coded on the gemini backend (sampling) and the coding sheet, built once for the
    module; returns the project and the emulator's state directory (the emulator stopped)."""
    root = tmp_path_factory.mktemp("coded")
    shutil.copytree(REPO / "config", root / "project" / "config")
    project = Project(root / "project")
    write_posts(project.path("data", "raw", "posts.csv"), 60)
    emulator = Emulator(root / "provider")
    try:
        env = _gemini_env(emulator)
        project.snakemake(
            "results/sampling.parquet", "--config", "backend=gemini", *FAST, SHEET, env=env
        )
        project.snakemake(
            "results/validation/sheet.xlsx", "--config", "backend=gemini", *FAST, SHEET, env=env
        )
    finally:
        emulator.stop()
    book = load_workbook(project.path("results", "validation", "sheet.xlsx"))
    assert "codebook" in book.sheetnames and book.worksheets[0].data_validations.dataValidation
    return project, emulator.state


@pytest.fixture
def coded(coded_once: tuple[Project, Path], tmp_path: Path) -> Project:
    """A copy of the coded project for one test (the tests go on to change it)."""
    return copy_project(coded_once[0], tmp_path / "project")


@pytest.fixture
def emulator(coded_once: tuple[Project, Path], tmp_path: Path) -> Iterator[Emulator]:
    """A standalone emulator over a copy of the provider state the coded project was paid in."""
    state = tmp_path / "provider"
    shutil.copytree(coded_once[1], state)
    emu = Emulator(state)
    yield emu
    emu.stop()


def test_gate_refuses_then_opens_with_an_override(
    coded: Project, emulator: Emulator, tmp_path: Path
) -> None:
    env = _gemini_env(emulator)
    bad = _codes(tmp_path / "bad.csv", _sheet_truth(coded), coders=3, agree=0.3, seed=1)
    coded.snakemake("results/sampling.validation.json", *_validation_args(bad), env=env)
    report = json.loads(coded.path("results", "sampling.validation.json").read_text("utf-8"))
    assert report["items"] == 30 and report["gate"]["passed"] is False
    assert report["fields"]["primary_emotion"]["alpha_with_model"]["ci"][0] < 0.667
    assert report["baseline"] is not None and not report["simulated_coders"]

    before = read_stats(emulator.state)["upload_starts"]
    refused = coded.snakemake("results/full.parquet", *_validation_args(bad), env=env, check=False)
    assert refused.returncode != 0
    out = refused.stdout + refused.stderr
    assert "validation gate is closed" in out and "needed >= 0.667" in out
    assert "override_reason" in out and "Nothing was uploaded" in out
    assert read_stats(emulator.state)["upload_starts"] == before  # nothing paid while refused

    reason = "pilot study; validated by hand on 60 posts in the appendix"
    coded.snakemake("results/full.parquet", *_validation_args(bad, override_reason=reason), env=env)
    assert read_stats(emulator.state)["upload_starts"] > before
    full = pd.read_parquet(coded.path("results", "full.parquet"))
    assert len(full) == 60 and set(full["validation_override"]) == {reason}
    summary = json.loads(coded.path("results", "full.summary.json").read_text("utf-8"))
    assert summary["validation"]["override_reason"] == reason
    assert reason in coded.path("logs", "analysis.log").read_text("utf-8")


def test_gate_opens_on_codes_that_meet_the_threshold(
    coded: Project, emulator: Emulator, tmp_path: Path
) -> None:
    env = _gemini_env(emulator)
    good = _codes(tmp_path / "good.csv", _sheet_truth(coded), coders=3, agree=0.97, seed=2)
    coded.snakemake("results/sampling.validation.json", *_validation_args(good), env=env)
    report = json.loads(coded.path("results", "sampling.validation.json").read_text("utf-8"))
    assert report["gate"]["passed"] is True
    md = coded.path("results", "sampling.validation.md").read_text("utf-8")
    assert "Krippendorff" in md and "95 %" in md
    before = read_stats(emulator.state)["upload_starts"]
    coded.snakemake("results/full.parquet", *_validation_args(good), env=env)
    assert read_stats(emulator.state)["upload_starts"] > before
    full = pd.read_parquet(coded.path("results", "full.parquet"))
    assert full["validation_override"].isna().all()
    summary = json.loads(coded.path("results", "full.summary.json").read_text("utf-8"))
    assert summary["validation"]["passed"] and summary["validation"]["report"].endswith(
        "sampling.validation.json"
    )
