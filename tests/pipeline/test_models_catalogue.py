"""The model catalogue, settings that mean the same on every model, the engine in the analysis
id, the default model's rule, routing detection and ``emobatch models``."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from emobatch.analysis import analysis_for, engine_for, model_entry
from emobatch.catalogue import DELIVERIES, load_catalogue
from emobatch.config import GenerationSettings, Settings, load_config
from emobatch.errors import ConfigError
from emobatch.generation import translate
from emobatch.model_costs import catalogue_table, default_model
from emobatch.routing import AnswerCheck

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config" / "config.yaml"
TODAY = dt.date(2026, 12, 2)


def settings(**overrides: Any) -> Settings:
    merged: dict[str, Any] = {
        "codebook": str(REPO / "config" / "codebook" / "emotion.yaml"),
        "input": {"path": str(REPO / "data" / "raw" / "posts.csv")},
    }
    merged.update(overrides)
    return load_config(CONFIG, merged)


def gen(**kw: Any) -> GenerationSettings:
    base: dict[str, Any] = {
        "thinking": "off",
        "thinking_budget": None,
        "temperature": 0.0,
        "top_p": None,
        "top_k": None,
        "max_output_tokens": 512,
    }
    base.update(kw)
    return GenerationSettings(**base)


CAT = load_catalogue()


def test_every_entry_is_documented_and_priced() -> None:
    required = {"gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite"}
    required |= {"gemini-3.1-flash-lite", "gemini-3.5-flash-lite", "gemini-3.5-flash"}
    assert required <= set(CAT.names())
    raw = yaml.safe_load((REPO / "src/emobatch/data/models.yaml").read_text(encoding="utf-8"))
    for name, entry in CAT.models.items():
        assert entry.prices_taken_on and entry.prices_source.startswith("https://"), name
        assert entry.lifecycle_source["url"].startswith("https://"), name
        assert entry.lifecycle_source["read_on"], name
        assert set(entry.prices) == set(DELIVERIES), name
        # batch and flex are half the interactive price (published as such)
        for d in ("batch", "flex"):
            assert entry.prices[d].input == pytest.approx(entry.prices["interactive"].input / 2)
            assert entry.prices[d].output == pytest.approx(entry.prices["interactive"].output / 2)
        assert raw["models"][name]["status"] == entry.status
    assert CAT.get("gemini-2.5-flash").replacement == "gemini-3.5-flash-lite"
    assert CAT.get("gemini-2.5-flash").is_shut_down(TODAY)


def test_scheduled_price_change_applies_from_its_date() -> None:
    entry = CAT.get("gemini-3.8-flash")
    assert entry.price("batch", dt.date(2026, 12, 31)).input == 0.375
    assert entry.price("batch", dt.date(2027, 1, 1)).input == 0.75


@pytest.mark.parametrize("model", ["gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.5-pro"])
def test_budget_models_get_a_thinking_budget_and_never_a_level(model: str) -> None:
    entry = CAT.get(model)
    sent = translate(entry, gen(thinking="off"))
    assert set(sent.config["thinkingConfig"]) == {"thinkingBudget"}
    expected = 0 if entry.thinking.can_disable else entry.thinking.min_budget
    assert sent.config["thinkingConfig"]["thinkingBudget"] == expected
    assert (expected != 0) == any("cannot turn thinking off" in w for w in sent.warnings)
    high = translate(entry, gen(thinking="high")).config["thinkingConfig"]
    assert high == {"thinkingBudget": min(24576, entry.thinking.max_budget)}
    assert translate(entry, gen(temperature=0.3)).config["temperature"] == 0.3


@pytest.mark.parametrize(
    ("model", "off", "low"),
    [
        ("gemini-3.1-flash-lite", "MINIMAL", "LOW"),
        ("gemini-3.5-flash-lite", "MINIMAL", "LOW"),
        ("gemini-3.5-flash", "MINIMAL", "LOW"),
        ("gemini-3.8-flash", "LOW", "LOW"),  # rejects MINIMAL
    ],
)
def test_level_models_get_a_level_and_never_a_budget(model: str, off: str, low: str) -> None:
    entry = CAT.get(model)
    sent = translate(entry, gen(thinking="off"))
    assert sent.config["thinkingConfig"] == {"thinkingLevel": off}
    assert any("billed as output" in w for w in sent.warnings)
    assert translate(entry, gen(thinking="low")).config["thinkingConfig"] == {"thinkingLevel": low}
    minimal = translate(entry, gen(thinking="minimal", temperature=None))
    assert minimal.config["thinkingConfig"] == {"thinkingLevel": off}
    assert (off != "MINIMAL") == bool(minimal.warnings)
    with pytest.raises(ConfigError, match="takes a thinking level, not a budget"):
        translate(entry, gen(thinking_budget=512))


def test_budget_outside_the_models_range_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"outside what gemini-2.5-pro accepts \(128..32768\)"):
        translate(CAT.get("gemini-2.5-pro"), gen(thinking_budget=0))
    ok = translate(CAT.get("gemini-2.5-flash"), gen(thinking_budget=0))
    assert ok.config["thinkingConfig"] == {"thinkingBudget": 0}


def test_temperature_is_dropped_where_the_model_ignores_it() -> None:
    kept = translate(CAT.get("gemini-3.1-flash-lite"), gen(temperature=0.0, top_k=5))
    assert kept.config["temperature"] == 0.0 and kept.config["topK"] == 5 and not kept.dropped
    dropped = translate(CAT.get("gemini-3.5-flash-lite"), gen(temperature=0.0, top_p=0.9))
    assert "temperature" not in dropped.config and "topP" not in dropped.config
    assert dropped.dropped == ("temperature", "top_p")
    assert len([w for w in dropped.warnings if "ignores temperature, top_p" in w]) == 1


def test_the_engine_is_part_of_the_analysis_id() -> None:
    local = analysis_for(settings(backend="local"))
    gemini = analysis_for(settings(backend="gemini"))
    assert local.engine.kind == "lexicon" and local.engine.version.startswith("emobatch-lexicon")
    assert gemini.engine.tag == "gemini:gemini-3.1-flash-lite"
    assert local.id != gemini.id  # the bug: lexicon rows reused under backend: gemini
    assert analysis_for(settings(backend="local")).id == local.id  # deterministic
    assert "not an LLM" in local.engine.describe()
    other_model = analysis_for(settings(batch={"model_name": "gemini-3.5-flash-lite"}))
    assert other_model.id != local.id


def test_an_ignored_setting_does_not_split_analyses() -> None:
    a = analysis_for(settings(batch={"model_name": "gemini-3.5-flash-lite"}))
    b = analysis_for(
        settings(
            batch={"model_name": "gemini-3.5-flash-lite"},
            generation={"temperature": 0.9, "thinking": "off"},
        )
    )
    assert a.id == b.id and b.generation.dropped == ("temperature",)
    c = analysis_for(settings(generation={"temperature": 0.9}))  # 3.1 honours it
    assert c.id != analysis_for(settings()).id


def test_shut_down_and_unknown_models_stop_with_the_replacement() -> None:
    with pytest.raises(ConfigError) as info:
        model_entry(settings(batch={"model_name": "gemini-2.5-flash"}), TODAY)
    text = str(info.value)
    assert "shut down on 2026-12-01" in text and "gemini-3.5-flash-lite" in text
    with pytest.raises(ConfigError, match="not in the model catalogue"):
        model_entry(settings(batch={"model_name": "gemini-9-ultra"}), TODAY)
    # before its shutdown date the same model was usable
    assert model_entry(settings(batch={"model_name": "gemini-2.5-flash"}), dt.date(2026, 11, 1))


def test_deprecated_model_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="emobatch.analysis"):
        model_entry(settings(batch={"model_name": "gemini-2.5-flash-lite"}), TODAY)
    assert "gemini-2.5-flash-lite is deprecated" in caplog.text
    assert "gemini-3.1-flash-lite" in caplog.text


def test_the_configured_default_follows_the_documented_rule() -> None:
    data = catalogue_table(settings(), TODAY)
    assert data["default_model"] == "gemini-3.1-flash-lite"
    shipped = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["batch"]["model_name"]
    assert shipped == data["default_model"]
    # the rule itself: a model within 90 days of its shutdown is skipped
    near = dt.date(2027, 3, 1)
    assert default_model(data["models"], CAT, near) != "gemini-3.1-flash-lite"


def test_routed_answer_is_flagged_and_priced_at_the_successor() -> None:
    gemini = analysis_for(settings(backend="gemini"))
    check = AnswerCheck.of(gemini)
    assert not check.routed("gemini-3.1-flash-lite") and not check.routed(
        "gemini-3.1-flash-lite-001"
    )
    assert check.routed("gemini-3.5-flash-lite")
    assert check.routed("emobatch-lexicon-1.0.0")  # the emulator standing in for Gemini
    assert "not Gemini" in check.describe("emobatch-lexicon-1.0.0")
    own = check.cost("gemini-3.1-flash-lite", 1_000_000, 0, 0, 0)
    routed = check.cost("gemini-3.5-flash-lite", 1_000_000, 0, 0, 0)
    assert own == pytest.approx(0.125) and routed == pytest.approx(0.15)
    local = AnswerCheck.of(analysis_for(settings(backend="local")))
    assert not local.routed("emobatch-lexicon-1.0.0") and local.routed("gemini-3.1-flash-lite")
    said = local.describe("gemini-3.1-flash-lite")  # a Gemini answer where the dictionary was due
    assert "offline dictionary" in said and "was requested" not in said
    assert local.cost("emobatch-lexicon-1.0.0", 1_000_000, 0, 0, 0) == pytest.approx(0.125)


def test_engine_for_each_backend() -> None:
    assert engine_for(settings(backend="local")).expected_family == "emobatch-lexicon"
    assert engine_for(settings(backend="gemini")).expected_family == "gemini-3.1-flash-lite"


def test_models_json_lists_every_entry_with_a_price(tmp_path: Path) -> None:
    from emobatch.cli.main import main

    shutil.copytree(REPO / "config", tmp_path / "config")  # the command logs to <project>/logs
    result = CliRunner().invoke(main, ["models", "--json", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert [row["model"] for row in data["models"]] == CAT.names()
    for row in data["models"]:
        usd = row["usd_per_1000_posts"]
        assert set(usd) == set(DELIVERIES) and usd["batch"] > 0
        assert usd["flex"] == usd["batch"] and usd["interactive"] == pytest.approx(2 * usd["batch"])
    assert data["per_post_tokens"]["input"] > 1000  # the codebook is most of the input


def test_readme_cost_table_matches_the_catalogue() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("<!-- models-table:", 1)[1].split("<!-- /models-table -->", 1)[0]
    rows = {
        cells[0].strip("` "): cells
        for line in table.splitlines()
        if line.startswith("| `")
        for cells in [[c.strip() for c in line.strip("|").split("|")]]
    }
    data = catalogue_table(settings(), TODAY)
    assert set(rows) == set(CAT.names())
    for row in data["models"]:
        cells = rows[row["model"]]
        usd = row["usd_per_1000_posts"]
        assert cells[4:7] == [f"${usd[d]:.4f}" for d in ("batch", "flex", "interactive")], cells
        assert cells[1] == row["status"].replace("_", " ") and cells[7] == row["prices_taken_on"]
    assert f"~{data['per_post_tokens']['input']:,} input" in text
