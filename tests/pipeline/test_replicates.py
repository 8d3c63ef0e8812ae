"""Collapsing k replicates into one row per post, and the stability report's figures."""

from __future__ import annotations

from pathlib import Path

import krippendorff
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emobatch.errors import CoverageError
from emobatch.replicates import base_key, collapse, stability_report
from emobatch.stages.parse import result_schema
from emobatch.stages.requests import replicate_keys


def _rows(keys: list[str], labels: list[str | None]) -> pa.Table:
    schema = result_schema()
    n = len(keys)
    data = {f.name: [None] * n for f in schema}
    data["post_id"] = keys
    data["status"] = ["ok" if x else "failed" for x in labels]
    data["primary_emotion"] = labels
    data["sentiment"] = ["positive" if x == "joy" else "negative" for x in labels]
    data["prompt_tokens"] = [10] * n
    data["output_tokens"] = [2] * n
    data["thoughts_tokens"] = [0] * n
    data["cached_tokens"] = [0] * n
    data["cost_usd"] = [0.5] * n
    return pa.table(data, schema=schema)


def test_keys_and_their_replicates() -> None:
    assert replicate_keys("p1", 1) == ["p1"]
    assert replicate_keys("p1", 3) == ["p1", "p1#rep2", "p1#rep3"]
    assert base_key("p1#rep3") == ("p1", 3) and base_key("p1") == ("p1", 1)
    assert base_key("a#repx") == ("a#repx", 1)


def test_collapse_sums_costs_and_finds_the_modal_label() -> None:
    keys = [k for p in ("a", "b") for k in replicate_keys(p, 3)]
    table = collapse(_rows(keys, ["joy", "anger", "anger", "fear", None, "joy"]), 3)
    assert table["post_id"].to_pylist() == ["a", "b"]
    assert table["primary_emotion"].to_pylist() == ["joy", "fear"]  # the first replicate's
    assert table["modal_primary_emotion"].to_pylist() == ["anger", "fear"]  # b: a tie, first
    assert table["replicates"].to_pylist() == [3, 2]
    assert table["replicate_agreement"].to_pylist() == pytest.approx([2 / 3, 1 / 2])
    assert table["prompt_tokens"].to_pylist() == [30, 30]
    assert table["cost_usd"].to_pylist() == pytest.approx([1.5, 1.5])
    with pytest.raises(CoverageError, match="not in order"):
        collapse(_rows(["a", "a#rep3", "a#rep2"], ["joy"] * 3), 3)


def test_stability_alpha_equals_the_krippendorff_package(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    labels = ["joy", "anger", "fear"]
    keys, values = [], []
    for i in range(60):
        truth = labels[i % 3]
        for k in replicate_keys(f"p{i:03d}", 3):
            keys.append(k)
            values.append(truth if rng.random() < 0.8 else labels[rng.integers(3)])
    path = tmp_path / "chunk-0000.parquet"
    pq.write_table(_rows(keys, values), path)
    report = stability_report(
        [path], labels={"primary_emotion": tuple(labels)}, analysis="a1", mode="m", seed=1
    )
    data = np.array(values, dtype=object).reshape(60, 3).T
    coded = np.vectorize(labels.index)(data).astype(float)
    expected = krippendorff.alpha(reliability_data=coded, level_of_measurement="nominal")
    fig = report["fields"]["primary_emotion"]
    assert fig["alpha_across_replicates"]["value"] == pytest.approx(expected)
    identical = np.mean([len(set(row)) == 1 for row in data.T])
    assert fig["share_identical"] == pytest.approx(identical, abs=1e-4)
    assert set(fig["least_stable"]) <= set(labels)
