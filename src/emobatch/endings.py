"""A clear end to every run: emobatch's own verdict as the last lines on the screen.

When a rule's stage fails with an :class:`~emobatch.errors.EmobatchError`, or a non-blocking
poll finds its job still running, the adapter records it in ``logs/verdicts/`` (one small JSON
file per rule job: ``{"rule", "wildcards", "kind": error | still_running, "message", "log",
"at"}``). The Snakefile's ``onerror`` and ``onsuccess`` handlers call :func:`print_ending`,
which prints, after Snakemake's own text:

- after a failure: ``emobatch: the run stopped.``, then for each failed job what failed, where
  (rule, mode, analysis, chunk, log file) and its next step;
- in non-blocking mode: ``emobatch: N job(s) still running: re-run the same command to resume
  (nothing is submitted again).`` (Snakemake still exits 1, as for any job that did not finish);
- after success: one line naming the targets written.

Only records written during the current run count (``since``: the time the Snakefile was read).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from emobatch.paths import LOGS

VERDICTS = LOGS / "verdicts"


def record(rule: str, wildcards: dict[str, str], kind: str, message: str, log: str | None) -> Path:
    """Write one verdict record (called by the adapter when a stage fails or waits)."""
    VERDICTS.mkdir(parents=True, exist_ok=True)
    name = "-".join([rule, *wildcards.values()]).replace("/", "_")
    path = VERDICTS / f"{name}.json"
    data = {
        "rule": rule,
        "wildcards": wildcards,
        "kind": kind,
        "message": message,
        "log": log,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "t": time.time(),
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
    return path


def _records(since: float) -> list[dict[str, Any]]:
    out = []
    for path in sorted(VERDICTS.glob("*.json")) if VERDICTS.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if float(data.get("t", 0)) >= since:
            out.append(data)
    return sorted(out, key=lambda d: d.get("t", 0))


def _where(rec: dict[str, Any]) -> str:
    wc = rec.get("wildcards") or {}
    parts = [f"{k} {wc[k]}" for k in ("mode", "analysis", "chunk") if k in wc]
    return f"{rec['rule']} ({', '.join(parts)})" if parts else rec["rule"]


def ending_lines(success: bool, since: float, targets: list[str] | None = None) -> list[str]:
    recs = _records(since)
    errors = [r for r in recs if r["kind"] == "error"]
    waiting = [r for r in recs if r["kind"] == "still_running"]
    lines: list[str] = []
    if success and not errors and not waiting:
        done = ", ".join(targets or []) or "the requested targets"
        return [f"emobatch: done: {done} (logs/analysis.log tells the story: grep BATCH)"]
    if errors:
        lines.append(f"emobatch: the run stopped: {len(errors)} job(s) failed.")
        for rec in errors:
            message, _, hint = str(rec["message"]).partition("\n  next step:")
            lines.append(f"  {_where(rec)}: {' '.join(message.split())}")
            if rec.get("log"):
                lines.append(f"    log: {rec['log']}")
            if hint.strip():
                lines.append(f"    next step: {hint.strip()}")
    if waiting:
        lines.append(
            f"emobatch: {len(waiting)} job(s) still running: re-run the same command to resume "
            "(nothing is submitted again). Snakemake exits 1 until every job has finished."
        )
        for rec in waiting:
            first = str(rec["message"]).splitlines()[0] if rec["message"] else ""
            lines.append(f"  {_where(rec)}: {' '.join(first.split())}")
    if not lines:
        lines.append(
            "emobatch: the run stopped, but no emobatch stage reported an error: see "
            "Snakemake's message above (a missing input, a syntax error, or an interrupted run)"
        )
    return lines


def print_ending(
    success: bool, since: float, targets: list[str] | None = None, stream: TextIO | None = None
) -> None:
    out = stream or sys.stderr
    out.write("\n" + "\n".join(ending_lines(success, since, targets)) + "\n")
    out.flush()
