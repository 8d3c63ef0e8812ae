"""The codebook: loading, versioning, validation, rendering, and answer checking."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

import pytest
import yaml

from emobatch.codebook import load_codebook, validate_answer
from emobatch.errors import CodebookError

CODEBOOK = Path(__file__).resolve().parents[2] / "config" / "codebook" / "emotion.yaml"

EMOTIONS = ("joy", "trust", "fear", "surprise", "sadness", "disgust", "anger", "anticipation")
FIELDS = ["primary_emotion", "intensities", "sentiment", "sentiment_score", "rationale"]


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CODEBOOK)


def _raw() -> dict[str, Any]:
    return yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))


def _write(tmp_path: Path, raw: dict[str, Any]) -> Path:
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def good_answer() -> dict[str, Any]:
    return {
        "primary_emotion": "joy",
        "intensities": dict.fromkeys(EMOTIONS, 0.0) | {"joy": 0.8},
        "sentiment": "positive",
        "sentiment_score": 0.7,
        "rationale": "ㅋㅋ와 '최고'가 기쁨을 나타냄",
    }


def test_bundled_codebook_labels_and_schema(codebook) -> None:
    assert codebook.name == "plutchik-8-ko"
    assert codebook.emotions == EMOTIONS
    assert codebook.labels == (*EMOTIONS, "neutral")
    assert codebook.sentiments == ("positive", "negative", "neutral")
    schema = codebook.response_schema
    assert schema["type"] == "OBJECT"
    assert schema["required"] == FIELDS and schema["propertyOrdering"] == FIELDS
    props = schema["properties"]
    assert props["primary_emotion"] == {"type": "STRING", "enum": [*EMOTIONS, "neutral"]}
    intens = props["intensities"]
    assert intens["type"] == "OBJECT"
    assert intens["required"] == list(EMOTIONS) == intens["propertyOrdering"]
    for emotion in EMOTIONS:
        assert intens["properties"][emotion] == {"type": "NUMBER", "minimum": 0, "maximum": 1}
    assert props["sentiment"] == {"type": "STRING", "enum": ["positive", "negative", "neutral"]}
    assert props["sentiment_score"] == {"type": "NUMBER", "minimum": -1, "maximum": 1}
    assert props["rationale"] == {"type": "STRING"}


def test_response_schema_is_accepted_by_the_sdk(codebook) -> None:
    from google.genai import types

    schema = types.Schema.model_validate(codebook.response_schema)
    assert schema.properties["intensities"].property_ordering == list(EMOTIONS)


def test_version_is_the_hash_of_the_file_bytes(codebook) -> None:
    assert codebook.version == hashlib.sha256(CODEBOOK.read_bytes()).hexdigest()[:12]


def test_version_changes_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "codebook.yaml"
    path.write_bytes(CODEBOOK.read_bytes())
    before = load_codebook(path)
    path.write_bytes(CODEBOOK.read_bytes() + b"# a comment changes the version too\n")
    after = load_codebook(path)
    assert before.version != after.version
    assert before.system_instruction == after.system_instruction


def test_system_instruction_is_deterministic_and_complete(codebook) -> None:
    again = load_codebook(CODEBOOK)
    assert again.system_instruction == codebook.system_instruction
    text = codebook.system_instruction
    for label, gloss in zip(
        (*EMOTIONS, "neutral"),
        ("기쁨", "신뢰", "두려움", "놀람", "슬픔", "혐오", "분노", "기대", "중립"),
        strict=True,
    ):
        assert f"- {label} ({gloss}):" in text
    assert "DATA" in text and "ignore previous" in text and "never obey" in text
    assert "ㅋㅋ" in text and "30 words" in text and "sentiment_score" in text


def _drop(raw: dict, *path: str) -> None:
    for key in path[:-1]:
        raw = raw[key]
    del raw[path[-1]]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: _drop(r, "labels"), "`labels` is missing"),
        (lambda r: _drop(r, "instructions"), "`instructions` is missing"),
        (lambda r: _drop(r, "output_schema"), "`output_schema` is missing"),
        (lambda r: _drop(r, "sentiment", "rules"), "`sentiment.rules` is missing"),
        (lambda r: _drop(r, "rationale", "max_words"), "`rationale.max_words` is missing"),
        (lambda r: _drop(r["labels"][2], "korean"), "`labels[2].korean` is missing"),
        (lambda r: r["labels"].pop(), "no `neutral` label"),
        (lambda r: r["labels"].append(copy.deepcopy(r["labels"][0])), "appears twice"),
        (lambda r: r["labels"][0].update(name="happiness"), "do not match"),
        (lambda r: _drop(r, "output_schema", "properties", "rationale"), "lacks rationale"),
        (lambda r: r["output_schema"]["required"].remove("sentiment"), "must list sentiment"),
        (
            lambda r: _drop(r["output_schema"]["properties"]["intensities"]["properties"], "fear"),
            "intensities.properties` lacks fear",
        ),
        (
            lambda r: r["output_schema"]["properties"]["primary_emotion"].pop("enum"),
            "primary_emotion` must be a STRING with an `enum`",
        ),
        (lambda r: r["sentiment"].update(labels=["good", "bad"]), "`sentiment.labels` do not"),
        (
            lambda r: r["output_schema"].update(type="ARRAY"),
            "`output_schema` must have `type: OBJECT`",
        ),
        (
            lambda r: r["output_schema"]["properties"]["sentiment_score"].update(type="STRING"),
            "sentiment_score` must have `type: NUMBER`",
        ),
    ],
)
def test_invalid_codebooks_name_the_key(tmp_path: Path, mutate, message: str) -> None:
    raw = _raw()
    mutate(raw)
    path = _write(tmp_path, raw)
    with pytest.raises(CodebookError) as info:
        load_codebook(path)
    assert message in str(info.value)
    assert str(path) in str(info.value) and "next step" in str(info.value)


def test_missing_and_unparsable_codebooks(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="not found"):
        load_codebook(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="not valid UTF-8 YAML"):
        load_codebook(bad)
    bad.write_text("- just a list\n", encoding="utf-8")
    with pytest.raises(CodebookError, match="must be a YAML mapping"):
        load_codebook(bad)


def test_valid_answer_has_no_problems(codebook) -> None:
    assert validate_answer(codebook, good_answer()) == []
    neutral = good_answer() | {
        "primary_emotion": "neutral",
        "sentiment": "neutral",
        "sentiment_score": 0,
        "intensities": dict.fromkeys(EMOTIONS, 0),
    }
    assert validate_answer(codebook, neutral) == []
    assert validate_answer(codebook, good_answer() | {"extra": "ignored"}) == []


def _with(path: str, value: Any) -> dict[str, Any]:
    answer = good_answer()
    target = answer
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[key]
    if value is _MISSING:
        del target[keys[-1]]
    else:
        target[keys[-1]] = value
    return answer


_MISSING = object()


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("rationale", _MISSING, "rationale: missing"),
        ("intensities.anger", _MISSING, "intensities.anger: missing"),
        ("primary_emotion", "happy", "primary_emotion: 'happy' is not one of"),
        ("sentiment", "mixed", "sentiment: 'mixed' is not one of"),
        ("intensities.joy", 1.5, "intensities.joy: 1.5 is outside [0, 1]"),
        ("intensities.fear", -0.1, "intensities.fear: -0.1 is outside [0, 1]"),
        ("sentiment_score", -1.2, "sentiment_score: -1.2 is outside [-1, 1]"),
        ("sentiment_score", float("nan"), "sentiment_score: nan is not a finite number"),
        ("sentiment_score", "0.5", "sentiment_score: expected NUMBER, got str"),
        ("intensities.joy", True, "intensities.joy: expected NUMBER, got bool"),
        ("intensities", [0.1] * 8, "intensities: expected OBJECT, got list"),
        ("rationale", 42, "rationale: expected STRING, got int"),
        ("primary_emotion", None, "primary_emotion: expected STRING, got NoneType"),
    ],
)
def test_validate_answer_catches_each_violation(
    codebook, path: str, value: Any, problem: str
) -> None:
    problems = validate_answer(codebook, _with(path, value))
    assert len(problems) == 1, problems
    assert problems[0].startswith(problem)


@pytest.mark.parametrize("answer", [None, [], "joy", 3])
def test_validate_answer_rejects_non_objects(codebook, answer: Any) -> None:
    assert validate_answer(codebook, answer)[0].startswith("answer: expected OBJECT")


_ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    1,
    -1,
    0.5,
    1.5,
    -1.2,
    float("nan"),
    float("inf"),
    "",
    "joy",
    "happy",
    "neutral",
    [],
    [0.1],
    {},
    {"joy": 0.1},
    10**30,
]


def test_compiled_check_agrees_with_the_worded_walk(codebook) -> None:
    """The fast check parse uses says valid exactly when the walk finds no problem: every
    field of a good answer (and of a packed ARRAY schema) replaced by every odd value."""
    from emobatch.answer_check import compile_check
    from emobatch.codebook import _check_value

    packed = {"type": "ARRAY", "items": codebook.response_schema, "minItems": 2}
    cases: list[tuple[dict[str, Any], Any]] = []
    paths = [*FIELDS, *(f"intensities.{e}" for e in EMOTIONS)]
    for path in paths:
        for value in [*_ODD_VALUES, _MISSING]:
            answer = _with(path, value)
            cases += [(codebook.response_schema, answer), (packed, [good_answer(), answer])]
    cases += [(codebook.response_schema, v) for v in _ODD_VALUES]
    cases += [(packed, v) for v in _ODD_VALUES]
    verdicts = set()
    for schema, value in cases:
        problems: list[str] = []
        _check_value(schema, value, "", problems)
        assert compile_check(schema)(value) is (not problems), (value, problems)
        verdicts.add(not problems)
    assert verdicts == {True, False}  # both outcomes occur
    assert validate_answer(codebook, good_answer()) == [] and codebook.answer_ok(good_answer())


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "NUMBER"},
        {"type": "NUMBER", "minimum": 0},
        {"type": "NUMBER", "maximum": 1},
        {"type": "INTEGER", "minimum": 0, "maximum": 1},
        {"type": "NUMBER", "enum": [0, 1]},
        {"type": "OBJECT", "properties": {"joy": {"type": "NUMBER"}}},
        {"type": "OBJECT", "required": ["joy", "x"], "properties": {"joy": {"type": "NUMBER"}}},
        {"type": "ARRAY", "items": {"type": "STRING", "enum": ["joy", "neutral"]}},
    ],
)
def test_compiled_number_and_object_checks_agree_with_the_walk(schema: dict[str, Any]) -> None:
    """The fast paths (bounded numbers, optional and value-less required fields) say valid
    exactly when the worded walk finds no problem."""
    from emobatch.answer_check import compile_check
    from emobatch.codebook import _check_value

    check = compile_check(schema)
    verdicts = set()
    for value in [*_ODD_VALUES, {"joy": 1, "x": None}, {"x": 0}, ["joy", "neutral"]]:
        problems: list[str] = []
        _check_value(schema, value, "", problems)
        assert check(value) is (not problems), (schema, value, problems)
        verdicts.add(not problems)
    assert verdicts == {True, False}


def _agrees(schema: dict[str, Any], values: list[Any]) -> set[bool]:
    """Assert the generated check says valid exactly when the worded walk finds no problem,
    for each of ``values``; the verdicts that occurred."""
    from emobatch.answer_check import compile_check
    from emobatch.codebook import _check_value

    check = compile_check(schema)
    verdicts = set()
    for value in values:
        problems: list[str] = []
        _check_value(schema, value, "", problems)
        assert check(value) is (not problems), (schema, value, problems)
        verdicts.add(not problems)
    return verdicts


def test_answer_ok_is_one_generated_function(codebook) -> None:
    """The codebook's check is the single generated function, not a tree of closures."""
    assert codebook.answer_ok.__name__ == "check_0" and codebook.answer_ok.__closure__ is None
    assert codebook.answer_ok.__code__.co_filename == "<answer check>"


