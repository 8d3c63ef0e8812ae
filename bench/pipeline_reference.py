"""A minimal streaming reference for ``bench_pipeline.py``: pyarrow batches and orjson, no checks.

Each function does the smallest job a careful script would do for one stage, on the same
inputs as the pipeline's stage and producing the same kind of output, with none of the
pipeline's guarantees (no input validation, no line numbers, no atomic writes, no hashes, no
schema check of the answers, no coverage check, no R-friendly CSV). The benchmark prints the
pipeline's time as a ratio to it, so the comparison holds on a noisy machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

BATCH = 65_536


def ref_filter(posts: Path, out: Path) -> None:
    """CSV in record batches → drop empty texts and repeated ids → Parquet."""
    reader = pacsv.open_csv(
        posts,
        read_options=pacsv.ReadOptions(block_size=16 << 20),
        convert_options=pacsv.ConvertOptions(
            column_types={"post_id": pa.string(), "text": pa.string()}
        ),
    )
    seen: set[str] = set()
    writer: pq.ParquetWriter | None = None
    for batch in reader:
        table = pa.Table.from_batches([batch])
        table = table.filter(pc.not_equal(pc.utf8_trim_whitespace(table["text"]), ""))
        ids = table["post_id"].to_pylist()
        keep = []
        for pid in ids:
            keep.append(pid not in seen)
            seen.add(pid)
        table = table.filter(pa.array(keep))
        if writer is None:
            writer = pq.ParquetWriter(out, table.schema)
        writer.write_table(table)
    if writer is not None:
        writer.close()


def ref_requests(selected: Path, out_dir: Path, template: dict[str, Any], per_file: int) -> int:
    """One ``{"key", "request"}`` line per post, orjson per row; returns the bytes written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    total = lines = files = 0
    handle = None
    for batch in pq.ParquetFile(selected).iter_batches(
        batch_size=BATCH, columns=["post_id", "text"]
    ):
        for key, text in zip(batch["post_id"].to_pylist(), batch["text"].to_pylist(), strict=True):
            if handle is None or lines == per_file:
                if handle is not None:
                    handle.close()
                handle = open(out_dir / f"chunk-{files:04d}.jsonl", "wb")  # noqa: SIM115
                files, lines = files + 1, 0
            request = {**template, "contents": [{"role": "user", "parts": [{"text": text}]}]}
            line = orjson.dumps({"key": key, "request": request}) + b"\n"
            handle.write(line)
            total += len(line)
            lines += 1
    if handle is not None:
        handle.close()
    return total


def ref_parse(raw: Path, out: Path, emotions: tuple[str, ...]) -> None:
    """One output file → orjson per line and per answer → columns → Parquet."""
    cols: dict[str, list[Any]] = {
        "post_id": [],
        "primary_emotion": [],
        **{f"intensity_{e}": [] for e in emotions},
        "sentiment": [],
        "sentiment_score": [],
        "rationale": [],
        "prompt_tokens": [],
        "output_tokens": [],
        "model_version": [],
    }
    with open(raw, "rb") as fh:
        for line in fh:
            obj = orjson.loads(line)
            response = obj["response"]
            answer = orjson.loads(response["candidates"][0]["content"]["parts"][0]["text"])
            usage = response.get("usageMetadata", {})
            cols["post_id"].append(obj["key"])
            cols["primary_emotion"].append(answer.get("primary_emotion"))
            intens = answer.get("intensities") or {}
            for e in emotions:
                cols[f"intensity_{e}"].append(intens.get(e))
            cols["sentiment"].append(answer.get("sentiment"))
            cols["sentiment_score"].append(answer.get("sentiment_score"))
            cols["rationale"].append(answer.get("rationale"))
            cols["prompt_tokens"].append(usage.get("promptTokenCount"))
            cols["output_tokens"].append(usage.get("candidatesTokenCount"))
            cols["model_version"].append(response.get("modelVersion"))
    pq.write_table(pa.table(cols), out)


def ref_merge(selected: Path, parsed: list[Path], out_parquet: Path, out_csv: Path) -> None:
    """Selected posts and parsed rows side by side, batch by batch → Parquet and CSV."""
    results = (b for p in parsed for b in pq.ParquetFile(p).iter_batches(batch_size=BATCH))
    buffer: pa.Table | None = None
    writer: pq.ParquetWriter | None = None
    with open(out_csv, "wb") as csv_out:
        csv_out.write(b"\xef\xbb\xbf")
        csv_writer: pacsv.CSVWriter | None = None
        for batch in pq.ParquetFile(selected).iter_batches(batch_size=BATCH):
            while buffer is None or buffer.num_rows < batch.num_rows:
                nxt = next(results, None)
                if nxt is None:
                    break
                more = pa.Table.from_batches([nxt])
                buffer = more if buffer is None else pa.concat_tables([buffer, more])
            assert buffer is not None
            part, buffer = buffer.slice(0, batch.num_rows), buffer.slice(batch.num_rows)
            table = pa.Table.from_batches([batch])
            for name in part.column_names:
                if name != "post_id":
                    table = table.append_column(name, part[name])
            if writer is None:
                writer = pq.ParquetWriter(out_parquet, table.schema)
                csv_writer = pacsv.CSVWriter(csv_out, table.schema)
            writer.write_table(table)
            assert csv_writer is not None
            csv_writer.write_table(table)
        if csv_writer is not None:
            csv_writer.close()
    if writer is not None:
        writer.close()
