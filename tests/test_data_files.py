"""Checks of the bundled synthetic posts (data/raw/posts.csv) and the bad-input fixtures.

The mess counts are recomputed here with pandas, independently of the generator's own
counting, and compared with the table in data/README.md, so the documentation, the
generator and the committed file cannot drift apart.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
POSTS = ROOT / "data" / "raw" / "posts.csv"
DATA_README = ROOT / "data" / "README.md"
GENERATOR = ROOT / "data" / "generate_posts.py"
BAD_DIR = ROOT / "tests" / "data" / "bad_inputs"

COLUMNS = ["post_id", "text", "created_at", "platform", "author_id", "lang", "likes", "topic"]
PLATFORMS = {"twitter", "x", "instagram", "naver_blog", "dcinside", "reddit", "threads"}
EMOJI = "[\U0001f000-\U0001faff\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff]"
ZERO_WIDTH = "[\u200b\u200c\u200d\u2060\ufeff]"
CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
INJECTION = (
    r"(?im)ignore (?:all )?previous instructions|이전 지시|규칙을 무시|^SYSTEM:|new instruction"
    r"|as an ai language model|primary_emotion"
)


def _load(name: str, path: Path) -> ModuleType:
    """Import a script that is not part of a package."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    """data/generate_posts.py as a module."""
    return _load("generate_posts_under_test", GENERATOR)


@pytest.fixture(scope="module")
def posts() -> pd.DataFrame:
    """The committed file, read the way the brief prescribes."""
    return pd.read_csv(POSTS, dtype=str, keep_default_na=False)


def documented_counts() -> dict[str, int]:
    """The mess-count table of data/README.md (between the mess-counts markers)."""
    text = DATA_README.read_text(encoding="utf-8")
    block = text.split("<!-- mess-counts:start -->")[1].split("<!-- mess-counts:end -->")[0]
    counts: dict[str, int] = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("`"):
            counts[cells[0].strip("`")] = int(cells[-1].replace(",", ""))
    return counts


def recount(df: pd.DataFrame) -> dict[str, int]:
    """Each kind of mess, counted with pandas (the definitions in data/README.md)."""
    t = df["text"]
    blank = t.str.strip() == ""
    nonblank = df[~blank]
    squeezed = t.str.replace(r"\s+", "", regex=True).str.replace("\ufe0f", "", regex=False)
    emoji_only = (squeezed != "") & (squeezed.str.count(EMOJI) == squeezed.str.len())
    rt_source = t.str.extract(r"(?s)^RT @[\w.]+: (.*)\Z")[0]
    tokens = t.str.split()
    return {
        "rows": len(df),
        "unique_post_ids": df["post_id"].nunique(),
        "duplicate_ids": int((df.groupby("post_id")["text"].nunique() > 1).sum()),
        "exact_duplicate_rows": int(df.duplicated().sum()),
        "copied_texts": len(nonblank[["post_id", "text"]].drop_duplicates())
        - nonblank["text"].nunique(),
        "retweet_copies": int(rt_source.isin(set(t)).sum()),
        "empty_texts": int((t == "").sum()),
        "whitespace_only_texts": int((blank & (t != "")).sum()),
        "very_long_texts": int((t.str.len() >= 5000).sum()),
        "emoji_heavy": int(((t.str.len() < 1000) & (t.str.count(EMOJI) >= 6) & ~emoji_only).sum()),
        "emoji_only": int(emoji_only.sum()),
        "hashtag_only": int(tokens.map(lambda w: bool(w) and all(x[0] == "#" for x in w)).sum()),
        "with_url": int(t.str.contains(r"https?://").sum()),
        "with_line_break": int((~blank & t.str.contains(r"[\r\n]")).sum()),
        "prompt_injection": int(t.str.contains(INJECTION).sum()),
        "with_zero_width": int(t.str.contains(ZERO_WIDTH).sum()),
        "with_control_chars": int(t.str.contains(CONTROL).sum()),
    }


def test_posts_file_shape(posts: pd.DataFrame) -> None:
    raw = POSTS.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert raw.split(b"\n", 1)[0] == ",".join(COLUMNS).encode()
    assert list(posts.columns) == COLUMNS
    assert len(posts) >= 2000
    assert posts["post_id"].str.fullmatch(r"p\d{6}").all()
    assert posts["created_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00").all()
    assert pd.to_datetime(posts["created_at"]).notna().all()
    assert posts["likes"].str.fullmatch(r"\d+").all()
    assert set(posts["platform"]) <= PLATFORMS
    assert posts["author_id"].str.fullmatch(r"u\d{9}").all()
    assert (posts["topic"] != "").all()


def test_languages(posts: pd.DataFrame) -> None:
    langs = posts["lang"].value_counts()
    assert set(langs.index) == {"ko", "en", "mixed"}
    assert 0.5 <= (langs["ko"] + langs["mixed"]) / len(posts) <= 0.7
    assert 0.3 <= langs["en"] / len(posts) <= 0.5
    hangul = posts["text"].str.contains("[가-힣ㄱ-ㅎㅏ-ㅣ]")
    latin = posts["text"].str.contains("[A-Za-z]{3}")
    assert hangul[posts["lang"] == "ko"].mean() > 0.95
    assert latin[posts["lang"] == "en"].mean() > 0.95
    mixed = posts["lang"] == "mixed"
    assert (hangul & latin)[mixed].mean() > 0.9


def test_mess_counts_match_readme(posts: pd.DataFrame, gen: ModuleType) -> None:
    counts = recount(posts)
    assert counts == documented_counts()
    assert counts == gen.mess_counts(posts.to_dict("records"))
    # The quantities the brief asks for.
    assert counts["duplicate_ids"] >= 5 and counts["exact_duplicate_rows"] >= 5
    assert counts["copied_texts"] + counts["retweet_copies"] >= 20
    assert counts["empty_texts"] >= 5 and counts["whitespace_only_texts"] >= 5
    assert counts["with_url"] >= 80 and counts["with_line_break"] >= 60
    for kind in (
        "emoji_heavy",
        "emoji_only",
        "hashtag_only",
        "prompt_injection",
        "with_zero_width",
        "with_control_chars",
    ):
        assert counts[kind] >= 3, kind
    lengths = posts["text"].str.len()
    assert lengths[lengths >= 5000].between(5000, 20000).all()
    assert counts["very_long_texts"] >= 3


def test_whitespace_kinds_survive_csv(posts: pd.DataFrame) -> None:
    blank = posts.loc[(posts["text"] != "") & (posts["text"].str.strip() == ""), "text"]
    assert blank.str.contains("\u3000").any()
    assert blank.str.contains("\n").any()
    assert blank.str.contains("\t").any()


def test_generator_is_deterministic(gen: ModuleType, tmp_path: Path) -> None:
    committed = POSTS.read_bytes()
    for name in ("a.csv", "b.csv"):
        gen.write_posts(tmp_path / name)
        assert (tmp_path / name).read_bytes() == committed, (
            "data/raw/posts.csv is out of date: run python data/generate_posts.py"
        )


def test_iter_posts_stream(gen: ModuleType) -> None:
    first = list(gen.iter_posts(500, seed=7))
    again = list(gen.iter_posts(500, seed=7))
    assert first == again
    assert len(first) == 500 and all(list(r) == COLUMNS for r in first)
    assert len({r["post_id"] for r in first}) == 500
    assert all(str(r["text"]).strip() for r in first)
    messy = list(gen.iter_messy(gen.iter_posts(3000, seed=7), seed=7, scale=5.0))
    assert len(messy) > 3000
    assert any(r["text"] == "" for r in messy)


def test_bad_inputs_are_current_and_documented(tmp_path: Path) -> None:
    maker = _load("make_bad_inputs_under_test", BAD_DIR / "make_bad_inputs.py")
    readme = (BAD_DIR / "README.md").read_text(encoding="utf-8")
    for path in maker.write_all(tmp_path):
        committed = BAD_DIR / path.name
        assert committed.read_bytes() == path.read_bytes(), f"{path.name} is out of date"
        assert f"`{path.name}`" in readme, f"{path.name} is not described in README.md"
    assert (BAD_DIR / "empty_file.csv").stat().st_size == 0
    raw = (BAD_DIR / "invalid_utf8.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.split(b"\n")[3].startswith(b"i003,")
    bom = pd.read_csv(BAD_DIR / "bom_crlf.csv", dtype=str, keep_default_na=False)
    assert list(bom.columns) == ["post_id", "text"] and len(bom) == 4
    ok = [
        pd.read_csv(BAD_DIR / "posts_ok.tsv", sep="\t", dtype={"likes": "int64"}),
        pd.read_json(BAD_DIR / "posts_ok.jsonl", lines=True, dtype={"post_id": str}),
        pd.read_parquet(BAD_DIR / "posts_ok.parquet"),
    ]
    for frame in ok[1:]:
        assert (
            frame[["post_id", "text", "likes"]]
            .astype(str)
            .equals(ok[0][["post_id", "text", "likes"]].astype(str))
        )
    assert re.search("[가-힣]", " ".join(ok[0]["text"]))
