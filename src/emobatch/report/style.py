"""How the figures look: grey scale, hatching instead of colour, Hangul that renders.

The Korean font is NanumGothic, shipped inside the ``koreanize-matplotlib`` wheel (a pinned
dependency). Its files are registered with matplotlib directly: importing the package itself
would change global settings on import (and it imports ``distutils``, gone in Python 3.12).
Figures are made without pyplot (no global figure manager, no display): ``Figure.savefig``
renders with Agg.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib import font_manager
from matplotlib.figure import Figure

FONT_FAMILY = "NanumGothic"
#: fills for series, darkest first; hatches tell them apart when printed
GREYS = ("#303030", "#8c8c8c", "#c8c8c8", "#5a5a5a", "#e6e6e6")
HATCHES = ("", "///", "...", "xx", "\\\\")
DPI = 150


def font_files() -> list[Path]:
    """The NanumGothic files of the ``koreanize-matplotlib`` distribution."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return []
    fonts = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    return sorted(fonts.glob("NanumGothic*.ttf"))


def setup_fonts() -> str:
    """Register the Hangul font; return the family name matplotlib will use."""
    known = {f.name for f in font_manager.fontManager.ttflist}
    if FONT_FAMILY not in known:
        for path in font_files():
            font_manager.fontManager.addfont(str(path))
    known = {f.name for f in font_manager.fontManager.ttflist}
    return FONT_FAMILY if FONT_FAMILY in known else "DejaVu Sans"


RC: dict[Any, Any] = {
    "axes.unicode_minus": False,
    "axes.edgecolor": "#303030",
    "axes.labelcolor": "#202020",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "x",
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "hatch.color": "#202020",
    "hatch.linewidth": 0.8,
    "font.size": 9,
    "axes.titlesize": 10,
    "svg.fonttype": "none",
    "savefig.dpi": DPI,
    "figure.dpi": DPI,
}


@contextmanager
def figure(width: float = 7.0, height: float = 4.0, ncols: int = 1) -> Iterator[Figure]:
    """A new figure in the house style (its settings apply while the block runs)."""
    family = setup_fonts()
    with mpl.rc_context({**RC, "font.family": [family, "DejaVu Sans"]}):
        yield Figure(figsize=(width, height), layout="constrained")


def save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", facecolor="white")
    tmp.replace(path)
    return path


def empty(path: Path, title: str, message: str) -> Path:
    """A figure that says why there is nothing to show (and what to run)."""
    with figure(7.0, 2.2) as fig:
        ax = fig.add_subplot()
        ax.set_axis_off()
        ax.set_title(title, loc="left")
        ax.text(0.0, 0.5, message, va="center", ha="left", wrap=True, transform=ax.transAxes)
        return save(fig, path)
