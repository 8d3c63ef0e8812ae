"""The post key travels in request.labels and comes back from any output line, in any order."""

from __future__ import annotations

import json

import pytest

from emobatch.backends.vertex_lines import decode_key, encode_key, from_prediction, to_vertex_line
from emobatch.errors import InputDataError

KEYS = ["p00017", "P-17", "게시물_1", "a b/c?", "x" * 63, "y" * 64, "é" * 300, ""]


@pytest.mark.parametrize("key", KEYS)
def test_every_key_round_trips_through_valid_label_values(key: str) -> None:
    labels = encode_key(key)
    assert decode_key(labels) == key
    for name, value in labels.items():
        assert len(value) <= 63 and all(
            c in "abcdefghijklmnopqrstuvwxyz0123456789_-" for c in value
        )
        assert name.startswith("emobatch_")


def test_label_safe_keys_stay_readable_and_others_are_base32() -> None:
    assert encode_key("p00017") == {"emobatch_key": "p00017"}
    assert list(encode_key("P-17")) == ["emobatch_k32_0"]
    assert len(encode_key("é" * 300)) == 16  # 600 bytes: 960 base32 characters, 16 labels


def test_a_key_too_long_for_labels_is_refused_with_the_next_step() -> None:
    with pytest.raises(InputDataError, match="too long"):
        encode_key("k" * 3000)


def test_chunk_line_becomes_a_vertex_line_without_key() -> None:
    line = json.dumps(
        {
            "key": "p1",
            "request": {"contents": [{"parts": [{"text": "좋아"}]}], "labels": {"a": "b"}},
        }
    ).encode()
    out = json.loads(to_vertex_line(line))
    assert set(out) == {"request"}
    assert out["request"]["labels"] == {"a": "b", "emobatch_key": "p1"}
    assert out["request"]["contents"][0]["parts"][0]["text"] == "좋아"
    assert to_vertex_line(line).endswith(b"\n") and b"\xec\xa2\x8b" in to_vertex_line(line)


def _echo(key: str) -> dict:
    return {"contents": [], "labels": encode_key(key)}


def test_successful_line_becomes_a_response_line() -> None:
    response = {"candidates": [{"content": {"parts": [{"text": "{}"}]}}]}
    line = {"status": "", "processed_time": "t", "request": _echo("P-9"), "response": response}
    assert from_prediction(line) == {"key": "P-9", "response": response}


def test_failed_line_keeps_the_http_code_so_permanent_errors_are_not_retried() -> None:
    error = {"code": 400, "message": "Please use a valid role", "status": "INVALID_ARGUMENT"}
    status = "Bad Request: " + json.dumps({"error": error})
    line = {"status": status, "request": _echo("p1"), "response": {}}
    assert from_prediction(line) == {
        "key": "p1",
        "error": {"code": 400, "message": "Please use a valid role", "status": "INVALID_ARGUMENT"},
    }
    plain = from_prediction({"status": "Internal Server Error", "request": _echo("p1")})
    assert plain is not None and plain["error"]["code"] == 500
    unknown = from_prediction({"status": "something odd", "request": _echo("p1")})
    assert unknown is not None and unknown["error"]["code"] == 0  # unknown: retryable


def test_empty_response_without_status_is_a_failure() -> None:
    line = from_prediction({"status": "", "request": _echo("p1"), "response": {}})
    assert line is not None and "error" in line


def test_status_object_is_read_as_an_error() -> None:
    line = from_prediction({"status": {"code": 13, "message": "x"}, "request": _echo("p1")})
    assert line == {"key": "p1", "error": {"code": 13, "message": "x"}}


def test_a_line_without_labels_has_no_key_unless_vertex_echoes_one() -> None:
    assert from_prediction({"status": "", "request": {}, "response": {"a": 1}}) is None
    echoed = from_prediction({"key": "p3", "status": "", "request": {}, "response": {"a": 1}})
    assert echoed == {"key": "p3", "response": {"a": 1}}
