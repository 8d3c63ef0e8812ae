"""Vertex states onto the poll logic; config, chunk limits, key check, engine identity, prices."""

from __future__ import annotations

import dataclasses

import pytest
from google.genai import types

from emobatch.analysis import engine_for
from emobatch.backends.factory import require_api_key
from emobatch.backends.vertex_auth import load_credentials
from emobatch.backends.vertex_status import job_status, pipeline_state
from emobatch.catalogue import load_catalogue
from emobatch.config import chunk_limits, load_config
from emobatch.errors import ConfigError

CONFIG = "config/config.yaml"
VERTEX = {"project": "my-project", "bucket": "my-bucket"}


@pytest.mark.parametrize(
    ("vertex", "ours"),
    [
        ("JOB_STATE_QUEUED", "PENDING"),
        ("JOB_STATE_PENDING", "PENDING"),
        ("JOB_STATE_RUNNING", "RUNNING"),
        ("JOB_STATE_UPDATING", "RUNNING"),
        ("JOB_STATE_PAUSED", "RUNNING"),
        ("JOB_STATE_CANCELLING", "RUNNING"),
        ("JOB_STATE_SUCCEEDED", "SUCCEEDED"),
        ("JOB_STATE_PARTIALLY_SUCCEEDED", "SUCCEEDED"),
        ("JOB_STATE_FAILED", "FAILED"),
        ("JOB_STATE_CANCELLED", "CANCELLED"),
        ("JOB_STATE_EXPIRED", "EXPIRED"),
        ("JOB_STATE_SOMETHING_NEW", "UNSPECIFIED"),
    ],
)
def test_vertex_states_map_onto_the_poll_states(vertex: str, ours: str) -> None:
    assert pipeline_state(vertex) == ours


def test_partially_succeeded_job_is_succeeded_with_its_failed_rows() -> None:
    job = types.BatchJob(
        name="projects/1/locations/asia-northeast3/batchPredictionJobs/123",
        display_name="emobatch-x",
        state=types.JobState.JOB_STATE_PARTIALLY_SUCCEEDED,
        completion_stats=types.CompletionStats(successful_count=8, failed_count=2),
        output_info=types.BatchJobOutputInfo(gcs_output_directory="gs://b/p/prediction-model-1"),
        dest=types.BatchJobDestination(gcs_uri="gs://b/p/"),
    )
    status = job_status(job)
    assert (status.state, status.done, status.request_count) == ("SUCCEEDED", True, 10)
    assert (status.succeeded, status.failed, status.pending) == (8, 2, 0)
    assert status.output_file == "gs://b/p/prediction-model-1"
    assert status.raw["vertex_state"] == "JOB_STATE_PARTIALLY_SUCCEEDED"


def test_running_job_has_no_output_and_a_finished_one_falls_back_to_the_prefix() -> None:
    dest = types.BatchJobDestination(gcs_uri="gs://b/p/")
    running = job_status(types.BatchJob(name="n", state="JOB_STATE_RUNNING", dest=dest))
    assert running.output_file is None and not running.done
    done = job_status(types.BatchJob(name="n", state="JOB_STATE_SUCCEEDED", dest=dest))
    assert done.output_file == "gs://b/p/"


def test_chunk_limits_follow_vertex_only_on_backend_vertex() -> None:
    big = {"max_batch_size": 500000, "max_file_size_mb": 2000}
    gemini = load_config(CONFIG, {"backend": "gemini", "batch": big})
    assert chunk_limits(gemini) == (500000, 2_000_000_000)
    vertex = load_config(CONFIG, {"backend": "vertex", "batch": big, "vertex": VERTEX})
    lines, size = chunk_limits(vertex)
    assert lines == 200_000 and size < 1_000_000_000 and size > 980_000_000
    small = load_config(CONFIG, {"backend": "vertex", "vertex": VERTEX})
    assert chunk_limits(small)[0] == 10000  # batch.max_batch_size is lower: it wins


