"""JSON lines: two streaming passes (keys first, then batches).

Lines are decoded with the codec of ``input.encoding`` (``auto``: UTF-8, as JSON requires; a
byte-order mark on the first line is skipped); ``source_row`` is the line number.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from emobatch.posts.common import (
    _assemble,
    _check_columns,
    _error,
)
from emobatch.posts.encoding import BadBytes, Resolved, undecodable

# --- JSONL ---------------------------------------------------------------------------------


def _json_lines(path: Path, codec: str = "utf-8") -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every non-blank line, decoded with ``codec``."""
    offset = 0
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            offset += len(raw)
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8-sig" if number == 1 and codec == "utf-8" else codec)
                obj = json.loads(text)
            except UnicodeDecodeError as exc:
                start = offset - len(raw) + exc.start
                bad = BadBytes(codec, start, number, raw[exc.start : exc.end][:4], exc.reason)
                raise undecodable(path, f"line {number}", Resolved(codec, bad), codec) from None
            except json.JSONDecodeError as exc:
                raise _error(
                    path,
                    f"line {number} is not valid JSON ({exc.msg} at column {exc.colno})",
                    "fix that line; JSONL needs one JSON object per line",
                ) from None
            if not isinstance(obj, dict):
                raise _error(
                    path,
                    f"line {number} is a JSON {type(obj).__name__}, not an object",
                    "write one JSON object per line",
                )
            yield number, obj


def _json_text(value: Any) -> str | None:
    kind = type(value)
    if value is None or kind is str:
        return None if value is None else str(value)
    if kind is int:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _json_batch(
    path: Path, names: list[str], records: list[dict[str, Any]], lines: list[int]
) -> list[pa.Array]:
    columns = []
    for name in names:
        values = [r.get(name) for r in records]
        if not all(v is None or type(v) is str for v in values):
            values = [_json_text(v) for v in values]
        try:
            columns.append(pa.array(values, pa.string()))
        except (UnicodeEncodeError, pa.ArrowException):
            for line, value in zip(lines, values, strict=True):
                try:
                    (value or "").encode("utf-8")
                except UnicodeEncodeError:
                    raise _error(
                        path,
                        f"line {line}, column {name!r} has a broken \\u escape "
                        "(an unpaired surrogate)",
                        "fix or remove that escape",
                    ) from None
            raise
    return columns


def _iter_jsonl(
    path: Path, id_column: str, text_column: str, batch_rows: int, codec: str = "utf-8"
) -> Iterator[pa.RecordBatch]:
    names: dict[str, None] = {}
    for _, obj in _json_lines(path, codec):
        names.update(dict.fromkeys(obj))
    if not names:
        raise _error(path, "has no JSON lines", "check the export")
    order = list(names)
    _check_columns(path, order, id_column, text_column)
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    for number, obj in _json_lines(path, codec):
        records.append(obj)
        lines.append(number)
        if len(records) == batch_rows:
            yield _jsonl_batch(path, order, records, lines, id_column, text_column)
            records, lines = [], []
    if records:
        yield _jsonl_batch(path, order, records, lines, id_column, text_column)


def _jsonl_batch(
    path: Path,
    names: list[str],
    records: list[dict[str, Any]],
    lines: list[int],
    id_column: str,
    text_column: str,
) -> pa.RecordBatch:
    columns = _json_batch(path, names, records, lines)
    return _assemble(path, names, columns, pa.array(lines, pa.int64()), id_column, text_column)
