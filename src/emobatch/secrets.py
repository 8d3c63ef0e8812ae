"""Where the Gemini API key comes from, and nowhere else.

The key is read from the environment (``GEMINI_API_KEY``, else ``GOOGLE_API_KEY``) or from the
file named by ``GEMINI_API_KEY_FILE`` (which keeps the key itself out of the environment that
cluster jobs inherit). It is never written to a file, a log, a sentinel or a Snakemake param;
ledgers and sentinels hold ``identity.api_key_fingerprint`` instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from emobatch.errors import ConfigError

KEY_VARIABLES = ("GEMINI_API_KEY", "GOOGLE_API_KEY")
KEY_FILE_VARIABLE = "GEMINI_API_KEY_FILE"


def api_key_from_env(env: Mapping[str, str] | None = None) -> str | None:
    """The key from GEMINI_API_KEY / GOOGLE_API_KEY, or read from GEMINI_API_KEY_FILE."""
    env = os.environ if env is None else env
    for name in KEY_VARIABLES:
        if env.get(name):
            return env[name]
    path = env.get(KEY_FILE_VARIABLE)
    if path:
        try:
            key = Path(path).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"{KEY_FILE_VARIABLE} names {path}, which cannot be read ({exc.strerror})",
                hint="point it at a file that holds only the API key (chmod 600)",
            ) from None
        return key or None
    return None


def known_secrets() -> list[str]:
    """Key values this process could leak (from the environment or the key file)."""
    try:
        from_file = api_key_from_env()
    except ConfigError:  # an unreadable key file is reported where the key is needed
        from_file = None
    values = {os.environ.get(name) for name in KEY_VARIABLES} | {from_file}
    return sorted(v for v in values if v and len(v) >= 8)


def redact(text: str, secrets: list[str] | None = None) -> str:
    """``text`` with every key value replaced by ``[redacted]``."""
    for secret in known_secrets() if secrets is None else secrets:
        text = text.replace(secret, "[redacted]")
    return text