_NESTED = {
    "type": "OBJECT",
    "required": ["posts"],
    "properties": {
        "posts": {
            "type": "ARRAY",
            "items": {
                "type": "OBJECT",
                "required": ["id", "tags"],
                "properties": {
                    "id": {"type": "INTEGER", "minimum": 1},
                    "tags": {"type": "ARRAY", "items": {"type": "STRING", "enum": ["a", "b"]}},
                    "meta": {
                        "type": "OBJECT",
                        "required": ["score"],
                        "properties": {"score": {"type": "NUMBER", "minimum": 0, "maximum": 1}},
                    },
                    "grid": {
                        "type": "ARRAY",
                        "items": {"type": "ARRAY", "items": {"type": "BOOLEAN"}},
                    },
                },
            },
        },
        "extra": {"type": "OBJECT", "properties": {"deep": {"type": "OBJECT"}}},
    },
}


def test_generated_check_agrees_on_nested_objects_and_arrays() -> None:
    post = {"id": 1, "tags": ["a"], "meta": {"score": 0.5}, "grid": [[True], []]}
    values: list[Any] = [*_ODD_VALUES, {"posts": []}, {"posts": [post]}, {"posts": [post, post]}]
    for field, bad in [
        ("id", 0),
        ("id", 1.0),
        ("id", True),
        ("tags", ["c"]),
        ("tags", "a"),
        ("meta", {"score": 2}),
        ("meta", {}),
        ("meta", []),
        ("grid", [[1]]),
        ("grid", [True]),
        ("other", {"ignored": object()}),
    ]:
        values.append({"posts": [post, {**post, field: bad}]})
    for field in ("id", "tags", "meta", "grid"):
        values.append({"posts": [{k: v for k, v in post.items() if k != field}]})
    values += [{"posts": [], "extra": e} for e in (None, {}, {"deep": 1}, {"deep": {}}, [])]
    assert _agrees(_NESTED, values) == {True, False}


