"""The alternative annotator test (alt-test) for categorical codes.

Source: N. Calderon, R. Reichart and R. Dror, "The Alternative Annotator Test for LLM-as-a-Judge:
How to Statistically Justify Replacing Human Annotators with LLMs", ACL 2025 (arXiv 2501.10970),
and the authors' reference code (github.com/nitaytech/AltTest). The procedure, leave one
annotator out at a time:

1. For annotator ``j`` take the items ``j`` coded that the model coded and at least one other
   annotator coded. Per item, the alignment score of a code is the share of the *other*
   annotators who gave the same label (the paper's accuracy scoring function), for the model's
   label (``S_f``) and for ``j``'s (``S_j``).
2. ``W_f = 1[S_f >= S_j]``, ``W_j = 1[S_j >= S_f]``; the advantage probabilities are their means
   ``rho_f`` and ``rho_j``. One-sided one-sample t-test of ``d = W_j - W_f`` against ``epsilon``:
   H0 ``rho_f <= rho_j - epsilon`` versus H1 ``rho_f > rho_j - epsilon``
   (``scipy.stats.ttest_1samp(d, epsilon, alternative="less")``). When ``d`` is constant the
   t statistic is infinite: the p-value is then 0 if ``d < epsilon`` and 1 otherwise.
3. The Benjamini-Yekutieli procedure at ``q`` (default 0.05) over the annotators' p-values; the
   winning rate ``omega`` is the share of annotators whose H0 is rejected. The model passes if
   ``omega >= 0.5``. The average advantage probability ``rho`` (mean of ``rho_f``) compares models.

``epsilon`` is the cost-benefit margin granted to the model. The authors' rule of thumb: 0.2 for
expert annotators, 0.15 for skilled annotators (students, trained workers), 0.1 for crowd-workers;
smaller when inter-annotator agreement is low. Default here: 0.2. The paper asks for at least
three annotators and at least 30 items per annotator (the t-test's normality assumption); an
annotator with fewer items is skipped and listed with the reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import ttest_1samp

__all__ = ["SOURCE", "alt_test", "benjamini_yekutieli"]

SOURCE = "Calderon, Reichart & Dror (ACL 2025), arXiv 2501.10970"


def benjamini_yekutieli(p_values: list[float], q: float = 0.05) -> list[bool]:
    """Which hypotheses the Benjamini-Yekutieli step-up procedure rejects at FDR ``q``."""
    m = len(p_values)
    if m == 0:
        return []
    order = np.argsort(p_values, kind="stable")
    harmonic = float(np.sum(1.0 / np.arange(1, m + 1)))
    thresholds = np.arange(1, m + 1) / m * q / harmonic
    below = np.flatnonzero(np.asarray(p_values)[order] <= thresholds)
    rejected = [False] * m
    for i in order[: below[-1] + 1] if below.size else []:
        rejected[int(i)] = True
    return rejected


def _p_value(d: np.ndarray, epsilon: float) -> float:
    if np.all(d == d[0]):
        return 0.0 if d[0] < epsilon else 1.0
    return float(ttest_1samp(d, epsilon, alternative="less").pvalue)


def alt_test(
    humans: dict[str, dict[str, str]],
    model: dict[str, str],
    *,
    epsilon: float = 0.2,
    q: float = 0.05,
    min_items: int = 30,
) -> dict[str, Any]:
    """Run the alt-test; ``humans[coder][item]`` and ``model[item]`` are labels."""
    annotators: list[dict[str, Any]] = []
    p_values: list[float] = []
    for j, codes in humans.items():
        others = [h for h in humans if h != j]
        s_f, s_j = [], []
        for item, label in codes.items():
            rest = [humans[h][item] for h in others if item in humans[h]]
            if item not in model or not rest:
                continue
            s_f.append(np.mean([r == model[item] for r in rest]))
            s_j.append(np.mean([r == label for r in rest]))
        entry: dict[str, Any] = {"coder": j, "items": len(s_f)}
        if len(s_f) < min_items:
            entry["skipped"] = f"{len(s_f)} items < {min_items}"
            annotators.append(entry)
            continue
        f, h = np.asarray(s_f), np.asarray(s_j)
        w_f, w_h = (f >= h).astype(float), (h >= f).astype(float)
        p = _p_value(w_h - w_f, epsilon)
        entry.update(
            rho_model=float(w_f.mean()), rho_human=float(w_h.mean()), p_value=p, skipped=None
        )
        annotators.append(entry)
        p_values.append(p)
    decisions = iter(benjamini_yekutieli(p_values, q))
    for entry in annotators:
        entry["rejected"] = None if entry["skipped"] else next(decisions)
    tested = [e for e in annotators if not e["skipped"]]
    omega = sum(e["rejected"] for e in tested) / len(tested) if tested else None
    rho = float(np.mean([e["rho_model"] for e in tested])) if tested else None
    return {
        "epsilon": epsilon,
        "q": q,
        "min_items": min_items,
        "annotators": annotators,
        "winning_rate": omega,
        "advantage_probability": rho,
        "passed": bool(omega is not None and omega >= 0.5),
        "source": SOURCE,
    }
