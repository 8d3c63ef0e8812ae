"""The report end to end: `make run`, then the one documented command, then a browser.

After the sampling run and its validation (the bundled simulated coders), the README's command

    snakemake --cores 2 --report results/sampling.report.html \\
      --report-after-run results/sampling.provenance.html

draws the figures, writes the provenance record, the methods draft and the provenance page, and
the Snakemake report. The report is opened in headless Chromium (Debian's ``chromium``,
installed here with ``fonts-nanum`` when missing and we are root; otherwise the browser test is
skipped with the reason printed); screenshots of its Results and Provenance pages are written to
``$REPORT_SCREENSHOTS`` (default: the test's temporary folder; not an ``EMOBATCH_*`` name, which
tests/conftest.py clears) and their paths printed.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from emobatch.records import Sentinel
from emobatch.report.inputs import FIGURES
from emobatch.report.methods import render_methods
from tests.e2e.conftest import REPO, Project
from tests.report.test_figures import png_size
from tests.report.test_methods import check_numbers

pytestmark = pytest.mark.slow

REPORT = "results/sampling.report.html"
COMMAND = ("--report", REPORT, "--report-after-run", "results/sampling.provenance.html")
CATEGORIES = {"Results", "Validation", "Cost", "Data quality", "Provenance"}
GROUPS = ("lang", "platform")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1600,1000",
    "--virtual-time-budget=15000",
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("report")
    shutil.copytree(REPO / "config", root / "config")
    shutil.copytree(REPO / "data", root / "data")
    project = Project(root)
    project.snakemake("results/sampling.parquet")  # make run
    project.snakemake("results/sampling.validation.json")  # the bundled simulated coders
    started = time.monotonic()
    project.snakemake(*COMMAND)
    print(f"\nthe report command took {time.monotonic() - started:.1f} s")
    return project


def load(project: Project, name: str) -> Any:
    return json.loads(project.path("results", name).read_text("utf-8"))


def report_data(project: Project) -> tuple[dict[str, Any], dict[str, Any]]:
    """The report's ``results`` and ``categories`` objects (embedded JSON)."""
    html = project.path(REPORT).read_text("utf-8")

    def var(name: str) -> Any:
        start = html.index(f"var {name} = {{") + len(f"var {name} = ")
        return json.JSONDecoder().raw_decode(html[start:])[0]

    return var("results"), var("categories")


def test_figures_are_drawn_and_the_numbers_recorded(run: Project) -> None:
    figures = run.path("results", "sampling", "figures")
    for name in [*FIGURES, *(f"emotion_by_{g}" for g in GROUPS)]:
        width, height = png_size(figures / f"{name}.png")
        assert width >= 500 and height >= 250, (name, width, height)
    numbers = load(run, "sampling/figures/numbers.json")["figures"]
    data = pd.read_parquet(run.path("results", "sampling.parquet"))
    counts = data["primary_emotion"].value_counts()
    assert numbers["emotions"]["coded"] == len(data) == 384
    assert numbers["emotions"]["top_count"] == counts.max()
    assert numbers["confusion"]["present"] and numbers["f1"]["present"]
    assert not numbers["stability"]["present"]  # each post coded once
    table = pd.read_csv(figures / "emotion_by_lang.csv").set_index("label")
    assert (
        table.loc["joy", "ko"]
        == ((data["lang"] == "ko") & (data["primary_emotion"] == "joy")).sum()
    )


