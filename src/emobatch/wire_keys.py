"""Compact wire keys: short names in the answer schema sent, mapped back to the column names.

A codebook may say ``wire_keys: compact`` (or map some answer fields to short keys of its
own, ``wire_keys: {primary_emotion: e, sentiment_score: v}``). The ``responseSchema`` sent
then names those fields by their short key, each property carrying its documented name as its
``title`` (a Schema field of both Gemini APIs), and the instruction's last line says which key
is which field. The model writes ``{"e": "joy", ...}`` instead of ``{"primary_emotion": ...}``:
the keys are output tokens, the dearest kind, written once per post.

Only the answer's top-level fields are renamed. The emotion names inside ``intensities`` and
every enum value stay as they are: they are the labels, and the columns are named after them.
Parse renames an answer back (:func:`from_wire`) before it is checked against the documented
schema, so problems, rows and columns use the documented names.

Measured with the bundled codebook and emobatch's token estimate (:mod:`emobatch.tokens`):
``compact`` saves 10 of the 151 output tokens of a typical answer (9 of 119 without rationale).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["COMPACT", "from_wire", "resolve_wire_keys", "to_wire"]

#: ``wire_keys: compact``: one letter for each answer field
COMPACT: dict[str, str] = {
    "primary_emotion": "e",
    "intensities": "i",
    "sentiment": "s",
    "sentiment_score": "v",
    "rationale": "r",
}
#: the pack's per-post id field (:mod:`emobatch.packing`); no answer field may take it
RESERVED = ("id",)


def resolve_wire_keys(value: Any, fields: Sequence[str]) -> tuple[dict[str, str], str]:
    """``(field -> wire key, problem)`` of a codebook's ``wire_keys`` value (problem '' if fine).

    ``None`` (the key absent) maps nothing; ``compact`` maps every field in ``fields`` by
    :data:`COMPACT`; a mapping maps the fields it names.
    """
    if value is None:
        return {}, ""
    if value == "compact":
        return {f: COMPACT[f] for f in fields if f in COMPACT}, ""
    if not isinstance(value, Mapping):
        return {}, "must be `compact` or a mapping of answer fields to short keys"
    unknown = [str(f) for f in value if f not in fields]
    if unknown:
        return {}, f"names {', '.join(unknown)}, not answer fields ({', '.join(fields)})"
    mapping = {str(f): value[f] for f in value}
    bad = [f for f, k in mapping.items() if not isinstance(k, str) or not k.strip()]
    if bad:
        return {}, f"gives {', '.join(bad)} an empty or non-text key"
    taken = [k for k in mapping.values() if k in RESERVED]
    if taken:
        return {}, f"uses the reserved key {', '.join(taken)} (packed requests need it)"
    wire = list(mapping.values()) + [f for f in fields if f not in mapping]
    if len(set(wire)) != len(wire):
        return {}, "gives two fields the same key (or a field's key is another field's name)"
    return mapping, ""


def to_wire(schema: dict[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    """``schema`` (a copy) with the properties of ``mapping`` renamed, titled with their names."""
    if not mapping:
        return schema
    out = dict(schema)
    out["properties"] = {
        mapping.get(f, f): ({**sub, "title": f} if f in mapping else sub)
        for f, sub in schema["properties"].items()
    }
    for key in ("required", "propertyOrdering"):
        if isinstance(schema.get(key), list):
            out[key] = [mapping.get(f, f) for f in schema[key]]
    return out


def from_wire(answer: dict[str, Any], reverse: Mapping[str, str]) -> dict[str, Any]:
    """``answer`` with its wire keys renamed to the field names (``reverse``: key -> field)."""
    if not reverse:
        return answer
    return {reverse.get(k, k): v for k, v in answer.items()}
