"""Fill a structured-output schema from an annotation, always producing a valid instance.

Two dialects are accepted and compiled into one small node tree:

- ``responseSchema``: Gemini's OpenAPI subset (``type`` OBJECT/STRING/NUMBER/INTEGER/
  BOOLEAN/ARRAY/NULL in any case, ``enum``, ``required``, ``minimum``/``maximum``,
  ``nullable``, ``minItems``/``maxItems``, ``minLength``/``maxLength``, ``anyOf``,
  ``propertyOrdering``, ...). Unknown keywords are rejected like the real service
  (``additionalProperties`` is the classic one). Without ``propertyOrdering`` properties come
  out in alphabetical order, as Gemini does; listed ones first otherwise.
- ``responseJsonSchema``: a JSON Schema subset (``type`` string or list, ``properties``,
  ``required``, ``enum``, ``const``, ``items``, ``prefixItems``, ``anyOf``/``oneOf``/
  ``allOf``, ``$ref`` into ``$defs``/``definitions``, bounds incl. exclusive ones).
  Properties keep schema order. Unsupported keywords (``pattern``, ``multipleOf``, ...) are
  ignored.

Values come from a *hint* (the annotation dict) looked up by property name: the current
object's key, then any key of the flattened annotation (``joy`` finds
``intensities.joy``), then a few aliases (``emotion`` -> ``primary_emotion``). A property
with a ``title`` is looked up by its title instead (a short wire key ``e`` titled
``primary_emotion``, :mod:`emobatch.wire_keys`). Enums are
respected, numbers clamped, required properties always present, anything unknown gets a
type default. The result always validates against the schema.
"""

from __future__ import annotations

from typing import Any

from .schema_nodes import (
    AnyNode,
    ArrayNode,
    BoolNode,
    CompiledSchema,
    ConstNode,
    EnumNode,
    Node,
    NullNode,
    NumberNode,
    ObjectNode,
    SchemaError,
    StringNode,
    UnionNode,
)

__all__ = [
    "CompiledSchema",
    "SchemaError",
    "compile_json_schema",
    "compile_openapi_schema",
    "openapi_to_json_schema",
]

OPENAPI_KEYS = {
    "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems",
    "properties", "required", "minProperties", "maxProperties", "minLength", "maxLength",
    "pattern", "example", "anyOf", "propertyOrdering", "default", "items", "minimum", "maximum",
}  # fmt: skip
_SNAKE = {
    "max_items": "maxItems", "min_items": "minItems", "min_properties": "minProperties",
    "max_properties": "maxProperties", "min_length": "minLength", "max_length": "maxLength",
    "any_of": "anyOf", "property_ordering": "propertyOrdering",
}  # fmt: skip
OPENAPI_TYPES = {"STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"}


# -- OpenAPI subset --------------------------------------------------------------------
def compile_openapi_schema(schema: Any) -> CompiledSchema:
    """Compile a ``responseSchema`` (raises :class:`SchemaError` like the real 400)."""
    return CompiledSchema(_openapi_node(schema, "generation_config.response_schema"), "openapi")


def _openapi_node(raw: Any, where: str) -> Node:
    if not isinstance(raw, dict):
        raise SchemaError(f"Invalid value at '{where}': expected a Schema object")
    schema = {_SNAKE.get(k, k): v for k, v in raw.items()}
    for key in schema:
        if key not in OPENAPI_KEYS:
            raise SchemaError(
                f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': "
                "Cannot find field."
            )
    node: Node
    type_ = schema.get("type")
    if type_ is not None:
        if not isinstance(type_, str) or type_.upper() not in OPENAPI_TYPES:
            raise SchemaError(
                f"Invalid value at '{where}.type' "
                f'(type.googleapis.com/google.ai.generativelanguage.v1beta.Type), "{type_}"'
            )
        type_ = type_.upper()
    if schema.get("anyOf"):
        node = UnionNode([_openapi_node(s, f"{where}.any_of") for s in schema["anyOf"]])
    elif type_ == "OBJECT" or (type_ is None and "properties" in schema):
        props = schema.get("properties") or {}
        if not isinstance(props, dict):
            raise SchemaError(f"Invalid value at '{where}.properties': expected a map")
        ordering = [p for p in schema.get("propertyOrdering") or [] if p in props]
        names = ordering + sorted(p for p in props if p not in ordering)
        node = ObjectNode(
            [(n, _openapi_node(props[n], f"{where}.properties[{n}].value")) for n in names],
            [r for r in schema.get("required") or [] if r in props],
            _titles(props),
        )
    elif type_ == "ARRAY":
        items = schema.get("items")
        node = ArrayNode(
            _openapi_node(items, f"{where}.items") if items is not None else AnyNode(),
            min_items=int(schema.get("minItems") or 0),
            max_items=int(schema["maxItems"]) if schema.get("maxItems") is not None else None,
        )
    elif type_ == "STRING" or (type_ is None and schema.get("enum")):
        node = StringNode(
            enum=[str(v) for v in schema["enum"]] if schema.get("enum") else None,
            min_length=int(schema.get("minLength") or 0),
            max_length=int(schema["maxLength"]) if schema.get("maxLength") is not None else None,
            fmt=schema.get("format"),
        )
    elif type_ in ("NUMBER", "INTEGER"):
        node = NumberNode(
            integer=type_ == "INTEGER",
            minimum=_num(schema.get("minimum")),
            maximum=_num(schema.get("maximum")),
        )
    elif type_ == "BOOLEAN":
        node = BoolNode()
    elif type_ == "NULL":
        node = NullNode()
    else:
        node = AnyNode()
    if schema.get("nullable") and not isinstance(node, NullNode):
        node = UnionNode([node, NullNode()])
    return node


