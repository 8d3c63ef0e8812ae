"""Fixtures of the validation tests: the real codebook and small results parquets in tmp_path."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from emobatch.codebook import Codebook, load_codebook

REPO = Path(__file__).resolve().parents[2]
CODEBOOK = REPO / "config" / "codebook" / "emotion.yaml"

MakeResults = Callable[..., Path]


@pytest.fixture(scope="session")
def codebook() -> Codebook:
    return load_codebook(CODEBOOK)


@pytest.fixture
def make_results(tmp_path: Path, codebook: Codebook) -> MakeResults:
    """Write a results parquet whose ok rows have the given model labels (in that order)."""

    def make(
        labels: Sequence[str],
        *,
        failed: int = 0,
        name: str = "results.parquet",
        seed: int = 0,
        texts: Sequence[str] | None = None,
    ) -> Path:
        rng = np.random.default_rng(seed)
        n = len(labels) + failed
        frame = pd.DataFrame(
            {
                "post_id": [f"p{i:05d}" for i in range(n)],
                "text": list(texts) if texts is not None else [f"글 {i} 내용" for i in range(n)],
                "status": ["ok"] * len(labels) + ["failed"] * failed,
                "primary_emotion": [*labels, *([None] * failed)],
                "sentiment": [
                    *rng.choice(list(codebook.sentiments), len(labels)).tolist(),
                    *([None] * failed),
                ],
            }
        )
        for e in codebook.emotions:
            frame[f"intensity_{e}"] = [*rng.random(len(labels)).round(2), *([None] * failed)]
        path = tmp_path / name
        frame.to_parquet(path)
        return path

    return make


def skewed_labels(codebook: Codebook, counts: Sequence[int]) -> list[str]:
    """``counts[k]`` posts of the k-th codebook label, interleaved deterministically."""
    labels = [lab for lab, c in zip(codebook.labels, counts, strict=True) for _ in range(c)]
    order = np.random.default_rng(42).permutation(len(labels))
    return [labels[i] for i in order]
