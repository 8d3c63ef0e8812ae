"""Data quality and cost figures: what was dropped or failed, what it cost, who answered.

Like :mod:`emobatch.report.figures`, each function writes one PNG (and a CSV table) and
returns the numbers it shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emobatch.report import style
from emobatch.report.runfiles import ChunkCost

FILTER_REASONS = ("duplicate_id", "duplicate_text", "empty_text", "too_long")


def _bars(ax: Any, names: list[str], values: list[int], hatch: str, title: str) -> None:
    y = np.arange(len(names))[::-1]
    ax.barh(y, values, color=style.GREYS[1], edgecolor="black", hatch=hatch, height=0.6)
    ax.set_yticks(y, names)
    top = max([*values, 1])
    for yi, v in zip(y, values, strict=True):
        ax.text(v + top * 0.02, yi, f"{v:,}", va="center")
    ax.set_xlim(0, top * 1.25)
    ax.set_title(title, loc="left")


def dropped(
    filter_report: dict[str, Any], data: pd.DataFrame, png: Path, csv: Path
) -> dict[str, Any]:
    """Rows the filter dropped, by reason, and rows that failed coding, by reason."""
    drops = {**dict.fromkeys(FILTER_REASONS, 0), **(filter_report.get("dropped") or {})}
    failed = data.loc[data["status"] != "ok", "error_reason"].fillna("unknown").value_counts()
    fails = {str(k): int(v) for k, v in failed.items()}
    table = [("filter", k, int(v)) for k, v in drops.items()]
    table += [("coding", k, v) for k, v in fails.items()]
    pd.DataFrame(table, columns=["stage", "reason", "rows"]).to_csv(csv, index=False)
    with style.figure(8.0, 3.0) as fig:
        left, right = fig.subplots(1, 2)
        _bars(
            left,
            list(drops),
            [int(v) for v in drops.values()],
            "//",
            f"Dropped by the filter ({sum(drops.values()):,} of "
            f"{filter_report.get('rows_read', 0):,} rows read)",
        )
        if fails:
            _bars(
                right,
                list(fails),
                list(fails.values()),
                "xx",
                f"Failed coding ({sum(fails.values()):,} of {len(data):,} posts)",
            )
        else:
            right.set_axis_off()
            right.set_title("Failed coding", loc="left")
            right.text(0, 0.5, f"no row failed ({len(data):,} posts coded)", va="center")
        style.save(fig, png)
    return {
        "rows_read": int(filter_report.get("rows_read", 0)),
        "dropped_total": int(sum(drops.values())),
        "dropped": ", ".join(f"{k} {int(v):,}" for k, v in drops.items()),
        "truncated": int(filter_report.get("truncated", 0)),
        "failed_total": int(sum(fails.values())),
        "failed": ", ".join(f"{k} {v:,}" for k, v in fails.items()) or "none",
        "posts": len(data),
    }


def cost(chunks: list[ChunkCost], png: Path, csv: Path) -> dict[str, Any]:
    """Estimated (at submit) against actual (from usageMetadata) batch-price USD per chunk."""
    frame = pd.DataFrame([c.__dict__ for c in chunks])
    frame.to_csv(csv, index=False)
    est = [c.estimated_usd or 0.0 for c in chunks]
    act = [c.actual_usd or 0.0 for c in chunks]
    with style.figure(max(4.0, 1.5 + 0.9 * len(chunks)), 3.4) as fig:
        ax = fig.add_subplot()
        ax.grid(axis="y")
        ax.grid(axis="x", visible=False)
        x = np.arange(len(chunks))
        ax.bar(x - 0.2, est, 0.4, label="estimated", color="white", edgecolor="black", hatch="///")
        ax.bar(x + 0.2, act, 0.4, label="actual", color=style.GREYS[0], edgecolor="black")
        for xi, (e, a) in enumerate(zip(est, act, strict=True)):
            ax.text(xi - 0.2, e, f"${e:.4f}", ha="center", va="bottom", fontsize=7)
            ax.text(xi + 0.2, a, f"${a:.4f}", ha="center", va="bottom", fontsize=7)
        ax.set_xticks(x, [f"{c.chunk}\n({c.requests:,} req.)" for c in chunks])
        ax.set_ylabel("USD at batch prices")
        ax.set_ylim(0, max([*est, *act, 1e-6]) * 1.25)
        ax.legend(loc="upper right", frameon=False)
        ax.set_title("Estimated vs actual cost per chunk", loc="left")
        style.save(fig, png)
    total_est, total_act = round(sum(est), 6), round(sum(act), 6)
    return {
        "chunks": len(chunks),
        "estimated_usd": total_est,
        "actual_usd": total_act,
        "difference_pct": round(100 * (total_act - total_est) / total_est, 1)
        if total_est
        else None,
    }


def model_versions(data: pd.DataFrame, warnings: list[str], png: Path, csv: Path) -> dict[str, Any]:
    """Rows per answering ``modelVersion``; rows another model answered (routed) are hatched."""
    answered = data[data["model_version"].notna()]
    grouped = (
        answered.groupby(["model_version", "model_routed"], dropna=False)
        .size()
        .reset_index(name="rows")
        .sort_values("rows", ascending=False)
    )
    grouped.to_csv(csv, index=False)
    names = [str(v) for v in grouped["model_version"]]
    rows = [int(v) for v in grouped["rows"]]
    routed = [bool(v) for v in grouped["model_routed"]]
    with style.figure(7.0, 2.2 + 0.4 * max(len(names), 1)) as fig:
        ax = fig.add_subplot()
        y = np.arange(len(names))[::-1]
        ax.barh(
            y,
            rows,
            height=0.6,
            edgecolor="black",
            color=["white" if r else style.GREYS[0] for r in routed],
            hatch=["xx" if r else "" for r in routed],
        )
        ax.set_yticks(
            y, [f"{n}{' (ROUTED)' if r else ''}" for n, r in zip(names, routed, strict=True)]
        )
        for yi, v in zip(y, rows, strict=True):
            ax.text(v, yi, f" {v:,}", va="center")
        ax.set_xlim(0, max([*rows, 1]) * 1.2)
        ax.set_title("Rows per answering model version (modelVersion)", loc="left")
        style.save(fig, png)
    return {
        "versions": ", ".join(f"{n} {r:,}" for n, r in zip(names, rows, strict=True)) or "none",
        "routed_rows": int(sum(r for r, x in zip(rows, routed, strict=True) if x)),
        "warnings": " ".join(warnings) if warnings else "none",
    }
