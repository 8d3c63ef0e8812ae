"""Which carried text columns become numbers or booleans in the filter output."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

# --- types of text columns -------------------------------------------------------------------


class CarriedTypes:
    """Decide, over a whole file, the type of carried columns that were read as text.

    A column becomes int64, else float64, else bool when every non-empty value of it parses as
    that type (empty values become null); otherwise it stays text. Two exceptions keep id-like
    columns text: values with a leading zero (``007``) and integers too long for int64 or for an
    exact float (16+ digits) are never converted. Feed every batch to :meth:`update`, then
    :meth:`cast` the columns of the rows you keep.
    """

    _CANDIDATES = (pa.int64(), pa.float64(), pa.bool_())
    _KEEP_TEXT = r"^[+-]?0[0-9]|^[+-]?[0-9]{16,}$"

    def __init__(self, names: list[str]) -> None:
        self._possible = {name: list(self._CANDIDATES) for name in names}
        self._seen = dict.fromkeys(names, False)

    def update(self, batch: pa.RecordBatch) -> None:
        """Narrow the candidate types with the values of ``batch``."""
        for name, possible in self._possible.items():
            if not possible:
                continue
            values = _non_empty(batch.column(name))
            if len(values) == 0:
                continue
            self._seen[name] = True
            if pc.any(pc.match_substring_regex(values, self._KEEP_TEXT)).as_py():
                possible.clear()
                continue
            for kind in list(possible):
                try:
                    values.cast(kind)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    possible.remove(kind)

    def types(self) -> dict[str, pa.DataType]:
        """The decided type of every column."""
        return {
            name: possible[0] if possible and self._seen[name] else pa.string()
            for name, possible in self._possible.items()
        }

    def cast(self, name: str, column: pa.Array) -> pa.Array:
        """``column`` converted to the decided type (empty values become null)."""
        kind = self.types()[name]
        if kind == pa.string():
            return column
        return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column).cast(kind)


def _non_empty(column: pa.Array) -> pa.Array:
    return column.filter(pc.not_equal(column, "").fill_null(False))


def reads_text_columns(kind: str) -> bool:
    """Whether the ``kind`` reader delivers carried columns as text (CSV, TSV, JSONL)."""
    return kind != "parquet"
