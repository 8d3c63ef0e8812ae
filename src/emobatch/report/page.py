"""``results/<mode>.provenance.html``: the provenance and the methods draft as one page.

The Snakemake report shows HTML results in place (JSON and Markdown only as downloads), so the
record is rendered here: the facts a reviewer asks for first, the batch jobs, the methods draft
(English and Korean), the files of the report with their sha256, and the codebook's full text.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt

from emobatch import atomic
from emobatch.identity import file_sha256
from emobatch.report.build import CSS


def _e(value: Any) -> str:
    if isinstance(value, dict | list):
        return html.escape(json.dumps(value, ensure_ascii=False, sort_keys=True))
    return html.escape("-" if value is None else str(value))


def _table(rows: Iterable[tuple[str, Any]]) -> str:
    body = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in rows)
    return f"<table>{body}</table>"


def _figure(fig: dict[str, Any] | None) -> str:
    if not fig or fig.get("value") is None:
        return "-"
    ci = fig.get("ci")
    return f"{fig['value']:.3f}" + (f" [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")


def key_facts(p: dict[str, Any]) -> list[tuple[str, Any]]:
    m, c, sel, sw = p["model"], p["cost"], p["selection"], p["software"]
    v = p.get("validation") or {}
    pe = (v.get("fields") or {}).get("primary_emotion") or {}
    return [
        ("mode / analysis", f"{p['mode']} / {p['analysis_id']}"),
        ("engine", p["engine"].get("coded_by")),
        ("model requested", m["requested"]),
        ("model versions answered (rows)", m["answered"]),
        ("routed rows", m["routed_rows"]),
        ("delivery", p["delivery"]),
        ("generation settings as sent", p["generation"]["sent"]),
        ("dropped settings", p["generation"]["dropped"] or "none"),
        ("batch jobs", p["batch"]["jobs_count"]),
        (
            "submitted / finished",
            f"{p['batch']['first_submitted_at']} / {p['batch']['last_finished_at']}",
        ),
        ("input", f"{p['input'].get('path')} ({p['input'].get('bytes')} bytes)"),
        ("input sha256", p["input"].get("sha256")),
        ("dataset sha256", p["dataset"]["sha256"]),
        (
            "rows read / population / sample",
            f"{sel['rows_read']} / {sel['population']} / {sel['sample_size']} (seed {sel['seed']})",
        ),
        ("coded / failed", f"{p['dataset']['ok']} / {p['dataset']['failed']}"),
        ("codebook", f"{p['codebook']['name']} version {p['codebook']['version']}"),
        ("tokens (this run)", p["tokens"]),
        (
            "cost USD: estimated / actual (batch)",
            f"{c['estimated'].get('usd_batch')} / {c['actual'].get('batch')}",
        ),
        ("prices of", f"{c['prices']['taken_on']} ({c['prices']['source']})"),
        ("money spent", c["money_spent"]),
        (
            "validation",
            "none yet"
            if not v
            else f"{v['items']} posts, {v['coders_count']} coders"
            f"{' (SIMULATED)' if v.get('simulated_coders') else ''}; gate "
            f"{(v.get('gate') or {}).get('reason')}",
        ),
        ("alpha with model (primary emotion)", _figure(pe.get("alpha_with_model"))),
        ("kappa vs majority", _figure(pe.get("kappa_vs_majority"))),
        ("stability", "not measured" if not p.get("stability") else p["stability"]["path"]),
        (
            "software",
            f"emobatch {sw['emobatch']} ({sw['emobatch_git_commit'] or 'no git'}"
            f"{', modified' if sw['emobatch_git_dirty'] else ''}), snakemake {sw['snakemake']}, "
            f"google-genai {sw['google-genai']}, python {sw['python']}",
        ),
        ("warnings", p["warnings"] or "none"),
    ]


def render_page(p: dict[str, Any], methods_md: str, files: list[Path]) -> str:
    jobs = "".join(
        "<tr>" + "".join(f"<td>{_e(j.get(k))}</td>" for k in JOB_COLUMNS) + "</tr>"
        for j in p["batch"]["jobs"]
    )
    listed = "".join(
        f"<tr><td>{_e(f)}</td><td>{f.stat().st_size:,}</td><td><code>{file_sha256(f)}</code>"
        "</td></tr>"
        for f in files
    )
    methods = MarkdownIt("commonmark").enable("table").render(methods_md)
    return "\n".join(
        [
            "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>Provenance of {_e(p['mode'])}</title><style>{CSS}</style></head><body>",
            f"<h1>Provenance of results/{_e(p['mode'])}.parquet</h1>",
            f"<p class='file'>{_e(p['format'])}, generated {_e(p['generated_at'])}; the whole "
            f"record is results/{_e(p['mode'])}.provenance.json.</p>",
            _table(key_facts(p)),
            "<h2>Batch jobs</h2><table><tr>"
            + "".join(f"<th>{c}</th>" for c in JOB_COLUMNS)
            + f"</tr>{jobs}</table>",
            f"<div class='methods'>{methods}</div>",
            "<h2>Files of this report</h2><table><tr><th>file</th><th>bytes</th>"
            f"<th>sha256</th></tr>{listed}</table>",
            f"<h2>Codebook {_e(p['codebook']['path'])} (sha256 {_e(p['codebook']['sha256'])})"
            f"</h2><details><summary>full text</summary><pre>{_e(p['codebook']['text'])}</pre>"
            "</details>",
            "</body></html>",
        ]
    )


JOB_COLUMNS = (
    "job_name",
    "chunk",
    "round",
    "attempt",
    "state",
    "request_count",
    "submitted_at",
    "end_time",
    "rows_in_dataset",
)


def write_page(provenance: Path, methods: Path, files: list[Path], out: Path) -> Path:
    record = atomic.read_json(provenance)
    text = render_page(record, methods.read_text(encoding="utf-8"), [provenance, methods, *files])
    with atomic.atomic_path(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return out
