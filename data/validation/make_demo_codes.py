"""Make data/validation/demo_codes.csv: SIMULATED coders for the offline demonstration.

Run from the project folder after `make run` and `snakemake --cores 2 results/validation/sheet.csv`:

    .venv/bin/python data/validation/make_demo_codes.py

It codes exactly the posts of the coding sheet, with three simulated coders made by
``emobatch.validation.simulate_coders`` from the offline dictionary's own answers in
results/sampling.parquet (so the figures measure the simulation, not any model). See README.md.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from emobatch.codebook import load_codebook
from emobatch.validation import simulate_coders

SEED = 20261202
ACCURACY = (0.9, 0.85, 0.8)  # how often each simulated coder agrees with the dictionary


def main() -> None:
    sheet = pd.read_csv("results/validation/sheet.csv", dtype=str, encoding="utf-8-sig")
    dataset = pd.read_parquet("results/sampling.parquet")
    on_sheet = dataset[dataset["post_id"].astype(str).isin(set(sheet["post_id"]))]
    with tempfile.TemporaryDirectory() as tmp:
        subset = Path(tmp) / "sheet_posts.parquet"
        on_sheet.to_parquet(subset)
        out = simulate_coders(
            subset,
            load_codebook("config/codebook/emotion.yaml"),
            Path("data/validation/demo_codes.csv"),
            coders=3,
            size=len(on_sheet),
            seed=SEED,
            accuracy=ACCURACY,
        )
    print(out)


if __name__ == "__main__":
    main()