def test_provenance_matches_the_runs_files_and_the_emulators_jobs(run: Project) -> None:
    p = load(run, "sampling.provenance.json")
    assert p["format"] == "emobatch.provenance/1"
    posts = run.path("data", "raw", "posts.csv")
    assert p["input"]["sha256"] == sha256(posts) and p["input"]["bytes"] == posts.stat().st_size
    assert p["input"]["unchanged_since_selection"] is True
    assert p["dataset"]["sha256"] == sha256(run.path("results", "sampling.parquet"))
    data = pd.read_parquet(run.path("results", "sampling.parquet"))
    assert p["model"]["answered"] == data["model_version"].value_counts().to_dict()
    assert p["model"]["requested"] == "gemini-3.1-flash-lite" and p["delivery"] == "batch"
    sentinels = [Sentinel.load(f) for f in run.path("results", "sampling").glob("a*/submitted/*")]
    emulator = run.emulator_jobs()
    names = {j["job_name"] for j in p["batch"]["jobs"]}
    assert names == {s.job_name for s in sentinels} == {j.name for j in emulator}
    assert names == set(data["batch_job"])
    shown = {j["job_name"]: j["display_name"] for j in p["batch"]["jobs"]}
    assert shown == {j.name: j.display_name for j in emulator}
    assert all(j["state"] == "SUCCEEDED" for j in p["batch"]["jobs"])
    codebook = run.path("config", "codebook", "emotion.yaml")
    assert p["codebook"]["sha256"] == sha256(codebook)
    assert p["codebook"]["text"] == codebook.read_text("utf-8")
    assert p["codebook"]["version"] == sha256(codebook)[:12] == data["codebook_version"].iloc[0]
    assert p["selection"]["sample_size"] == 384 and p["selection"]["cochran"]["confidence"] == 0.95
    v = p["validation"]
    assert v["path"] == "results/sampling.validation.json" and v["simulated_coders"] is True
    assert v["sha256"] == sha256(run.path("results", "sampling.validation.json"))
    import snakemake

    assert p["software"]["snakemake"] == snakemake.__version__
    summary = load(run, "sampling.summary.json")
    assert p["tokens"] == summary["tokens_this_run"]
    assert p["cost"]["actual"]["batch"] == summary["cost_usd_batch"]
    assert p["cost"]["money_spent"] is False and p["stability"] is None


def test_every_number_of_the_methods_draft_is_the_provenances(run: Project) -> None:
    record = load(run, "sampling.provenance.json")
    text = run.path("results", "sampling.methods.md").read_text("utf-8")
    doc, facts = render_methods(record, "results/sampling.provenance.json")
    assert text == doc  # the file is the rendering of this record
    check_numbers(text, facts, record)
    assert len(facts) > 40 and "[TO WRITE:" in text and "[작성 필요:" in text


def test_the_report_holds_every_figure_with_this_runs_numbers(run: Project) -> None:
    results, categories = report_data(run)
    assert set(categories) >= CATEGORIES
    numbers = load(run, "sampling/figures/numbers.json")["figures"]
    provenance = load(run, "sampling.provenance.json")
    pngs = {k: v for k, v in results.items() if v["mime_type"] == "image/png"}
    assert len(pngs) == len(FIGURES) + len(GROUPS)
    for path, entry in pngs.items():
        raw = base64.b64decode(entry["data_uri"].split(",", 1)[1])
        assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 5000, path
        assert entry["caption"].strip(), path

    def caption(name: str) -> str:
        return re.sub(r"<[^>]+>", "", results[name]["caption"])

    e = numbers["emotions"]
    assert f"{e['coded']} coded posts" in caption("results/sampling/figures/emotions.png")
    assert f"{e['top_count']} posts" in caption("results/sampling/figures/emotions.png")
    assert numbers["confusion"]["alpha_with_model"] in caption(
        "results/sampling/figures/confusion.png"
    )
    assert f"${numbers['cost']['actual_usd']}" in caption("results/sampling/figures/cost.png")
    assert provenance["input"]["sha256"] in caption("results/sampling.provenance.json")
    assert "By lang" in categories["Results"] and "By platform" in categories["Results"]
    assert "results/sampling.methods.md" in results


