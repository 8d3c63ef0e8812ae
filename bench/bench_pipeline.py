"""Benchmark the pipeline's local stages at scale against a minimal streaming reference.

Usage::

    python bench/bench_pipeline.py 1000000            # writes under bench/out/pipeline-<N>/
    python bench/bench_pipeline.py 100000 --naive     # also the naive pandas + json script

For N synthetic posts (bench/make_posts.py) it times, each in its own process so peak memory
(max RSS) is per stage: filter (mode full), requests (JSONL chunks), parse (of one synthetic
emulator-style output line per request, written beforehand by an untimed "synth" step; two
chunks at a time, as ``snakemake --cores 2`` runs the per-chunk parse jobs) and merge. In the
same invocation and on the same files it times the reference of ``pipeline_reference.py``
(pyarrow batches and orjson, no validation) and prints the pipeline's time as a ratio to it,
stage by stage. It also writes the requests with ``batch.posts_per_request: 10`` and prints
their bytes against one post per request. ``--naive`` adds what a first script does (all in
memory, row by row, under an address-space cap). ``--json`` writes the numbers too.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from emobatch.labels import EMOTIONS

ROOT = Path(__file__).resolve().parents[1]
PARSE_WORKERS = 2  # snakemake --cores 2 runs two per-chunk parse jobs at a time
PACKED = 10  # posts per request of the packed variant whose bytes are measured
ANSWER = json.dumps(
    {
        "primary_emotion": "joy",
        "intensities": {e: 0.1 for e in EMOTIONS},
        "sentiment": "positive",
        "sentiment_score": 0.4,
        "rationale": "'좋다'와 느낌표가 기쁨을 드러낸다",
    },
    ensure_ascii=False,
)


def _settings(workdir: Path, posts: Path, per_request: int = 1):
    from emobatch.config import Settings

    return Settings.from_dict(_config(workdir, posts, per_request))


def _config(workdir: Path, posts: Path, per_request: int = 1) -> dict:
    from emobatch.config import load_config_dict

    return load_config_dict(
        ROOT / "config" / "config.yaml",
        {
            "input": {"path": str(posts)},
            "codebook": str(ROOT / "config" / "codebook" / "emotion.yaml"),
            "history_dir": str(workdir / "history"),
            "batch": {"posts_per_request": per_request},
        },
    )


def stage(name: str, workdir: Path, posts: Path) -> None:
    """Run one stage in this process (called in a child process by main)."""
    from emobatch.analysis import analysis_for

    settings = _settings(workdir, posts, PACKED if name == "requests_packed" else 1)
    analysis = analysis_for(settings)
    run, ref = workdir / "run", workdir / "ref"
    ref.mkdir(exist_ok=True)
    if name == "filter":
        from emobatch.stages.filter import run_filter

        run_filter(
            settings,
            "full",
            analysis=analysis.id,
            out_selected=run / "selected.parquet",
            out_report=run / "report.json",
            out_dropped=run / "dropped.parquet",
        )
    elif name in ("requests", "requests_packed"):
        from emobatch.stages.requests import write_chunks

        out = run / ("chunks" if name == "requests" else "chunks-packed")
        manifest = write_chunks(
            settings, selected=run / "selected.parquet", out_dir=out, analysis=analysis
        )
        (workdir / f"{name}.bytes").write_text(str(manifest["totals"]["bytes"]))
    elif name == "synth":  # the provider's answers (not timed as a pipeline stage)
        from emobatch.records import Recovered
        from emobatch.responses import chunk_keys

        (run / "raw").mkdir(exist_ok=True)
        version = analysis.engine.version or analysis.engine.model  # what the engine answers
        text = json.dumps(ANSWER, ensure_ascii=False)
        for chunk in sorted((run / "chunks").glob("chunk-*.jsonl")):
            raw = run / "raw" / chunk.name
            keys = chunk_keys(chunk)
            with open(raw, "w", encoding="utf-8") as out:
                for key in keys:
                    out.write(
                        '{"key": %s, "response": {"candidates": [{"content": {"parts": '  # noqa: UP031
                        '[{"text": %s}], "role": "model"}, "finishReason": "STOP"}], '
                        '"usageMetadata": {"promptTokenCount": 1200, '
                        '"candidatesTokenCount": 80}, "modelVersion": "%s"}}\n'
                        % (json.dumps(key), text, version)
                    )
            (run / "raw" / f"{chunk.stem}.json").write_text(
                json.dumps(
                    {
                        "format": Recovered.FORMAT,
                        "chunk_file": str(chunk),
                        "requests": len(keys),
                        "rounds": [{"round": 0, "raw": str(raw), "job_name": "batches/bench"}],
                        "ok": len(keys),
                        "failed": 0,
                    }
                )
            )
    elif name == "parse":  # one process per chunk, PARSE_WORKERS at a time, as Snakemake does
        (run / "parsed").mkdir(exist_ok=True)
        _pool(_parse_one, sorted((run / "chunks").glob("chunk-*.jsonl")), workdir, posts)
    elif name == "merge":
        from emobatch.stages.merge import merge_mode

        merge_mode(
            mode="full",
            selected=run / "selected.parquet",
            parsed=sorted((run / "parsed").glob("*.parquet")),
            history_dir=workdir / "history",
            analysis=analysis.id,
            codebook_version=analysis.codebook.version,
            model=settings.batch.model_name,
            engine=analysis.engine.tag,
            out_parquet=run / "full.parquet",
            out_csv=run / "full.csv",
            out_columns=run / "full.columns.csv",
        )
    elif name == "ref_filter":
        from pipeline_reference import ref_filter

        ref_filter(posts, ref / "selected.parquet")
    elif name == "ref_requests":
        from pipeline_reference import ref_requests

        from emobatch.stages.requests import build_request

        template = build_request(analysis.codebook, analysis.generation.config, "")
        size = ref_requests(
            ref / "selected.parquet", ref / "chunks", template, settings.batch.max_batch_size
        )
        (workdir / "ref_requests.bytes").write_text(str(size))
    elif name == "ref_parse":  # the pipeline's raw outputs, two processes, as the pipeline
        (ref / "parsed").mkdir(exist_ok=True)
        _pool(_ref_parse_one, sorted((run / "raw").glob("chunk-*.jsonl")), workdir, posts)
    elif name == "ref_merge":
        from pipeline_reference import ref_merge

        ref_merge(
            ref / "selected.parquet",
            sorted((ref / "parsed").glob("*.parquet")),
            ref / "full.parquet",
            ref / "full.csv",
        )
    elif name == "naive":
        import resource

        cap = int(os.environ.get("EMOBATCH_BENCH_NAIVE_CAP_GB", "16")) << 30
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))  # fail, don't swap the machine
        naive(analysis, posts, workdir / "naive")
    else:
        raise SystemExit(f"unknown stage {name}")


def _pool(fn, files: list[Path], workdir: Path, posts: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(PARSE_WORKERS) as pool:
        list(pool.map(fn, files, [workdir] * len(files), [posts] * len(files)))


@functools.cache
def _job_config(workdir: Path, posts: Path) -> dict:
    """The validated config a Snakemake job receives (Snakemake validates it once, when it
    reads the Snakefile; a job builds its settings from it, emobatch.workflow.run)."""
    return _config(workdir, posts)


def _parse_one(chunk: Path, workdir: Path, posts: Path) -> None:
    """What the results_parse rule does for one chunk (emobatch.workflow.run and _parse)."""
    from emobatch.analysis import analysis_for
    from emobatch.config import Settings
    from emobatch.routing import AnswerCheck
    from emobatch.stages.parse import parse_chunk

    analysis = analysis_for(Settings.from_dict(copy.deepcopy(_job_config(workdir, posts))))
    run = chunk.parent.parent
    parse_chunk(
        chunk=chunk,
        recovered=run / "raw" / f"{chunk.stem}.json",
        out=run / "parsed" / f"{chunk.stem}.parquet",
        read_answer=analysis.codebook.read_answer,
        emotions=analysis.codebook.emotions,
        check=AnswerCheck.of(analysis),
    )


def _ref_parse_one(raw: Path, workdir: Path, posts: Path) -> None:
    from pipeline_reference import ref_parse

    ref_parse(raw, workdir / "ref" / "parsed" / f"{raw.stem}.parquet", tuple(EMOTIONS))


def naive(analysis, posts: Path, out: Path) -> None:
    """What a first script does: everything in memory, row by row."""
    import pandas as pd

    from emobatch.stages.requests import build_request

    out.mkdir(parents=True, exist_ok=True)
    df = pd.read_csv(posts, dtype=str, keep_default_na=False)
    df = df[df["text"].str.strip() != ""].drop_duplicates("post_id")
    lines = [
        json.dumps(
            {
                "key": r.post_id,
                "request": build_request(analysis.codebook, analysis.generation.config, r.text),
            },
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
    """Wall seconds, peak RSS (MB, the largest process: a pool's workers count alone) and
    success of one stage in a fresh process."""
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
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)},
    )
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    ok = os.waitstatus_to_exitcode(status) == 0
    if not ok and name != "naive":
        raise SystemExit(f"stage {name} failed")
    return seconds, usage.ru_maxrss / 1024, ok


STAGES = ("filter", "requests", "parse", "merge")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, nargs="?", default=100_000)
    ap.add_argument("--stage")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--posts", type=Path)
    ap.add_argument("--naive", action="store_true")
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

    for old in ("run", "ref", "history", "naive"):  # every run starts from the posts alone
        shutil.rmtree(workdir / old, ignore_errors=True)
    order = ["filter", "requests", "synth", "parse", "merge", "requests_packed"]
    order += [f"ref_{s}" for s in STAGES] + (["naive"] if args.naive else [])
    results: dict[str, tuple[float, float, bool]] = {}
    for name in order:
        results[name] = run_child(name, workdir, posts)
        seconds, mb, ok = results[name]
        note = "" if ok else "  FAILED (MemoryError under the address-space cap)"
        print(f"  {name:<16} {seconds:8.1f} s  {mb:8.0f} MB peak{note}", flush=True)
        if name == "requests_packed":  # the packed chunks are only measured, never parsed
            shutil.rmtree(workdir / "run" / "chunks-packed", ignore_errors=True)
    print(f"\nN = {args.n:,} posts; pipeline against the reference (same machine, same files)")
    print(f"{'stage':<10} {'pipeline':>10} {'peak':>9} {'reference':>10} {'peak':>9} {'ratio':>6}")
    rows = {}
    for s in STAGES:
        (t, mb, _), (rt, rmb, _) = results[s], results[f"ref_{s}"]
        rows[s] = {"s": t, "peak_mb": mb, "ref_s": rt, "ref_peak_mb": rmb, "ratio": t / rt}
        print(f"{s:<10} {t:9.1f}s {mb:7.0f}MB {rt:9.1f}s {rmb:7.0f}MB {t / rt:5.2f}x")
    total = sum(r["s"] for r in rows.values())
    ref_total = sum(r["ref_s"] for r in rows.values())
    peak = max(r["peak_mb"] for r in rows.values())
    ref_peak = max(r["ref_peak_mb"] for r in rows.values())
    print(
        f"{'total':<10} {total:9.1f}s {peak:7.0f}MB {ref_total:9.1f}s {ref_peak:7.0f}MB "
        f"{total / ref_total:5.2f}x"
    )
    one = int((workdir / "requests.bytes").read_text())
    packed = int((workdir / "requests_packed.bytes").read_text())
    ref_bytes = int((workdir / "ref_requests.bytes").read_text())
    print(
        f"request bytes: {one:,} at 1 post per request (reference {ref_bytes:,}); "
        f"{packed:,} at {PACKED} per request = {packed / one:.1%}"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "n": args.n,
                    "stages": rows,
                    "runs": results,
                    "total_s": total,
                    "ref_total_s": ref_total,
                    "ratio": total / ref_total,
                    "peak_mb": peak,
                    "request_bytes": {"one": one, "packed": packed, "reference": ref_bytes},
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
