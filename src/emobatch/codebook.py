"""The codebook: instructions, labels and the answer schema, loaded from YAML and validated.

The file format is documented at the top of ``config/codebook/emotion.yaml``. The codebook's
``version`` is the first 12 hex digits of the sha256 of the file's bytes, so any edit makes a new
analysis id (:mod:`emobatch.analysis`). ``system_instruction`` is rendered from the parsed file in
a fixed order (same file, same text); ``response_schema`` is sent unchanged as Gemini's
``generationConfig.responseSchema`` (the OpenAPI subset: ``OBJECT``, ``STRING``, ``NUMBER``...).
:func:`validate_answer` checks a parsed model answer against that schema.

Lean output: ``rationale.max_words: 0`` drops the rationale. The loader removes ``rationale``
from the schema sent (``properties``, ``required``, ``propertyOrdering``; the file may keep or
omit it) and the rendered instruction has no RATIONALE section and does not ask for the field;
``rationale.guidance`` may then be omitted. The ``rationale`` column of the parsed rows is empty.
It saves the ~24 tokens of a rationale per post (output, the dearest tokens) and ~60 tokens of
instruction per request; ``emobatch models`` shows the saving as the ``lean`` variants.
``intensity: null`` likewise drops the ``intensities`` object (and the INTENSITIES section) and
leaves the ``intensity_<emotion>`` columns empty. ``wire_keys: compact`` sends short keys
(``e`` for ``primary_emotion``...) in the answer schema and maps them back to the documented
names before the answer is checked (:mod:`emobatch.wire_keys`). As any edit, these make a new
codebook version and so a new analysis: validate it before ``full``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from emobatch import yamlio
from emobatch.answer_check import Check, compile_check
from emobatch.errors import CodebookError
from emobatch.wire_keys import from_wire, resolve_wire_keys, to_wire

__all__ = [
    "Codebook",
    "load_codebook",
    "render_system_instruction",
    "validate_answer",
]

NEUTRAL = "neutral"
VERSION_LEN = 12
TOP_KEYS = (
    "name",
    "instructions",
    "labels",
    "intensity",
    "sentiment",
    "rationale",
    "output_schema",
)
ANSWER_FIELDS = ("primary_emotion", "intensities", "sentiment", "sentiment_score", "rationale")
LABEL_KEYS = ("name", "korean", "definition", "cues")


@dataclass(frozen=True)
class Codebook:
    """A loaded, validated codebook."""

    path: Path
    name: str
    version: str
    system_instruction: str
    response_schema: dict[str, Any]
    labels: tuple[str, ...]  # primary_emotion values, neutral included
    emotions: tuple[str, ...]  # the intensity keys (labels without neutral)
    sentiments: tuple[str, ...]
    fields: tuple[str, ...] = ANSWER_FIELDS  # the answer's fields (no rationale when lean)
    #: (field, wire key) of the fields the schema sent names by a short key (``wire_keys``)
    wire_keys: tuple[tuple[str, str], ...] = ()
    #: the schema of an answer in the documented names (``response_schema`` when no wire keys)
    answer_schema: dict[str, Any] = dataclasses.field(default_factory=dict)
    #: the answer schema compiled into a fast validity check (:mod:`emobatch.answer_check`)
    answer_ok: Check = dataclasses.field(init=False, repr=False, compare=False)
    _from_wire: dict[str, str] = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.answer_schema:
            object.__setattr__(self, "answer_schema", self.response_schema)
        object.__setattr__(self, "answer_ok", compile_check(self.answer_schema))
        object.__setattr__(self, "_from_wire", {k: f for f, k in self.wire_keys})

    def read_answer(self, obj: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """A model's answer in the documented field names, and its problems (none = valid)."""
        answer = from_wire(obj, self._from_wire)
        return answer, validate_answer(self, answer)

    @property
    def has_intensities(self) -> bool:
        """Whether the answer carries the intensities (``intensity`` is not null)."""
        return "intensities" in self.fields

    @property
    def has_rationale(self) -> bool:
        """Whether the answer carries a rationale (``rationale.max_words`` above 0)."""
        return "rationale" in self.fields


