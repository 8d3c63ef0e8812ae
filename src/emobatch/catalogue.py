"""The model catalogue: what emobatch knows about each Gemini model, read from data.

The facts live in ``emobatch/data/models.yaml`` (format version 1, documented at its top);
this module only types them. It is a leaf module (it imports nothing else of emobatch), so the
emulator, the pipeline and the CLI all read the same catalogue.

A model's *family* is the catalogue name an answer's ``modelVersion`` belongs to:
``gemini-3.1-flash-lite-001`` and ``gemini-3.1-flash-lite`` are one family;
``emobatch-lexicon-1.0.0`` is the offline dictionary's.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from emobatch import yamlio

__all__ = [
    "CATALOGUE_PATH",
    "DELIVERIES",
    "FORMAT_VERSION",
    "LEXICON_PREFIX",
    "Catalogue",
    "CatalogueFormatError",
    "ModelEntry",
    "PriceTable",
    "ProviderInfo",
    "ThinkingControl",
    "load_catalogue",
]

FORMAT_VERSION = 1
CATALOGUE_PATH = Path(__file__).resolve().parent / "data" / "models.yaml"
DELIVERIES = ("batch", "flex", "interactive")
STATUSES = ("preview", "ga", "deprecated", "shut_down")
LEXICON_PREFIX = "emobatch-lexicon"
_SUFFIX = re.compile(r"(-\d{3}|-preview(-[0-9a-z-]+)?|-latest|-exp(-[0-9a-z-]+)?)$")


class CatalogueFormatError(ValueError):
    """The catalogue file is not in the documented format (names the model and field)."""


@dataclass(frozen=True)
class PriceTable:
    """USD per 1M tokens of one delivery."""

    input: float
    output: float
    cached_input: float | None  # None: no published cache price (charged as input)

    def as_dict(self) -> dict[str, float]:
        out = {"input": self.input, "output": self.output}
        out["cached_input"] = self.input if self.cached_input is None else self.cached_input
        return out


@dataclass(frozen=True)
class ThinkingControl:
    """How a model takes thinking: a token budget (2.5) or a level (3.x)."""

    control: str  # budget | level
    min_budget: int = 0
    max_budget: int = 0
    can_disable: bool = False
    levels: tuple[str, ...] = ()  # accepted levels, lowest first
    default: str = ""  # dynamic | off (budget) or a level


@dataclass(frozen=True)
class ModelEntry:
    name: str
    status: str
    released: dt.date | None
    shutdown: dt.date | None
    replacement: str | None
    after_shutdown: str
    routed_to: str | None
    actions: tuple[str, ...]
    structured_output: bool
    thinking: ThinkingControl
    sampling: tuple[str, ...]
    prices_taken_on: str
    prices_source: str
    prices: dict[str, PriceTable]
    later_prices: tuple[tuple[dt.date, dict[str, PriceTable]], ...] = ()
    lifecycle_source: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    #: A provider's own tables (``prices.vertex``), by provider and delivery.
    provider_prices: dict[str, dict[str, PriceTable]] = field(default_factory=dict)

    def price(
        self, delivery: str, on: dt.date | None = None, provider: str | None = None
    ) -> PriceTable:
        """The price of ``delivery`` in force ``on`` a day (today by default); with
        ``provider`` (``vertex``), that provider's own table where the model has one."""
        own = self.provider_prices.get(provider or "", {})
        if delivery in own:
            return own[delivery]
        on = on or dt.date.today()
        table = self.prices[delivery]
        for start, tables in self.later_prices:
            if on >= start and delivery in tables:
                table = tables[delivery]
        return table

    def days_to_shutdown(self, today: dt.date) -> int | None:
        return None if self.shutdown is None else (self.shutdown - today).days

    def is_shut_down(self, today: dt.date) -> bool:
        if self.shutdown is not None:
            return today >= self.shutdown
        return self.status == "shut_down"

    def honours(self, parameter: str) -> bool:
        return parameter in self.sampling


@dataclass(frozen=True)
class ProviderInfo:
    """A service selling the catalogue's models besides the Developer API (``providers:``)."""

    name: str
    verified: bool  # False: its prices are the Developer API tables, not checked for it
    taken_on: str
    source: str
    notes: str = ""


@dataclass(frozen=True)
class Catalogue:
    read_on: str
    models: dict[str, ModelEntry]
    sources: dict[str, str]
    providers: dict[str, ProviderInfo] = field(default_factory=dict)

    def get(self, name: str) -> ModelEntry | None:
        return self.models.get(name.removeprefix("models/"))

    def names(self) -> list[str]:
        return list(self.models)

    def family(self, model_version: str | None) -> str | None:
        """The catalogue model (or ``emobatch-lexicon``) an answer's ``modelVersion`` is of."""
        if not model_version:
            return None
        # Vertex names versions ``gemini-2.0-flash-001@default``
        version = model_version.removeprefix("models/").partition("@")[0]
        if version.startswith(LEXICON_PREFIX):
            return LEXICON_PREFIX
        if version in self.models:
            return version
        for name in sorted(self.models, key=len, reverse=True):
            rest = version[len(name) :]
            if version.startswith(name) and (not rest or _SUFFIX.fullmatch(rest)):
                return name
        return _SUFFIX.sub("", version)


