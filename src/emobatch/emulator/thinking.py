"""Thinking settings: validation against a model's catalogue control, and thought tokens.

**Validation** (400 INVALID_ARGUMENT, a per-line error in a batch), in this order, with the
real service's wording where it is known:

===========================================  =====================================================
request                                      message
===========================================  =====================================================
``thinkingBudget`` and ``thinkingLevel``     You can only set only one of thinking budget and
                                             thinking level.
a level on a budget model (2.5)              Thinking level is not supported for this model.
a budget on a level model (3.x)              Thinking budget is not supported for this model.
                                             Use thinking level instead. (wording unverified)
a level the model does not accept            Thinking level MINIMAL is not supported for this
                                             model. Please retry with other thinking level.
budget 0 where thinking cannot be disabled   Budget 0 is invalid. This model only works in
                                             thinking mode.
a budget outside [min, max] (``-1`` =        The thinking budget (N) is invalid.
dynamic is always allowed)
===========================================  =====================================================

Plain models (``extra_models``) are not validated. A level name outside MINIMAL / LOW /
MEDIUM / HIGH / XHIGH is rejected for every model by :mod:`.gen_request` (an enum error).

**Thought tokens** are deterministic: ``base = 24 + 3 * tokens(user text) + crc32 % 16``.
An explicit budget: ``0`` none, ``-1`` dynamic (``base``), ``n > 0`` ``min(base, n)``. An
explicit level scales ``base``: MINIMAL 1/8, LOW 1/2, MEDIUM 1, HIGH 2, XHIGH 3. Without
either, the *answering* model's catalogue default applies (``dynamic`` = base, ``off`` =
none, a level as above); plain models do not think. Dynamic thinking is capped at
:data:`DYNAMIC_THINKING_CAP`.
"""

from __future__ import annotations

import zlib

from emobatch.tokens import count_tokens

from .api_errors import ApiError
from .models import ModelInfo

__all__ = ["DYNAMIC_THINKING_CAP", "LEVELS", "check_thinking", "thoughts_tokens"]

#: Thinking budget used for "dynamic" thinking (``-1`` or a model default).
DYNAMIC_THINKING_CAP = 8192
#: Level names the API's enum knows, and how much each thinks relative to MEDIUM.
LEVEL_FACTORS: dict[str, float] = {
    "MINIMAL": 0.125,
    "LOW": 0.5,
    "MEDIUM": 1.0,
    "HIGH": 2.0,
    "XHIGH": 3.0,
}
LEVELS = tuple(LEVEL_FACTORS)


class ThinkingError(ApiError):
    """Thinking settings the model refuses (always 400 INVALID_ARGUMENT)."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)


def check_thinking(budget: int | None, level: str | None, model: ModelInfo) -> None:
    """Raise :class:`ThinkingError` if ``model`` refuses this budget/level combination."""
    if budget is not None and level is not None:
        raise ThinkingError("You can only set only one of thinking budget and thinking level.")
    control = model.thinking
    if control is None or (budget is None and level is None):
        return
    if control.control == "budget":
        if level is not None:
            raise ThinkingError("Thinking level is not supported for this model.")
        assert budget is not None
        if budget == -1:
            return
        if budget == 0:
            if not control.can_disable:
                raise ThinkingError("Budget 0 is invalid. This model only works in thinking mode.")
            return
        if not control.min_budget <= budget <= control.max_budget:
            raise ThinkingError(f"The thinking budget ({budget}) is invalid.")
        return
    if budget is not None:
        raise ThinkingError(
            "Thinking budget is not supported for this model. Use thinking level instead."
        )
    if level not in control.levels:
        raise ThinkingError(
            f"Thinking level {level} is not supported for this model. "
            "Please retry with other thinking level."
        )


def _base(text: str) -> int:
    return 24 + 3 * count_tokens(text) + zlib.crc32(text.encode()) % 16


def _of_level(level: str, base: int) -> int:
    return int(base * LEVEL_FACTORS.get(level, 1.0))


def thoughts_tokens(budget: int | None, level: str | None, answering: ModelInfo, text: str) -> int:
    """Deterministic thinking tokens for one answer (see the module docstring)."""
    if budget == 0:
        return 0
    base = _base(text)
    if budget is not None:
        cap = budget if budget > 0 else DYNAMIC_THINKING_CAP
        return max(1, min(base, cap))
    if level is None:
        control = answering.thinking
        if control is None:
            return 0
        if control.control == "budget":
            if control.default == "off":
                return 0
            return min(base, DYNAMIC_THINKING_CAP)
        level = control.default
    return min(_of_level(level, base), DYNAMIC_THINKING_CAP)