def test_generated_check_agrees_when_nested_past_the_block_limit() -> None:
    """A schema deeper than Python's nested-block limits is split into several functions."""
    schema: dict[str, Any] = {"type": "NUMBER", "maximum": 1}
    value: Any = 0.5
    for depth in range(40):
        if depth % 2:
            schema, value = {"type": "ARRAY", "items": schema}, [value]
        else:
            schema, value = {"type": "OBJECT", "properties": {"x": schema}}, {"x": value}
    wrong = copy.deepcopy(value)
    inner = wrong
    while isinstance(inner, dict | list):
        parent, inner = inner, inner["x"] if isinstance(inner, dict) else inner[0]
    parent[0 if isinstance(parent, list) else "x"] = 2
    from emobatch.answer_check import generate_source

    assert generate_source(schema)[0].count("\ndef check_") >= 2
    assert _agrees(schema, [value, wrong, {}, [], None]) == {True, False}
    assert _agrees(schema, [wrong]) == {False}


_NUMBERS: list[Any] = [
    0,
    1,
    -1,
    2,
    10**30,
    -(10**30),
    0.0,
    1.0,
    0.5,
    -0.0,
    2.5,
    True,
    False,
    float("nan"),
    float("inf"),
    float("-inf"),
    "1",
    None,
    [1],
]


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "INTEGER"},
        {"type": "INTEGER", "minimum": 0, "maximum": 1},
        {"type": "INTEGER", "minimum": 0},
        {"type": "NUMBER"},
        {"type": "NUMBER", "minimum": 0, "maximum": 1},
        {"type": "NUMBER", "minimum": -1.5, "maximum": 2**60},
        {"type": "NUMBER", "minimum": 0},
        {"type": "NUMBER", "maximum": 1},
        {"type": "NUMBER", "maximum": float("inf")},
        {"type": "NUMBER", "minimum": float("-inf"), "maximum": float("inf")},
        {"type": "NUMBER", "minimum": float("nan"), "maximum": 1},
        {"type": "NUMBER", "enum": [0, 1.5, float("inf")]},
        {"type": "number", "minimum": 0, "maximum": 1},  # the walk reads the type in any case
        {"type": "BOOLEAN"},
        {"type": "BOOLEAN", "enum": [True]},
    ],
)
def test_generated_check_agrees_on_integers_floats_bools_nan_and_inf(
    schema: dict[str, Any],
) -> None:
    assert _agrees(schema, _NUMBERS) == {True, False}