def _date(value: Any, where: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as exc:
        raise CatalogueFormatError(f"{where}: {value!r} is not an ISO date") from exc


def _prices(raw: dict[str, Any], where: str, *, partial: bool = False) -> dict[str, PriceTable]:
    out = {}
    for delivery in DELIVERIES:
        table = raw.get(delivery)
        if table is None and partial:
            continue
        if not isinstance(table, dict):
            raise CatalogueFormatError(f"{where}.{delivery}: missing price table")
        try:
            cached = table.get("cached_input")
            out[delivery] = PriceTable(
                input=float(table["input"]),
                output=float(table["output"]),
                cached_input=None if cached is None else float(cached),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogueFormatError(f"{where}.{delivery}: needs input and output") from exc
    return out


def _thinking(raw: dict[str, Any], where: str) -> ThinkingControl:
    control = raw.get("control")
    if control == "budget":
        return ThinkingControl(
            control="budget",
            min_budget=int(raw["min"]),
            max_budget=int(raw["max"]),
            can_disable=bool(raw["can_disable"]),
            default=str(raw.get("default", "dynamic")),
        )
    if control == "level":
        levels = tuple(str(x).upper() for x in raw.get("levels") or ())
        if not levels:
            raise CatalogueFormatError(f"{where}.levels: list the accepted levels")
        return ThinkingControl(control="level", levels=levels, default=str(raw["default"]).upper())
    raise CatalogueFormatError(f"{where}.control: {control!r} is not budget or level")


def _entry(name: str, raw: dict[str, Any], providers: tuple[str, ...] = ()) -> ModelEntry:
    where = f"models.{name}"
    status = raw.get("status")
    if status not in STATUSES:
        raise CatalogueFormatError(f"{where}.status: {status!r} is not one of {STATUSES}")
    prices = raw.get("prices") or {}
    later = tuple(
        (_date(item["from"], f"{where}.prices.later.from") or dt.date.max, _prices(item, where))
        for item in prices.get("later") or ()
    )
    return ModelEntry(
        name=name,
        status=status,
        released=_date(raw.get("released"), f"{where}.released"),
        shutdown=_date(raw.get("shutdown"), f"{where}.shutdown"),
        replacement=raw.get("replacement"),
        after_shutdown=str(raw.get("after_shutdown", "fails")),
        routed_to=raw.get("routed_to"),
        actions=tuple(raw.get("actions") or ()),
        structured_output=bool(raw.get("structured_output")),
        thinking=_thinking(raw.get("thinking") or {}, f"{where}.thinking"),
        sampling=tuple(raw.get("sampling") or ()),
        prices_taken_on=str(prices.get("taken_on", "")),
        prices_source=str(prices.get("source", "")),
        prices=_prices(prices, f"{where}.prices"),
        later_prices=later,
        lifecycle_source=dict(raw.get("lifecycle_source") or {}),
        notes=" ".join(str(raw.get("notes") or "").split()),
        provider_prices={
            provider: _prices(prices[provider], f"{where}.prices.{provider}", partial=True)
            for provider in providers
            if isinstance(prices.get(provider), dict)
        },
    )


def _provider(name: str, raw: dict[str, Any]) -> ProviderInfo:
    return ProviderInfo(
        name=str(raw.get("name") or name),
        verified=bool(raw.get("verified")),
        taken_on=str(raw.get("taken_on", "")),
        source=" ".join(str(raw.get("source") or "").split()),
        notes=" ".join(str(raw.get("notes") or "").split()),
    )


@lru_cache(maxsize=8)
def _load(path: Path) -> Catalogue:
    raw = yamlio.safe_load(path.read_text(encoding="utf-8")) or {}
    if raw.get("format_version") != FORMAT_VERSION:
        raise CatalogueFormatError(
            f"{path}: format_version {raw.get('format_version')!r}, expected {FORMAT_VERSION}"
        )
    providers = {k: _provider(k, v or {}) for k, v in (raw.get("providers") or {}).items()}
    models = {
        name: _entry(name, entry or {}, tuple(providers))
        for name, entry in (raw.get("models") or {}).items()
    }
    return Catalogue(
        read_on=str(raw.get("read_on", "")),
        models=models,
        sources=dict(raw.get("sources") or {}),
        providers=providers,
    )


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """The catalogue at ``path`` (default: the bundled ``data/models.yaml``), parsed once."""
    return _load(Path(path) if path else CATALOGUE_PATH)
