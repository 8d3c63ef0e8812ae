"""Benchmark the pipeline's local stages at scale, next to a naive pandas + json baseline.

Usage::

    python bench/bench_pipeline.py 1000000            # writes under bench/out/pipeline-<N>/

For N synthetic posts (bench/make_posts.py) it times, each in its own process so peak memory
(max RSS) is per stage: filter (mode full), requests (JSONL chunks), parse (of one synthetic
emulator-style output line per request, written beforehand by an untimed "synth" step; two
chunks at a time, as ``snakemake --cores 2`` runs the per-chunk parse jobs) and merge. The naive
baseline does the same work the way a first script would: ``pd.read_csv`` of the whole file,
a Python loop building request dicts with ``json.dumps``, a list of parsed dicts and a
DataFrame merge. Prints a table; ``--json`` writes the numbers too.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from emobatch.labels import EMOTIONS

ROOT = Path(__file__).resolve().parents[1]
PARSE_WORKERS = 2  # snakemake --cores 2 runs two per-chunk parse jobs at a time
ANSWER = json.dumps(
    {
        "primary_emotion": "joy",
        "intensities": {e: 0.1 for e in EMOTIONS},
        "sentiment": "positive",
        "sentiment_score": 0.4,
        "rationale": "cues: 좋다→joy",
    },
    ensure_ascii=False,
)


def _settings(workdir: Path, posts: Path):
    from emobatch.config import load_config

    return load_config(
        ROOT / "config" / "config.yaml",
        {
            "input": {"path": str(posts)},
            "codebook": str(ROOT / "config" / "codebook" / "emotion.yaml"),
            "history_dir": str(workdir / "history"),
        },
    )


def stage(name: str, workdir: Path, posts: Path) -> None:
    """Run one stage in this process (called in a child process by main)."""
    from emobatch.codebook import analysis_id_for, load_codebook

    settings = _settings(workdir, posts)
    analysis = analysis_id_for(settings)
    run = workdir / "run"
    if name == "filter":
        from emobatch.stages.filter import run_filter

        run_filter(
            settings,
            "full",
            analysis=analysis,
            out_selected=run / "selected.parquet",
            out_report=run / "report.json",
            out_dropped=run / "dropped.parquet",
        )
    elif name == "requests":
        from emobatch.stages.requests import write_chunks

        write_chunks(
            settings,
            selected=run / "selected.parquet",
            out_dir=run / "chunks",
            codebook=load_codebook(settings.codebook),
        )
    elif name == "synth":  # the provider's answers (not timed as a pipeline stage)
        from emobatch.responses import chunk_keys

        (run / "raw").mkdir(exist_ok=True)
        text = json.dumps(ANSWER, ensure_ascii=False)
        for chunk in sorted((run / "chunks").glob("chunk-*.jsonl")):
            raw = run / "raw" / chunk.name
            with open(raw, "w", encoding="utf-8") as out:
                for key in chunk_keys(chunk):
                    out.write(
                        '{"key": %s, "response": {"candidates": [{"content": {"parts": '  # noqa: UP031
                        '[{"text": %s}], "role": "model"}, "finishReason": "STOP"}], '
                        '"usageMetadata": {"promptTokenCount": 1200, '
                        '"candidatesTokenCount": 80}, "modelVersion": "bench"}}\n'
                        % (json.dumps(key), text)
                    )
            (run / "raw" / f"{chunk.stem}.json").write_text(
                json.dumps({"rounds": [{"round": 0, "raw": str(raw), "job_name": "batches/bench"}]})
            )
    elif name == "parse":  # one process per chunk, PARSE_WORKERS at a time, as Snakemake does
        from concurrent.futures import ProcessPoolExecutor

        (run / "parsed").mkdir(exist_ok=True)
        chunks = sorted((run / "chunks").glob("chunk-*.jsonl"))
        with ProcessPoolExecutor(PARSE_WORKERS) as pool:
            list(pool.map(_parse_one, chunks, [str(settings.codebook)] * len(chunks)))
    elif name == "merge":
        from emobatch.stages.merge import merge_mode

        merge_mode(
            mode="full",
            selected=run / "selected.parquet",
            parsed=sorted((run / "parsed").glob("*.parquet")),
            history_dir=workdir / "history",
            analysis=analysis,
            codebook_version=load_codebook(settings.codebook).version,
            model="gemini-2.5-flash",
            out_parquet=run / "full.parquet",
            out_csv=run / "full.csv",
        )
    elif name == "naive":
        import resource

        cap = int(os.environ.get("EMOBATCH_BENCH_NAIVE_CAP_GB", "16")) << 30
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))  # fail, don't swap the machine
        naive(settings, posts, workdir / "naive")
    else:
        raise SystemExit(f"unknown stage {name}")


def _parse_one(chunk: Path, codebook_path: str) -> None:
    from emobatch.codebook import load_codebook, validate_answer
    from emobatch.stages.parse import parse_chunk

    codebook = load_codebook(Path(codebook_path))
    run = chunk.parent.parent
    parse_chunk(
        chunk=chunk,
        recovered=run / "raw" / f"{chunk.stem}.json",
        out=run / "parsed" / f"{chunk.stem}.parquet",
        validate=lambda a: validate_answer(codebook, a),
    )


def naive(settings, posts: Path, out: Path) -> None:
    """What a first script does: everything in memory, row by row."""
    import pandas as pd

    from emobatch.codebook import load_codebook
    from emobatch.stages.requests import build_request

    out.mkdir(parents=True, exist_ok=True)
    codebook = load_codebook(settings.codebook)
    df = pd.read_csv(posts, dtype=str, keep_default_na=False)
    df = df[df["text"].str.strip() != ""].drop_duplicates("post_id")
    lines = [
        json.dumps(
            {"key": r.post_id, "request": build_request(codebook, settings.generation, r.text)},
            ensure_ascii=False,
        )
        for r in df.itertuples()
    ]
    (out / "requests.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = []
    for r in df.itertuples():
        answer = json.loads(ANSWER)
        rows.append(
            {
                "post_id": r.post_id,
                "primary_emotion": answer["primary_emotion"],
                **{f"intensity_{k}": v for k, v in answer["intensities"].items()},
                "sentiment": answer["sentiment"],
                "rationale": answer["rationale"],
            }
        )
    merged = df.merge(pd.DataFrame(rows), on="post_id", how="left")
    merged.to_parquet(out / "full.parquet")
    merged.to_csv(out / "full.csv", index=False, encoding="utf-8-sig")


def run_child(name: str, workdir: Path, posts: Path) -> tuple[float, float, bool]:
    """Wall seconds, peak RSS (MB) and success of one stage in a fresh process."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--stage",
            name,
            "--workdir",
            str(workdir),
            "--posts",
            str(posts),
        ]
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    ok = os.waitstatus_to_exitcode(status) == 0
    if not ok and name != "naive":
        raise SystemExit(f"stage {name} failed")
    return seconds, usage.ru_maxrss / 1024, ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--stage")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--posts", type=Path)
    ap.add_argument("--skip-naive", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    if args.stage:
        stage(args.stage, args.workdir, args.posts)
        return 0
    workdir = ROOT / "bench" / "out" / f"pipeline-{args.n}"
    workdir.mkdir(parents=True, exist_ok=True)
    posts = workdir / "posts.csv"
    if not posts.exists():
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "make_posts.py"), str(args.n), str(posts)],
            check=True,
        )
    import shutil

    for old in ("run", "history", "naive"):  # every run starts from the posts alone
        shutil.rmtree(workdir / old, ignore_errors=True)
    results = {}
    for name in ("filter", "requests", "synth", "parse", "merge") + (
        () if args.skip_naive else ("naive",)
    ):
        results[name] = run_child(name, workdir, posts)
        seconds, mb, ok = results[name]
        note = "" if ok else "  FAILED (MemoryError under the address-space cap)"
        print(f"{name:<9} {seconds:8.1f} s  {mb:8.0f} MB peak{note}", flush=True)
    total = sum(results[k][0] for k in ("filter", "requests", "parse", "merge"))
    peak = max(results[k][1] for k in ("filter", "requests", "parse", "merge"))
    print(f"{'pipeline':<9} {total:8.1f} s  {peak:8.0f} MB peak (max over stages), N={args.n:,}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"n": args.n, "stages": results, "total_s": total, "peak_mb": peak}, indent=2
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
