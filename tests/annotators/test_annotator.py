"""Tests of the offline dictionary annotator (emobatch.annotators)."""

from __future__ import annotations

import csv
import json
import math
import pickle
import random
import re
import threading
import time
from pathlib import Path

import pytest

from emobatch.annotators import (
    EMOTIONS,
    LEXICON_VERSION,
    MODEL_VERSION,
    Annotation,
    annotate,
    annotate_many,
    engine,
    korean,
)
from emobatch.annotators.lexicon import lexicon_fingerprint, load_lexicon

SENTENCES = Path(__file__).resolve().parents[1] / "data" / "annotator_sentences.tsv"

# Measured on tests/data/annotator_sentences.tsv (103 sentences) with lexicon 1.0.0:
# primary 93/103 = 0.903, sentiment 92/103 = 0.893. The 73 rows ko*/en*/mx* were used while
# developing the rules; the 30 rows h* were written before any output on them was seen and
# were scored once the rules were settled, as a held-out check (primary 27/30, sentiment
# 26/30; no rule was changed for them afterwards). Floors sit a few sentences below the
# measured rates, so a real regression fails but a change that trades one sentence does not.
PRIMARY_FLOOR = 0.85
SENTIMENT_FLOOR = 0.84

# Pin of the data files: when lexicon/ changes, bump LEXICON_VERSION and record the new
# fingerprint here (emobatch.annotators.lexicon.lexicon_fingerprint()).
LEXICON_FINGERPRINTS = {
    "1.0.0": "fe854f136aab80e9b6cb7f762e7826765604f49f3ef15328cb17253a832c9709",
}

LABELS = (*EMOTIONS, "neutral")


def _rows() -> list[dict[str, str]]:
    with SENTENCES.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return _rows()


@pytest.fixture(scope="module")
def results(rows: list[dict[str, str]]) -> list[Annotation]:
    return annotate_many([r["text"] for r in rows])


def _rate(rows: list[dict[str, str]], results: list[Annotation], field: str, attr: str) -> float:
    hits = sum(getattr(a, attr) == r[field] for r, a in zip(rows, results, strict=True))
    return hits / len(rows)


# ------------------------------------------------------------------ the sentence file


def test_sentence_file_is_well_formed(rows: list[dict[str, str]]) -> None:
    assert len(rows) >= 60
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    langs = [r["lang"] for r in rows]
    assert langs.count("ko") >= 30
    assert langs.count("en") >= 25
    assert langs.count("mixed") >= 3
    assert {r["expected_primary"] for r in rows} == set(LABELS)
    assert {r["expected_sentiment"] for r in rows} == {"positive", "negative", "neutral"}


def test_primary_hit_rate(rows: list[dict[str, str]], results: list[Annotation]) -> None:
    rate = _rate(rows, results, "expected_primary", "primary_emotion")
    misses = [
        (r["id"], r["expected_primary"], a.primary_emotion)
        for r, a in zip(rows, results, strict=True)
        if a.primary_emotion != r["expected_primary"]
    ]
    assert rate >= PRIMARY_FLOOR, f"primary hit rate {rate:.3f}; misses: {misses}"


def test_sentiment_hit_rate(rows: list[dict[str, str]], results: list[Annotation]) -> None:
    rate = _rate(rows, results, "expected_sentiment", "sentiment")
    assert rate >= SENTIMENT_FLOOR, f"sentiment hit rate {rate:.3f}"


def test_every_label_is_predicted(results: list[Annotation]) -> None:
    assert {a.primary_emotion for a in results} == set(LABELS)


# ------------------------------------------------------------------ determinism


def test_two_runs_are_identical(rows: list[dict[str, str]], results: list[Annotation]) -> None:
    engine.clear_cache()
    again = annotate_many([r["text"] for r in rows])
    assert again == results


def test_annotate_equals_annotate_many(
    rows: list[dict[str, str]], results: list[Annotation]
) -> None:
    engine.clear_cache()
    singles = [annotate(r["text"]) for r in rows]
    assert singles == results


