"""Compiled schema nodes: each builds a valid value from a hint (the annotation).

See :mod:`.schema_fill` for the dialects compiled into these nodes.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

#: Property-name aliases into the annotation's keys.
ALIASES: dict[str, str] = {
    "emotion": "primary_emotion",
    "label": "primary_emotion",
    "primary": "primary_emotion",
    "dominant_emotion": "primary_emotion",
    "main_emotion": "primary_emotion",
    "category": "primary_emotion",
    "polarity": "sentiment",
    "valence": "sentiment_score",
    "score": "sentiment_score",
    "sentiment_value": "sentiment_score",
    "explanation": "rationale",
    "reason": "rationale",
    "reasoning": "rationale",
    "justification": "rationale",
    "emotions": "intensities",
    "scores": "intensities",
    "emotion_intensities": "intensities",
}
#: Enum values preferred when a hint does not match any allowed value.
_FALLBACK_ENUM = ("neutral", "none", "other", "unknown", "n/a", "NEUTRAL", "NONE", "OTHER")
_MAX_DEPTH = 12


class SchemaError(ValueError):
    """The schema is not acceptable (message worded like the real 400)."""


@lru_cache(maxsize=4096)
def norm(name: str) -> str:
    """Normalise a property name for lookups (case, dashes and spaces)."""
    return name.strip().lower().replace("-", "_").replace(" ", "_")


# -- nodes -----------------------------------------------------------------------------
class Node(abc.ABC):
    """A compiled schema node: ``fill`` builds a valid value from a hint."""

    @abc.abstractmethod
    def fill(self, hint: Any, flat: Flat, depth: int) -> Any:
        """A value valid for this node, taken from ``hint`` where it fits."""

    def default(self) -> Any:
        return self.fill(None, Flat(None), _MAX_DEPTH)


@dataclass
class AnyNode(Node):
    def fill(self, hint: Any, flat: Flat, depth: int) -> Any:
        return hint if isinstance(hint, str | int | float | bool | dict | list) else ""


@dataclass
class NullNode(Node):
    def fill(self, hint: Any, flat: Flat, depth: int) -> Any:
        return None


@dataclass
class ConstNode(Node):
    value: Any

    def fill(self, hint: Any, flat: Flat, depth: int) -> Any:
        return self.value


@dataclass
class EnumNode(Node):
    values: list[Any]

    def fill(self, hint: Any, flat: Flat, depth: int) -> Any:
        return pick_enum(self.values, hint)


@dataclass
class BoolNode(Node):
    def fill(self, hint: Any, flat: Flat, depth: int) -> Any:
        if isinstance(hint, bool):
            return hint
        if isinstance(hint, int | float):
            return hint > 0
        return False


@dataclass
class StringNode(Node):
    enum: list[Any] | None = None
    min_length: int = 0
    max_length: int | None = None
    fmt: str | None = None

    def fill(self, hint: Any, flat: Flat, depth: int) -> Any:
        if self.enum:
            return pick_enum(self.enum, hint)
        if isinstance(hint, str):
            text = hint
        elif isinstance(hint, bool):
            text = "true" if hint else "false"
        elif isinstance(hint, int | float):
            text = f"{hint:g}"
        elif self.fmt == "date-time":
            text = "2026-01-01T00:00:00Z"
        elif self.fmt == "date":
            text = "2026-01-01"
        else:
            text = ""
        if self.max_length is not None and len(text) > self.max_length:
            text = text[: self.max_length]
        if len(text) < self.min_length:
            text += "x" * (self.min_length - len(text))
        return text


@dataclass
class NumberNode(Node):
    integer: bool = False
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None

    def __post_init__(self) -> None:
        lo, hi = self.minimum, self.maximum
        step = 1.0 if self.integer else 1e-6
        if self.exclusive_minimum is not None:
            bound = self.exclusive_minimum + step
            lo = bound if lo is None else max(lo, bound)
        if self.exclusive_maximum is not None:
            bound = self.exclusive_maximum - step
            hi = bound if hi is None else min(hi, bound)
        if self.integer:
            lo = None if lo is None else float(math.ceil(lo))
            hi = None if hi is None else float(math.floor(hi))
        self._lo = -math.inf if lo is None else lo
        self._hi = math.inf if hi is None else hi

    def fill(self, hint: Any, flat: Flat, depth: int) -> Any:
        if type(hint) is float and not self.integer and self._lo <= hint <= self._hi:
            return hint  # the common case: an in-range score from the annotation
        value: float
        if isinstance(hint, bool):
            value = 1.0 if hint else 0.0
        elif isinstance(hint, int | float) and math.isfinite(hint):
            value = float(hint)
        elif isinstance(hint, str):
            try:
                value = float(hint)
            except ValueError:
                value = 0.0
            if not math.isfinite(value):
                value = 0.0
        else:
            value = 0.0
        return self.clamp(value)

    def clamp(self, value: float) -> int | float:
        """``value`` rounded (integers) and moved inside the bounds."""
        if self.integer:
            value = float(round(value))
        value = min(max(value, self._lo), self._hi)
        if self.integer:
            return int(value)
        return round(value, 6)


@dataclass
class ArrayNode(Node):
    items: Node
    prefix: list[Node] | None = None
    min_items: int = 0
    max_items: int | None = None

    def fill(self, hint: Any, flat: Flat, depth: int) -> Any:
        if depth >= _MAX_DEPTH:
            hint = None
        elements = self._elements(hint)
        out = []
        for i, element in enumerate(elements):
            node = self.prefix[i] if self.prefix and i < len(self.prefix) else self.items
            out.append(node.fill(element, flat, depth + 1))
        if self.max_items is not None:
            out = out[: self.max_items]
        while len(out) < self.min_items:
            i = len(out)
            node = self.prefix[i] if self.prefix and i < len(self.prefix) else self.items
            out.append(node.fill(None, flat, depth + 1))
        return out

    def _elements(self, hint: Any) -> list[Any]:
        if isinstance(hint, list):
            return hint
        if isinstance(hint, dict):
            pairs = [(k, v) for k, v in hint.items() if not isinstance(v, int | float) or v > 0]
            pairs.sort(key=lambda kv: -kv[1] if isinstance(kv[1], int | float) else 0)
            item = self.items
            if isinstance(item, StringNode | EnumNode):
                allowed = item.enum if isinstance(item, StringNode) else item.values
                return [k for k, _ in pairs if not allowed or k in allowed]
            if isinstance(item, NumberNode):
                return [v for _, v in pairs]
            return [
                {"name": k, "emotion": k, "label": k, "value": v, "intensity": v, "score": v}
                for k, v in pairs
            ]
        if hint is None:
            return []
        return [hint]


@dataclass
class ObjectNode(Node):
    properties: list[tuple[str, Node]]
    required: list[str]
    #: property -> its schema ``title``: a short wire key (``e``) is filled as the field its
    #: title names (``primary_emotion``), as a model reads the title and the instruction
    titles: dict[str, str] = field(default_factory=dict)

    def fill(self, hint: Any, flat: Flat, depth: int) -> Any:
        out: dict[str, Any] = {}
        shallow = depth < _MAX_DEPTH
        local = hint if type(hint) is dict else None
        for name, node in self.properties:
            if not shallow and name not in self.required:
                continue
            title = self.titles.get(name)
            if title is not None:
                value = lookup(title, hint, flat)
            elif local is not None and name in local:
                value = local[name]
            else:
                value = lookup(name, hint, flat)
            out[name] = node.fill(value, flat, depth + 1)
        return out


@dataclass
class UnionNode(Node):
    options: list[Node]

    def fill(self, hint: Any, flat: Flat, depth: int) -> Any:
        if hint is None:
            for option in self.options:
                if isinstance(option, NullNode):
                    return None
        for option in self.options:
            if _accepts(option, hint):
                return option.fill(hint, flat, depth)
        non_null = [o for o in self.options if not isinstance(o, NullNode)]
        return (non_null or self.options)[0].fill(hint, flat, depth)


def _accepts(node: Node, hint: Any) -> bool:
    """Whether ``hint`` already has the node's JSON type (to choose among union options)."""
    if isinstance(node, StringNode):
        return isinstance(hint, str) and (not node.enum or hint in node.enum)
    if isinstance(node, NumberNode):
        return isinstance(hint, int | float) and not isinstance(hint, bool)
    if isinstance(node, BoolNode):
        return isinstance(hint, bool)
    if isinstance(node, ObjectNode):
        return isinstance(hint, dict)
    if isinstance(node, ArrayNode):
        return isinstance(hint, list | dict)
    if isinstance(node, EnumNode):
        return hint in node.values
    if isinstance(node, NullNode):
        return hint is None
    return True


