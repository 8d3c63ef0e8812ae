"""Repeat codings (``repeats: k``): one row per post in the dataset, and how stable the codes are.

With ``repeats: k`` every post is requested k times (keys ``p1``, ``p1#rep2`` ... ``p1#repk``, see
:func:`emobatch.stages.requests.replicate_keys`). The parsed rows come in that order;
:func:`collapse` turns each post's k rows into one dataset row:

- the answer columns are the first replicate's;
- ``prompt_tokens`` ... ``thoughts_tokens`` and ``cost_usd`` are the **sums** over the replicates
  (what the k codings cost together);
- ``replicates`` [int32]: the replicates that gave an ok answer; ``modal_primary_emotion`` and
  ``modal_sentiment`` [string]: the most frequent label among them (ties: the earliest
  replicate's); ``replicate_agreement`` [double]: the share of ok replicates whose primary
  emotion is the modal one.

:func:`stability_report` (``results/<mode>.stability.json``, format ``emobatch.stability/1``)
treats the replicates as coders: Krippendorff's alpha (nominal) across replicates for primary
emotion and sentiment with 95 % bootstrap intervals over posts (the validation statistics),
the share of posts coded identically every time, and per modal label the share of its posts
whose replicates disagree (the least stable labels first).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from emobatch.errors import CoverageError

REPLICATE_MARK = "#rep"
REPLICATE_COLUMNS = (
    "replicates",
    "modal_primary_emotion",
    "modal_sentiment",
    "replicate_agreement",
)
SUMMED = ("prompt_tokens", "output_tokens", "thoughts_tokens", "cached_tokens", "cost_usd")
FORMAT = "emobatch.stability/1"


def base_key(key: str) -> tuple[str, int]:
    """``p1#rep3`` -> (``p1``, 3); ``p1`` -> (``p1``, 1)."""
    head, mark, tail = key.rpartition(REPLICATE_MARK)
    if mark and tail.isdigit():
        return head, int(tail)
    return key, 1


def _modal(labels: list[Any]) -> tuple[str | None, int]:
    seen = [x for x in labels if x is not None]
    if not seen:
        return None, 0
    counts = Counter(seen)
    top = max(counts.values())
    return next(x for x in seen if counts[x] == top), top


def collapse(table: pa.Table, k: int) -> pa.Table:
    """``table`` (k consecutive rows per post, replicate order) as one row per post."""
    if k == 1:
        return table
    if table.num_rows % k:
        raise CoverageError(f"{table.num_rows} parsed rows are not {k} replicates per post")
    n = table.num_rows // k
    keys = np.array(table["post_id"].to_pylist(), dtype=object).reshape(n, k)
    for row in keys:
        if [base_key(x) for x in row] != [(row[0], r) for r in range(1, k + 1)]:
            raise CoverageError(f"the replicates of post {row[0]} are not in order: {list(row)}")
    out = table.take(pa.array(np.arange(0, n * k, k)))
    for name in SUMMED:
        values = np.array(table[name].to_pylist(), dtype=np.float64).reshape(n, k)
        summed = np.nansum(values, axis=1)
        kind = table.schema.field(name).type
        col = pa.array(summed.astype(np.int64) if pa.types.is_integer(kind) else summed, kind)
        out = out.set_column(out.schema.get_field_index(name), name, col)
    ok = np.array(table["status"].to_pylist(), dtype=object).reshape(n, k) == "ok"
    cols: dict[str, list[Any]] = {c: [] for c in REPLICATE_COLUMNS}
    emotions = np.array(table["primary_emotion"].to_pylist(), dtype=object).reshape(n, k)
    sentiments = np.array(table["sentiment"].to_pylist(), dtype=object).reshape(n, k)
    for i in range(n):
        good = ok[i]
        modal, top = _modal([e for e, g in zip(emotions[i], good, strict=True) if g])
        cols["replicates"].append(int(good.sum()))
        cols["modal_primary_emotion"].append(modal)
        cols["modal_sentiment"].append(
            _modal([s for s, g in zip(sentiments[i], good, strict=True) if g])[0]
        )
        cols["replicate_agreement"].append(top / good.sum() if good.sum() else None)
    types = (pa.int32(), pa.string(), pa.string(), pa.float64())
    for (name, column), kind in zip(cols.items(), types, strict=True):
        out = out.append_column(name, pa.array(column, kind))
    return out


def replicate_matrix(parsed: list[Path], field: str) -> tuple[list[str], list[list[str | None]]]:
    """Posts and, per post, the ok label of every replicate (None where it failed)."""
    by_post: dict[str, dict[int, str | None]] = {}
    for path in parsed:
        t = pq.read_table(path, columns=["post_id", "status", field]).to_pylist()
        for row in t:
            post, r = base_key(str(row["post_id"]))
            by_post.setdefault(post, {})[r] = row[field] if row["status"] == "ok" else None
    k = max((max(v) for v in by_post.values()), default=0)
    posts = sorted(by_post)
    return posts, [[by_post[p].get(r) for r in range(1, k + 1)] for p in posts]


def stability_report(
    parsed: list[Path],
    *,
    labels: dict[str, tuple[str, ...]],
    analysis: str,
    mode: str,
    seed: int,
    draws: int = 2000,
) -> dict[str, Any]:
    """The stability of the replicates' codes (see the module docstring)."""
    from emobatch.validation.agreement import nominal_alpha, value_counts
    from emobatch.validation.bootstrap import figure, resample_weights

    fields: dict[str, Any] = {}
    posts: list[str] = []
    k = 0
    for field, cats in labels.items():
        posts, matrix = replicate_matrix(parsed, field)
        k = len(matrix[0]) if matrix else 0
        index = {c: i for i, c in enumerate(cats)}
        codes = np.array(
            [[index.get(x, -1) if x is not None else -1 for x in row] for row in matrix],
            dtype=np.int64,
        ).reshape(len(matrix), k)
        counts = value_counts(codes, len(cats))
        point = nominal_alpha(counts, np.ones((1, len(posts))))[0]
        boot = nominal_alpha(counts, resample_weights(len(posts), draws, seed))
        identical = [len(set(row)) == 1 and None not in row for row in matrix]
        unstable: dict[str, list[bool]] = {}
        for row, same in zip(matrix, identical, strict=True):
            modal = _modal(list(row))[0]
            if modal is not None:
                unstable.setdefault(modal, []).append(not same)
        per_label = {
            lab: {"posts": len(v), "share_unstable": round(sum(v) / len(v), 4)}
            for lab, v in sorted(unstable.items(), key=lambda kv: -sum(kv[1]) / len(kv[1]))
        }
        fields[field] = {
            "alpha_across_replicates": figure(point, boot),
            "share_identical": round(sum(identical) / len(identical), 4) if identical else None,
            "per_label": per_label,
            "least_stable": [lab for lab, v in per_label.items() if v["share_unstable"] > 0][:3],
        }
    return {
        "format": FORMAT,
        "mode": mode,
        "analysis_id": analysis,
        "replicates": k,
        "posts": len(posts),
        "fields": fields,
        # per primary-emotion label: the share of its posts coded identically every time
        "per_label": {
            lab: round(1 - v["share_unstable"], 4)
            for lab, v in (fields.get("primary_emotion") or {}).get("per_label", {}).items()
        },
        "bootstrap": {"draws": draws, "seed": seed, "level": 0.95},
        "note": "replicates are independent requests of the same post; alpha treats them as coders",
    }
