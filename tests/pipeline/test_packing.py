"""Packed requests (``batch.posts_per_request``): the request lines, the emulator's answers,
unpacking into one line per post, partial answers retried one post per request, and the
analysis id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from emobatch.analysis import Analysis, analysis_for
from emobatch.backends.local import LocalBackend
from emobatch.config import Settings, load_config
from emobatch.ledger import Ledger
from emobatch.packing import (
    PACK_NOTE,
    expand_key,
    pack_key,
    pack_request,
    single_requests,
    unpack_line,
)
from emobatch.records import Marker, Recovered
from emobatch.responses import chunk_keys, judge_rounds
from emobatch.stages.parse import parse_chunk
from emobatch.stages.poll import PollSettings
from emobatch.stages.realtime import RealtimeSettings, code_chunk
from emobatch.stages.recover import recover_chunk
from emobatch.stages.requests import build_request, write_chunks
from emobatch.stages.submit import Clock

REPO = Path(__file__).resolve().parents[2]
TEXTS = {
    "p1": "오늘 너무 행복해 ㅎㅎ 최고!",
    "p2": "진짜 빡치네 ㅡㅡ 어이없다",
    "p3": "헐 대박 실화냐 😮",
    "p4": "무섭다 ㄷㄷ 걱정돼",
    "p5": "공지: 내일 10시 정기 점검",
}


def settings(tmp_path: Path, **batch: Any) -> Settings:
    return load_config(
        REPO / "config" / "config.yaml",
        {
            "codebook": str(REPO / "config" / "codebook" / "emotion.yaml"),
            "input": {"path": str(tmp_path / "posts.csv")},
            "ledger_path": str(tmp_path / "ledger" / "submissions.jsonl"),
            "history_dir": str(tmp_path / "history"),
            "local": {"state_dir": str(tmp_path / "emulator")},
            "backend": "local",
            "batch": batch,
        },
    )


def selected(tmp_path: Path, texts: dict[str, str] = TEXTS) -> Path:
    path = tmp_path / "selected.parquet"
    table = pa.table(
        {
            "post_id": list(texts),
            "text": list(texts.values()),
            "to_submit": [True] * len(texts),
            "source_row": list(range(len(texts))),
        }
    )
    pq.write_table(table, path)
    return path


def chunk_of(tmp_path: Path, analysis: Analysis, s: Settings) -> Path:
    write_chunks(s, selected=selected(tmp_path), out_dir=tmp_path / "chunks", analysis=analysis)
    return tmp_path / "chunks" / "chunk-0000.jsonl"


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def validator(analysis: Analysis) -> Any:
    return analysis.codebook.read_answer


# -- the analysis id and the request lines ----------------------------------------------------


def test_posts_per_request_is_part_of_the_analysis_id_and_1_keeps_the_old_id(
    tmp_path: Path,
) -> None:
    one, default = (
        analysis_for(settings(tmp_path, posts_per_request=1)),
        analysis_for(settings(tmp_path)),
    )
    ten = analysis_for(settings(tmp_path, posts_per_request=10))
    twenty_five = analysis_for(settings(tmp_path, posts_per_request=25))
    assert one.id == default.id
    assert len({one.id, ten.id, twenty_five.id}) == 3
    assert ten.posts_per_request == 10


def test_a_packed_chunk_carries_its_posts_keys_and_a_schema_of_exactly_those_keys(
    tmp_path: Path,
) -> None:
    s = settings(tmp_path, posts_per_request=2)
    analysis = analysis_for(s)
    chunk = chunk_of(tmp_path, analysis, s)
    lines = lines_of(chunk)
    assert [line["key"] for line in lines] == [
        pack_key(["p1", "p2"]),
        pack_key(["p3", "p4"]),
        "p5",  # the last pack of one post is a plain single-post request
    ]
    assert chunk_keys(chunk) == list(TEXTS)
    first = lines[0]["request"]
    schema = first["generationConfig"]["responseSchema"]
    assert schema["type"] == "ARRAY" and schema["minItems"] == schema["maxItems"] == 2
    assert schema["items"]["properties"]["id"] == {"type": "STRING", "enum": ["p1", "p2"]}
    assert schema["items"]["required"][0] == "id"
    assert first["systemInstruction"]["parts"][0]["text"].endswith(PACK_NOTE)
    posts = json.loads(first["contents"][0]["parts"][0]["text"])
    assert posts == [{"id": "p1", "text": TEXTS["p1"]}, {"id": "p2", "text": TEXTS["p2"]}]
    single = build_request(analysis.codebook, analysis.generation.config, TEXTS["p5"])
    assert lines[2]["request"] == single


def test_single_requests_rebuild_exactly_what_an_unpacked_run_sends(tmp_path: Path) -> None:
    analysis = analysis_for(settings(tmp_path))
    template = build_request(analysis.codebook, analysis.generation.config, "")
    packed = pack_request(template, [("p1", TEXTS["p1"]), ("p2", TEXTS["p2"])])
    rebuilt = single_requests([(pack_key(["p1", "p2"]), packed)])
    assert rebuilt == [
        (k, build_request(analysis.codebook, analysis.generation.config, TEXTS[k]))
        for k in ("p1", "p2")
    ]


def test_replicates_of_a_post_never_share_a_pack(tmp_path: Path) -> None:
    s = load_config(
        REPO / "config" / "config.yaml",
        {
            **{"codebook": str(REPO / "config" / "codebook" / "emotion.yaml")},
            "input": {"path": str(tmp_path / "posts.csv")},
            "batch": {"posts_per_request": 2},
            "repeats": 2,
        },
    )
    analysis = analysis_for(s)
    chunk = chunk_of(tmp_path, analysis, s)
    for line in lines_of(chunk):
        posts = {k.split("#")[0] for k in expand_key(line["key"])}
        assert len(posts) == len(expand_key(line["key"]))
    assert sorted(chunk_keys(chunk)) == sorted([*TEXTS, *(f"{k}#rep2" for k in TEXTS)])


# -- unpacking ----------------------------------------------------------------------------------


def answer(primary: str = "joy") -> dict[str, Any]:
    emotions = ["joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation"]
    return {
        "primary_emotion": primary,
        "intensities": {e: 0.8 if e == primary else 0.0 for e in emotions},
        "sentiment": "positive",
        "sentiment_score": 0.5,
        "rationale": "cue",
    }


def packed_line(keys: list[str], items: Any, prompt: int = 1001) -> dict[str, Any]:
    text = items if isinstance(items, str) else json.dumps(items, ensure_ascii=False)
    return {
        "key": pack_key(keys),
        "response": {
            "candidates": [
                {"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP"}
            ],
            "usageMetadata": {"promptTokenCount": prompt, "candidatesTokenCount": 300},
            "modelVersion": "gemini-3.1-flash-lite",
        },
    }


def test_unpacking_gives_one_line_per_post_and_splits_the_usage_evenly() -> None:
    items = [{"id": "p2", **answer("anger")}, {"id": "p1", **answer()}]
    lines = unpack_line(packed_line(["p1", "p2"], items))
    assert [line["key"] for line in lines] == ["p1", "p2"]
    usage = [line["response"]["usageMetadata"] for line in lines]
    assert [u["promptTokenCount"] for u in usage] == [501, 500]  # the sums are the request's
    assert [u["candidatesTokenCount"] for u in usage] == [150, 150]
    text = lines[1]["response"]["candidates"][0]["content"]["parts"][0]["text"]
    assert json.loads(text) == answer("anger")


def test_missing_duplicated_and_extra_keys_fail_only_the_affected_posts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    analysis = analysis_for(settings(tmp_path))
    keys = ["p1", "p2", "p3"]
    items = [
        {"id": "p1", **answer()},
        {"id": "p2", **answer()},
        {"id": "p2", **answer("anger")},
        {"id": "p9", **answer()},  # never sent: ignored, counted
    ]
    raw = tmp_path / "raw.jsonl"
    raw.write_text(json.dumps(packed_line(keys, items)) + "\n", encoding="utf-8")
    with caplog.at_level("WARNING"):
        best = judge_rounds(keys, [{"round": 0, "raw": str(raw)}], validator(analysis))
    assert best["p1"][0].ok
    assert (best["p2"][0].reason, best["p3"][0].reason) == (
        "duplicated_in_pack",
        "missing_from_pack",
    )
    assert best["p2"][0].retryable and best["p3"][0].retryable
    assert "1 answer(s) with an id that was not sent" in caplog.text
    assert sum(best[k][0].prompt_tokens for k in keys) == 1001


@pytest.mark.parametrize(
    ("text", "reason"),
    [('[{"id": "p1"', "invalid_json"), (json.dumps(answer()), "schema_violation")],
)
def test_an_answer_that_is_not_an_array_fails_every_post_of_the_pack(
    tmp_path: Path, text: str, reason: str
) -> None:
    analysis = analysis_for(settings(tmp_path))
    raw = tmp_path / "raw.jsonl"
    raw.write_text(json.dumps(packed_line(["p1", "p2"], text)) + "\n", encoding="utf-8")
    best = judge_rounds(["p1", "p2"], [{"round": 0, "raw": str(raw)}], validator(analysis))
    assert [best[k][0].reason for k in ("p1", "p2")] == [reason, reason]


def test_an_error_line_of_a_pack_is_an_error_of_each_post() -> None:
    line = {"key": pack_key(["a", "b"]), "error": {"code": 500, "message": "boom"}}
    assert [x["key"] for x in unpack_line(line)] == ["a", "b"]
    assert all(x["error"]["code"] == 500 for x in unpack_line(line))


# -- through the emulator -----------------------------------------------------------------------


def code_locally(tmp_path: Path, analysis: Analysis, chunk: Path) -> Recovered:
    """Code ``chunk`` through the emulator (the LocalBackend, interactive, two at a time):
    raw output in ``raw/chunk-0000.jsonl``, the manifest in ``recovered/chunk-0000.json``."""
    backend = LocalBackend(tmp_path / "emulator")
    try:
        return code_chunk(
            backend,
            Ledger(tmp_path / "ledger.jsonl"),
            chunk=chunk,
            model=analysis.model.name,
            analysis=analysis.id,
            mode="pilot",
            raw=tmp_path / "raw" / "chunk-0000.jsonl",
            retries_dir=tmp_path / "retries",
            out_manifest=tmp_path / "recovered" / "chunk-0000.json",
            read_answer=validator(analysis),
            settings=RealtimeSettings(delivery="interactive", concurrency=2),
            clock=Clock(sleep=lambda _: None),
        )
    finally:
        backend.close()


def test_a_packed_chunk_round_trips_through_the_emulator(tmp_path: Path) -> None:
    s = settings(tmp_path, posts_per_request=3)
    analysis = analysis_for(s)
    chunk = chunk_of(tmp_path, analysis, s)
    assert len(lines_of(chunk)) == 2
    manifest = code_locally(tmp_path, analysis, chunk)
    assert manifest.ok == 5 and manifest.failed == 0 and len(manifest.rounds) == 1
    raw_lines = lines_of(tmp_path / "raw" / "chunk-0000.jsonl")
    assert len(raw_lines) == 2  # two requests answered, for five posts
    answers = json.loads(
        next(x for x in raw_lines if x["key"] == pack_key(["p1", "p2", "p3"]))["response"][
            "candidates"
        ][0]["content"]["parts"][0]["text"]
    )
    assert [a["id"] for a in answers] == ["p1", "p2", "p3"]
    out = tmp_path / "parsed.parquet"
    counts = parse_chunk(
        chunk=chunk,
        recovered=tmp_path / "recovered" / "chunk-0000.json",
        out=out,
        read_answer=validator(analysis),
        emotions=analysis.codebook.emotions,
    )
    rows = pq.read_table(out).to_pylist()
    assert [r["post_id"] for r in rows] == list(TEXTS)
    assert all(r["status"] == "ok" for r in rows), counts
    by_id = {r["post_id"]: r for r in rows}
    assert by_id["p1"]["primary_emotion"] == "joy" and by_id["p2"]["primary_emotion"] == "anger"
    assert sum(r["prompt_tokens"] for r in rows) == sum(
        x["response"]["usageMetadata"]["promptTokenCount"] for x in raw_lines
    )


# -- partial answers, resubmitted ---------------------------------------------------------------


class _PackAnsweringBackend:
    """Answers the first job with a pack missing p2; every later job (single posts) fully."""

    def __init__(self) -> None:
        from tests.pipeline.fakes import FakeBackend

        self.fake = FakeBackend()
        self.uploaded: dict[str, bytes] = {}
        self.retry_keys: list[list[str]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.fake, name)

    def upload(self, path: Path, display_name: str) -> str:
        name = self.fake.upload(path, display_name)
        self.uploaded[name] = Path(path).read_bytes()
        return str(name)

    def download(self, file_name: str, dest: Path) -> None:
        data = next(reversed(self.uploaded.values())).decode("utf-8")
        requests = [json.loads(line) for line in data.splitlines() if line.strip()]
        self.retry_keys.append([r["key"] for r in requests])
        lines = []
        for r in requests:
            assert not r["key"].startswith("pack:"), "retries are sent one post per request"
            text = json.dumps(answer(), ensure_ascii=False)
            lines.append(packed_line([r["key"]], text) | {"key": r["key"]})
        dest.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")


def marker(chunk: Path, analysis: Analysis) -> Marker:
    return Marker(
        job_name="batches/job0",
        display_name="first",
        state="SUCCEEDED",
        request_count=len(lines_of(chunk)),
        succeeded=len(lines_of(chunk)),
        failed=0,
        output_file="files/batch-job0",
        chunk_file=str(chunk),
        chunk_sha256="sha",
        model=analysis.model.name,
        mode="pilot",
        analysis_id=analysis.id,
        submitted_at="2026-01-01T00:00:00Z",
    )


def test_posts_a_pack_left_out_are_resubmitted_one_per_request(tmp_path: Path) -> None:
    s = settings(tmp_path, posts_per_request=3)
    analysis = analysis_for(s)
    chunk = chunk_of(tmp_path, analysis, s)
    raw = tmp_path / "raw.jsonl"
    first = packed_line(
        ["p1", "p2", "p3"], [{"id": "p1", **answer()}, {"id": "p3", **answer("fear")}]
    )
    second = packed_line(["p4", "p5"], [{"id": "p4", **answer()}, {"id": "p5", **answer()}])
    raw.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n", encoding="utf-8")
    backend = _PackAnsweringBackend()
    manifest = recover_chunk(
        backend,  # type: ignore[arg-type]
        Ledger(tmp_path / "ledger.jsonl"),
        chunk=chunk,
        raw=raw,
        marker=marker(chunk, analysis),
        retries_dir=tmp_path / "retries",
        out_manifest=tmp_path / "recovered.json",
        read_answer=validator(analysis),
        retry_rounds=2,
        poll_settings=PollSettings(interval_seconds=1),
        clock=Clock(sleep=lambda _: None, monotonic=lambda: 0.0),
    )
    assert backend.retry_keys == [["p2"]]
    retry = lines_of(tmp_path / "retries" / "chunk-0000-r1.jsonl")
    assert retry == [
        {
            "key": "p2",
            "request": build_request(analysis.codebook, analysis.generation.config, TEXTS["p2"]),
        }
    ]
    assert isinstance(manifest, Recovered)
    assert (manifest.ok, manifest.failed, manifest.requests) == (5, 0, 5)


def test_the_validation_of_single_post_requests_does_not_open_the_gate_for_packed_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emobatch.paths import ModePaths
    from emobatch.stages.validate import current_report

    single = analysis_for(settings(tmp_path))
    packed = analysis_for(settings(tmp_path, posts_per_request=10))
    monkeypatch.chdir(tmp_path)
    report = ModePaths("pilot").validation_json
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"analysis_id": single.id}), encoding="utf-8")
    assert current_report(single)[0] is not None
    assert current_report(packed) == (None, None)


def test_max_output_tokens_is_per_post(tmp_path: Path) -> None:
    analysis = analysis_for(settings(tmp_path))
    template = build_request(analysis.codebook, analysis.generation.config, "")
    per_post = template["generationConfig"]["maxOutputTokens"]
    posts = [(k, TEXTS[k]) for k in ("p1", "p2", "p3")]
    packed = pack_request(template, posts)
    assert packed["generationConfig"]["maxOutputTokens"] == 3 * per_post
    rebuilt = single_requests([(pack_key(["p1", "p2", "p3"]), packed)])
    assert {r["generationConfig"]["maxOutputTokens"] for _, r in rebuilt} == {per_post}
