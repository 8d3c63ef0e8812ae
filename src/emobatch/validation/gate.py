"""The validation gate: may the pipeline scale up, given the agreement with human coders?

:func:`gate_verdict` reads one figure of a validation report (``emobatch.validation/1``): by
default the lower end of the 95 % interval of Krippendorff's alpha with the LLM as one more
coder, for ``primary_emotion``, and passes when it reaches the threshold (0.667, Krippendorff's
lowest bound for tentative conclusions). A non-empty ``override_reason`` passes the gate whatever
the figures (the reason is kept in the verdict so it can be recorded). ``reason`` is a short
machine-readable word: ``passed``, ``override``, ``below_threshold``, ``no_report``,
``not_computed``; ``message`` is the sentence to show.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from emobatch.errors import ConfigError
from emobatch.validation.report import FORMAT

__all__ = ["BOUNDS", "GateVerdict", "gate_verdict"]

BOUNDS = ("ci_low", "value", "ci_high")
WAYS_FORWARD = (
    "Either improve the coding (codebook, model, prompt) and validate again on more human codes "
    "(a larger sample narrows the interval), or set validation.override_reason to a sentence "
    "explaining why the pipeline may go on anyway (it is recorded)."
)


@dataclass(frozen=True)
class GateVerdict:
    """Whether the gate lets the run go on, and why."""

    passed: bool
    measured: float | None
    needed: float
    reason: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _measure(report: dict[str, Any], field: str, metric: str, bound: str) -> float | None:
    if bound not in BOUNDS:
        raise ConfigError(
            f"validation gate bound {bound!r} is not one of {', '.join(BOUNDS)}",
            hint="use ci_low (the default), value or ci_high",
        )
    fields = report.get("fields") or {}
    fig = (fields.get(field) or {}).get(metric)
    if field in fields and not isinstance(fig, dict):
        known = [k for k, v in fields[field].items() if isinstance(v, dict) and "value" in v]
        raise ConfigError(
            f"validation gate metric {metric!r} is not a figure of the report",
            hint=f"use one of {', '.join(known)}",
        )
    if not isinstance(fig, dict):
        return None
    if bound == "value":
        return fig.get("value")
    ci = fig.get("ci")
    return None if not ci else ci[0 if bound == "ci_low" else 1]


def gate_verdict(
    report: dict[str, Any] | None,
    *,
    metric: str = "alpha_with_model",
    field: str = "primary_emotion",
    bound: str = "ci_low",
    threshold: float = 0.667,
    override_reason: str | None = None,
) -> GateVerdict:
    """The gate's verdict on ``report`` (None: no validation was done)."""
    what = f"{metric} ({bound}) for {field}"
    if report is not None and report.get("format") != FORMAT:
        raise ConfigError(
            f"the validation report has format {report.get('format')!r}, expected {FORMAT!r}",
            hint="recompute the report with this version of emobatch",
        )
    measured = None if report is None else _measure(report, field, metric, bound)
    if override_reason and override_reason.strip():
        return GateVerdict(
            True,
            measured,
            threshold,
            "override",
            f"validation gate overridden: {override_reason.strip()} "
            f"(measured {what}: {_fmt(measured)}, needed >= {threshold:.3f})",
        )
    if report is None:
        return GateVerdict(
            False,
            None,
            threshold,
            "no_report",
            f"validation gate: no agreement with human coders was measured; needed {what} "
            f">= {threshold:.3f}. {WAYS_FORWARD}",
        )
    if measured is None:
        return GateVerdict(
            False,
            None,
            threshold,
            "not_computed",
            f"validation gate: {what} could not be computed from the human codes (too few coded "
            f"posts or coders, or no variation); needed >= {threshold:.3f}. {WAYS_FORWARD}",
        )
    if measured >= threshold:
        return GateVerdict(
            True,
            measured,
            threshold,
            "passed",
            f"validation gate passed: {what} = {measured:.3f} >= {threshold:.3f}",
        )
    return GateVerdict(
        False,
        measured,
        threshold,
        "below_threshold",
        f"validation gate: measured {what} = {measured:.3f}, needed >= {threshold:.3f} "
        f"({report.get('items', 0)} posts, {len(report.get('coders', []))} coders). "
        f"{WAYS_FORWARD}",
    )


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