def _titles(props: dict[str, Any]) -> dict[str, str]:
    """Property -> ``title`` of the properties that have a text title."""
    return {
        n: sub["title"]
        for n, sub in props.items()
        if isinstance(sub, dict) and isinstance(sub.get("title"), str) and sub["title"]
    }


def openapi_to_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Translate a ``responseSchema`` into an equivalent JSON Schema (for validation)."""
    s = {_SNAKE.get(k, k): v for k, v in schema.items()}
    out: dict[str, Any] = {}
    type_ = s.get("type")
    if isinstance(type_, str):
        out["type"] = type_.lower()
    if "properties" in s:
        out.setdefault("type", "object")
        out["properties"] = {k: openapi_to_json_schema(v) for k, v in s["properties"].items()}
        out["additionalProperties"] = False
    if "required" in s:
        out["required"] = list(s["required"])
    if "items" in s:
        out["items"] = openapi_to_json_schema(s["items"])
    if "anyOf" in s:
        out["anyOf"] = [openapi_to_json_schema(x) for x in s["anyOf"]]
    for key in ("enum", "minimum", "maximum", "minItems", "maxItems", "minLength", "maxLength"):
        if key in s:
            out[key] = s[key]
    if s.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


# -- JSON Schema subset ----------------------------------------------------------------
def compile_json_schema(schema: Any) -> CompiledSchema:
    """Compile a ``responseJsonSchema``."""
    if isinstance(schema, bool):
        return CompiledSchema(AnyNode() if schema else NullNode(), "jsonschema")
    if not isinstance(schema, dict):
        raise SchemaError(
            "Invalid value at 'generation_config.response_json_schema': "
            "expected a JSON Schema object"
        )
    defs: dict[str, Any] = {}
    for key in ("$defs", "definitions"):
        if isinstance(schema.get(key), dict):
            defs.update({f"#/{key}/{k}": v for k, v in schema[key].items()})
    return CompiledSchema(_JsonCompiler(schema, defs).node(schema, 0), "jsonschema")


class _JsonCompiler:
    def __init__(self, root: dict[str, Any], defs: dict[str, Any]) -> None:
        self.root = root
        self.defs = defs

    def node(self, s: Any, depth: int) -> Node:
        if depth > 40:
            return NullNode()
        if isinstance(s, bool):
            return AnyNode() if s else NullNode()
        if not isinstance(s, dict):
            return AnyNode()
        ref = s.get("$ref")
        if isinstance(ref, str):
            target = self.root if ref == "#" else self.defs.get(ref)
            if target is None:
                raise SchemaError(f"responseJsonSchema: unresolvable $ref {ref!r}")
            return self.node(target, depth + 1)
        if "allOf" in s and isinstance(s["allOf"], list):
            merged = {k: v for k, v in s.items() if k != "allOf"}
            for part in s["allOf"]:
                if isinstance(part, dict):
                    for k, v in part.items():
                        if k == "properties":
                            merged.setdefault("properties", {}).update(v)
                        elif k == "required":
                            merged["required"] = [*merged.get("required", []), *v]
                        else:
                            merged.setdefault(k, v)
            return self.node(merged, depth + 1)
        if "const" in s:
            return ConstNode(s["const"])
        for key in ("anyOf", "oneOf"):
            if isinstance(s.get(key), list) and s[key]:
                return UnionNode([self.node(x, depth + 1) for x in s[key]])
        type_ = s.get("type")
        if isinstance(type_, list):
            options = [self.node({**s, "type": t}, depth + 1) for t in type_]
            return options[0] if len(options) == 1 else UnionNode(options)
        if "enum" in s and isinstance(s["enum"], list) and s["enum"]:
            values = s["enum"]
            if type_ == "string" or (type_ is None and all(isinstance(v, str) for v in values)):
                return StringNode(enum=values)
            return EnumNode(values)
        if type_ == "object" or (type_ is None and "properties" in s):
            props = s.get("properties") or {}
            return ObjectNode(
                [(n, self.node(v, depth + 1)) for n, v in props.items()],
                [r for r in s.get("required") or [] if r in props],
                _titles(props),
            )
        if type_ == "array" or (type_ is None and ("items" in s or "prefixItems" in s)):
            prefix = s.get("prefixItems")
            items = s.get("items")
            return ArrayNode(
                self.node(items, depth + 1) if isinstance(items, dict | bool) else AnyNode(),
                prefix=[self.node(p, depth + 1) for p in prefix]
                if isinstance(prefix, list)
                else None,
                min_items=int(s.get("minItems") or 0),
                max_items=int(s["maxItems"]) if s.get("maxItems") is not None else None,
            )
        if type_ == "string":
            return StringNode(
                min_length=int(s.get("minLength") or 0),
                max_length=int(s["maxLength"]) if s.get("maxLength") is not None else None,
                fmt=s.get("format"),
            )
        if type_ in ("number", "integer"):
            excl_min, excl_max = s.get("exclusiveMinimum"), s.get("exclusiveMaximum")
            minimum, maximum = _num(s.get("minimum")), _num(s.get("maximum"))
            if excl_min is True:  # draft-4 boolean form
                excl_min, minimum = minimum, None
            if excl_max is True:
                excl_max, maximum = maximum, None
            return NumberNode(
                integer=type_ == "integer",
                minimum=minimum,
                maximum=maximum,
                exclusive_minimum=_num(excl_min),
                exclusive_maximum=_num(excl_max),
            )
        if type_ == "boolean":
            return BoolNode()
        if type_ == "null":
            return NullNode()
        return AnyNode()


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None
