"""Flex delivery throughput against the emulator with 100 ms of latency per call.

    .venv/bin/python bench/bench_flex.py [--requests 400] [--concurrency 8] [--latency 0.1]

Codes one chunk of bundled posts through emobatch.stages.realtime (the real SDK's
generateContent on the Flex tier, through the backend seam, the rate limiter, fsynced partial
output) and prints requests per second. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import pandas as pd

from emobatch.analysis import analysis_for
from emobatch.backends.gemini import GeminiBackend
from emobatch.config import load_config
from emobatch.emulator import serve_in_background
from emobatch.ledger import Ledger
from emobatch.stages.realtime import RealtimeSettings, code_chunk
from emobatch.stages.requests import build_request, request_line

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--concurrency", type=int, default=RealtimeSettings().concurrency)
    ap.add_argument("--latency", type=float, default=0.1)
    args = ap.parse_args()
    settings = load_config(
        ROOT / "config" / "config.yaml", {"codebook": str(ROOT / "config/codebook/emotion.yaml")}
    )
    analysis = analysis_for(settings)
    texts = pd.read_csv(ROOT / "data/raw/posts.csv", dtype=str)["text"].dropna().head(args.requests)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        chunk = base / "chunk-0000.jsonl"
        with open(chunk, "wb") as fh:
            for i, text in enumerate(texts):
                req = build_request(analysis.codebook, analysis.generation.config, text)
                fh.write(request_line(f"p{i:06d}", req))
        with serve_in_background(base / "emu", flex_latency_seconds=args.latency) as server:
            backend = GeminiBackend("bench", base_url=server.base_url)
            t0 = time.perf_counter()
            manifest = code_chunk(
                backend, Ledger(base / "ledger.jsonl"), chunk=chunk, model=analysis.model.name,
                analysis=analysis.id, mode="bench", raw=base / "raw.jsonl",
                retries_dir=base / "retries", out_manifest=base / "recovered.json",
                read_answer=analysis.codebook.read_answer,
                settings=RealtimeSettings(concurrency=args.concurrency, retry_rounds=0),
            )  # fmt: skip
            elapsed = time.perf_counter() - t0
            backend.close()
    out = {
        "requests": len(texts),
        "ok": manifest.ok,
        "concurrency": args.concurrency,
        "latency_s": args.latency,
        "seconds": round(elapsed, 2),
        "requests_per_second": round(len(texts) / elapsed, 1),
        "ideal_per_second": round(args.concurrency / args.latency, 1),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
