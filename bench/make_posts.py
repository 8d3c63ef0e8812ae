"""Write N synthetic posts for benchmarks, streaming, with flat memory.

Usage::

    python bench/make_posts.py 1000000 bench/out/posts_1m.parquet
    python bench/make_posts.py 1000000 bench/out/posts_1m.csv --mess

The posts come from the building blocks of ``data/generate_posts.py`` (same columns as the
bundled ``data/raw/posts.csv``). They are generated and written in chunks (50,000 rows by
default): a CSV writer for ``.csv``/``.tsv``, JSON lines for ``.jsonl``, and one Parquet row
group per chunk for ``.parquet``. Without ``--mess`` the ids are unique and every text is
non-empty; ``--mess`` adds the bundled file's kinds of mess (duplicate ids and rows, copies,
empty and whitespace texts, very long texts, control characters, prompt injections ...) at
the same rates. Output is deterministic for a given N, seed and options.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import itertools
import json
import resource
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
FORMATS = {".csv": "csv", ".tsv": "tsv", ".jsonl": "jsonl", ".parquet": "parquet"}


def load_generator() -> ModuleType:
    """Import ``data/generate_posts.py`` (``data/`` is not a package)."""
    path = ROOT / "data" / "generate_posts.py"
    spec = importlib.util.spec_from_file_location("emobatch_generate_posts", path)
    if spec is None or spec.loader is None:  # pragma: no cover - the file is in the repo
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


gp = load_generator()
COLUMNS: tuple[str, ...] = gp.COLUMNS


def chunks(rows: Iterable[dict[str, object]], size: int) -> Iterator[list[dict[str, object]]]:
    """Group a stream of rows into lists of at most ``size`` rows."""
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def write_delimited(
    rows: Iterable[dict[str, object]], out: Path, delimiter: str, chunk_size: int
) -> int:
    """Write CSV/TSV (UTF-8, ``\\n`` line ends, minimal quoting); return the row count."""
    n = 0
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator="\n")
        writer.writerow(COLUMNS)
        for chunk in chunks(rows, chunk_size):
            writer.writerows([[r[c] for c in COLUMNS] for r in chunk])
            n += len(chunk)
    return n


def write_jsonl(rows: Iterable[dict[str, object]], out: Path, chunk_size: int) -> int:
    """Write one JSON object per line (UTF-8, non-ASCII kept); return the row count."""
    n = 0
    with out.open("w", encoding="utf-8", newline="\n") as fh:
        for chunk in chunks(rows, chunk_size):
            fh.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk))
            n += len(chunk)
    return n


def write_parquet(
    rows: Iterable[dict[str, object]], out: Path, chunk_size: int, compression: str
) -> int:
    """Write Parquet, one row group per chunk (likes int64, the rest strings)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([(c, pa.int64() if c == "likes" else pa.string()) for c in COLUMNS])
    n = 0
    with pq.ParquetWriter(out, schema, compression=compression) as writer:
        for chunk in chunks(rows, chunk_size):
            arrays = [pa.array([r[c] for r in chunk], type=schema.field(c).type) for c in COLUMNS]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            n += len(chunk)
    return n


def make_posts(
    n: int,
    out: str | Path,
    *,
    seed: int = gp.SEED,
    mess: float = 0.0,
    chunk_size: int = 50_000,
    compression: str = "zstd",
) -> int:
    """Write ``n`` generated posts (plus mess rows if ``mess`` > 0) to ``out``.

    ``mess`` scales the bundled file's mess rates (1.0 = the same rates). Returns the number
    of rows written, which exceeds ``n`` by the duplicate rows and copies that mess adds.
    """
    out = Path(out)
    fmt = FORMATS.get(out.suffix.lower())
    if fmt is None:
        raise SystemExit(f"unknown output format {out.suffix!r}; use one of {sorted(FORMATS)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    rows: Iterable[dict[str, object]] = gp.iter_posts(n, seed)
    if mess > 0:
        rows = gp.iter_messy(rows, seed, scale=mess)
    if fmt == "parquet":
        return write_parquet(rows, out, chunk_size, compression)
    if fmt == "jsonl":
        return write_jsonl(rows, out, chunk_size)
    return write_delimited(rows, out, "\t" if fmt == "tsv" else ",", chunk_size)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``make_posts.py N OUT [--seed S] [--mess [SCALE]] [--chunk-size K]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of posts")
    parser.add_argument("out", help="output file: .csv, .tsv, .jsonl or .parquet")
    parser.add_argument("--seed", type=int, default=gp.SEED)
    parser.add_argument(
        "--mess",
        type=float,
        nargs="?",
        const=1.0,
        default=0.0,
        help="add the bundled file's kinds of mess; optional scale of the rates (default 1)",
    )
    parser.add_argument("--chunk-size", type=int, default=50_000)
    parser.add_argument("--compression", default="zstd", help="Parquet codec (zstd, snappy...)")
    args = parser.parse_args(argv)
    if args.n < 0:
        parser.error("N must be >= 0")
    start = time.perf_counter()
    rows = make_posts(
        args.n,
        args.out,
        seed=args.seed,
        mess=args.mess,
        chunk_size=args.chunk_size,
        compression=args.compression,
    )
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = Path(args.out).stat().st_size / 1e6
    print(
        f"wrote {rows} rows to {args.out} ({size_mb:.1f} MB) in {seconds:.1f} s, "
        f"peak RSS {peak_mb:.0f} MB",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
