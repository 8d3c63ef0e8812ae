"""A methods paragraph, in English and Korean, drafted from the provenance record.

``results/<mode>.methods.md``: every number (and model name, version, hash, date) in the text
is a value of ``results/<mode>.provenance.json``, written through :class:`Facts`, which records
the field it came from (a JSON pointer); the table at the end lists them, so a reader can trace
each one. Passages the researcher must write are marked ``[TO WRITE: ...]`` and
``[작성 필요: ...]`` and contain no numbers. The paragraphs themselves are in
:mod:`emobatch.report.methods_text`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emobatch import atomic

#: names in the text that contain digits but are not numbers
TERMS = ("macro-F1",)
TODO_EN, TODO_KO = "[TO WRITE:", "[작성 필요:"
SOURCES_HEADING = "## Numbers and their source"
EN_HEADING, KO_HEADING = "## English", "## 한국어"


@dataclass(frozen=True)
class Fact:
    pointer: str  # JSON pointer into the provenance record
    kind: str  # int | plain | float3 | usd | pct | date | text | json | key
    value: Any
    text: str


def lookup(record: Any, pointer: str) -> Any:
    """The value at a JSON pointer (RFC 6901) of ``record``; KeyError if there is none."""
    node = record
    for raw in pointer.lstrip("/").split("/") if pointer.strip("/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def pointer(*parts: str | int) -> str:
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def render(kind: str, value: Any) -> str:
    if kind == "int":
        return f"{int(value):,}"
    if kind == "plain":  # an integer that is a name, not a quantity (a seed)
        return str(int(value))
    if kind == "float3":
        return f"{float(value):.3f}"
    if kind == "usd":
        return f"${float(value):,.4f}"
    if kind == "pct":
        return f"{float(value) * 100:g}%"
    if kind == "date":
        return str(value)[:10]
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


class Facts:
    """Writes values of a provenance record into text and remembers where each came from."""

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.used: dict[tuple[str, str], Fact] = {}

    def has(self, *parts: str | int) -> bool:
        try:
            return lookup(self.record, pointer(*parts)) is not None
        except (KeyError, IndexError, TypeError):
            return False

    def get(self, *parts: str | int) -> Any:
        return lookup(self.record, pointer(*parts)) if self.has(*parts) else None

    def __call__(self, kind: str, *parts: str | int) -> str:
        where = pointer(*parts)
        value = lookup(self.record, where)
        fact = Fact(where, kind, value, render(kind, value))
        self.used.setdefault((where, kind), fact)
        return fact.text

    def key(self, name: str, *parts: str | int) -> str:
        """A key of the object at ``parts`` (a model version, a reason), written as it is."""
        where = pointer(*parts)
        if name not in lookup(self.record, where):
            raise KeyError(f"{name!r} is not a key of {where}")
        self.used.setdefault((f"{where} (key)", name), Fact(where, "key", name, name))
        return name

    def ci(self, *parts: str | int) -> str:
        """``0.781 [0.738, 0.821]`` from a ``{"value", "ci"}`` figure."""
        text = self("float3", *parts, "value")
        if self.has(*parts, "ci", 0):
            text += f" [{self('float3', *parts, 'ci', 0)}, {self('float3', *parts, 'ci', 1)}]"
        return text


def render_methods(record: dict[str, Any], source: str) -> tuple[str, list[Fact]]:
    """The methods document (Markdown) and the facts it quotes."""
    from emobatch.report.methods_text import english, korean

    facts = Facts(record)
    en, ko = english(facts), korean(facts)
    rows = [
        f"| {f.text} | `{f.pointer}`{' (key)' if f.kind == 'key' else ''} | "
        f"`{json.dumps(f.value, ensure_ascii=False, sort_keys=True)[:80]}` |"
        for f in facts.used.values()
    ]
    doc = "\n".join(
        [
            f"# Methods (draft): {record['mode']}, analysis {record['analysis_id']}",
            "",
            f"> Drafted by emobatch from `{source}` ({record['format']}, generated "
            f"{record['generated_at']}). Every number below is a value of that file; the table "
            f"at the end names its field. Write the passages marked {TODO_EN} ...] and "
            f"{TODO_KO} ...] yourself, and check the rest before you submit.",
            "",
            EN_HEADING,
            "",
            *en,
            KO_HEADING,
            "",
            *ko,
            SOURCES_HEADING,
            "",
            f"| as written | field of `{source}` | value |",
            "|---|---|---|",
            *rows,
            "",
        ]
    )
    return doc, list(facts.used.values())


def paragraphs(doc: str) -> str:
    """The paragraphs of the methods document: no title, note or sources table (for checks)."""
    body = doc.split(SOURCES_HEADING, 1)[0]
    return body[body.index(EN_HEADING) :]


def write_methods(provenance: Path, out: Path) -> list[Fact]:
    record = atomic.read_json(provenance)
    doc, facts = render_methods(record, str(provenance))
    with atomic.atomic_path(out) as tmp:
        tmp.write_text(doc, encoding="utf-8")
    return facts
