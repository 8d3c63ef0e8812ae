"""The results figures: what was found, in the codebook's labels (English and Korean).

Each function draws one PNG from the mode's dataset (``ok`` rows unless said) and returns the
numbers it shows, which the report caption quotes (``results/<mode>/figures/numbers.json``).
Shares are of the coded (``ok``) posts; failed rows are counted in
:func:`emobatch.report.quality.dropped`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from emobatch.codebook import Codebook
from emobatch.report import style
from emobatch.validation.common import raw_codebook

OTHER = "(other)"
MAX_GROUPS = 8


@dataclass(frozen=True)
class Labels:
    """The codebook's labels in its order, with their Korean names."""

    names: tuple[str, ...]
    emotions: tuple[str, ...]
    korean: dict[str, str]

    @classmethod
    def of(cls, codebook: Codebook) -> Labels:
        raw = raw_codebook(codebook).get("labels") or []
        korean = {
            str(x["name"]): str(x["korean"]) for x in raw if isinstance(x, dict) and "korean" in x
        }
        return cls(codebook.labels, codebook.emotions, korean)

    def show(self, label: str) -> str:
        return f"{self.korean[label]} {label}" if label in self.korean else label


def ok_rows(data: pd.DataFrame) -> pd.DataFrame:
    return data[data["status"] == "ok"]


def _pct(part: float, whole: float) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def emotion_distribution(
    data: pd.DataFrame, labels: Labels, png: Path, csv: Path
) -> dict[str, Any]:
    ok = ok_rows(data)
    counts = ok["primary_emotion"].value_counts()
    n = len(ok)
    rows = [(lab, int(counts.get(lab, 0))) for lab in labels.names]
    table = pd.DataFrame(
        {
            "label": [r[0] for r in rows],
            "korean": [labels.korean.get(r[0], "") for r in rows],
            "posts": [r[1] for r in rows],
            "share_pct": [_pct(r[1], n) for r in rows],
        }
    )
    table.to_csv(csv, index=False, encoding="utf-8")
    with style.figure(7.0, 3.8) as fig:
        ax = fig.add_subplot()
        y = np.arange(len(rows))[::-1]
        ax.barh(y, [r[1] for r in rows], color=style.GREYS[0], edgecolor="black", height=0.7)
        ax.set_yticks(y, [labels.show(r[0]) for r in rows])
        top = max([r[1] for r in rows] + [1])
        for yi, (_, count) in zip(y, rows, strict=True):
            ax.text(count + top * 0.01, yi, f"{count:,} ({_pct(count, n):.1f}%)", va="center")
        ax.set_xlim(0, top * 1.22)
        ax.set_xlabel("posts (share of the coded posts)")
        ax.set_title(f"Primary emotion, {n:,} coded posts (주된 감정)", loc="left")
        style.save(fig, png)
    best = max(rows, key=lambda r: r[1]) if rows else ("-", 0)
    return {
        "posts": len(data),
        "coded": n,
        "failed": int((data["status"] != "ok").sum()),
        "top_label": best[0],
        "top_korean": labels.korean.get(best[0], ""),
        "top_count": best[1],
        "top_share_pct": _pct(best[1], n),
        "shares": ", ".join(f"{lab} {_pct(c, n):.1f}%" for lab, c in rows),
    }


