"""The model names the emulator serves and their thinking defaults."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelInfo:
    """What the emulator needs to know about a model."""

    name: str
    #: Whether the model thinks when ``thinkingConfig`` is absent (dynamic budget).
    thinks_by_default: bool


KNOWN_MODELS: dict[str, ModelInfo] = {
    m.name: m
    for m in (
        ModelInfo("gemini-2.5-flash", True),
        ModelInfo("gemini-2.5-flash-lite", False),
        ModelInfo("gemini-2.5-pro", True),
        ModelInfo("gemini-2.0-flash", False),
        ModelInfo("gemini-2.0-flash-lite", False),
        ModelInfo("gemini-3-flash-preview", True),
        ModelInfo("gemini-3-pro-preview", True),
    )
}


def resolve_model(name: str, extra_models: tuple[str, ...] = ()) -> ModelInfo | None:
    """The model called ``name`` (``models/`` prefix optional), or ``None`` if unknown.

    ``extra_models`` are served as non-thinking models.
    """
    short = name.removeprefix("models/")
    info = KNOWN_MODELS.get(short)
    if info is None and short in extra_models:
        info = ModelInfo(short, False)
    return info
