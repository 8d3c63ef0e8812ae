"""Logging for rules and the CLI: one format, a per-rule log, and ``logs/analysis.log``.

``logs/analysis.log`` collects INFO lines of every rule and command; the story of a run is
``grep BATCH logs/analysis.log`` (one BATCH line per submit, poll state change, download,
retry round and merge), each naming its run as ``<mode>/<analysis id>`` so two runs can be told
apart. A filter redacts the API key should it ever reach a message.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from emobatch.secrets import known_secrets, redact

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
DATEFMT = "%Y-%m-%dT%H:%M:%S%z"
ANALYSIS_LOG = Path("logs/analysis.log")
batch_log = logging.getLogger("emobatch.batch")


class RedactSecrets(logging.Filter):
    """Replace any API key value in a record with ``[redacted]``."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets = known_secrets()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = redact(record.getMessage(), self.secrets), None
        return True


def setup(
    rule_log: Path | str | None = None,
    *,
    analysis_log: Path | str | None = ANALYSIS_LOG,
    stream: bool = True,
    level: int = logging.INFO,
) -> None:
    """Send emobatch's logs to the rule's log file, ``logs/analysis.log`` and stderr."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(level)
    formatter = logging.Formatter(FORMAT, DATEFMT)
    redactor = RedactSecrets()
    targets: list[logging.Handler] = []
    for path in (rule_log, analysis_log):
        if path:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            targets.append(logging.FileHandler(path, encoding="utf-8"))
    if stream:
        targets.append(logging.StreamHandler(sys.stderr))
    for handler in targets:
        handler.setFormatter(formatter)
        handler.addFilter(redactor)
        root.addHandler(handler)
    for noisy in ("httpx", "httpx2", "httpcore", "google_genai", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


_context: dict[str, str] = {}


def set_context(*, mode: str | None = None, analysis: str | None = None) -> None:
    """Name the run (mode, analysis id) that the following BATCH lines belong to."""
    _context.clear()
    _context.update({k: v for k, v in (("mode", mode), ("analysis", analysis)) if v})


def batch_event(stage: str, message: str, *args: object) -> None:
    """One BATCH-tagged line in the analysis log, e.g.
    ``BATCH submit pilot/a79daa4139c9 chunk-0000.jsonl -> batches/x``: stage, then the run's
    mode and analysis id (when the caller is a rule of one run), then the message."""
    run = "/".join(_context[k] for k in ("mode", "analysis") if k in _context)
    if run:
        batch_log.info("BATCH %s %s " + message, stage, run, *args)
    else:
        batch_log.info("BATCH %s " + message, stage, *args)


def usd(value: float | None) -> str:
    """Money for people: ``$0.6873`` (4 decimals; tiny amounts in scientific notation)."""
    if value is None:
        return "$?"
    return f"${value:,.4f}" if value == 0 or abs(value) >= 0.0001 else f"${value:.2e}"