def test_vertex_section_is_validated() -> None:
    settings = load_config(CONFIG, {"backend": "vertex", "vertex": VERTEX})
    assert settings.vertex.location == "us-central1" and settings.vertex.prefix == "emobatch"
    with pytest.raises(ConfigError, match="vertex"):
        load_config(CONFIG, {"backend": "vertex", "vertex": {"bucket": "gs://no-scheme"}})
    with pytest.raises(ConfigError, match="max_requests_per_job"):
        load_config(CONFIG, {"vertex": {"max_requests_per_job": 300000}})


def test_key_check_asks_vertex_for_project_bucket_and_credentials_not_a_gemini_key() -> None:
    missing = load_config(CONFIG, {"backend": "vertex"})
    with pytest.raises(ConfigError, match=r"vertex\.project and vertex\.bucket"):
        require_api_key(missing, env={})
    ok = load_config(CONFIG, {"backend": "vertex", "vertex": VERTEX})
    emulators = {
        "EMOBATCH_VERTEX_CREDENTIALS": "anonymous",
        "EMOBATCH_VERTEX_BASE_URL": "http://127.0.0.1:1",
        "STORAGE_EMULATOR_HOST": "http://127.0.0.1:2",
    }
    require_api_key(ok, env=emulators)  # no GEMINI_API_KEY needed


def test_anonymous_credentials_are_for_the_emulators_only() -> None:
    with pytest.raises(ConfigError, match="EMOBATCH_VERTEX_BASE_URL and STORAGE_EMULATOR_HOST"):
        load_credentials({"EMOBATCH_VERTEX_CREDENTIALS": "anonymous"})


def test_no_adc_is_a_config_error_with_the_login_command(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    with pytest.raises(ConfigError) as info:
        load_credentials({})
    assert "gcloud auth application-default login" in str(info.value)


def test_vertex_is_its_own_provider_in_the_analysis_identity() -> None:
    gemini = load_config(CONFIG, {"backend": "gemini"})
    vertex = load_config(CONFIG, {"backend": "vertex", "vertex": VERTEX})
    local = load_config(CONFIG, {"backend": "local"})
    engines = [engine_for(s) for s in (gemini, vertex, local)]
    assert [e.provider for e in engines] == ["gemini", "vertex", "emobatch-lexicon"]
    assert len({str(e.as_dict()) for e in engines}) == 3
    assert "Vertex AI" in engines[1].describe()
    same_model = dataclasses.replace(vertex, backend="gemini")
    assert engine_for(same_model) != engines[1]


def test_vertex_prices_are_the_developer_api_tables_marked_unverified() -> None:
    catalogue = load_catalogue()
    info = catalogue.providers["vertex"]
    assert info.verified is False and info.taken_on and "stack" in info.source
    entry = catalogue.get("gemini-3.1-flash-lite")
    assert entry is not None
    assert entry.price("batch", provider="vertex") == entry.price("batch")
    batch, online = entry.price("batch"), entry.price("interactive")
    assert batch.input == online.input / 2  # batch is 50 % on Vertex too
    assert batch.cached_input == online.cached_input  # the cache discount does not stack
    assert catalogue.family("gemini-3.1-flash-lite-001@default") == "gemini-3.1-flash-lite"


def test_a_models_own_vertex_table_wins_where_it_has_one(tmp_path) -> None:
    import yaml

    from emobatch.catalogue import CATALOGUE_PATH

    raw = yaml.safe_load(CATALOGUE_PATH.read_text("utf-8"))
    raw["models"]["gemini-3.1-flash-lite"]["prices"]["vertex"] = {
        "batch": {"input": 0.1, "output": 0.5, "cached_input": 0.02}
    }
    path = tmp_path / "models.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    entry = load_catalogue(path).get("gemini-3.1-flash-lite")
    assert entry is not None
    assert entry.price("batch", provider="vertex").input == 0.1
    assert entry.price("batch").input == 0.125  # the Developer API table is unchanged
    assert entry.price("interactive", provider="vertex") == entry.price("interactive")
