"""The requests stage cuts chunks to Vertex's per-job limits on backend: vertex."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from emobatch.analysis import analysis_for
from emobatch.config import load_config
from emobatch.stages.requests import write_chunks

REPO = Path(__file__).resolve().parents[2]


def _selected(path: Path, n: int) -> Path:
    pq.write_table(
        pa.table(
            {
                "post_id": [f"p{i:03d}" for i in range(n)],
                "text": [f"오늘 기분 {i}" for i in range(n)],
                "source_row": list(range(1, n + 1)),
                "to_submit": [True] * n,
            }
        ),
        path,
    )
    return path


def test_vertex_limits_cut_the_chunks_and_are_recorded_in_the_manifest(tmp_path: Path) -> None:
    overrides = {
        "codebook": str(REPO / "config" / "codebook" / "emotion.yaml"),
        "history_dir": str(tmp_path / "history"),
        "backend": "vertex",
        "batch": {"max_batch_size": 10},
        "vertex": {"project": "my-project", "bucket": "b-1", "max_requests_per_job": 4},
    }
    settings = load_config(REPO / "config" / "config.yaml", overrides)
    manifest = write_chunks(
        settings,
        selected=_selected(tmp_path / "selected.parquet", 9),
        out_dir=tmp_path / "req",
        analysis=analysis_for(settings),
    )
    assert [c["requests"] for c in manifest["chunks"]] == [4, 4, 1]
    assert manifest["limits"]["max_batch_size"] == 4
    assert manifest["limits"]["max_file_size_bytes"] == 1_000_000_000 - 4 * 64
    assert manifest["engine"]["provider"] == "vertex"
