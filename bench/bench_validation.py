"""Time validation_report on simulated codes (not a test).

Builds a results parquet of ``--posts`` coded posts in a temporary directory, simulates
``--coders`` coders on all of them (primary_emotion, sentiment and the eight intensities), reads
the codes back and times :func:`emobatch.validation.validation_report` with 2,000 bootstrap draws,
without and with a baseline (the baseline doubles the rater-side work).

    .venv/bin/python bench/bench_validation.py                  # 1,000 posts x 3 coders
    .venv/bin/python bench/bench_validation.py --posts 1000 --coders 4 --draws 2000
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from emobatch.codebook import load_codebook
from emobatch.validation import (
    model_labels_from_results,
    read_human_codes,
    simulate_coders,
    validation_report,
)

CODEBOOK = Path(__file__).resolve().parents[1] / "config" / "codebook" / "emotion.yaml"


def _results(path: Path, posts: int, seed: int) -> Path:
    codebook = load_codebook(CODEBOOK)
    rng = np.random.default_rng(seed)
    share = np.array([30, 6, 8, 6, 15, 4, 12, 6, 13], dtype=float)
    frame = pd.DataFrame(
        {
            "post_id": [f"p{i:06d}" for i in range(posts)],
            "text": [f"글 {i}" for i in range(posts)],
            "status": "ok",
            "primary_emotion": rng.choice(codebook.labels, posts, p=share / share.sum()),
            "sentiment": rng.choice(codebook.sentiments, posts),
        }
    )
    for emotion in codebook.emotions:
        frame[f"intensity_{emotion}"] = rng.random(posts).round(2)
    frame.to_parquet(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--coders", type=int, default=3)
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    codebook = load_codebook(CODEBOOK)
    print(f"cpus={os.cpu_count()}; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as tmp:
        results = _results(Path(tmp) / "results.parquet", args.posts, 1)
        codes = Path(tmp) / "codes.csv"
        simulate_coders(
            results,
            codebook,
            codes,
            coders=args.coders,
            size=args.posts,
            seed=2,
            accuracy=0.75,
            intensities=True,
        )
        model = model_labels_from_results(results, codebook)
        start = time.perf_counter()
        human = read_human_codes([codes], codebook, set(model))
        print(f"read_human_codes: {time.perf_counter() - start:.2f} s")
        for baseline in (None, model):
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                validation_report(human, model, baseline, codebook, seed=3, draws=args.draws)
                times.append(time.perf_counter() - start)
            label = "with baseline" if baseline is not None else "LLM only"
            print(
                f"validation_report ({label}), {args.posts} posts x {args.coders} coders, "
                f"{args.draws} draws, 2 label fields + 8 intensities: best {min(times):.2f} s, "
                f"median {sorted(times)[len(times) // 2]:.2f} s"
            )


if __name__ == "__main__":
    main()
