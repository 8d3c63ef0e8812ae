"""The lean codebook (``rationale.max_words: 0``) and the cost of the packed and lean variants
in ``emobatch models`` / ``emobatch estimate`` and in the README."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from emobatch.codebook import load_codebook, validate_answer
from emobatch.config import Settings, load_config
from emobatch.emulator.gen_request import build_settings
from emobatch.emulator.responder import Responder
from emobatch.errors import CodebookError
from emobatch.model_costs import VARIANTS, catalogue_table
from emobatch.stages.requests import build_request

REPO = Path(__file__).resolve().parents[2]
CODEBOOK = REPO / "config" / "codebook" / "emotion.yaml"
TODAY = dt.date(2026, 12, 2)


def lean_copy(tmp_path: Path, guidance: bool = True) -> Path:
    text = CODEBOOK.read_text(encoding="utf-8").replace("  max_words: 30\n", "  max_words: 0\n")
    if not guidance:
        text = re.sub(r"  guidance: \|\n(    .*\n)+", "", text, count=1)
    path = tmp_path / "lean.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("guidance", [True, False])
def test_max_words_0_drops_the_rationale_from_the_schema_and_the_prompt(
    tmp_path: Path, guidance: bool
) -> None:
    full, lean = load_codebook(CODEBOOK), load_codebook(lean_copy(tmp_path, guidance))
    assert full.has_rationale and not lean.has_rationale
    assert "rationale" not in lean.response_schema["properties"]
    assert "rationale" not in lean.response_schema["required"]
    assert "rationale" not in lean.response_schema["propertyOrdering"]
    assert "RATIONALE" in full.system_instruction and "RATIONALE" not in lean.system_instruction
    assert "rationale" not in lean.system_instruction.splitlines()[-1]
    assert lean.version != full.version  # a new codebook version, so a new analysis
    answer = {k: v for k, v in _answer().items() if k != "rationale"}
    assert validate_answer(lean, answer) == []
    assert validate_answer(full, answer) == ["rationale: missing"]


def test_loading_lean_prices_the_file_without_rationale_under_another_version() -> None:
    full, lean = load_codebook(CODEBOOK), load_codebook(CODEBOOK, lean=True)
    assert not lean.has_rationale and lean.version != full.version
    assert lean.answer_schema["properties"].keys() == {
        k for k in full.response_schema["properties"] if k != "rationale"
    }
    assert list(lean.response_schema["properties"]) == ["e", "i", "s", "v"]  # compact keys


def test_a_negative_max_words_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        CODEBOOK.read_text(encoding="utf-8").replace("  max_words: 30\n", "  max_words: -1\n"),
        encoding="utf-8",
    )
    with pytest.raises(CodebookError, match=r"rationale\.max_words"):
        load_codebook(path)


def test_the_emulator_answers_a_lean_request_without_a_rationale(tmp_path: Path) -> None:
    lean = load_codebook(lean_copy(tmp_path))
    generation = {"thinkingConfig": {"thinkingBudget": 0}}
    request = build_request(lean, generation, "오늘 너무 행복해 ㅎㅎ")
    text = Responder().answer_text(build_settings(request["generationConfig"]), {})
    assert "rationale" not in json.loads(text)


def _answer() -> dict[str, Any]:
    emotions = ["joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation"]
    return {
        "primary_emotion": "joy",
        "intensities": dict.fromkeys(emotions, 0.1),
        "sentiment": "positive",
        "sentiment_score": 0.5,
        "rationale": "ㅎㅎ",
    }


# -- cost variants ----------------------------------------------------------------------------


def settings(**overrides: Any) -> Settings:
    merged: dict[str, Any] = {
        "codebook": str(CODEBOOK),
        "input": {"path": str(REPO / "data" / "raw" / "posts.csv")},
    }
    merged.update(overrides)
    return load_config(REPO / "config" / "config.yaml", merged)


def test_every_model_has_the_packed_and_lean_variants_and_they_cost_less() -> None:
    data = catalogue_table(settings(), TODAY)
    assert (
        set(data["variants"])
        == set(VARIANTS)
        >= {
            "packed_10",
            "packed_25",
            "lean",
            "lean_packed_10",
        }
    )
    for row in data["models"]:
        current = row["usd_per_1000_posts"]["batch"]
        v = row["usd_per_1000_posts_variants"]
        assert current > v["packed_10"] > v["packed_25"] > v["lean_packed_25"]
        assert current > v["lean"] > v["lean_packed_10"] > v["lean_packed_25"]
        assert v["packed_10"] > v["lean_packed_10"]


def test_the_configured_posts_per_request_prices_the_current_settings() -> None:
    packed = catalogue_table(settings(batch={"posts_per_request": 10}), TODAY)
    assert packed["posts_per_request"] == 10
    for row in packed["models"]:
        assert row["usd_per_1000_posts"]["batch"] == row["usd_per_1000_posts_variants"]["packed_10"]


def _readme_variants() -> dict[str, list[str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- variants-table:", 1)[1].split("<!-- /variants-table -->", 1)[0]
    return {
        cells[0].strip("` "): cells
        for line in table.splitlines()
        if line.startswith("| `")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }


def test_readme_variants_table_matches_the_catalogue() -> None:
    data = catalogue_table(settings(), TODAY)
    rows = _readme_variants()
    assert set(rows) == {row["model"] for row in data["models"]}
    for row in data["models"]:
        v = row["usd_per_1000_posts_variants"]
        expected = [
            f"${row['usd_per_1000_posts']['batch']:.4f}",
            *(f"${v[name]:.4f}" for name in ("packed_10", "packed_25")),
            *(f"${v[name]:.4f}" for name in ("lean", "lean_packed_10", "lean_packed_25")),
        ]
        assert rows[row["model"]][1:] == expected, row["model"]


def test_intensity_null_drops_the_intensities(tmp_path: Path) -> None:
    text = CODEBOOK.read_text(encoding="utf-8")
    path = tmp_path / "no-intensities.yaml"
    path.write_text(
        re.sub(r"intensity: \|\n(  .*\n)+", "intensity: null\n", text, count=1), encoding="utf-8"
    )
    codebook = load_codebook(path)
    assert not codebook.has_intensities and codebook.has_rationale
    assert "intensities" not in codebook.response_schema["properties"]
    assert "INTENSITIES" not in codebook.system_instruction
    assert codebook.emotions == load_codebook(CODEBOOK).emotions  # the columns stay
    request = build_request(codebook, {}, "오늘 너무 행복해 ㅎㅎ")
    answer = json.loads(Responder().answer_text(build_settings(request["generationConfig"]), {}))
    assert "intensities" not in answer and validate_answer(codebook, answer) == []


def test_a_missing_intensity_key_is_still_an_error(tmp_path: Path) -> None:
    text = CODEBOOK.read_text(encoding="utf-8")
    path = tmp_path / "bad.yaml"
    path.write_text(re.sub(r"intensity: \|\n(  .*\n)+", "", text, count=1), encoding="utf-8")
    with pytest.raises(CodebookError, match="intensity"):
        load_codebook(path)


def test_estimate_prices_a_packed_chunk_per_post_with_its_variants(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from emobatch.analysis import analysis_for
    from emobatch.estimate import estimate_run, typical_answer_tokens
    from emobatch.model_costs import ITEM_OUTPUT_TOKENS
    from emobatch.stages.requests import write_chunks

    s = settings(batch={"posts_per_request": 4}, backend="local")
    analysis = analysis_for(s, TODAY)
    posts = {f"p{i}": "오늘 너무 행복해요 ㅋㅋ" for i in range(10)}
    sel = tmp_path / "selected.parquet"
    pq.write_table(
        pa.table(
            {
                "post_id": list(posts),
                "text": list(posts.values()),
                "to_submit": [True] * 10,
                "source_row": list(range(10)),
            }
        ),
        sel,
    )
    write_chunks(s, selected=sel, out_dir=tmp_path / "chunks", analysis=analysis)
    est = estimate_run(
        sorted((tmp_path / "chunks").glob("chunk-*.jsonl")), analysis=analysis, mode="pilot"
    )
    assert (est["requests"], est["posts"]) == (3, 10)
    answer = typical_answer_tokens(analysis.codebook.emotions)
    assert est["output_tokens"] == 10 * (answer + ITEM_OUTPUT_TOKENS)
    assert est["thinking_tokens"] == 3 * analysis.generation.thinking_tokens_estimate
    assert est["usd_per_1000_posts"] == pytest.approx(est["usd_batch"] * 100, rel=1e-3)
    variants = est["usd_per_1000_posts_variants"]
    assert set(variants) == set(VARIANTS)
    assert variants["packed_25"] < variants["packed_10"] < variants["lean"]
