"""Pass 1 of the filter, one batch at a time: which rows are the population, which are dropped
and why (:mod:`emobatch.stages.filter` streams the batches and writes the files).

Column by column: Python touches each row only to remember its id (and, with
``filter.drop_duplicate_texts``, a digest of its text); texts are normalised by
:func:`emobatch.textnorm.normalise_column` and measured by Arrow; only dropped and truncated rows
are handled one by one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from emobatch.config import FilterSettings
from emobatch.textnorm import normalise_column

__all__ = ["DROPPED_SCHEMA", "DROP_REASONS", "Judge"]

DROP_REASONS = ("duplicate_id", "empty_text", "too_long", "duplicate_text")
DROPPED_SCHEMA = pa.schema(
    [
        ("source_row", pa.int64()),
        ("post_id", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
    ]
)


@dataclass
class Judge:
    """State of the first pass: what was seen, what was dropped."""

    rules: FilterSettings
    rows_read: int = 0
    truncated: int = 0
    dropped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DROP_REASONS, 0))
    first_row_of_id: dict[str, int] = field(default_factory=dict)
    first_row_of_text: dict[bytes, int] = field(default_factory=dict)
    duplicate_ids: dict[str, None] = field(default_factory=dict)  # ordered set

    def process(self, batch: pa.RecordBatch) -> tuple[pa.RecordBatch, pa.RecordBatch]:
        """Split ``batch`` into (kept rows with their final text, dropped rows).

        Column by column: Python touches each row only to remember its id (and, with
        ``drop_duplicate_texts``, its text digest); texts are normalised by
        :func:`emobatch.textnorm.normalise_column`, and only dropped or truncated rows are
        handled one by one.
        """
        rules = self.rules
        ids = batch.column("post_id").to_pylist()
        rows = batch.column("source_row").to_pylist()
        seen = self.first_row_of_id.setdefault
        firsts = np.fromiter(
            (seen(i, r) for i, r in zip(ids, rows, strict=True)), np.int64, len(ids)
        )
        row_numbers = np.asarray(rows, dtype=np.int64)
        reasons: dict[int, tuple[str, str]] = {}
        for i in np.flatnonzero(firsts != row_numbers).tolist():
            self.duplicate_ids[ids[i]] = None
            reasons[i] = ("duplicate_id", f"id first seen in source_row {firsts[i]}")
        raw = batch.column("text")
        texts = normalise_column(raw)
        chars = pc.utf8_length(texts).to_numpy().astype(np.int64)
        limit = rules.max_text_chars
        for i in np.flatnonzero(chars == 0).tolist():
            if i not in reasons:
                value = raw[i].as_py()
                what = (
                    "null"
                    if value is None
                    else "empty"
                    if value == ""
                    else "blank after normalising"
                )
                reasons[i] = ("empty_text", f"text is {what}")
        over = chars > limit
        if rules.long_text_policy == "reject":
            for i in np.flatnonzero(over).tolist():
                reasons.setdefault(
                    i, ("too_long", f"{chars[i]} characters > filter.max_text_chars {limit}")
                )
        if rules.drop_duplicate_texts:
            self._drop_duplicate_texts(texts, rows, reasons)
        keep = np.ones(len(ids), dtype=bool)
        keep[list(reasons)] = False
        cut = over & keep
        if cut.any():
            where = np.flatnonzero(cut)
            shorter = [t[:limit].rstrip() for t in texts.take(pa.array(where)).to_pylist()]
            texts = pc.replace_with_mask(texts, pa.array(cut), pa.array(shorter, pa.string()))
        self.rows_read += batch.num_rows
        self.truncated += int(cut.sum())
        for reason, _ in reasons.values():
            self.dropped[reason] += 1
        kept = _kept_batch(batch, np.flatnonzero(keep), texts, cut, chars)
        order = sorted(reasons)
        dropped = {
            "source_row": [rows[i] for i in order],
            "post_id": [ids[i] for i in order],
            "reason": [reasons[i][0] for i in order],
            "detail": [reasons[i][1] for i in order],
        }
        return kept, pa.RecordBatch.from_pydict(dropped, schema=DROPPED_SCHEMA)

    def _drop_duplicate_texts(
        self, texts: pa.Array, rows: list[int], reasons: dict[int, tuple[str, str]]
    ) -> None:
        """Mark the rows (not dropped already) whose full normalised text a kept row had."""
        candidates = [i for i in range(len(rows)) if i not in reasons]
        values = texts.take(pa.array(candidates, pa.int64())).to_pylist()
        seen = self.first_row_of_text.setdefault
        blake2b = hashlib.blake2b
        for i, text in zip(candidates, values, strict=True):
            first = seen(blake2b(text.encode("utf-8"), digest_size=16).digest(), rows[i])
            if first != rows[i]:
                reasons[i] = ("duplicate_text", f"same normalised text as source_row {first}")

    def forget_seen(self) -> None:
        """Drop the ids and text digests seen (the largest part of pass 1's memory)."""
        self.first_row_of_id = {}
        self.first_row_of_text = {}


def _kept_batch(
    batch: pa.RecordBatch, keep: np.ndarray, texts: pa.Array, cut: np.ndarray, chars: np.ndarray
) -> pa.RecordBatch:
    """The population layout: our columns, then the carried ones (``texts``, ``cut`` and
    ``chars`` are per row of ``batch``; ``keep`` the indices of the rows kept)."""
    whole = len(keep) == batch.num_rows
    take = None if whole else pa.array(keep, pa.int64())
    taken = batch if take is None else batch.take(take)
    columns = {
        "post_id": taken.column("post_id"),
        "text": texts if take is None else texts.take(take),
        "text_truncated": pa.array(cut if whole else cut[keep], pa.bool_()),
        "text_chars": pa.array(chars if whole else chars[keep], pa.int64()),
        "source_row": taken.column("source_row"),
    }
    for name in taken.schema.names[3:]:
        columns[name] = taken.column(name)
    return pa.RecordBatch.from_pydict(columns)
