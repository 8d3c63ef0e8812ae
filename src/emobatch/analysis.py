"""What defines an analysis: the codebook, the engine that answers, and the settings as sent.

An **engine** is whatever produces the answers: the offline dictionary baseline (with its
version) on ``backend: local``, or a provider and model (``gemini`` + ``gemini-3.1-flash-lite``).
It is hashed into the analysis id together with the codebook version and the generation
settings *as sent to the model* (after :mod:`emobatch.generation` translated them), so

- lexicon rows and Gemini rows never share an analysis id, a path, or a history key: a
  ``gemini`` run never receives rows the dictionary coded, and vice versa;
- a setting the model ignores (and emobatch therefore does not send) does not split analyses.

Analyses written before the engine was part of the id (emobatch < 0.2) keep their old ids and
folders; their history parts stay readable, and are never reused, since no current id matches.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from emobatch.annotators.version import MODEL_VERSION as LEXICON_MODEL_VERSION
from emobatch.catalogue import LEXICON_PREFIX, Catalogue, ModelEntry, load_catalogue
from emobatch.codebook import Codebook, load_codebook
from emobatch.config import Settings
from emobatch.errors import ConfigError
from emobatch.generation import SentGeneration, translate
from emobatch.identity import analysis_id

log = logging.getLogger("emobatch.analysis")

#: Backends whose answers come from the offline dictionary (the emulator's responder).
LEXICON_BACKENDS = frozenset({"local"})
#: Warn about a deprecated model this many days before its shutdown.
SHUTDOWN_WARNING_DAYS = 90


@dataclass(frozen=True)
class Engine:
    """What answers the requests of an analysis."""

    kind: str  # lexicon | llm
    provider: str  # emobatch-lexicon | gemini | vertex (each its own analysis id)
    model: str  # the model requested (for the lexicon: the model whose requests it answers)
    version: str | None = None  # the lexicon's version

    @property
    def tag(self) -> str:
        """For columns and logs: ``lexicon:emobatch-lexicon-1.0.0`` or ``gemini:<model>``."""
        if self.kind == "lexicon":
            return f"lexicon:{self.version}"
        return f"{self.provider}:{self.model}"

    @property
    def expected_family(self) -> str:
        """The model family the answers' ``modelVersion`` should belong to."""
        return LEXICON_PREFIX if self.kind == "lexicon" else self.model

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "provider": self.provider, "model": self.model}
        if self.version:
            out["version"] = self.version
        return out

    def describe(self) -> str:
        """The engine in plain words, for summaries, logs and methods text."""
        if self.kind == "lexicon":
            return (
                f"coded by the offline dictionary baseline ({self.version}), not an LLM "
                f"(requests shaped for {self.model}; no money spent)"
            )
        if self.provider == "vertex":
            return f"coded by {self.model} through Vertex AI batch inference (vertex backend)"
        return f"coded by {self.model} through the Gemini Developer API ({self.provider} backend)"


@dataclass(frozen=True)
class Analysis:
    """One analysis: its id, and everything that went into it."""

    id: str
    codebook: Codebook
    engine: Engine
    model: ModelEntry
    generation: SentGeneration
    catalogue: Catalogue
    delivery: str = "batch"  # batch | flex | interactive
    repeats: int = 1
    posts_per_request: int = 1  # packed requests (emobatch.packing)

    @property
    def price_tier(self) -> str:
        """The catalogue price table that applies: batch, flex or interactive."""
        return self.delivery


def design_of(settings: Settings) -> dict[str, Any]:
    """What of the delivery design enters the analysis id (nothing for batch, 1 replicate,
    1 post per request)."""
    d = settings.delivery
    out: dict[str, Any] = {}
    if d.kind != "batch":
        out["delivery"] = d.kind
    if d.repeats != 1:
        out["repeats"] = d.repeats
    if settings.batch.posts_per_request != 1:
        out["posts_per_request"] = settings.batch.posts_per_request
    return out


def engine_for(settings: Settings) -> Engine:
    """The engine of the configured backend. ``gemini`` and ``vertex`` are distinct providers:
    the same model through the Developer API and through Vertex AI has two analysis ids, so
    their rows are never mixed (other service, serving stack and prices)."""
    model = settings.batch.model_name
    if settings.backend in LEXICON_BACKENDS:
        return Engine("lexicon", LEXICON_PREFIX, model, LEXICON_MODEL_VERSION)
    return Engine("llm", settings.backend, model)


def catalogue_for(settings: Settings) -> Catalogue:
    return load_catalogue(settings.catalogue)


def model_entry(settings: Settings, today: dt.date | None = None) -> ModelEntry:
    """The configured model's catalogue entry; a shut-down or unknown model is a ConfigError."""
    catalogue = catalogue_for(settings)
    name = settings.batch.model_name
    entry = catalogue.get(name)
    if entry is None:
        raise ConfigError(
            f"batch.model_name: {name!r} is not in the model catalogue "
            f"({', '.join(catalogue.names())})",
            hint="pick one of those (`emobatch models` compares them), or add the model to a copy "
            "of src/emobatch/data/models.yaml and point the `catalogue` config key at it",
        )
    today = today or dt.date.today()
    if entry.is_shut_down(today):
        raise ConfigError(
            f"batch.model_name: {name} was shut down on {entry.shutdown} "
            f"(source: {entry.lifecycle_source.get('url', 'the model catalogue')}); "
            "calls to it now fail or are answered by another model",
            hint=f'use --config \'batch={{"model_name": "{entry.replacement}"}}\' '
            "(its replacement) and validate the new model before a full run; results of earlier "
            "analyses stay under results/<mode>/<analysis id>/",
        )
    days = entry.days_to_shutdown(today)
    if entry.status == "deprecated" or (days is not None and days <= SHUTDOWN_WARNING_DAYS):
        when = f"shuts down on {entry.shutdown}" if entry.shutdown else "may be withdrawn"
        log.warning("%s is deprecated and %s; its replacement is %s", name, when, entry.replacement)
    return entry


def analysis_for(settings: Settings, today: dt.date | None = None) -> Analysis:
    """The current configuration's analysis (raises ConfigError for an unusable model)."""
    codebook = load_codebook(settings.codebook)
    entry = model_entry(settings, today)
    sent = translate(entry, settings.generation)
    engine = engine_for(settings)
    return Analysis(
        id=analysis_id(codebook.version, engine.as_dict(), sent.config, design_of(settings)),
        codebook=codebook,
        engine=engine,
        model=entry,
        generation=sent,
        catalogue=catalogue_for(settings),
        delivery=settings.delivery.kind,
        repeats=settings.delivery.repeats,
        posts_per_request=settings.batch.posts_per_request,
    )