def test_batch_order_and_composition_do_not_matter(
    rows: list[dict[str, str]], results: list[Annotation]
) -> None:
    texts = [r["text"] for r in rows]
    expected = dict(zip(texts, results, strict=True))
    shuffled = texts * 2 + ["", "filler text", "아무 말"]
    random.Random(7).shuffle(shuffled)
    engine.clear_cache()
    for text, a in zip(shuffled, annotate_many(shuffled), strict=True):
        if text in expected:
            assert a == expected[text], text
    engine.clear_cache()
    half = annotate_many(list(reversed(texts[: len(texts) // 2])))
    assert half == list(reversed(results[: len(texts) // 2]))


def test_concurrent_callers_get_the_same_results(
    rows: list[dict[str, str]], results: list[Annotation]
) -> None:
    texts = [r["text"] for r in rows]
    engine.clear_cache()
    outputs: list[list[Annotation]] = []

    def worker(seed: int) -> None:
        order = list(range(len(texts)))
        random.Random(seed).shuffle(order)
        got = annotate_many([texts[i] for i in order])
        back: list[Annotation] = [results[0]] * len(texts)
        for i, a in zip(order, got, strict=True):
            back[i] = a
        outputs.append(back)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outputs) == 3
    assert all(out == results for out in outputs)


# ------------------------------------------------------------------ behaviour


@pytest.mark.parametrize(
    ("negated", "plain", "emotion"),
    [
        ("안 좋아", "좋아", "joy"),
        ("행복하지 않다", "행복하다", "joy"),
        ("하나도 안 기뻐", "기뻐", "joy"),
        ("걱정 없다", "걱정된다", "fear"),
        ("I'm not happy", "I'm happy", "joy"),
        ("I don't trust him", "I trust him", "trust"),
        ("never scared", "scared", "fear"),
    ],
)
def test_negation_removes_the_cue_emotion(negated: str, plain: str, emotion: str) -> None:
    a, b = annotate(negated), annotate(plain)
    assert b.primary_emotion == emotion
    assert a.primary_emotion != emotion
    assert a.intensities[emotion] < b.intensities[emotion]
    assert "negated:" in a.rationale


def test_negated_positive_cue_is_negative() -> None:
    for text in ("안 좋아", "not happy at all", "기대 안 돼"):
        a = annotate(text)
        assert a.sentiment == "negative", (text, a)
        assert a.sentiment_score < 0


def test_negated_negative_cue_is_not_negative() -> None:
    for text in ("not bad", "하나도 안 슬퍼", "걱정하지 마"):
        assert annotate(text).sentiment_score > 0, text


def test_negation_scope_is_local() -> None:
    a = annotate("I'm not sad, I'm happy")
    assert a.primary_emotion == "joy"
    b = annotate("슬프지 않고 행복해")
    assert b.primary_emotion == "joy"


@pytest.mark.parametrize(
    ("strong", "weak", "emotion"),
    [
        ("너무 좋아", "좋아", "joy"),
        ("진짜 무서워", "무서워", "fear"),
        ("개빡쳐", "빡쳐", "anger"),
        ("very happy", "happy", "joy"),
        ("extremely angry", "angry", "anger"),
        ("I HATE mondays", "I hate mondays", "disgust"),
        ("sooo happy", "happy", "joy"),
        ("좋아!!!", "좋아", "joy"),
    ],
)
def test_intensifier_raises_intensity(strong: str, weak: str, emotion: str) -> None:
    assert annotate(strong).intensities[emotion] > annotate(weak).intensities[emotion]


def test_diminisher_lowers_intensity() -> None:
    assert annotate("좀 슬퍼").intensities["sadness"] < annotate("슬퍼").intensities["sadness"]
    assert annotate("slightly sad").intensities["sadness"] < annotate("sad").intensities["sadness"]


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("ㅋㅋㅋㅋ", "joy"),
        ("ㅎㅎ", "joy"),
        ("ㅠㅠ", "sadness"),
        ("ㅜㅜㅜ", "sadness"),
        ("ㄷㄷ", "fear"),
        ("ㅎㄷㄷ", "fear"),
        ("ㅉㅉ", "disgust"),
        ("ㅡㅡ", "anger"),
        ("ok ㅡㅡ", "anger"),
        ("what?!", "surprise"),
        ("^^", "joy"),
        (":(", "sadness"),
    ],
)
def test_chat_symbols(text: str, emotion: str) -> None:
    a = annotate(text)
    assert a.primary_emotion == emotion, a


def test_symbol_runs_count_once_with_bonus() -> None:
    short, long_ = annotate("ㅋㅋ"), annotate("ㅋㅋㅋㅋㅋㅋㅋㅋ")
    assert long_.intensities["joy"] > short.intensities["joy"]
    assert long_.cues == ("ㅋㅋ",)


@pytest.mark.parametrize(
    ("text", "emotion"),
    [
        ("😂", "joy"),
        ("🤣🤣", "joy"),
        ("😍", "joy"),
        ("❤️", "joy"),  # with variation selector
        ("👍🏽", "trust"),  # with skin tone
        ("🙏", "trust"),
        ("😭", "sadness"),
        ("😢", "sadness"),
        ("😡", "anger"),
        ("🤬", "anger"),
        ("🤮", "disgust"),
        ("😱", "fear"),
        ("😨", "fear"),
        ("😮", "surprise"),
        ("⏳", "anticipation"),
        ("🎉", "joy"),
    ],
)
def test_emoji(text: str, emotion: str) -> None:
    assert annotate(text).primary_emotion == emotion


@pytest.mark.parametrize("text", ["", " ", "\n\t  ", "\u3000"])
def test_empty_text_is_neutral(text: str) -> None:
    for a in (annotate(text), annotate_many([text])[0]):
        assert a.primary_emotion == "neutral"
        assert a.sentiment == "neutral"
        assert a.sentiment_score == 0.0
        assert a.rationale == "no cues"
        assert a.cues == ()
        assert list(a.intensities.values()) == [0.0] * 8


def test_text_without_cues_is_neutral() -> None:
    for text in ("회의는 3시에 시작합니다", "The train leaves at 9.", "12345"):
        a = annotate(text)
        assert a.primary_emotion == "neutral"
        assert a.rationale == "no cues"


def test_mixed_korean_english() -> None:
    a = annotate("오늘 진짜 happy 했어 ㅋㅋ 근데 내일 시험 걱정돼")
    assert {"happy", "ㅋㅋ", "걱정되다"} <= set(a.cues)
    assert a.primary_emotion == "joy"


def test_korean_lemmas_match_inflections() -> None:
    for text in ("기뻐서 울었다", "기쁜 소식", "기쁩니다"):
        assert "기쁘다" in annotate(text).cues, text
    assert "화가 나다" in annotate("진짜 화가 난다").cues
    assert "무섭다" in annotate("무서워서 잠이 안 와").cues


def test_korean_slang() -> None:
    assert annotate("킹받네").primary_emotion == "anger"
    assert annotate("개꿀잼").primary_emotion == "joy"
    assert annotate("극혐").primary_emotion == "disgust"
    assert annotate("헐").primary_emotion == "surprise"
    assert annotate("설렌다").primary_emotion == "anticipation"


def test_english_lemmas_match_inflections() -> None:
    for text, cue in (
        ("she loved it", "love"),
        ("she worries a lot", "worry"),
        ("terribly sorry", "sorry"),
        ("we're celebrating", "celebrate"),
        ("she looks forward to it", "look forward"),
        ("I hated that", "hate"),
    ):
        assert cue in annotate(text).cues, (text, annotate(text).cues)


def test_output_ranges_and_types(results: list[Annotation]) -> None:
    extra = annotate_many(["좋아", "not happy", "ㅋㅋ😭!!", "x" * 100, "😡" * 20])
    for a in [*results, *extra]:
        assert isinstance(a, Annotation)
        assert a.primary_emotion in LABELS
        assert tuple(a.intensities) == EMOTIONS
        for value in a.intensities.values():
            assert isinstance(value, float)
            assert 0.0 <= value <= 1.0
            assert round(value, 3) == value
        assert isinstance(a.sentiment_score, float)
        assert -1.0 <= a.sentiment_score <= 1.0
        assert round(a.sentiment_score, 3) == a.sentiment_score
        assert math.copysign(1.0, a.sentiment_score) == 1.0 or a.sentiment_score < 0
        assert a.sentiment in ("positive", "negative", "neutral")
        if a.sentiment == "positive":
            assert a.sentiment_score > 0
        elif a.sentiment == "negative":
            assert a.sentiment_score < 0
        if a.primary_emotion != "neutral":
            assert a.intensities[a.primary_emotion] == max(a.intensities.values())
        assert isinstance(a.rationale, str)
        assert a.rationale
        assert isinstance(a.cues, tuple)
        d = a.to_dict()
        assert list(d) == [
            "primary_emotion",
            "intensities",
            "sentiment",
            "sentiment_score",
            "rationale",
        ]
        assert type(d["intensities"]) is dict
        assert list(d["intensities"]) == list(EMOTIONS)
        assert json.loads(json.dumps(d, ensure_ascii=False)) == d


def test_annotation_is_immutable_hashable_and_picklable() -> None:
    a = annotate("너무 행복해 ㅋㅋ")
    with pytest.raises(AttributeError):
        a.primary_emotion = "anger"  # type: ignore[misc]
    with pytest.raises(TypeError):
        a.intensities["joy"] = 0.0  # type: ignore[index]
    assert pickle.loads(pickle.dumps(a)) == a
    assert hash(a) == hash(pickle.loads(pickle.dumps(a)))
    d = a.to_dict()
    d["intensities"]["joy"] = 0.0
    assert annotate("너무 행복해 ㅋㅋ").intensities["joy"] > 0.0


def test_rationale_names_the_cues(results: list[Annotation]) -> None:
    for a in results:
        for cue in a.cues:
            assert cue in a.rationale, (cue, a.rationale)
    a = annotate("오늘 너무 행복하다 ㅋㅋ")
    assert a.rationale.startswith("cues: ")
    assert "행복하다→joy" in a.rationale
    assert "ㅋㅋ→joy" in a.rationale
    assert "너무" in a.rationale
    b = annotate("안 좋아")
    assert "negated: 안+좋다(joy→sadness)" in b.rationale


def test_tie_break_follows_emotion_order() -> None:
    a = annotate("😂 😭")  # joy 0.8 vs sadness 1.0: sadness wins on intensity
    assert a.primary_emotion == "sadness"
    b = annotate("ㅅㅂ ㅆㅂ")  # two different cues, same emotion
    assert b.primary_emotion == "anger"
    c = annotate("ㅋㅋ ㄱㄱ")  # joy 0.6 vs anticipation 0.6: tie -> joy (earlier)
    assert c.intensities["joy"] == c.intensities["anticipation"]
    assert c.primary_emotion == "joy"


def test_model_version_format() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", LEXICON_VERSION)
    assert f"emobatch-lexicon-{LEXICON_VERSION}" == MODEL_VERSION
    assert re.fullmatch(r"emobatch-lexicon-\d+\.\d+\.\d+", MODEL_VERSION)


def test_lexicon_version_is_pinned_to_the_data_files() -> None:
    assert LEXICON_FINGERPRINTS.get(LEXICON_VERSION) == lexicon_fingerprint(), (
        "lexicon files changed: bump LEXICON_VERSION and record the new fingerprint"
    )


def test_lexicon_sizes_and_self_consistency() -> None:
    lex = load_lexicon()
    counts = lex.cue_counts()
    assert counts["ko"] >= 300
    assert counts["en"] >= 300
    assert counts["symbols"] >= 100
    assert korean.get_matcher(lex).collisions == ()
    for table in (lex.ko, lex.en, lex.symbols):
        cues = list(table)
        for cue, a in zip(cues, annotate_many(cues), strict=True):
            assert cue in a.cues, (cue, a.cues)


def test_english_only_batches_skip_kiwi(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("kiwi called")

    monkeypatch.setattr(engine, "tokenize_many", boom)
    monkeypatch.setattr(engine, "tokenize", boom)
    engine.clear_cache()
    out = annotate_many(["so happy 😂", "I am furious", "", "ㅋㅋㅋ"])
    assert [a.primary_emotion for a in out] == ["joy", "anger", "neutral", "joy"]


def test_long_text_is_capped_and_fast() -> None:
    texts = [
        "오늘 너무 행복하다 진짜 좋아 ㅋㅋ 근데 좀 걱정된다. " * 2000,
        "가" * 50_000,
        "so happy but not sad. " * 2500,
        "ㅋ" * 50_000,
        "😭" * 50_000,
    ]
    start = time.perf_counter()
    out = [annotate(t) for t in texts]
    elapsed = time.perf_counter() - start
    assert elapsed < 5.0
    assert out[0].primary_emotion == "joy"
    assert "truncated" in out[0].rationale
