"""annotate / annotate_many: run the passes, score, cache."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from contextlib import closing
from typing import Any

from emobatch.annotators.annotation import Annotation
from emobatch.annotators.english import match_english
from emobatch.annotators.korean import get_matcher, match_korean, tokenize, tokenize_many
from emobatch.annotators.lexicon import Lexicon, load_lexicon
from emobatch.annotators.scoring import Hit, neutral, score
from emobatch.annotators.symbols import exclamation_factor, match_symbols
from emobatch.annotators.text import Prepared, prepare

CACHE_SIZE = 50_000

_cache: dict[str, Annotation] = {}
_cache_lock = threading.Lock()


def _remember(text: str, result: Annotation) -> None:
    with _cache_lock:
        if len(_cache) >= CACHE_SIZE:  # drop the oldest eighth (dicts keep insertion order)
            for key in list(_cache)[: CACHE_SIZE // 8]:
                del _cache[key]
        _cache[text] = result


def clear_cache() -> None:
    """Forget cached annotations (results do not depend on the cache; this frees memory)."""
    with _cache_lock:
        _cache.clear()


def _annotate_prepared(p: Prepared, tokens: Sequence[Any] | None, lex: Lexicon) -> Annotation:
    hits: list[Hit] = []
    if tokens is not None:
        hits.extend(match_korean(p.text, tokens, lex))
    if p.has_latin:
        hits.extend(match_english(p.text, lex))
    hits.extend(match_symbols(p.text, lex))
    notes = (f"truncated to {lex.modifiers.max_chars} chars",) if p.truncated else ()
    if not hits:
        return neutral("; ".join(("no cues", *notes)))
    hits.sort(key=lambda h: h.pos)  # stable: passes keep their own order on ties
    return score(hits, lex.modifiers, global_factor=exclamation_factor(p.text, lex), notes=notes)


def annotate(text: str) -> Annotation:
    """Code one post. Deterministic: the same text always gives the same annotation."""
    if not isinstance(text, str):
        raise TypeError(f"annotate() expects str, got {type(text).__name__}")
    cached = _cache.get(text)
    if cached is not None:
        return cached
    if not text.strip():
        return neutral()
    lex = load_lexicon()
    p = prepare(text, lex.modifiers.max_chars)
    tokens = None
    if p.has_hangul:
        get_matcher(lex)  # compile the Korean cues before taking Kiwi's call lock
        tokens = tokenize(p.text)
    result = _annotate_prepared(p, tokens, lex)
    _remember(text, result)
    return result


def annotate_many(texts: Sequence[str]) -> list[Annotation]:
    """Code many posts; same result per text as :func:`annotate`, but batched and cached.

    Korean texts go through Kiwi's multi-threaded batch analysis; texts without Hangul skip
    Kiwi; duplicates are analysed once.
    """
    texts = list(texts)
    for t in texts:
        if not isinstance(t, str):
            raise TypeError(f"annotate_many() expects str items, got {type(t).__name__}")
    lex = load_lexicon()
    done: dict[str, Annotation] = {}
    todo: dict[str, Prepared] = {}
    for t in texts:
        if t in done or t in todo:
            continue
        cached = _cache.get(t)
        if cached is not None:
            done[t] = cached
        elif not t.strip():
            done[t] = neutral()
        else:
            todo[t] = prepare(t, lex.modifiers.max_chars)
    korean = [t for t, p in todo.items() if p.has_hangul]
    if korean:
        get_matcher(lex)  # compile the Korean cues before taking Kiwi's call lock
        with closing(tokenize_many([todo[t].text for t in korean])) as analysed:
            for t, tokens in zip(korean, analysed, strict=True):
                done[t] = _annotate_prepared(todo[t], tokens, lex)
    for t, p in todo.items():
        if not p.has_hangul:
            done[t] = _annotate_prepared(p, None, lex)
    for t in todo:
        _remember(t, done[t])
    return [done[t] for t in texts]
