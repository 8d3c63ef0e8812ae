"""The parts of the provenance record read from single files (see :mod:`.provenance`)."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from emobatch.config import Settings
from emobatch.identity import file_sha256

REPO = Path(__file__).resolve().parents[3]
METRICS = (
    "alpha_humans",
    "alpha_with_model",
    "kappa_vs_majority",
    "accuracy_vs_majority",
    "macro_f1",
    "ac1_vs_majority",
)


def software() -> dict[str, Any]:
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    out: dict[str, Any] = {
        "emobatch": version("emobatch"),
        "emobatch_git_commit": None,
        "emobatch_git_dirty": None,
        "google-genai": version("google-genai"),
        "snakemake": version("snakemake"),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }
    if (REPO / ".git").exists():
        try:
            git = ["git", "-C", str(REPO)]
            head = subprocess.run(
                [*git, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=20, check=True
            )
            status = subprocess.run(
                [*git, "status", "--porcelain", "--untracked-files=no"],
                capture_output=True,
                text=True,
                timeout=20,
                check=True,
            )
            out["emobatch_git_commit"] = head.stdout.strip()
            out["emobatch_git_dirty"] = bool(status.stdout.strip())
        except (OSError, subprocess.SubprocessError):
            pass
    return out


def dataset_facts(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    cols = [
        "status",
        "error_reason",
        "model_version",
        "model_routed",
        "batch_job",
        "result_source",
        "analysed_at",
        "analysis_id",
    ]
    d = pd.read_parquet(path, columns=cols)
    failed = d.loc[d["status"] != "ok", "error_reason"].fillna("unknown").value_counts()
    when = pd.to_datetime(d["analysed_at"], utc=True).dropna()
    info = {
        "path": str(path),
        "bytes": path.stat().st_size,
        "sha256": file_sha256(path),
        "rows": len(d),
        "ok": int((d["status"] == "ok").sum()),
        "failed": int((d["status"] != "ok").sum()),
        "failed_by_reason": {str(k): int(v) for k, v in failed.items()},
        "this_run": int((d["result_source"] == "this_run").sum()),
        "from_history": int((d["result_source"] == "history").sum()),
        "analysis_ids": sorted(str(x) for x in d["analysis_id"].dropna().unique()),
        "analysed_from": when.min().isoformat() if len(when) else None,
        "analysed_to": when.max().isoformat() if len(when) else None,
        "answered": {str(k): int(v) for k, v in d["model_version"].value_counts().items()},
        "routed_rows": int(d["model_routed"].fillna(False).astype(bool).sum()),
    }
    jobs = {str(k): int(v) for k, v in d["batch_job"].dropna().value_counts().items()}
    return info, jobs


def validation_facts(found: tuple[Path, dict[str, Any]] | None, settings: Settings) -> Any:
    if found is None:
        return None
    path, v = found
    fields: dict[str, dict[str, Any]] = {}
    for name, field in (v.get("fields") or {}).items():
        if not isinstance(field, dict) or not field:
            continue
        fields[name] = {
            m: {"value": field[m].get("value"), "ci": field[m].get("ci")}
            for m in METRICS
            if isinstance(field.get(m), dict)
        }
        fields[name]["items_compared"] = field.get("items_compared")
        fields[name]["per_class"] = field.get("per_class")
        alt = field.get("alt_test") or {}
        fields[name]["alt_test"] = {k: alt.get(k) for k in ("passed", "winning_rate", "epsilon")}
    s = settings.validation
    return {
        "path": str(path),
        "sha256": file_sha256(path),
        "analysis_id": v.get("analysis_id"),
        "mode": v.get("mode"),
        "items": v.get("items"),
        "coders": list(v.get("coders") or []),
        "coders_count": len(v.get("coders") or []),
        "simulated_coders": bool(v.get("simulated_coders")),
        "human_codes": v.get("human_codes"),
        "bootstrap": v.get("bootstrap"),
        "fields": fields,
        "gate": v.get("gate"),
        "thresholds": {
            "metric": s.gate_metric,
            "field": s.gate_field,
            "bound": s.gate_bound,
            "threshold": s.gate_threshold,
        },
        "override_reason": s.override_reason,
    }


def stability_facts(found: tuple[Path, dict[str, Any]] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    path, data = found
    return {"path": str(path), "sha256": file_sha256(path), "data": data}
