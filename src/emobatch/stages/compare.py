"""Agreement between two analyses of the same posts: the seed's last step ("compare the batch
results with the realtime script's"), for any two analyses that differ in delivery or model.

``results/<mode>.compare.json`` (format ``emobatch.compare/1``): the mode's current analysis
against the analysis that ``compare.against`` defines (config overrides, e.g.
``{"delivery": "batch"}`` or ``{"batch": {"model_name": "gemini-3.5-flash-lite"}}``), on the posts
both coded ok (the other analysis's rows are read from the analysis history): for
``primary_emotion`` and ``sentiment`` Cohen's kappa (scikit-learn), the share of identical
labels and the confusion matrix (rows: this analysis, columns: the other); and each analysis's
delivery, model, engine and cost of those posts.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.dataset as ds

from emobatch import atomic
from emobatch.analysis import Analysis, analysis_for
from emobatch.config import Settings, validate_config
from emobatch.errors import ConfigError

FORMAT = "emobatch.compare/1"
FIELDS = ("primary_emotion", "sentiment")


def other_settings(config: dict[str, Any], against: dict[str, Any]) -> Settings:
    """The settings of the analysis to compare with: the effective config plus ``against``."""
    if not against:
        raise ConfigError(
            "compare.against is empty: nothing to compare with",
            hint='e.g. --config \'compare={"against": {"delivery": "batch"}}\'',
        )
    merged = copy.deepcopy(config)
    for key, value in against.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return Settings.from_dict(validate_config(merged))


def _history(history_dir: Path, analysis: str) -> pd.DataFrame:
    parts = sorted(Path(history_dir).glob("part-*.parquet"))
    if not parts:
        return pd.DataFrame(columns=["post_id", "status", *FIELDS, "cost_usd"])
    table = ds.dataset([str(p) for p in parts], format="parquet").to_table(
        columns=["post_id", "status", "analysis_id", *FIELDS, "cost_usd"],
        filter=(ds.field("analysis_id") == analysis) & (ds.field("status") == "ok"),
    )
    return table.to_pandas().drop_duplicates("post_id", keep="last")


def _describe(a: Analysis, cost: float) -> dict[str, Any]:
    return {
        "analysis_id": a.id,
        "delivery": a.delivery,
        "model": a.model.name,
        "engine": a.engine.tag,
        "cost_usd": round(cost, 6),
    }


def compare(
    dataset: Path, this: Analysis, other: Analysis, history_dir: Path, out: Path, mode: str
) -> dict[str, Any]:
    from sklearn.metrics import cohen_kappa_score, confusion_matrix

    mine = pd.read_parquet(dataset, columns=["post_id", "status", *FIELDS, "cost_usd"])
    mine = mine[mine["status"] == "ok"]
    theirs = _history(history_dir, other.id)
    both = mine.merge(theirs, on="post_id", suffixes=("", "_other"))
    if both.empty:
        raise ConfigError(
            f"analysis {other.id} ({other.delivery}, {other.model.name}) has coded none of the "
            f"posts of results/{mode}.parquet",
            hint=f"run the same mode with the compared settings first (snakemake --cores 2 "
            f"results/{mode}.parquet --config ...), then ask for results/{mode}.compare.json",
        )
    fields: dict[str, Any] = {}
    for field in FIELDS:
        a, b = both[field].astype(str), both[f"{field}_other"].astype(str)
        labels = sorted(set(a) | set(b))
        kappa = cohen_kappa_score(a, b, labels=labels) if len(labels) > 1 else None
        fields[field] = {
            "kappa": None if kappa is None or kappa != kappa else round(float(kappa), 4),
            "identical": round(float((a == b).mean()), 4),
            "confusion": {
                "labels": labels,
                "rows": f"this analysis ({this.id})",
                "columns": f"the other ({other.id})",
                "matrix": confusion_matrix(a, b, labels=labels).tolist(),
            },
        }
    report = {
        "format": FORMAT,
        "mode": mode,
        "posts_compared": len(both),
        "posts_only_here": int(len(mine) - len(both)),
        "this": _describe(this, float(both["cost_usd"].sum())),
        "other": _describe(other, float(both["cost_usd_other"].sum())),
        "fields": fields,
    }
    atomic.write_json(out, report)
    return report


def compare_for(
    settings: Settings, config: dict[str, Any], mode: str, dataset: Path, out: Path
) -> dict[str, Any]:
    """Compare the current analysis with the one ``config["compare"]["against"]`` defines."""
    against = dict((config.get("compare") or {}).get("against") or {})
    this = analysis_for(settings)
    other = analysis_for(other_settings(config, against))
    if other.id == this.id:
        raise ConfigError(
            f"compare.against {against} defines the same analysis ({this.id})",
            hint="change the delivery or the model in compare.against",
        )
    return compare(dataset, this, other, settings.history_dir, out, mode)