def pick_enum(values: list[Any], hint: Any) -> Any:
    """``hint`` if allowed (case-insensitively for strings), else a neutral-ish value."""
    if isinstance(hint, str):
        if hint in values:
            return hint
        low = hint.lower()
        for v in values:
            if isinstance(v, str) and v.lower() == low:
                return v
    elif hint is not None:
        for v in values:  # 1 must not match True, nor 1.0 match "1"
            if v == hint and type(v) is type(hint):
                return v
    for fallback in _FALLBACK_ENUM:
        if fallback in values:
            return fallback
    return values[0]


def lookup(name: str, hint: Any, flat: Flat) -> Any:
    """The hint value for property ``name``: local key, flattened key, then alias."""
    if isinstance(hint, dict):
        if name in hint:
            return hint[name]
        key = norm(name)
        for k, v in hint.items():
            if norm(k) == key:
                return v
    else:
        key = norm(name)
    value = flat.get(key)
    if value is not None:
        return value
    alias = ALIASES.get(key)
    return flat.get(alias) if alias is not None else None


class Flat:
    """The flattened annotation, computed on first use (exact-name lookups never need it)."""

    __slots__ = ("_flat", "_hint")

    def __init__(self, hint: Any) -> None:
        self._hint = hint
        self._flat: dict[str, Any] | None = None

    def get(self, key: str) -> Any:
        if self._flat is None:
            self._flat = flatten(self._hint) if isinstance(self._hint, dict) else {}
        return self._flat.get(key)