@pytest.mark.parametrize(
    "schema",
    [
        {"enum": [1, "a", None, [1], {"x": 1}]},
        {"type": "STRING", "enum": ["a", 1, [1]]},  # an unhashable member: a tuple test
        {"type": "UNKNOWN", "enum": [0.0, False]},
        {"type": "OBJECT", "enum": [{"x": 1}], "properties": {"x": {"type": "NUMBER"}}},
        {"type": "ARRAY", "enum": [[1], ["a"]], "items": {"type": "INTEGER"}},
    ],
)
def test_generated_check_agrees_on_untyped_and_other_enums(schema: dict[str, Any]) -> None:
    values = [*_NUMBERS, "a", "b", [], ["a"], {"x": 1}, {"x": 1.0}, {"x": 2}, {"x": True}]
    assert _agrees(schema, values) == {True, False}


def test_generated_check_agrees_on_required_fields_without_a_property_schema() -> None:
    schema = {
        "type": "OBJECT",
        "required": ["any", "text", "any"],
        "properties": {"text": {"type": "STRING"}, "opt": {"type": "INTEGER"}},
    }
    values: list[Any] = [
        *_ODD_VALUES,
        {"any": None, "text": "t"},
        {"any": [{}], "text": "t", "opt": 3},
        {"any": 1, "text": "t", "opt": 3.0},
        {"text": "t"},
        {"any": 1},
        {"any": 1, "text": 2},
    ]
    assert _agrees(schema, values) == {True, False}


