"""Which model answered, and what it costs: silent-routing detection for parsed rows.

Every answer carries ``modelVersion``. :class:`AnswerCheck` compares its family (see
:meth:`emobatch.catalogue.Catalogue.family`) with what the analysis's engine should answer with:
the requested model for an LLM, ``emobatch-lexicon`` for the offline dictionary. A different
family (a shut-down model routed to a successor, an alias resolved to another model, or the
emulator standing in for Gemini) marks the row ``model_routed`` and is warned about loudly.

Costs are computed at the answering model's batch price where the catalogue knows it (a routed
call is billed at the successor's rates); otherwise, and for the dictionary (which costs
nothing; its figure is what Gemini would charge), at the requested model's.
"""

from __future__ import annotations

from dataclasses import dataclass

from emobatch.analysis import Analysis, Engine
from emobatch.catalogue import Catalogue
from emobatch.costs import priced_model, prices, row_cost


@dataclass(frozen=True)
class AnswerCheck:
    catalogue: Catalogue
    engine: Engine
    delivery: str = "batch"

    @classmethod
    def of(cls, analysis: Analysis, delivery: str | None = None) -> AnswerCheck:
        """The check of ``analysis``, pricing rows at its delivery's tier (batch, flex, ...)."""
        return cls(analysis.catalogue, analysis.engine, delivery or analysis.price_tier)

    def routed(self, model_version: str | None) -> bool:
        if not model_version:
            return False
        return self.catalogue.family(model_version) != self.engine.expected_family

    def priced_model(self, model_version: str | None) -> str:
        requested = self.engine.model
        if self.engine.kind == "lexicon":
            return requested
        return priced_model(self.catalogue, requested, model_version)

    def cost(
        self,
        model_version: str | None,
        prompt: int,
        cached: int,
        output: int,
        thoughts: int,
        delivery: str | None = None,
    ) -> float | None:
        """USD of one row at its delivery's price (``delivery`` overrides, e.g. a Flex request
        that fell back to the standard price is priced as interactive)."""
        return row_cost(self.price_table(model_version, delivery), prompt, cached, output, thoughts)

    def price_table(
        self, model_version: str | None, delivery: str | None = None
    ) -> dict[str, float] | None:
        """USD per 1M tokens that rows answered by ``model_version`` are priced at."""
        return prices(self.catalogue, self.priced_model(model_version), delivery or self.delivery)

    def describe(self, model_version: str) -> str:
        """A warning line for rows answered by ``model_version``."""
        engine = self.engine
        family = self.catalogue.family(model_version)
        if family == "emobatch-lexicon":
            return (
                f"answers came from {model_version} (the emobatch emulator's offline dictionary), "
                f"not from {engine.model}: this endpoint is not Gemini"
            )
        if engine.kind == "lexicon":
            return (
                f"the offline dictionary ({engine.version}) should have answered, but "
                f"{model_version} did: this endpoint is not the emobatch emulator"
            )
        return (
            f"{engine.model} was requested but {model_version} answered (silent routing); "
            f"costs are computed at {self.priced_model(model_version)}'s price"
        )
