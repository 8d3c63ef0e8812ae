"""The API key: read from the environment or a key file, redacted from every log line."""

from __future__ import annotations

import logging

import pytest

from emobatch import logs
from emobatch.errors import ConfigError
from emobatch.secrets import api_key_from_env, redact

KEY = "AIzaSyUNIT-test-key-0123456789abcdef"


def test_key_from_env_or_file(tmp_path):
    assert api_key_from_env({"GEMINI_API_KEY": KEY}) == KEY
    assert api_key_from_env({"GOOGLE_API_KEY": KEY}) == KEY
    key_file = tmp_path / "gemini.key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    assert api_key_from_env({"GEMINI_API_KEY_FILE": str(key_file)}) == KEY
    assert api_key_from_env({}) is None
    with pytest.raises(ConfigError, match="cannot be read"):
        api_key_from_env({"GEMINI_API_KEY_FILE": str(tmp_path / "missing")})


def test_logs_and_messages_never_show_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    rule_log, analysis_log = tmp_path / "rule.log", tmp_path / "analysis.log"
    logs.setup(rule_log, analysis_log=analysis_log, stream=False)
    logging.getLogger("emobatch.test").error("request to https://x/v1beta?key=%s failed", KEY)
    for handler in logging.getLogger().handlers:
        handler.flush()
    for path in (rule_log, analysis_log):
        text = path.read_text("utf-8")
        assert "?key=[redacted] failed" in text and KEY not in text
    assert redact(f"key {KEY}") == "key [redacted]"
    logging.getLogger().handlers.clear()
