"""Which models the emulator serves, how they think, and where shut-down ones are routed.

The facts come from the model catalogue (:mod:`emobatch.catalogue`, ``data/models.yaml``):
status and shutdown date, ``supportedActions``, the thinking control (a budget range or a
list of levels, and the default). On top of it:

- ``extra_models``: more names, served as **plain** models (no thinking control, no
  validation of thinking settings, never think unless given a positive budget), for tests;
- **routes** (requested name -> answering name). By default every catalogue model that is
  shut down (status ``shut_down`` or past its ``shutdown`` date on the server's clock) with
  ``after_shutdown: routed`` is routed to its ``routed_to``; ``catalogue_routing=False``
  drops those defaults. Explicit routes extend or override them and apply whatever the
  requested model's status. A shut-down model without a route is not served (404).

A routed request keeps the *requested* model's parameter contract (its thinking settings
are validated against the requested model, as a routed alias must accept what its callers
send) and is answered by the successor: its thinking defaults, and its name as
``modelVersion``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from emobatch.catalogue import Catalogue, ModelEntry, ThinkingControl, load_catalogue

#: What every catalogue model supports in the emulator when the catalogue lists no actions.
ALL_ACTIONS = ("generateContent", "countTokens", "batchGenerateContent")
#: Token limits reported by ``models.get`` (the catalogue has none; Gemini Flash values).
INPUT_TOKEN_LIMIT = 1_048_576
OUTPUT_TOKEN_LIMIT = 65_536
MAX_ROUTE_HOPS = 8


@dataclass(frozen=True)
class ModelInfo:
    """What the emulator needs to know about one model name."""

    name: str
    #: ``None``: a plain (extra) model, whose thinking settings are not validated.
    thinking: ThinkingControl | None = None
    actions: tuple[str, ...] = ALL_ACTIONS
    status: str = "ga"
    shutdown: dt.date | None = None

    @property
    def display_name(self) -> str:
        """``gemini-3.5-flash-lite`` -> ``Gemini 3.5 Flash-Lite`` (the real style)."""
        words = self.name.replace("flash-lite", "flash_lite").split("-")
        return " ".join(w.replace("_", "-").title() if w[:1].isalpha() else w for w in words)

    @classmethod
    def of_entry(cls, entry: ModelEntry) -> ModelInfo:
        return cls(
            name=entry.name,
            thinking=entry.thinking,
            actions=entry.actions or ALL_ACTIONS,
            status=entry.status,
            shutdown=entry.shutdown,
        )


@dataclass(frozen=True)
class Resolved:
    """A requested model name, resolved: its contract and the model that answers."""

    requested: ModelInfo
    answering: ModelInfo

    @property
    def routed(self) -> bool:
        return self.requested.name != self.answering.name


def plain_model(name: str) -> ModelInfo:
    """A model without catalogue facts (extra models, names from old job records)."""
    return ModelInfo(name=name.removeprefix("models/"))


class ModelRegistry:
    """Catalogue models, extra models and routes of one server process."""

    def __init__(
        self,
        catalogue: Catalogue | str | Path | None = None,
        *,
        extra_models: tuple[str, ...] = (),
        routes: Mapping[str, str] | None = None,
        catalogue_routing: bool = True,
    ) -> None:
        if not isinstance(catalogue, Catalogue):
            catalogue = load_catalogue(catalogue)
        self.catalogue = catalogue
        self._models: dict[str, ModelInfo] = {
            name: ModelInfo.of_entry(entry) for name, entry in catalogue.models.items()
        }
        for name in extra_models:
            self._models.setdefault(name, plain_model(name))
        self.extra_models = tuple(extra_models)
        self.catalogue_routing = catalogue_routing
        self.explicit_routes = {
            k.removeprefix("models/"): v.removeprefix("models/") for k, v in (routes or {}).items()
        }
        for old, new in self.explicit_routes.items():
            if new not in self._models:
                raise ValueError(f"route {old}={new}: {new} is not a model the emulator serves")
            if old == new:
                raise ValueError(f"route {old}={new}: a model cannot be routed to itself")
        self._check_cycles()

    # -- lookup ------------------------------------------------------------------------
    def info(self, name: str) -> ModelInfo | None:
        """The model called ``name`` (``models/`` optional), ignoring status and routes."""
        return self._models.get(name.removeprefix("models/"))

    def info_or_plain(self, name: str) -> ModelInfo:
        return self.info(name) or plain_model(name)

    def is_shut_down(self, info: ModelInfo, today: dt.date) -> bool:
        return info.status == "shut_down" or (info.shutdown is not None and today >= info.shutdown)

    def route_of(self, name: str, today: dt.date) -> str | None:
        """Where a request for ``name`` goes on ``today`` (one hop), or ``None``."""
        if name in self.explicit_routes:
            return self.explicit_routes[name]
        if not self.catalogue_routing:
            return None
        entry = self.catalogue.models.get(name)
        info = self._models.get(name)
        if entry is None or info is None or not self.is_shut_down(info, today):
            return None
        if entry.after_shutdown == "routed" and entry.routed_to in self._models:
            return entry.routed_to
        return None

    def routes(self, today: dt.date) -> dict[str, str]:
        """Every route in force on ``today`` (requested -> first hop)."""
        names = [*self._models, *self.explicit_routes]
        found = {name: self.route_of(name, today) for name in dict.fromkeys(names)}
        return {k: v for k, v in found.items() if v}

    def resolve(self, name: str, today: dt.date) -> Resolved | None:
        """The contract and answering model for a request to ``name``; ``None`` = 404."""
        short = name.removeprefix("models/")
        requested = self._models.get(short)
        current = short
        for _ in range(MAX_ROUTE_HOPS):
            nxt = self.route_of(current, today)
            if nxt is None:
                break
            current = nxt
        answering = self._models.get(current)
        if answering is None or self.is_shut_down(answering, today):
            return None  # unknown, or shut down and not routed: the real service answers 404
        if requested is None:  # an explicit route from a name the emulator does not know
            return self.for_job(short, current)
        return Resolved(requested=requested, answering=answering)

    def for_job(self, requested: str, answered_by: str | None) -> Resolved:
        """The resolution a job record fixed at creation (any process can rebuild it)."""
        short = requested.removeprefix("models/")
        answering = self.info_or_plain(answered_by or short)
        contract = self.info(short)
        if contract is None:
            contract = ModelInfo(name=short, thinking=answering.thinking, actions=answering.actions)
        return Resolved(requested=contract, answering=answering)

    def listed(self, today: dt.date) -> list[Resolved]:
        """What ``models.list`` shows on ``today``: every name :meth:`resolve` serves."""
        names = dict.fromkeys([*self._models, *self.explicit_routes])
        return [r for r in (self.resolve(name, today) for name in names) if r is not None]

    def _check_cycles(self) -> None:
        for start in self.explicit_routes:
            seen = {start}
            current = start
            while current in self.explicit_routes:
                current = self.explicit_routes[current]
                if current in seen:
                    raise ValueError(f"routes form a cycle through {current}")
                seen.add(current)