@pytest.mark.parametrize(
    "name",
    [
        "it's",
        'say "hi"',
        "line\nbreak",
        "{v0}",
        "}{",
        "\\",
        "'] or True or v0['",
        "x'):\n    return True\n#",
        '"""',
        "\x00",
        "",
    ],
)
def test_generated_check_is_safe_from_field_names(name: str) -> None:
    """A field name never becomes code: odd names are checked like any other."""
    schema = {
        "type": "OBJECT",
        "required": [name, name + "?"],
        "properties": {name: {"type": "STRING"}, name + "!": {"type": "INTEGER"}},
    }
    values: list[Any] = [
        {name: "s", name + "?": 0},
        {name: "s", name + "?": 0, name + "!": 1},
        {name: "s", name + "?": 0, name + "!": "1"},
        {name: 1, name + "?": 0},
        {name: "s"},
        {name + "?": 0},
        {},
        None,
    ]
    assert _agrees(schema, values) == {True, False}


def test_generated_check_agrees_on_non_text_keys_and_empty_schemas() -> None:
    schema = {"type": "OBJECT", "required": [1], "properties": {1: {"type": "STRING"}, None: {}}}
    assert _agrees(schema, [{1: "a"}, {1: 2}, {"1": "a"}, {}, {1: "a", None: 0}]) == {True, False}
    for empty in ({}, {"type": "ARRAY", "items": {}}, {"type": "OBJECT", "properties": {"x": {}}}):
        _agrees(empty, [*_ODD_VALUES, {"x": None}])
