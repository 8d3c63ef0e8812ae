"""Generation settings that mean the same on every model, translated per model family.

``generation.thinking: off | minimal | low | medium | high`` is turned into what the model's
catalogue entry says it takes (never both):

- **budget models (2.5)**: ``thinkingConfig.thinkingBudget``; ``off`` is 0 where the model can
  turn thinking off, else its smallest budget (with a warning); the levels map to
  :data:`LEVEL_BUDGETS`, clipped to the model's range. ``generation.thinking_budget`` is an
  expert override, sent as given (it must lie in the model's range).
- **level models (3.x)**: ``thinkingConfig.thinkingLevel``; a level the model rejects (e.g.
  ``MINIMAL`` on 3.8 Flash) and ``off`` (no 3.x model turns thinking off) become the lowest level
  it accepts that is at least as high, with a warning that thinking tokens are billed as output.
  ``thinking_budget`` is refused for these models.

``temperature``, ``top_p`` and ``top_k`` are sent only to models whose catalogue entry lists them
as honoured; otherwise they are dropped, with one warning, and recorded as dropped.

The result, :class:`SentGeneration`, is what goes into every request and into the analysis id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from emobatch.catalogue import ModelEntry
from emobatch.config import GenerationSettings
from emobatch.errors import ConfigError

log = logging.getLogger("emobatch.generation")

THINKING_CHOICES = ("off", "minimal", "low", "medium", "high")
#: Thinking budget a level stands for on a budget-controlled (2.5) model.
LEVEL_BUDGETS = {"minimal": 512, "low": 1024, "medium": 8192, "high": 24576}
#: Thinking tokens per request assumed by the estimate for a level-controlled (3.x) model:
#: nominal figures (no public source gives them); the actual counts come from usageMetadata.
LEVEL_THINKING_ESTIMATE = {"MINIMAL": 0, "LOW": 256, "MEDIUM": 1024, "HIGH": 4096}
_SAMPLING = (("temperature", "temperature"), ("top_p", "topP"), ("top_k", "topK"))


@dataclass(frozen=True)
class SentGeneration:
    """The ``generationConfig`` fields emobatch sends (without the codebook's schema)."""

    config: dict[str, Any]
    dropped: tuple[str, ...]
    warnings: tuple[str, ...]
    thinking_tokens_estimate: int  # per request, for the cost estimate

    def describe(self) -> dict[str, Any]:
        """For manifests, summaries and the provenance: as sent, and what was dropped."""
        return {"sent": self.config, "dropped": list(self.dropped), "warnings": list(self.warnings)}


def _budget(entry: ModelEntry, gen: GenerationSettings, warnings: list[str]) -> tuple[int, int]:
    t = entry.thinking
    if gen.thinking_budget is not None:
        budget = gen.thinking_budget
        if not (budget == 0 and t.can_disable) and not t.min_budget <= budget <= t.max_budget:
            allowed = f"{t.min_budget}..{t.max_budget}" + (" or 0" if t.can_disable else "")
            raise ConfigError(
                f"generation.thinking_budget: {budget} is outside what {entry.name} accepts "
                f"({allowed})",
                hint="pick a budget in that range, or remove thinking_budget and use "
                "generation.thinking: off | minimal | low | medium | high",
            )
        return budget, budget
    if gen.thinking == "off":
        if t.can_disable:
            return 0, 0
        warnings.append(
            f"{entry.name} cannot turn thinking off: using its smallest budget, {t.min_budget} "
            "tokens (thinking tokens are billed as output)"
        )
        return t.min_budget, t.min_budget
    budget = min(max(LEVEL_BUDGETS[gen.thinking], t.min_budget, 1), t.max_budget)
    return budget, budget


def _level(entry: ModelEntry, gen: GenerationSettings, warnings: list[str]) -> tuple[str, int]:
    t = entry.thinking
    if gen.thinking_budget is not None:
        raise ConfigError(
            f"generation.thinking_budget is set, but {entry.name} takes a thinking level, not a "
            "budget (sending both is refused by Gemini)",
            hint="remove generation.thinking_budget and set generation.thinking: "
            "minimal | low | medium | high",
        )
    order = [lvl.upper() for lvl in THINKING_CHOICES[1:]]
    wanted = "MINIMAL" if gen.thinking == "off" else gen.thinking.upper()
    candidates = [lvl for lvl in order[order.index(wanted) :] if lvl in t.levels]
    level = candidates[0] if candidates else t.levels[-1]
    if gen.thinking == "off" or level != wanted:
        asked = "thinking off" if gen.thinking == "off" else f"thinking level {wanted}"
        warnings.append(
            f"{entry.name} does not accept {asked}: using {level}, the lowest level it accepts "
            "(thinking tokens are billed as output)"
        )
    return level, LEVEL_THINKING_ESTIMATE.get(level, 0)


def translate(entry: ModelEntry, gen: GenerationSettings) -> SentGeneration:
    """The generation settings as ``entry``'s model takes them."""
    warnings: list[str] = []
    config: dict[str, Any] = {}
    dropped: list[str] = []
    for name, wire in _SAMPLING:
        value = getattr(gen, name)
        if value is None:
            continue
        if entry.honours(wire):
            config[wire] = value
        else:
            dropped.append(name)
    if dropped:
        warnings.append(
            f"{entry.name} ignores {', '.join(dropped)} (catalogue): not sent, recorded as dropped"
        )
    if entry.thinking.control == "budget":
        budget, thinking_estimate = _budget(entry, gen, warnings)
        config["thinkingConfig"] = {"thinkingBudget": budget}
    else:
        level, thinking_estimate = _level(entry, gen, warnings)
        config["thinkingConfig"] = {"thinkingLevel": level}
    config["maxOutputTokens"] = gen.max_output_tokens
    return SentGeneration(
        config=config,
        dropped=tuple(dropped),
        warnings=tuple(warnings),
        thinking_tokens_estimate=thinking_estimate,
    )