# -- the browser ---------------------------------------------------------------------------
def chromium() -> str:
    """Debian's chromium (and a Hangul font), installed when missing and we are root."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    korean = subprocess.run(["fc-list", ":lang=ko"], capture_output=True, text=True)
    missing = [
        p for p, ok in (("chromium", found), ("fonts-nanum", korean.stdout.strip())) if not ok
    ]
    if missing:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            reason = f"{', '.join(missing)} missing and cannot be installed (not root / no apt)"
            print(f"SKIPPED: {reason}")
            pytest.skip(reason)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
        if subprocess.run(install, env=env, capture_output=True, timeout=1200).returncode:
            subprocess.run(["apt-get", "update"], env=env, capture_output=True, timeout=600)
            done = subprocess.run(install, env=env, capture_output=True, text=True, timeout=1200)
            if done.returncode:
                reason = f"apt-get install {' '.join(missing)} failed: {done.stderr[-500:]}"
                print(f"SKIPPED: {reason}")
                pytest.skip(reason)
        found = shutil.which("chromium")
    assert found
    return found


PROBE = """<script>
window.addEventListener('load', function () { setTimeout(function () {
  var p = %(path)s;
  app.setView({navbarMode: 'resultinfo', category: %(category)s, resultPath: p,
               content: %(content)s, contentPath: results[p].data_uri});
  setTimeout(function () {
    var out = document.createElement('pre');
    out.id = 'emobatch-probe'; out.style.display = 'none';
    out.textContent = JSON.stringify({
      images: Array.from(document.querySelectorAll('#app img')).map(function (i) {
        return [i.naturalWidth, i.naturalHeight]; }),
      frames: Array.from(document.querySelectorAll('#app iframe')).map(function (f) {
        return f.src.slice(0, 30); }),
      text: document.getElementById('app').innerText});
    document.body.appendChild(out);
  }, 1000);
}, 500); });
</script>"""


def page(report: Path, out: Path, path: str, category: str, content: str) -> Path:
    """A copy of the report that opens ``path`` (the report keeps its view in memory only)."""
    html = report.read_text("utf-8")
    probe = PROBE % {
        k: json.dumps(v)
        for k, v in {"path": path, "category": category, "content": content}.items()
    }
    end = html.rindex("</body>")
    out.write_text(html[:end] + probe + html[end:], "utf-8")
    return out


def browse(browser: str, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url],
            capture_output=True,
            text=True,
            timeout=180,
            check=True,
        )


@pytest.mark.parametrize(
    ("name", "path", "category", "content"),
    [
        ("results", "results/sampling/figures/emotions.png", "Results", "img"),
        ("provenance", "results/sampling.provenance.html", "Provenance", "html"),
    ],
)
def test_the_report_in_a_browser(
    run: Project, tmp_path: Path, name: str, path: str, category: str, content: str
) -> None:
    browser = chromium()
    shots = Path(os.environ.get("REPORT_SCREENSHOTS") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    html = page(run.path(REPORT), tmp_path / f"{name}.html", path, category, content)
    dom = browse(browser, html.as_uri(), "--dump-dom").stdout
    probe = re.search(r'<pre id="emobatch-probe"[^>]*>(.*?)</pre>', dom, re.S)
    assert probe, dom[-2000:]
    seen = json.loads(
        probe.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )
    shot = shots / f"report-{name}.png"
    browse(browser, html.as_uri(), f"--screenshot={shot}")
    print(f"\nscreenshot of the {category} page: {shot}")
    assert png_size(shot) == (1600, 1000)
    import matplotlib.image

    pixels = matplotlib.image.imread(str(shot))
    assert float(np.std(pixels)) > 0.05  # not a blank page
    text = seen["text"]
    provenance = load(run, "sampling.provenance.json")
    if content == "img":
        numbers = load(run, "sampling/figures/numbers.json")["figures"]["emotions"]
        # the figure is shown at the size it was drawn (the other image is the logo)
        drawn = list(png_size(run.path("results", "sampling", "figures", "emotions.png")))
        assert drawn in seen["images"] and drawn[0] >= 1000
        assert f"{numbers['coded']} coded posts" in text and numbers["top_label"] in text
    else:
        assert seen["frames"] and seen["frames"][0].startswith("data:text/html")
        assert "Provenance and methods" in text and provenance["analysis_id"] in text
