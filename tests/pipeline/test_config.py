"""Invalid configuration is rejected before anything runs, naming the key."""

from __future__ import annotations

import pytest

from emobatch.config import load_config
from emobatch.errors import ConfigError


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ({"batch": {"max_batch_size": "many"}}, "batch.max_batch_size: 'many' is not of type"),
        ({"batch": {"max_batch_size": -3}}, "batch.max_batch_size: -3 is less than the minimum"),
        ({"modes": {"pilot": 0}}, "modes.pilot: 0 is less than the minimum of 1"),
        ({"modes": {"everything": 10}}, "modes: Additional properties"),
        ({"batch": {"model_name": "GPT 4"}}, "batch.model_name: 'GPT 4' does not match"),
        ({"backend": "openai"}, "backend: 'openai' is not allowed; use one of: local, gemini"),
        ({"sampling": {"confidence": 1.5}}, "sampling.confidence: 1.5 is greater than or equal"),
        ({"filter": {"long_text_policy": "ignore"}}, "filter.long_text_policy: 'ignore'"),
        ({"budget_usd": -1}, "budget_usd: -1 is less than the minimum of 0"),
    ],
)
def test_invalid_values_name_the_key(override, needle):
    with pytest.raises(ConfigError) as info:
        load_config("config/config.yaml", override)
    assert needle in str(info.value)
    assert "next step:" in str(info.value)


def test_command_line_strings_are_coerced_to_the_schema_type():
    s = load_config(
        "config/config.yaml",
        {
            "batch": {"max_batch_size": "40", "blocking": "false"},
            "budget_usd": "2.5",
            "local": {"faults": "null"},
        },
    )
    assert s.batch.max_batch_size == 40 and s.batch.blocking is False
    assert s.budget_usd == 2.5 and s.local.faults is None


def test_defaults_fill_a_minimal_config(tmp_path):
    cfg = tmp_path / "config.yaml"
    cfg.write_text("backend: local\n", encoding="utf-8")
    s = load_config(cfg)
    assert s.batch.model_name == "gemini-3.1-flash-lite"
    assert s.batch.max_batch_size == 10000 and s.batch.poll_interval_seconds == 300
    assert s.sampling.min_size == 384 and s.mode_sizes == {"code_check": 1, "pilot": 5}


def test_the_config_dict_is_what_a_job_builds_its_settings_from():
    """load_config_dict gives the validated dict (defaults filled, overrides merged), and its
    Settings are load_config's."""
    from emobatch.config import Settings, load_config_dict

    overrides = {"batch": {"max_batch_size": 7}}
    cfg = load_config_dict("config/config.yaml", overrides)
    assert cfg["batch"]["max_batch_size"] == 7 and cfg["batch"]["posts_per_request"] == 1
    assert Settings.from_dict(cfg) == load_config("config/config.yaml", overrides)
