"""English pass: a hand-written word list with suffix-stripping lemma lookup.

Words are lower-cased; elongations ("sooo", "loooove") are collapsed and count as emphasis.
A word matches a cue if the word itself or one of a few de-suffixed candidates (-s, -es,
-ed, -ing, -ly, -ness, -ment, -er/-est, -ies/-ied -> -y, doubled consonants, -e restored)
is in the table. Multi-word cues ("look forward", "can't wait") match word sequences,
longest first. Negators (not, no, never, n't, without ...) negate cues in the next three
words, up to punctuation or a contrast word; intensifiers/diminishers up to two words
before a cue scale it (those between a negator and its cue are ignored: "not very happy"
is not stronger than "not happy"); words in capitals count as emphasis.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

from emobatch.annotators.lexicon import Cue, Lexicon
from emobatch.annotators.scoring import Hit

NEGATION_SCOPE = 3
INTENSIFIER_SCOPE = 2
POST_INTENSIFIER_SCOPE = 3
MAX_FACTOR = 2.5
ELONGATION_FACTOR = 1.3

_TOKEN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*|[.!?;:,()\"]+")
_ELONGATED = re.compile(r"(\w)\1{2,}")
_VOWELS = frozenset("aeiou")
_REWRITES = {("kind", "of"): "kinda", ("sort", "of"): "sorta"}


def candidates(word: str) -> tuple[str, ...]:
    """The word and its de-suffixed base candidates, most specific first."""
    out = [word]
    n = len(word)

    def add(c: str) -> None:
        if len(c) >= 2 and c not in out:
            out.append(c)

    if word.endswith("'s"):
        add(word[:-2])
    if n > 4 and word.endswith(("ies", "ied")):
        add(word[:-3] + "y")
    if n > 5 and word.endswith(("ier",)):
        add(word[:-3] + "y")
    if n > 6 and word.endswith("iest"):
        add(word[:-4] + "y")
    if n > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        add(word[:-1])
        if word.endswith("es"):
            add(word[:-2])
    for suffix in ("ed", "ing", "er", "est"):
        if n > len(suffix) + 2 and word.endswith(suffix):
            stem = word[: -len(suffix)]
            add(stem)
            add(stem + "e")
            if len(stem) > 2 and stem[-1] == stem[-2] and stem[-1] not in _VOWELS:
                add(stem[:-1])  # stopped -> stop, sadder -> sad
    if n > 5 and word.endswith("ily"):
        add(word[:-3] + "y")
    if n > 5 and word.endswith("bly"):
        add(word[:-3] + "ble")  # terribly -> terrible
    if n > 4 and word.endswith("ly"):
        add(word[:-2])
    if n > 6 and word.endswith("iness"):
        add(word[:-5] + "y")
    if n > 5 and word.endswith("ness"):
        add(word[:-4])
    if n > 6 and word.endswith("ment"):
        add(word[:-4])
    return tuple(out)


@dataclass(frozen=True, slots=True)
class EnMatcher:
    """Compiled English cue table."""

    single: dict[str, Cue]
    multi: dict[str, tuple[tuple[tuple[str, ...], Cue], ...]]  # first word -> longest first


_LOCK = threading.Lock()
_MATCHER: EnMatcher | None = None


def get_matcher(lex: Lexicon) -> EnMatcher:
    """Compile the English table once per process."""
    global _MATCHER
    if _MATCHER is None:
        with _LOCK:
            if _MATCHER is None:
                single: dict[str, Cue] = {}
                grouped: dict[str, list[tuple[tuple[str, ...], Cue]]] = {}
                for text, cue in lex.en.items():
                    words = tuple(text.replace("’", "'").split())
                    if len(words) == 1:
                        single[words[0]] = cue
                    else:
                        grouped.setdefault(words[0], []).append((words, cue))
                multi = {
                    k: tuple(sorted(v, key=lambda item: (-len(item[0]), item[0])))
                    for k, v in grouped.items()
                }
                _MATCHER = EnMatcher(single, multi)
    return _MATCHER


@lru_cache(maxsize=65536)
def _word_info(word: str) -> tuple[tuple[str, ...], bool]:
    """(base candidates, elongated?) of a lower-cased word."""
    if _ELONGATED.search(word):
        two = _ELONGATED.sub(r"\1\1", word)
        one = _ELONGATED.sub(r"\1", word)
        seen: dict[str, None] = {}
        for variant in (word, two, one):
            for c in candidates(variant):
                seen.setdefault(c, None)
        return tuple(seen), True
    return candidates(word), False


def _tokens(text: str) -> tuple[list[str | None], list[str], list[int]]:
    """Lower-cased words (``None`` for punctuation), original spellings, char offsets."""
    words: list[str | None] = []
    originals: list[str] = []
    positions: list[int] = []
    for found in _TOKEN.finditer(text):
        tok = found.group()
        if tok[0].isalpha():
            low = tok.lower().replace("’", "'")
            prev = words[-1] if words else None
            if prev is not None and (prev, low) in _REWRITES:
                words[-1] = _REWRITES[(prev, low)]
                continue
            words.append(low)
        else:
            words.append(None)
        originals.append(tok)
        positions.append(found.start())
    return words, originals, positions


def _multi_match(
    words: list[str | None], i: int, cands: tuple[str, ...], matcher: EnMatcher
) -> tuple[Cue, int] | None:
    """The longest multi-word cue starting at word ``i``, with its length in words."""
    n = len(words)
    for c in cands:
        for seq, cue in matcher.multi.get(c, ()):
            size = len(seq)
            if i + size > n:
                continue
            ok = True
            for k in range(1, size):
                w = words[i + k]
                if w is None or seq[k] not in _word_info(w)[0]:
                    ok = False
                    break
            if ok:
                return cue, size
    return None


_NEVER_INTENSIFY = frozenset({"so", "more", "this", "that"})


def _comparative_never(words: list[str | None], i: int) -> bool:
    """ "never been so bored", "never felt more alive": emphasis, not negation."""
    if words[i] != "never":
        return False
    return any(w in _NEVER_INTENSIFY for w in words[i + 1 : i + 3])


def match_english(text: str, lex: Lexicon) -> list[Hit]:
    """English cue hits in ``text``, in text order."""
    words, originals, positions = _tokens(text)
    if not words:
        return []
    matcher = get_matcher(lex)
    mods = lex.modifiers
    shouting = text.isupper()  # all-caps text: capitals carry no extra emphasis
    hits: list[Hit] = []
    neg_left = 0  # words still in the scope of a negator
    neg_word = ""
    pending = 1.0  # intensifier/diminisher product waiting for a cue
    pending_words: list[str] = []
    pending_left = 0
    last_hit: Hit | None = None
    post_left = 0  # words after the last hit in which "af"/"much" still boost it
    n = len(words)
    i = 0
    while i < n:
        w = words[i]
        if w is None:  # punctuation closes every scope
            neg_left = pending_left = post_left = 0
            pending, pending_words = 1.0, []
            i += 1
            continue
        cands, elongated = _word_info(w)
        size = 1
        match = _multi_match(words, i, cands, matcher) if matcher.multi else None
        if match is not None:
            cue: Cue | None = match[0]
            size = match[1]
        elif w in mods.en_scope_breakers:
            neg_left = pending_left = 0
            pending, pending_words = 1.0, []
            i += 1
            continue
        elif (w in mods.en_negators or w.endswith("n't")) and not _comparative_never(words, i):
            neg_left, neg_word = NEGATION_SCOPE, w
            pending_left, pending, pending_words = 0, 1.0, []
            i += 1
            continue
        else:
            cue = None
            base = cands[-1] if elongated else w
            post = mods.en_post_intensifiers.get(base)
            scale = mods.en_intensifiers.get(base) or mods.en_diminishers.get(base)
            if post is not None and last_hit is not None and post_left > 0:
                last_hit.factor = min(last_hit.factor * post, MAX_FACTOR)
                last_hit.after = w
                post_left = 0
            elif scale is not None:
                if neg_left == 0:  # "not very happy" is not stronger than "not happy"
                    pending *= scale
                    pending_words.append(w)
                    pending_left = INTENSIFIER_SCOPE + 1
            elif w not in mods.en_not_cues:
                for c in cands:
                    cue = matcher.single.get(c)
                    if cue is not None:
                        break
        if cue is not None:
            factor = pending if pending_left > 0 else 1.0
            before = pending_words if pending_left > 0 else []
            if elongated:
                factor *= ELONGATION_FACTOR
            original = originals[i]
            if (
                not shouting
                and len(original) >= 3
                and original.isupper()
                and w not in mods.en_caps_exempt
            ):
                factor *= mods.en_caps_factor
            negated = neg_left > 0
            if negated:
                before = [*before, neg_word]
            hit = Hit(cue, positions[i], min(factor, MAX_FACTOR), negated, "+".join(before))
            hits.append(hit)
            last_hit = hit
            post_left = POST_INTENSIFIER_SCOPE + size
            pending, pending_words, pending_left = 1.0, [], 0
            if negated:  # a negator applies to the first cue in its scope only
                neg_left = 0
        if neg_left:
            neg_left = neg_left - size if neg_left > size else 0
        if pending_left:
            pending_left = pending_left - size if pending_left > size else 0
        if post_left:
            post_left = post_left - size if post_left > size else 0
        i += size
    return hits
