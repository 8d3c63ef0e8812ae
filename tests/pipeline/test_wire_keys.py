"""Compact wire keys (``wire_keys`` in the codebook): short keys in the schema sent, the answer
read back under the documented names, through the emulator and packed requests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from google.genai import types

from emobatch.analysis import analysis_for
from emobatch.codebook import load_codebook, validate_answer
from emobatch.config import load_config
from emobatch.emulator.gen_request import build_settings
from emobatch.emulator.responder import Responder
from emobatch.errors import CodebookError
from emobatch.estimate import typical_answer_tokens
from emobatch.responses import evaluate_line
from emobatch.stages.parse import parse_chunk
from emobatch.stages.requests import build_request, write_chunks
from emobatch.wire_keys import COMPACT
from tests.pipeline.test_packing import TEXTS, code_locally, lines_of, selected

REPO = Path(__file__).resolve().parents[2]
CODEBOOK = REPO / "config" / "codebook" / "emotion.yaml"
NAMES = ("primary_emotion", "intensities", "sentiment", "sentiment_score", "rationale")


def codebook_with(tmp_path: Path, wire_keys: str) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(
        CODEBOOK.read_text(encoding="utf-8") + f"\nwire_keys: {wire_keys}\n", encoding="utf-8"
    )
    return path


def test_compact_keys_rename_the_schema_sent_and_keep_the_documented_names(
    tmp_path: Path,
) -> None:
    plain, compact = load_codebook(CODEBOOK), load_codebook(codebook_with(tmp_path, "compact"))
    sent = compact.response_schema
    assert list(sent["properties"]) == ["e", "i", "s", "v", "r"]
    assert [sent["properties"][COMPACT[f]]["title"] for f in NAMES] == list(NAMES)
    assert sent["required"] == sent["propertyOrdering"] == ["e", "i", "s", "v", "r"]
    assert list(sent["properties"]["i"]["properties"]) == list(compact.emotions)  # labels stay
    assert (
        sent["properties"]["e"]["enum"]
        == plain.response_schema["properties"]["primary_emotion"]["enum"]
    )
    assert compact.answer_schema == plain.response_schema  # what answers are checked against
    assert compact.version != plain.version  # a new analysis
    last = compact.system_instruction.splitlines()[-1]
    assert last.startswith("Answer with one JSON object with the fields e (primary_emotion), ")
    assert "v (sentiment_score), r (rationale)" in last
    assert types.Schema.model_validate(sent).properties["e"].title == "primary_emotion"  # the SDK


def test_read_answer_maps_short_keys_back_and_names_problems_by_their_field(
    tmp_path: Path,
) -> None:
    compact = load_codebook(codebook_with(tmp_path, "compact"))
    wire = {
        "e": "joy",
        "i": dict.fromkeys(compact.emotions, 0.1),
        "s": "positive",
        "v": 0.5,
        "r": "ㅎㅎ",
    }
    answer, problems = compact.read_answer(wire)
    assert problems == [] and list(answer) == list(NAMES)
    assert validate_answer(compact, answer) == []
    _, problems = compact.read_answer({**wire, "e": "happy", "v": 3})
    assert problems == [
        "primary_emotion: 'happy' is not one of "
        + ", ".join(compact.answer_schema["properties"]["primary_emotion"]["enum"]),
        "sentiment_score: 3 is outside [-1, 1]",
    ]
    _, problems = compact.read_answer({k: v for k, v in wire.items() if k != "s"})
    assert problems == ["sentiment: missing"]
    plain = load_codebook(CODEBOOK)  # no wire keys: the answer is read as it is
    assert plain.read_answer(answer) == (answer, [])


def test_a_mapping_renames_only_the_fields_it_names(tmp_path: Path) -> None:
    codebook = load_codebook(codebook_with(tmp_path, "{primary_emotion: label, rationale: why}"))
    assert list(codebook.response_schema["properties"]) == [
        "label",
        "intensities",
        "sentiment",
        "sentiment_score",
        "why",
    ]
    assert "intensities" not in codebook.response_schema["properties"]["label"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("short", "must be `compact` or a mapping"),
        ("{emotion: e}", "names emotion, not answer fields"),
        ("{primary_emotion: id}", "reserved key id"),
        ("{primary_emotion: x, sentiment: x}", "the same key"),
        ("{primary_emotion: sentiment}", "the same key"),
        ("{primary_emotion: ''}", "empty or non-text key"),
    ],
)
def test_bad_wire_keys_are_refused_naming_the_key(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(CodebookError, match=r"`wire_keys`") as err:
        load_codebook(codebook_with(tmp_path, value))
    assert message in str(err.value)


def test_the_emulator_answers_compact_keys_with_the_same_labels_and_fewer_tokens(
    tmp_path: Path,
) -> None:
    plain, compact = load_codebook(CODEBOOK), load_codebook(codebook_with(tmp_path, "compact"))
    generation = {"thinkingConfig": {"thinkingBudget": 0}}
    for text in TEXTS.values():
        answers = []
        for codebook in (plain, compact):
            request = build_request(codebook, generation, text)
            settings = build_settings(request["generationConfig"])
            reply = Responder().answer_text(settings, {"contents": request["contents"]})
            line = {"key": "p", "response": _response(reply)}
            result = evaluate_line(line, codebook.read_answer)
            assert result.ok, result.detail
            answers.append((json.loads(reply), result.answer))
        (plain_wire, plain_read), (compact_wire, compact_read) = answers
        assert set(compact_wire) == {"e", "i", "s", "v", "r"}
        assert compact_read == plain_read  # the same answer, read back under the same names
        assert len(json.dumps(compact_wire)) < len(json.dumps(plain_wire))
    full = typical_answer_tokens(plain.emotions)
    short = typical_answer_tokens(plain.emotions, keys=dict(compact.wire_keys))
    assert full - short == 10  # the figure in emobatch.wire_keys' docstring


def _response(text: str) -> dict[str, Any]:
    return {"candidates": [{"content": {"parts": [{"text": text}]}, "finishReason": "STOP"}]}


def test_a_packed_compact_chunk_round_trips_through_the_emulator(tmp_path: Path) -> None:
    s = load_config(
        REPO / "config" / "config.yaml",
        {
            "codebook": str(codebook_with(tmp_path, "compact")),
            "input": {"path": str(tmp_path / "posts.csv")},
            "backend": "local",
            "batch": {"posts_per_request": 3},
        },
    )
    analysis = analysis_for(s)
    write_chunks(s, selected=selected(tmp_path), out_dir=tmp_path / "chunks", analysis=analysis)
    chunk = tmp_path / "chunks" / "chunk-0000.jsonl"
    manifest = code_locally(tmp_path, analysis, chunk)
    assert manifest.ok == 5 and manifest.failed == 0
    items = [  # the requests of 3 and 2 posts, in the order they were answered
        item
        for line in lines_of(tmp_path / "raw" / "chunk-0000.jsonl")
        for item in json.loads(line["response"]["candidates"][0]["content"]["parts"][0]["text"])
    ]
    assert [set(item) for item in items] == [{"id", "e", "i", "s", "v", "r"}] * 5
    out = tmp_path / "parsed.parquet"
    parse_chunk(
        chunk=chunk,
        recovered=tmp_path / "recovered" / "chunk-0000.json",
        out=out,
        read_answer=analysis.codebook.read_answer,
        emotions=analysis.codebook.emotions,
    )
    rows = {r["post_id"]: r for r in pq.read_table(out).to_pylist()}
    assert all(r["status"] == "ok" for r in rows.values())
    assert rows["p1"]["primary_emotion"] == "joy" and rows["p2"]["primary_emotion"] == "anger"
    assert rows["p2"]["intensity_anger"] > 0.3 and rows["p2"]["sentiment"] == "negative"
    assert rows["p1"]["rationale"]