def flatten(hint: dict[str, Any]) -> dict[str, Any]:
    """Every key of a nested hint at one level (outer keys win; names normalised)."""
    flat: dict[str, Any] = {}

    def walk(obj: dict[str, Any]) -> None:
        for k, v in obj.items():
            flat.setdefault(norm(k), v)
        for v in obj.values():
            if isinstance(v, dict):
                walk(v)

    walk(hint)
    return flat


# -- compiled schema -------------------------------------------------------------------
class CompiledSchema:
    """A compiled schema: ``fill(hint)`` -> a valid instance; ``violate`` -> an invalid one."""

    def __init__(self, root: Node, dialect: str) -> None:
        self.root = root
        self.dialect = dialect

    def fill(self, hint: Any) -> Any:
        root = self.root
        if isinstance(hint, dict) and not isinstance(root, ObjectNode | ArrayNode | AnyNode):
            # a scalar answer (e.g. text/x.enum): the first top-level value that fits
            hint = next((v for v in hint.values() if _accepts(root, v)), None)
        return root.fill(hint, Flat(hint), 0)

    def violate(self, hint: Any) -> Any:
        """A JSON value that does NOT validate (for the ``schema_violation`` fault)."""
        value = self.fill(hint)
        root = self.root
        if isinstance(root, UnionNode):
            return _wrong_type_for_all(root.options)
        if isinstance(root, ObjectNode):
            for name, _node in root.properties:
                if name in root.required:
                    value.pop(name, None)
                    return value
            for name, node in root.properties:
                wrong = _wrong_value(node)
                if wrong is not _NO_WRONG:
                    value[name] = wrong
                    return value
            return [value]
        wrong = _wrong_value(root)
        return wrong if wrong is not _NO_WRONG else {"unexpected": value}


_NO_WRONG = object()


def _wrong_value(node: Node) -> Any:
    if isinstance(node, StringNode | EnumNode):
        return 12345
    if isinstance(node, NumberNode | BoolNode | NullNode):
        return "not-a-number" if not isinstance(node, NullNode) else "x"
    if isinstance(node, ArrayNode):
        return {"not": "an array"}
    if isinstance(node, ObjectNode):
        return ["not", "an", "object"]
    if isinstance(node, UnionNode):
        return _wrong_type_for_all(node.options)
    return _NO_WRONG


def _wrong_type_for_all(options: list[Node]) -> Any:
    for candidate in ("__invalid__", 12345, ["__invalid__"], {"__invalid__": True}, None, True):
        if not any(_accepts(o, candidate) for o in options):
            return candidate
    return _NO_WRONG