def emotion_by(
    data: pd.DataFrame, column: str, labels: Labels, png: Path, csv: Path
) -> dict[str, Any]:
    """Emotion shares within each value of ``column`` (the largest groups; the rest pooled)."""
    if column not in data.columns:
        pd.DataFrame({"label": list(labels.names)}).to_csv(csv, index=False)
        style.empty(
            png,
            f"Primary emotion by {column}",
            f"The dataset has no column {column!r}; set report.group_by in config/config.yaml "
            "to columns of the input (results/<mode>.columns.csv lists them).",
        )
        return {"column": column, "present": False, "groups": 0, "summary": "-"}
    ok = ok_rows(data)
    values = ok[column].astype("string").fillna("(missing)")
    sizes = values.value_counts()
    keep = list(sizes.index[:MAX_GROUPS])
    values = values.where(values.isin(keep), OTHER)
    groups = keep + ([OTHER] if (values == OTHER).any() else [])
    counts = pd.crosstab(ok["primary_emotion"], values).reindex(
        index=list(labels.names), columns=groups, fill_value=0
    )
    counts.to_csv(csv, index_label="label", encoding="utf-8")
    totals = counts.sum(axis=0).replace(0, 1)
    shares = counts / totals
    with style.figure(1.6 + 0.85 * len(groups), 4.2) as fig:
        ax = fig.add_subplot()
        ax.grid(False)
        top = max(float(shares.to_numpy().max()), 0.01)  # darkest = the largest share
        ax.imshow(shares.to_numpy(), cmap="Greys", vmin=0, vmax=top, aspect="auto")
        for i in range(len(labels.names)):
            for j in range(len(groups)):
                share = float(shares.iat[i, j])
                ax.text(
                    j,
                    i,
                    f"{int(counts.iat[i, j])}\n{share * 100:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if share > 0.6 * top else "black",
                )
        ax.set_xticks(range(len(groups)), [f"{g}\n(n={int(totals[g])})" for g in groups])
        ax.set_yticks(range(len(labels.names)), [labels.show(x) for x in labels.names])
        ax.set_title(f"Primary emotion by {column}: posts and share within each group", loc="left")
        style.save(fig, png)
    tops = {g: str(shares[g].idxmax()) for g in groups}
    return {
        "column": column,
        "present": True,
        "groups": len(groups),
        "summary": "; ".join(
            f"{g} (n={int(totals[g])}): {tops[g]} {float(shares[g].max()) * 100:.1f}%"
            for g in groups
        ),
    }


def intensity(data: pd.DataFrame, labels: Labels, png: Path) -> dict[str, Any]:
    ok = ok_rows(data)
    means, half = [], []
    for emo in labels.emotions:
        col = ok.get(f"intensity_{emo}")
        values = pd.to_numeric(col, errors="coerce").dropna() if col is not None else pd.Series()
        n = len(values)
        means.append(float(values.mean()) if n else 0.0)
        half.append(float(1.96 * values.std(ddof=1) / np.sqrt(n)) if n > 1 else 0.0)
    with style.figure(7.0, 3.6) as fig:
        ax = fig.add_subplot()
        y = np.arange(len(labels.emotions))[::-1]
        ax.barh(
            y,
            means,
            xerr=half,
            color=style.GREYS[1],
            edgecolor="black",
            hatch="//",
            ecolor="black",
            capsize=3,
            height=0.65,
        )
        ax.set_yticks(y, [labels.show(e) for e in labels.emotions])
        for yi, m in zip(y, means, strict=True):
            ax.text(m + 0.01, yi + 0.2, f"{m:.3f}", fontsize=7)
        ax.set_xlim(0, max([*means, 0.1]) * 1.35)
        ax.set_xlabel("mean intensity (0-1) over the coded posts; bars: 95% interval of the mean")
        ax.set_title(f"Mean intensity per emotion, {len(ok):,} posts (감정 강도)", loc="left")
        style.save(fig, png)
    best = int(np.argmax(means)) if means else 0
    return {
        "posts": len(ok),
        "highest": labels.emotions[best] if labels.emotions else "-",
        "highest_mean": round(means[best], 3) if means else 0.0,
        "means": ", ".join(f"{e} {m:.3f}" for e, m in zip(labels.emotions, means, strict=True)),
    }


def sentiment(data: pd.DataFrame, png: Path) -> dict[str, Any]:
    ok = ok_rows(data)
    scores = pd.to_numeric(ok["sentiment_score"], errors="coerce").dropna()
    by_label = ok["sentiment"].value_counts()
    with style.figure(7.0, 3.2) as fig:
        ax = fig.add_subplot()
        ax.hist(
            scores,
            bins=[round(-1 + 0.1 * i, 1) for i in range(21)],
            color=style.GREYS[2],
            edgecolor="black",
            hatch="..",
        )
        ax.axvline(float(scores.mean()) if len(scores) else 0.0, color="black", linestyle="--")
        ax.set_xlabel("sentiment score (-1 negative ... +1 positive); dashed: mean")
        ax.set_ylabel("posts")
        ax.set_title(f"Sentiment score, {len(scores):,} posts (감성 점수)", loc="left")
        style.save(fig, png)
    return {
        "posts": len(scores),
        "mean": round(float(scores.mean()), 3) if len(scores) else None,
        "median": round(float(scores.median()), 3) if len(scores) else None,
        "labels": ", ".join(f"{k} {int(v):,}" for k, v in by_label.items()),
    }
