"""Render a validation report (:mod:`emobatch.validation.report`) as a readable Markdown page."""

from __future__ import annotations

from typing import Any

__all__ = ["render_markdown"]

HEADLINE = (
    ("alpha_humans", "Krippendorff's alpha, humans only"),
    ("alpha_with_model", "Krippendorff's alpha, humans + rater as one more coder"),
    ("kappa_vs_majority", "Cohen's kappa vs human majority"),
    ("ac1_vs_majority", "Gwet's AC1 vs human majority"),
    ("accuracy_vs_majority", "Accuracy vs human majority"),
    ("macro_f1", "Macro-F1 vs human majority"),
)
INTENSITY = (
    ("alpha_humans", "alpha (interval), humans"),
    ("alpha_with_model", "alpha (interval), humans + rater"),
    ("spearman_vs_human_mean", "Spearman's rho vs human mean"),
)
GUIDE = """\
**How to read these numbers.** Krippendorff's alpha is 1 for perfect agreement and 0 for
agreement no better than chance. Krippendorff's usual thresholds: alpha >= 0.800 for data you
rely on, 0.667 <= alpha < 0.800 only for tentative conclusions, below 0.667 the coding is not
reliable. Compare "humans + rater" with "humans only": if adding the rater lowers alpha, it
agrees with the humans less than they agree with each other. Kappa and AC1 compare the rater
with the human majority label, corrected for chance (AC1 is less affected by rare labels).

**Why the intervals matter.** Every figure comes from a sample of posts; the 95 % interval
(bootstrap over posts) shows how much it could move with another sample of the same size. A
decision ("reliable enough") should hold at the interval's lower end, not just at the point
estimate; a wide interval means more posts need human codes.
"""


def _num(value: Any, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _fig(fig: dict[str, Any] | None) -> tuple[str, str]:
    if not fig:
        return "n/a", ""
    ci = fig.get("ci")
    return _num(fig.get("value")), f"[{_num(ci[0])}, {_num(ci[1])}]" if ci else ""


def _table(
    keys: tuple[tuple[str, str], ...], llm: dict[str, Any], base: dict[str, Any] | None
) -> list[str]:
    head = "| figure | LLM | 95 % CI |" + (" baseline | 95 % CI |" if base is not None else "")
    lines = [head, "|---|---:|---|" + ("---:|---|" if base is not None else "")]
    for key, title in keys:
        cells = [title, *_fig(llm.get(key))]
        if base is not None:
            cells += _fig(base.get(key))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _labels(name: str, llm: dict[str, Any], base: dict[str, Any] | None) -> list[str]:
    out = [f"## {name}", "", *_table(HEADLINE, llm, base), ""]
    out.append(
        f"{llm['items_compared']} posts compared with the human majority; "
        f"{llm['no_majority_items']} without a strict majority left out; "
        f"{llm['no_model_label_items']} without a model label."
    )
    out += ["", "| label | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for label, s in llm["per_class"].items():
        out.append(
            f"| {label} | {_num(s['precision'])} | {_num(s['recall'])} | {_num(s['f1'])} "
            f"| {s['support']} |"
        )
    conf = llm["confusion"]
    out += ["", "Confusion matrix (rows: human majority, columns: LLM):", ""]
    out.append("| | " + " | ".join(conf["labels"]) + " |")
    out.append("|---|" + "---:|" * len(conf["labels"]))
    out += [
        f"| {lab} | " + " | ".join(map(str, row)) + " |"
        for lab, row in zip(conf["labels"], conf["matrix"], strict=True)
    ]
    out += ["", *_alt(llm.get("alt_test"), base.get("alt_test") if base else None), ""]
    return out


def _alt(alt: dict[str, Any] | None, base: dict[str, Any] | None) -> list[str]:
    if alt is None:
        return ["Alt-test: not run (it needs at least three human coders)."]
    lines = []
    for who, res in (("LLM", alt), ("baseline", base)):
        if res is None:
            continue
        verdict = "passed" if res["passed"] else "failed"
        lines.append(
            f"Alt-test ({who}, epsilon = {res['epsilon']}, BY-FDR q = {res['q']}): {verdict}; "
            f"winning rate {_num(res['winning_rate'], 2)} (pass >= 0.50), average advantage "
            f"probability {_num(res['advantage_probability'], 2)}. Source: {res['source']}."
        )
    return lines


def render_markdown(report: dict[str, Any]) -> str:
    """A Markdown page of ``report``: headline tables with CIs, the baseline beside the LLM."""
    boot = report["bootstrap"]
    fields = report["fields"]
    base_fields = (report.get("baseline") or {}).get("fields")
    unknown = report["unknown_posts"]
    out = [
        "# Validation against human coders",
        "",
        f"{report['items']} posts coded by {len(report['coders'])} human coders "
        f"({', '.join(report['coders'])}). Intervals: {boot['level']:.0%} percentile bootstrap "
        f"over posts, {boot['draws']} draws, seed {boot['seed']}.",
        "",
    ]
    if unknown["count"]:
        shown = ", ".join(unknown["post_ids"][:10]) + (" ..." if unknown["count"] > 10 else "")
        out += [f"{unknown['count']} coded posts are not in this analysis (not used): {shown}", ""]
    out += [GUIDE]
    for name in ("primary_emotion", "sentiment"):
        if name in fields:
            out += _labels(name, fields[name], base_fields.get(name) if base_fields else None)
    if fields.get("intensities"):
        out += ["## intensities", ""]
        for emotion, figs in fields["intensities"].items():
            base = base_fields["intensities"].get(emotion) if base_fields else None
            out += [f"### {emotion}", "", *_table(INTENSITY, figs, base), ""]
    if base_fields is None:
        out += ["No baseline was given.", ""]
    return "\n".join(out).rstrip() + "\n"