def _fail(path: Path, what: str) -> CodebookError:
    return CodebookError(
        f"codebook {path}: {what}",
        hint=f"fix {path} (its format is described at the top of config/codebook/emotion.yaml) "
        "or point the `codebook` config key at a valid codebook",
    )


def _require(
    mapping: Any, key: str, where: str, path: Path, kind: type | tuple[type, ...] = object
) -> Any:
    if not isinstance(mapping, dict) or key not in mapping:
        raise _fail(path, f"key `{where}{key}` is missing")
    value = mapping[key]
    if not isinstance(value, kind) or (isinstance(value, str | list | dict) and not value):
        raise _fail(path, f"key `{where}{key}` must be a non-empty {_kind_name(kind)}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "text", list: "list", dict: "mapping", int: "number", object: "value"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _check_labels(raw: dict[str, Any], path: Path) -> list[dict[str, Any]]:
    labels: list[dict[str, Any]] = _require(raw, "labels", "", path, list)
    seen: set[str] = set()
    for i, label in enumerate(labels):
        where = f"labels[{i}]."
        for key in LABEL_KEYS:
            _require(label, key, where, path, list if key == "cues" else str)
        if label["name"] in seen:
            raise _fail(path, f"label `{label['name']}` appears twice in `labels`")
        seen.add(label["name"])
    if NEUTRAL not in seen:
        raise _fail(path, f"`labels` has no `{NEUTRAL}` label")
    return labels


def _enum_of(schema: dict[str, Any], field: str, path: Path) -> list[str]:
    prop = schema["properties"][field]
    enum = prop.get("enum") if isinstance(prop, dict) else None
    if not isinstance(enum, list) or not enum or prop.get("type") != "STRING":
        raise _fail(path, f"`output_schema.properties.{field}` must be a STRING with an `enum`")
    return enum


def _check_object(schema: Any, where: str, fields: list[str] | tuple[str, ...], path: Path) -> None:
    if not isinstance(schema, dict) or schema.get("type") != "OBJECT":
        raise _fail(path, f"`{where}` must have `type: OBJECT`")
    props = schema.get("properties")
    if not isinstance(props, dict):
        raise _fail(path, f"`{where}.properties` is missing")
    missing = [f for f in fields if f not in props]
    if missing:
        raise _fail(path, f"`{where}.properties` lacks {', '.join(missing)}")
    not_required = [f for f in fields if f not in (schema.get("required") or [])]
    if not_required:
        raise _fail(path, f"`{where}.required` must list {', '.join(not_required)}")


def _without(schema: dict[str, Any], field: str) -> dict[str, Any]:
    """``schema`` (a copy) without the top-level property ``field``."""
    out = dict(schema)
    out["properties"] = {k: v for k, v in schema["properties"].items() if k != field}
    for key in ("required", "propertyOrdering"):
        if isinstance(schema.get(key), list):
            out[key] = [f for f in schema[key] if f != field]
    return out


def _check_schema(
    raw: dict[str, Any],
    labels: list[str],
    sentiments: list[str],
    path: Path,
    fields: tuple[str, ...],
) -> dict[str, Any]:
    schema: dict[str, Any] = _require(raw, "output_schema", "", path, dict)
    for optional in ("rationale", "intensities"):
        if optional not in fields and isinstance(schema.get("properties"), dict):
            schema = _without(schema, optional)
    _check_object(schema, "output_schema", fields, path)
    enum = _enum_of(schema, "primary_emotion", path)
    if sorted(enum) != sorted(labels):
        raise _fail(
            path,
            "`labels` names do not match `output_schema.properties.primary_emotion.enum` "
            f"(labels: {', '.join(labels)}; enum: {', '.join(map(str, enum))})",
        )
    if sorted(_enum_of(schema, "sentiment", path)) != sorted(sentiments):
        raise _fail(path, "`sentiment.labels` do not match `output_schema...sentiment.enum`")
    emotions = [lab for lab in labels if lab != NEUTRAL]
    if "intensities" in fields:
        intensities = schema["properties"]["intensities"]
        _check_object(intensities, "output_schema.properties.intensities", emotions, path)
        extra = set(intensities["properties"]) - set(emotions)
        if extra:
            raise _fail(path, f"`output_schema...intensities` has unknown emotions {sorted(extra)}")
    for field, kind in (("sentiment_score", "NUMBER"), ("rationale", "STRING")):
        if field not in fields:
            continue
        prop = schema["properties"][field]
        if not isinstance(prop, dict) or prop.get("type") != kind:
            raise _fail(path, f"`output_schema.properties.{field}` must have `type: {kind}`")
    return schema


def render_system_instruction(raw: dict[str, Any], wire: dict[str, str] | None = None) -> str:
    """The system instruction text of a parsed codebook (deterministic); ``wire`` maps fields
    to the short keys the answer uses for them (``wire_keys``)."""
    lines = [raw["instructions"].strip(), "", "LABELS (primary_emotion):"]
    for label in raw["labels"]:
        cues = ", ".join(str(c) for c in label["cues"])
        lines.append(
            f"- {label['name']} ({label['korean']}): {' '.join(label['definition'].split())}"
            f" Cues: {cues}."
        )
    sentiment, rationale = raw["sentiment"], raw["rationale"]
    emotions = [lab["name"] for lab in raw["labels"] if lab["name"] != NEUTRAL]
    lean = rationale["max_words"] == 0
    intensities = raw["intensity"] is not None
    if intensities:
        lines += ["", "INTENSITIES:", raw["intensity"].strip()]
    lines += ["", "SENTIMENT:", sentiment["rules"].strip()]
    if not lean:
        lines += [
            "",
            f"RATIONALE (at most {rationale['max_words']} words):",
            rationale["guidance"].strip(),
        ]
    wire = wire or {}
    lines += [
        "",
        "Answer with one JSON object with the fields "
        + ", ".join(
            f"{wire[f]} ({f})" if f in wire else f
            for f in ANSWER_FIELDS
            if not (lean and f == "rationale") and (intensities or f != "intensities")
        )
        + ("; intensities has a number for each of " + ", ".join(emotions) if intensities else "")
        + ".",
    ]
    return "\n".join(lines) + "\n"


def _read(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise CodebookError(
            f"codebook {path} not found", hint="set the `codebook` config key to an existing file"
        ) from exc
    try:
        raw = yamlio.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise _fail(path, f"is not valid UTF-8 YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise _fail(path, "must be a YAML mapping with the keys " + ", ".join(TOP_KEYS))
    return data, raw


def load_codebook(path: Path | str, *, lean: bool = False) -> Codebook:
    """Read and validate a codebook file; raise :class:`CodebookError` naming the bad key.

    ``lean=True`` loads the file as if it said ``rationale.max_words: 0`` and, unless it names
    wire keys, ``wire_keys: compact`` (what the ``lean`` cost variants of
    :mod:`emobatch.model_costs` price); its version then differs from the file's, so it can
    never pass for the file's analysis.
    """
    path = Path(path)
    data, raw = _read(path)
    if lean and isinstance(raw.get("rationale"), dict):
        raw["rationale"] = {**raw["rationale"], "max_words": 0}
        raw.setdefault("wire_keys", "compact")
        data += b"\n# emobatch: loaded lean (rationale.max_words: 0, compact wire keys)\n"
    for key, kind in (("name", str), ("instructions", str)):
        _require(raw, key, "", path, kind)
    if raw.get("intensity", "") is not None:  # null: no intensities (the key must be there)
        _require(raw, "intensity", "", path, str)
    labels = [lab["name"] for lab in _check_labels(raw, path)]
    sentiment = _require(raw, "sentiment", "", path, dict)
    sentiments = _require(sentiment, "labels", "sentiment.", path, list)
    _require(sentiment, "rules", "sentiment.", path, str)
    rationale = _require(raw, "rationale", "", path, dict)
    max_words = _require(rationale, "max_words", "rationale.", path, int)
    if isinstance(max_words, bool) or max_words < 0:
        raise _fail(path, "key `rationale.max_words` must be 0 (no rationale) or more words")
    if max_words:
        _require(rationale, "guidance", "rationale.", path, str)
    dropped = {"rationale"} if not max_words else set()
    if raw["intensity"] is None:
        dropped.add("intensities")
    fields = tuple(f for f in ANSWER_FIELDS if f not in dropped)
    schema = _check_schema(raw, labels, sentiments, path, fields)
    wire, problem = resolve_wire_keys(raw.get("wire_keys"), fields)
    if problem:
        raise _fail(path, f"key `wire_keys` {problem}")
    return Codebook(
        path=path,
        name=raw["name"],
        version=hashlib.sha256(data).hexdigest()[:VERSION_LEN],
        system_instruction=render_system_instruction(raw, wire),
        response_schema=to_wire(schema, wire),
        answer_schema=schema,
        wire_keys=tuple(wire.items()),
        labels=tuple(labels),
        emotions=tuple(lab for lab in labels if lab != NEUTRAL),
        sentiments=tuple(sentiments),
        fields=fields,
    )


# --- answers -------------------------------------------------------------------------------

_TYPE_CHECKS = {
    "STRING": lambda v: isinstance(v, str),
    "NUMBER": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "INTEGER": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "BOOLEAN": lambda v: isinstance(v, bool),
    "OBJECT": lambda v: isinstance(v, dict),
    "ARRAY": lambda v: isinstance(v, list),
}


def _field(where: str, field: str) -> str:
    return f"{where}.{field}" if where else field


# The fast check (emobatch.answer_check) must say valid exactly when this walk finds no problem.
def _check_value(schema: dict[str, Any], value: Any, where: str, problems: list[str]) -> None:
    where = where or "answer"
    kind = str(schema.get("type", "")).upper()
    check = _TYPE_CHECKS.get(kind)
    if check is not None and not check(value):
        problems.append(f"{where}: expected {kind}, got {type(value).__name__} {value!r:.60}")
        return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(map(str, schema["enum"]))
        problems.append(f"{where}: {value!r:.60} is not one of {allowed}")
    if kind in ("NUMBER", "INTEGER"):
        _check_range(schema, value, where, problems)
    elif kind == "OBJECT":
        props = schema.get("properties", {})
        prefix = "" if where == "answer" else where
        for field in schema.get("required", []):
            if field not in value:
                problems.append(f"{_field(prefix, field)}: missing")
        for field, sub in props.items():
            if field in value:
                _check_value(sub, value[field], _field(prefix, field), problems)
    elif kind == "ARRAY" and "items" in schema:
        for i, item in enumerate(value):
            _check_value(schema["items"], item, f"{where}[{i}]", problems)


def _check_range(schema: dict[str, Any], value: float, where: str, problems: list[str]) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(f"{where}: {value} is not a finite number")
        return
    low, high = schema.get("minimum"), schema.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        problems.append(f"{where}: {value} is outside [{low}, {high}]")


def validate_answer(codebook: Codebook, obj: Any) -> list[str]:
    """Problems of a parsed answer (in the documented names) against the codebook's schema
    (empty list = valid); :meth:`Codebook.read_answer` reads one in the wire keys.

    Each problem names the field (``intensities.joy: 1.4 is outside [0, 1]``; the answer as a
    whole is called ``answer``). Fields the schema does not define are ignored.
    """
    if codebook.answer_ok(obj):
        return []
    problems: list[str] = []
    _check_value(codebook.answer_schema, obj, "", problems)
    return problems
