"""The figures: Hangul renders, counts are right, a missing column says so."""

from __future__ import annotations

import pickle
import struct
import warnings
from pathlib import Path

import pandas as pd
import pytest

from emobatch.codebook import load_codebook
from emobatch.report import figures, style
from emobatch.report.inputs import caption_numbers

REPO = Path(__file__).resolve().parents[2]


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


@pytest.fixture
def labels() -> figures.Labels:
    return figures.Labels.of(load_codebook(REPO / "config" / "codebook" / "emotion.yaml"))


def data() -> pd.DataFrame:
    rows = [("joy", "ko", "ok")] * 6 + [("anger", "en", "ok")] * 3 + [(None, "en", "failed")]
    return pd.DataFrame(rows, columns=["primary_emotion", "lang", "status"])


def test_the_hangul_font_ships_with_a_package_and_renders_without_missing_glyphs(
    tmp_path: Path,
) -> None:
    assert any(p.name == "NanumGothic.ttf" for p in style.font_files())
    assert style.setup_fonts() == "NanumGothic"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)"
        with style.figure() as fig:
            fig.add_subplot().set_title("기쁨 분노 슬픔 두려움 중립 — 감정")
            style.save(fig, tmp_path / "k.png")
    assert png_size(tmp_path / "k.png") == (1050, 600)  # 7 x 4 inches at 150 dpi


def test_distribution_counts_shares_and_table(labels: figures.Labels, tmp_path: Path) -> None:
    n = figures.emotion_distribution(data(), labels, tmp_path / "e.png", tmp_path / "e.csv")
    assert (n["posts"], n["coded"], n["failed"]) == (10, 9, 1)
    assert (n["top_label"], n["top_korean"], n["top_count"], n["top_share_pct"]) == (
        "joy",
        "기쁨",
        6,
        66.7,
    )
    table = pd.read_csv(tmp_path / "e.csv")
    assert list(table["label"]) == list(labels.names) and table["posts"].sum() == 9
    assert png_size(tmp_path / "e.png")[0] > 500


def test_by_group_and_a_missing_column(labels: figures.Labels, tmp_path: Path) -> None:
    n = figures.emotion_by(data(), "lang", labels, tmp_path / "g.png", tmp_path / "g.csv")
    assert n["present"] and n["groups"] == 2
    assert n["summary"] == "ko (n=6): joy 100.0%; en (n=3): anger 100.0%"
    assert pd.read_csv(tmp_path / "g.csv").set_index("label").loc["joy", "ko"] == 6
    gone = figures.emotion_by(data(), "platform", labels, tmp_path / "m.png", tmp_path / "m.csv")
    assert gone == {"column": "platform", "present": False, "groups": 0, "summary": "-"}
    assert png_size(tmp_path / "m.png")[0] > 0


def test_caption_numbers_print_short_and_survive_pickling(tmp_path: Path) -> None:
    assert caption_numbers(tmp_path / "absent.json") == {}
    (tmp_path / "n.json").write_text('{"figures": {"emotions": {"coded": 9}}}', "utf-8")
    n = caption_numbers(tmp_path / "n.json")
    assert n["emotions"]["coded"] == 9 and str(n) == f"(the numbers of {tmp_path / 'n.json'})"
    assert pickle.loads(pickle.dumps(n)) == n
