"""backend: vertex end to end: Snakemake, the real google-cloud-storage and google-genai (Vertex
mode) against gcp-storage-emulator and `emobatch emulator serve --vertex`, over loopback.

- sampling end to end with Application Default Credentials from a service-account file
  (its token comes from a loopback OAuth endpoint), one partially succeeded job recovered row
  by row, no second job on a re-run or a forced re-submit, and neither the access token nor
  the private key in any file under results/, logs/ or .snakemake/;
- the crash matrix's after_upload and after_create points: the re-run re-sends no upload
  (crc32c matches), creates no second job, and gives the uninterrupted result;
- the operator commands (jobs list/show/fetch/cancel, monitor --once, costs) on Vertex jobs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from tests.e2e.conftest import REPO, Project
from tests.vertex.harness import (
    BUCKET,
    CLEARED,
    LOCATION,
    NO_METADATA,
    PROJECT,
    TokenServer,
    VertexProcess,
    gcs_client,
    service_account_file,
    start_gcs,
)

pytestmark = [pytest.mark.slow, pytest.mark.vertex]

ACCESS_TOKEN = "ya29.e2e-vertex-access-token-do-not-leak-0123456789"
FAST = [
    "--config",
    'api={"retry_initial_delay_seconds": 0.02, "retry_max_delay_seconds": 0.2}',
    'sampling={"min_size": 1}',
]
PILOT = ["results/pilot.parquet", "--cores", "1", "--rerun-incomplete"]


def _configure(project: Project, max_batch_size: int) -> None:
    path = project.path("config", "config.yaml")
    cfg = yaml.safe_load(path.read_text("utf-8"))
    cfg["backend"] = "vertex"
    cfg["vertex"] = {"project": PROJECT, "location": LOCATION, "bucket": BUCKET, "prefix": "runs"}
    cfg["batch"].update(
        {"max_batch_size": max_batch_size, "poll_interval_seconds": 0.2, "first_poll_seconds": 0.1}
    )
    path.write_text(yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8")


class VertexWorld:
    """The GCS emulator (in this process), the Vertex emulator process, and the env to use."""

    def __init__(self, root: Path, *, adc: bool, faults: dict[str, Any] | None = None) -> None:
        self.gcs_server, self.gcs_url = start_gcs()
        extra: list[str] = []
        env = {**NO_METADATA, "EMOBATCH_TEST_TOKEN": ACCESS_TOKEN}
        if faults:
            plan = root / "vertex-faults.yaml"
            plan.write_text(yaml.safe_dump(faults), encoding="utf-8")
            extra += ["--faults", str(plan), "--seed", "3"]
        if adc:
            extra += ["--token-env", "EMOBATCH_TEST_TOKEN"]
        self.vertex = VertexProcess(root / "vertex-state", self.gcs_url, *extra, env=env)
        self.env = {
            **NO_METADATA,
            "EMOBATCH_VERTEX_BASE_URL": self.vertex.url,
            "STORAGE_EMULATOR_HOST": self.gcs_url,
        }
        self.token_server: TokenServer | None = None
        self.private_key = ""
        if adc:
            self.token_server = TokenServer(ACCESS_TOKEN)
            key_file, self.private_key = service_account_file(
                root / "service-account.json", self.token_server.url
            )
            self.env["GOOGLE_APPLICATION_CREDENTIALS"] = str(key_file)
        else:
            self.env["EMOBATCH_VERTEX_CREDENTIALS"] = "anonymous"

    def generation(self, name: str) -> int:
        blob = gcs_client(self.gcs_url).bucket(BUCKET).get_blob(name)
        assert blob is not None, name
        return int(blob.generation)

    def objects(self) -> list[str]:
        return [b.name for b in gcs_client(self.gcs_url).list_blobs(BUCKET)]

    def close(self) -> None:
        self.vertex.stop()
        if self.token_server is not None:
            self.token_server.stop()
        self.gcs_server.stop()


def _project(project: Project, max_batch_size: int) -> Project:
    for name in CLEARED:
        project.env.pop(name, None)
    _configure(project, max_batch_size)
    return project


@pytest.fixture
def creds_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("outside-the-project")


PARTIAL = {"faults": [{"kind": "row_error", "nth_job": [1], "rate": 0.3, "code": 503}]}


def test_sampling_with_adc_partial_success_recovered_no_second_job_no_secret_on_disk(
    project: Project, creds_dir: Path
) -> None:
    from tests.e2e.conftest import write_posts

    write_posts(project.path("data", "raw", "posts.csv"), 120)
    _project(project, 40)
    world = VertexWorld(creds_dir, adc=True, faults=PARTIAL)
    try:
        args = ["results/sampling.parquet", *FAST]
        project.snakemake(*args, env=world.env)
        df = pd.read_parquet(project.path("results", "sampling.parquet"))
        assert len(df) == 92 and df["post_id"].is_unique and set(df["status"]) == {"ok"}
        jobs = world.vertex.jobs()
        states = sorted(j["result"]["state"] for j in jobs)
        assert states.count("JOB_STATE_PARTIALLY_SUCCEEDED") == 1  # the first job, recovered
        assert len(jobs) == 4  # 92 requests in chunks of 40, and one retry of the failed rows
        assert set(df["retry_round"]) == {0, 1}
        failed_rows = next(j for j in jobs if j["ordinal"] == 1)["result"]["failed"]
        assert (df["retry_round"] == 1).sum() == failed_rows > 0
        sentinels = [
            json.loads(p.read_text("utf-8"))
            for p in project.path("results", "sampling").glob("*/submitted/*.json")
        ]
        assert {s["backend"] for s in sentinels} == {"vertex"}
        assert all(s["file_name"].startswith(f"gs://{BUCKET}/runs/sampling/") for s in sentinels)
        # the same command again, and a forced submit: no second job
        again = project.snakemake(*args, env=world.env)
        assert "Nothing to be done" in again.stdout + again.stderr
        project.snakemake(args[0], "-R", "batch_submit", *args[1:], env=world.env)
        assert len(world.vertex.jobs()) == 4
        assert world.vertex.stats()["creates_total"] == 4
        assert world.token_server is not None and world.token_server.grants >= 1  # real ADC
        secrets = [ACCESS_TOKEN.encode(), world.private_key.splitlines()[1].encode()]
        leaks = [
            p
            for d in ("results", "logs", ".snakemake")
            for p in project.path(d).rglob("*")
            if p.is_file() and any(s in p.read_bytes() for s in secrets)
        ]
        assert leaks == []
    finally:
        world.close()


def _crash(project: Project, point: str, env: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")]
    cmd += ["--directory", str(project.root), *PILOT]
    proc = subprocess.run(
        cmd,
        cwd=project.root,
        env={**project.env, **env, "EMOBATCH_CRASH_AT": point, "EMOBATCH_CRASH_SCOPE": "group"},
        capture_output=True,
        text=True,
        timeout=300,
        start_new_session=True,
    )
    assert proc.returncode == -9, f"{point}: got {proc.returncode}\n{proc.stderr[-3000:]}"
    project.snakemake("--unlock", *PILOT, env=env)


def test_crash_after_upload_and_after_create_pays_nothing_twice(
    project: Project, creds_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    _project(project, 2)  # 5 pilot posts in chunks of 2: 3 chunks, one job each
    world = VertexWorld(creds_dir, adc=False)
    try:
        _crash(project, "after_upload", world.env)
        events = [r["event"] for r in project.ledger_events()]
        assert events == ["intent"] and world.vertex.jobs() == []
        (first,) = world.objects()  # the chunk that reached the crash, uploaded
        assert first.startswith("runs/pilot/a") and first.endswith(".jsonl")
        uploaded = world.generation(first)
        _crash(project, "after_create", world.env)  # Snakemake may take another chunk first
        events = [r["event"] for r in project.ledger_events()]
        assert events.count("submitted") == 0 and events.count("uploaded") == 1
        assert len(world.vertex.jobs()) == 1  # the job exists, the ledger has no confirmation
        if world.generation(first) != uploaded:
            raise AssertionError(f"{first} was uploaded again although its crc32c matched")
        before = {name: world.generation(name) for name in world.objects()}
        project.snakemake(*PILOT, env=world.env)
        after = {name: world.generation(name) for name in world.objects()}
        assert {k: after[k] for k in before} == before  # no chunk was uploaded twice
        jobs = world.vertex.jobs()
        assert len(jobs) == 3 and len({j["displayName"] for j in jobs}) == 3
        assert world.vertex.stats()["creates_total"] == 3
        submitted = project.ledger_events("submitted")
        assert len(submitted) == 3 and [r["how"] for r in submitted].count("reconciled") == 1
        crashed = pd.read_parquet(project.path("results", "pilot.parquet"))
        assert len(crashed) == 5 and set(crashed["status"]) == {"ok"}
    finally:
        world.close()
    clean = _clean_run(tmp_path_factory)
    columns = ["post_id", "status", "primary_emotion", "sentiment", "rationale"]
    pd.testing.assert_frame_equal(
        crashed[columns].reset_index(drop=True), clean[columns].reset_index(drop=True)
    )


def _clean_run(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    import shutil

    from tests.e2e.conftest import write_posts

    root = tmp_path_factory.mktemp("clean")
    shutil.copytree(REPO / "config", root / "config")
    write_posts(root / "data" / "raw" / "posts.csv", 40)
    clean = _project(Project(root), 2)
    world = VertexWorld(tmp_path_factory.mktemp("clean-creds"), adc=False)
    try:
        clean.snakemake(*PILOT, env=world.env)
    finally:
        world.close()
    return pd.read_parquet(root / "results" / "pilot.parquet")


@pytest.fixture
def vertex_project(project: Project, creds_dir: Path) -> Iterator[tuple[Project, VertexWorld]]:
    _project(project, 2)
    world = VertexWorld(creds_dir, adc=False)
    yield project, world
    world.close()


def _emobatch(project: Project, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "emobatch.cli.main", *args, "--project", str(project.root)]
    return subprocess.run(
        cmd, env={**project.env, **env}, capture_output=True, text=True, timeout=120
    )


def test_operator_commands_work_on_vertex_jobs(vertex_project) -> None:
    project, world = vertex_project
    project.snakemake("results/pilot.submitted.json", "--cores", "1", env=world.env)
    listed = _emobatch(project, world.env, "jobs", "list", "--remote", "--json")
    assert listed.returncode == 0, listed.stderr
    names = {j["job_name"] for j in json.loads(listed.stdout)["jobs"]}
    assert len(names) == 3 and all("/batchPredictionJobs/" in n for n in names)
    first, second, *_ = sorted(names)
    shown = _emobatch(project, world.env, "jobs", "show", first, "--json")
    assert shown.returncode == 0, shown.stderr
    assert "SUCCEEDED" in shown.stdout
    # the emulator finishes jobs at once: cancel reaches Vertex and finds the job done
    # (cancelling a running Vertex job: tests/vertex/test_backend.py)
    cancelled = _emobatch(project, world.env, "jobs", "cancel", second, "--yes")
    assert cancelled.returncode == 0, cancelled.stderr
    assert "already finished (SUCCEEDED)" in cancelled.stdout
    fetched = _emobatch(project, world.env, "jobs", "fetch", first, "--json")
    assert fetched.returncode == 0, fetched.stderr
    assert len(list(project.path("results", "pilot").glob("*/raw/*.jsonl"))) == 1
    assert len(list(project.path("results", "pilot").glob("*/parsed/*.parquet"))) == 1
    monitor = _emobatch(project, world.env, "monitor", "--once")
    assert monitor.returncode == 0, monitor.stderr
    assert monitor.stdout.count("SUCCEEDED") == 3
    costs = _emobatch(project, world.env, "costs", "--json")
    assert costs.returncode == 0, costs.stderr
    json.loads(costs.stdout)


def test_vertex_without_project_stops_before_any_rule(project: Project) -> None:
    for name in CLEARED:
        project.env.pop(name, None)
    proc = project.snakemake("results/pilot.parquet", "--config", "backend=vertex", check=False)
    assert proc.returncode != 0
    err = proc.stdout + proc.stderr
    assert "vertex.project and vertex.bucket" in err and "GEMINI_API_KEY" not in err
    assert "Traceback" not in err
    assert not project.path("results").exists() or not any(project.path("results").iterdir())
