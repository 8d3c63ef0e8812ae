"""The answer schema compiled into one generated Python function: the fast validity check.

Parse checks a million model answers against the codebook's answer schema
(:attr:`emobatch.codebook.Codebook.answer_ok`); only the invalid ones go through the slow walk
that words their problems (:func:`emobatch.codebook.validate_answer`). A tree of closures (one
per schema node) pays a Python call, its frame and its captured-variable loads for every field
of every answer. So, as fastjsonschema does, the schema is instead written out once, per
codebook, as the source of a single function (straight-line type tests, literal dict lookups
and comparison chains, a loop per ARRAY) and ``exec``'d. Nothing from the schema becomes an
identifier: field names and constants enter the source only as ``repr()`` of a ``str``, an
``int`` or a finite ``float`` (which read back as themselves), everything else (enums, odd
bounds and keys) through the namespace the source runs in, under generated names.

The check is true exactly when the walk finds no problem in a value decoded from JSON (exact
types ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool``, ``None``): a bool is not a
NUMBER or INTEGER, an INTEGER is an exact ``int``, a NUMBER is finite, an ``enum`` is tested
with ``==`` (a frozenset for a STRING enum, since the type test comes first), an OBJECT's
required fields must be present (one without a property schema may hold anything), its
present properties are checked and its other keys ignored, an ARRAY's items are each checked,
and an unknown or absent ``type`` tests no type.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["Check", "compile_check", "generate_source"]

Check = Callable[[Any], bool]

#: exact type of each schema type (bool, a subclass of int, is not a NUMBER or INTEGER here)
_TYPES = {"STRING": "str", "INTEGER": "int", "BOOLEAN": "bool", "OBJECT": "dict", "ARRAY": "list"}
#: indentation levels a function's body may reach before a deeper OBJECT or ARRAY moves to a
#: function of its own (Python allows 20 nested loops/trys and 100 indentation levels)
_MAX_DEPTH = 12


def _is_real(value: Any) -> bool:
    return type(value) is int or (type(value) is float and math.isfinite(value))


class _Generator:
    """Writes the source of the check functions of one schema and the namespace they need."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"isfinite": math.isfinite, "NUMBER": (int, float)}
        self.functions: list[str] = []
        self._vars = 0

    def constant(self, value: Any) -> str:
        """A name for ``value`` in the namespace."""
        name = f"c{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def literal(self, value: Any) -> str:
        """Source reading back as ``value`` (a ``repr``), or a namespace name for it."""
        if type(value) is str or (type(value) is float and math.isfinite(value)):
            return repr(value)
        if type(value) is int and abs(value) < 2**63:  # (Python refuses a huge int's repr)
            return repr(value)
        return self.constant(value)

    def bound(self, value: Any) -> str:
        """A number bound as source: an int that is exactly a float is written as the float
        (the same comparisons; float against float is the fast path)."""
        if type(value) is int and abs(value) <= 2**53:
            return repr(float(value))
        return self.literal(value)

    def var(self) -> str:
        self._vars += 1
        return f"v{self._vars}"

    def function(self, schema: dict[str, Any]) -> str:
        """Write a function checking ``schema``; return its name."""
        index = len(self.functions)
        self.functions.append("")  # the slot: functions it calls are written meanwhile
        body = self.value(schema, "v0", 2) or ["        pass"]
        lines = [f"def check_{index}(v0):", "    try:", *body, "    except KeyError:"]
        self.functions[index] = "\n".join([*lines, "        return False", "    return True", ""])
        return f"check_{index}"

    def value(self, schema: dict[str, Any], v: str, depth: int) -> list[str]:
        """The lines (at ``depth``) that return False unless ``v`` fits ``schema``."""
        pad = "    " * depth
        kind = str(schema.get("type", "")).upper()
        if kind in ("OBJECT", "ARRAY") and depth > _MAX_DEPTH:
            return [f"{pad}if not {self.function(schema)}({v}):", f"{pad}    return False"]
        fails = []  # conditions any of which fails the value, each safe after those before
        if kind == "NUMBER":
            fails.append(f"type({v}) not in NUMBER")
        elif kind in _TYPES:
            fails.append(f"type({v}) is not {_TYPES[kind]}")
        if "enum" in schema:
            fails.append(f"{v} not in {self.constant(_enum(schema['enum'], kind))}")
        if kind in ("NUMBER", "INTEGER"):
            fails += self.bounds(schema, v, kind)
        out = [f"{pad}if {' or '.join(fails)}:", f"{pad}    return False"] if fails else []
        if kind == "OBJECT":
            out += self.fields(schema, v, depth)
        elif kind == "ARRAY" and "items" in schema:
            item = self.var()
            each = self.value(schema["items"], item, depth + 1)
            out += [f"{pad}for {item} in {v}:", *each] if each else []
        return out

    def bounds(self, schema: dict[str, Any], v: str, kind: str) -> list[str]:
        """The conditions failing a number ``v`` outside the bounds (or not finite)."""
        low, high = schema.get("minimum"), schema.get("maximum")
        if _is_real(low) and _is_real(high):  # a NaN fails the chain, an infinity a bound
            return [f"not ({self.bound(low)} <= {v} <= {self.bound(high)})"]
        fails = [f"(type({v}) is float and not isfinite({v}))"] if kind == "NUMBER" else []
        if low is not None:
            fails.append(f"{v} < {self.bound(low)}")
        if high is not None:
            fails.append(f"{v} > {self.bound(high)}")
        return fails

    def fields(self, schema: dict[str, Any], v: str, depth: int) -> list[str]:
        """The lines checking the fields of a dict ``v`` (a missing required one: KeyError)."""
        pad, out = "    " * depth, []
        props: dict[Any, Any] = schema.get("properties", {})  # as the walk reads them
        required = list(schema.get("required", []))
        for field in dict.fromkeys(required):
            key = self.literal(field)
            if field in props:
                sub = self.var()
                out += [f"{pad}{sub} = {v}[{key}]", *self.value(props[field], sub, depth)]
            else:
                out += [f"{pad}if {key} not in {v}:", f"{pad}    return False"]
        for field, prop in props.items():
            if field not in required:
                key, sub = self.literal(field), self.var()
                lines = self.value(prop, sub, depth + 1)
                if lines:
                    out += [f"{pad}if {key} in {v}:", f"{pad}    {sub} = {v}[{key}]", *lines]
        return out


def _enum(allowed: Any, kind: str) -> Any:
    """The container ``in`` tests an enum with: a frozenset for a STRING enum of hashable
    values (the value is then a str, whose hash equality agrees with ``==``), else a tuple."""
    if not isinstance(allowed, list | tuple):
        return allowed  # tested as the walk tests it
    if kind == "STRING":
        try:
            return frozenset(allowed)
        except TypeError:
            pass
    return tuple(allowed)


def generate_source(schema: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The source of the check of ``schema`` (its entry point is ``check_0``) and the
    namespace (constants) it runs in."""
    generator = _Generator()
    generator.function(schema)
    return "\n".join(generator.functions), generator.namespace


def compile_check(schema: dict[str, Any]) -> Check:
    """A predicate true exactly when ``schema`` accepts a value decoded from JSON."""
    source, namespace = generate_source(schema)
    exec(compile(source, "<answer check>", "exec"), namespace)
    check: Check = namespace["check_0"]
    return check
