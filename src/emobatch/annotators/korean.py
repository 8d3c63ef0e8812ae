"""Korean pass: kiwipiepy morphemes matched against the Korean cue table.

* Morpheme ("lemma") cues from ``lexicon/ko.tsv`` are analysed once with the same Kiwi
  instance and stored as sequences of content-morpheme keys (``form/class``, e.g.
  ``좋/V``, ``행복/N``, ``하/XS``). Text morphemes are matched longest-first, so inflected
  forms match their lemma (기뻐서, 기쁜, 기쁩니다 -> 기쁘다) and particles in between are
  skipped (화가 난다 -> 화가 나다).
* Surface cues (slang kiwi splits unpredictably: 킹받, 빡치, 꿀잼 ...) are substrings.
* Scope rules: 안/못 directly before the cue, or 않다/못하다/없다/아니다/-지 마 after it in
  the same clause, negate it; intensifier/diminisher adverbs up to two content words back
  (same clause) and prefixes written onto the cue (개-, 핵-, 왕-) scale it.

Kiwi is created lazily, once per process, under a lock; calls into it are serialised.
"""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emobatch.annotators.lexicon import Cue, Lexicon, LexiconError
from emobatch.annotators.scoring import Hit

if TYPE_CHECKING:
    from kiwipiepy import Kiwi

KIWI_MODEL_TYPE = "cong"
KIWI_OPTIONS: dict[str, Any] = {"normalize_coda": True}  # "좋앜ㅋㅋ" -> 좋/VA + ㅋㅋ
BATCH_CHUNK = 2048
MAX_FACTOR = 2.5  # cap on the product of intensifiers for one cue
LOOKBACK_CONTENT = 2  # content morphemes scanned back for intensifiers
LOOKAHEAD_TOKENS = 7  # tokens scanned forward for long negation

_BASE_CLASSES = {
    "NNG": "N", "NNP": "N", "NNB": "N", "NR": "N", "NP": "N", "XR": "N",
    "VV": "V", "VA": "V", "VX": "V", "VCN": "V",
    "XSA": "XS", "XSV": "XS",
    "MAG": "M", "MAJ": "M",
    "IC": "IC",
    "XPN": "XP", "XSN": "XSN",
}  # fmt: skip
TAG_CLASS: dict[str, str] = {
    f"{tag}{suffix}": cls for tag, cls in _BASE_CLASSES.items() for suffix in ("", "-R", "-I")
}
_BOUNDARY = frozenset({"EF", "SF", "SP", "SE"})
_HANGUL = re.compile(r"[가-힣]")


def _workers() -> int:
    env = os.environ.get("EMOBATCH_KIWI_WORKERS", "")
    if env.strip():
        return max(1, int(env))
    return max(1, min(4, os.cpu_count() or 1))


_INIT_LOCK = threading.Lock()
_CALL_LOCK = threading.RLock()
_KIWI: Kiwi | None = None
_MATCHER: KoMatcher | None = None


def get_kiwi() -> Kiwi:
    """The process-wide Kiwi instance (created on first use; thread-safe)."""
    global _KIWI
    if _KIWI is None:
        with _INIT_LOCK:
            if _KIWI is None:
                from kiwipiepy import Kiwi

                kiwi = Kiwi(
                    num_workers=_workers(),
                    model_type=KIWI_MODEL_TYPE,
                    load_multi_dict=False,  # multi-word proper nouns: not needed, slower
                )
                kiwi.tokenize("초기화")  # finish Kiwi's own lazy initialisation now
                _KIWI = kiwi
    return _KIWI


def tokenize(text: str) -> list[Any]:
    """Kiwi tokens of one text."""
    kiwi = get_kiwi()
    with _CALL_LOCK:
        tokens: list[Any] = kiwi.tokenize(text, **KIWI_OPTIONS)
    return tokens


def tokenize_many(texts: Sequence[str]) -> Generator[list[Any], None, None]:
    """Kiwi tokens of many texts, in order, using Kiwi's multi-threaded batch analysis.

    Texts are analysed chunk by chunk; each chunk is collected whole under the call lock
    (cheaper in CPU than consuming Kiwi's lazy results while its workers run) and then
    handed out, so the caller's own work on a chunk does not block other Kiwi users.
    """
    kiwi = get_kiwi()
    for offset in range(0, len(texts), BATCH_CHUNK):
        chunk = list(texts[offset : offset + BATCH_CHUNK])
        with _CALL_LOCK:
            analysed = list(kiwi.tokenize(chunk, **KIWI_OPTIONS))
        yield from analysed


# Predicates like 든든하다 / 사랑스럽다 / 걱정되다 come out of Kiwi either as one stem
# (든든하/VA) or as root + suffix (든든/XR + 하/XSA) depending on context; both are keyed
# as root + suffix so that cue and text agree.
_SPLIT_SUFFIXES = ("스럽", "하", "되", "롭")


def keys_of(form: str, cls: str) -> tuple[str, ...]:
    """Matching key(s) of one content morpheme."""
    if cls == "V" and form in _SPLIT_SUFFIXES:  # 걱정 돼 / 걱정돼: 되/VV or 되/XSV
        return (f"{form}/XS",)
    if cls == "V" and len(form) >= 2:
        for suffix in _SPLIT_SUFFIXES:
            if form.endswith(suffix) and len(form) > len(suffix):
                return (f"{form[: -len(suffix)]}/N", f"{suffix}/XS")
    return (f"{form}/{cls}",)


def content_keys(tokens: Sequence[Any]) -> tuple[str, ...]:
    """Matching keys (``form/class``) of the content morphemes in ``tokens``."""
    keys: list[str] = []
    for t in tokens:
        cls = TAG_CLASS.get(t.tag)
        if cls is not None:
            keys.extend(keys_of(t.form, cls))
    return tuple(keys)


@dataclass(frozen=True, slots=True)
class KoMatcher:
    """Compiled Korean cue table."""

    by_first: dict[str, tuple[tuple[tuple[str, ...], Cue], ...]]  # longest sequence first
    surface: dict[str, Cue]
    surface_re: re.Pattern[str] | None
    compiled: dict[str, tuple[tuple[str, ...], ...]]  # lemma cue -> its key sequences
    collisions: tuple[tuple[str, str], ...]  # (kept cue, shadowed cue) with equal keys


# Cues are analysed in a few contexts, because Kiwi's analysis of a word depends on its
# neighbours; every plausible analysis becomes a key sequence for the cue.
COMPILE_CONTEXTS: tuple[str, ...] = ("{}", "그냥 {}.", "{} 진짜")
_LOSSY_TAGS = frozenset({"MM", "SL", "SH", "SN", "SW"})


def cue_variants(cue: str, tokens: Sequence[Any], start: int) -> tuple[str, ...] | None:
    """Key sequence of ``cue`` analysed at ``start`` in a context, or None if implausible.

    Rejected: analyses whose first morpheme is not a content morpheme or that contain a
    determiner or symbol (한숨 -> 한/MM 숨/NNG would match every 숨), and, for cues that are
    not predicates (no final 다), analyses that contain endings (예감 -> 예/IC 가/VV ᆷ/EF).
    """
    end = start + len(cue)
    span = [t for t in tokens if start <= t.start < end]
    if not span or TAG_CLASS.get(span[0].tag) is None:
        return None
    if any(t.tag in _LOSSY_TAGS for t in span):
        return None
    if not cue.endswith("다") and any(t.tag.startswith("E") for t in span):
        return None
    keys = content_keys(span)
    return keys or None


def compile_matcher(lex: Lexicon) -> KoMatcher:
    """Analyse every morpheme cue with Kiwi and build the lookup tables."""
    lemma = [c for c in lex.ko.values() if not c.surface]
    surface = {c.text: c for c in lex.ko.values() if c.surface}
    variants: dict[str, list[tuple[str, ...]]] = {c.text: [] for c in lemma}
    for context in COMPILE_CONTEXTS:
        offset = context.index("{}")
        texts = [context.format(c.text) for c in lemma]
        for cue, tokens in zip(lemma, tokenize_many(texts), strict=True):
            keys = cue_variants(cue.text, tokens, offset)
            if keys is not None and keys not in variants[cue.text]:
                variants[cue.text].append(keys)
    for cue in lemma:  # a one-word noun/interjection cue may also come out as one morpheme
        if " " not in cue.text and not cue.text.endswith("다"):
            for cls in ("N", "IC", "M"):
                alias = (f"{cue.text}/{cls}",)
                if alias not in variants[cue.text]:
                    variants[cue.text].append(alias)
    compiled: dict[str, tuple[tuple[str, ...], ...]] = {}
    by_seq: dict[tuple[str, ...], Cue] = {}
    collisions: list[tuple[str, str]] = []
    for cue in lemma:  # file order decides which cue keeps a shared key sequence
        if not variants[cue.text]:
            raise LexiconError(f"ko.tsv: cue {cue.text!r} has no usable analysis")
        compiled[cue.text] = tuple(variants[cue.text])
        for keys in variants[cue.text]:
            if keys in by_seq:
                if by_seq[keys] is not cue:
                    collisions.append((by_seq[keys].text, cue.text))
                continue
            by_seq[keys] = cue
    grouped: dict[str, list[tuple[tuple[str, ...], Cue]]] = {}
    for keys, cue in by_seq.items():
        grouped.setdefault(keys[0], []).append((keys, cue))
    by_first = {
        k: tuple(sorted(v, key=lambda item: (-len(item[0]), item[0]))) for k, v in grouped.items()
    }
    order = sorted(surface, key=lambda c: (-len(c), c))
    surface_re = re.compile("|".join(re.escape(c) for c in order)) if order else None
    return KoMatcher(by_first, surface, surface_re, compiled, tuple(collisions))


def get_matcher(lex: Lexicon) -> KoMatcher:
    """The compiled Korean matcher (built once per process, on first Korean text)."""
    global _MATCHER
    if _MATCHER is None:
        get_kiwi()
        with _INIT_LOCK:
            if _MATCHER is None:
                _MATCHER = compile_matcher(lex)
    return _MATCHER


def match_korean(text: str, tokens: Sequence[Any], lex: Lexicon) -> list[Hit]:
    """Korean cue hits in ``text`` (already analysed into ``tokens``), in text order."""
    matcher = get_matcher(lex)
    mods = lex.modifiers
    n = len(tokens)
    forms = [t.form for t in tokens]
    tags = [t.tag for t in tokens]
    starts = [t.start for t in tokens]
    classes = [TAG_CLASS.get(tag) for tag in tags]
    consumed = [False] * n
    spans: list[tuple[int, int, Cue, int]] = []  # first token, last token, cue, char offset

    if matcher.surface_re is not None and n:
        for found in matcher.surface_re.finditer(text):
            s, e = found.span()
            first = max(0, bisect_right(starts, s) - 1)
            last = max(first, bisect_left(starts, e) - 1)
            for k in range(first, last + 1):
                consumed[k] = True
            spans.append((first, last, matcher.surface[found.group()], s))

    content: list[int] = []  # token index of each key
    keys: list[str] = []
    for i in range(n):
        cls = classes[i]
        if cls is not None and not consumed[i]:
            for key in keys_of(forms[i], cls):
                content.append(i)
                keys.append(key)
    by_first = matcher.by_first
    j = 0
    while j < len(keys):
        candidates = by_first.get(keys[j])
        step = 1
        if candidates:
            for seq, cue in candidates:
                size = len(seq)
                if size == 1 or tuple(keys[j : j + size]) == seq:
                    spans.append((content[j], content[j + size - 1], cue, starts[content[j]]))
                    step = size
                    break
        j += step
    if not spans:
        return []
    spans.sort(key=lambda sp: (sp[3], sp[0]))
    in_hit = [False] * n
    for first, last, _, _ in spans:
        for k in range(first, last + 1):
            in_hit[k] = True

    hits: list[Hit] = []
    for first, last, cue, pos in spans:
        factor = 1.0
        negated = False
        before: list[str] = []  # collected nearest first
        after = ""
        # prefix intensifier written onto the cue: 개빡쳐, 핵노잼, 왕짜증
        if pos >= 1:
            prefix = mods.ko_prefix_intensifiers.get(text[pos - 1])
            if prefix is not None and (pos < 2 or not _HANGUL.match(text[pos - 2])):
                factor *= prefix
                before.append(text[pos - 1] + "-")
        # look back: 안/못 right before the cue, intensifiers/diminishers before that
        k = first - 1
        steps = 0
        while k >= 0 and steps < LOOKBACK_CONTENT:
            tag = tags[k]
            if tag in _BOUNDARY or tag == "EC" or in_hit[k]:
                break
            cls = classes[k]
            form = forms[k]
            if cls is None and tag != "SW":
                k -= 1
                continue
            if steps == 0 and not negated and cls == "M" and form in mods.ko_pre_negators:
                negated = True
                before.append(form)
            elif form in mods.ko_intensifiers:
                factor *= mods.ko_intensifiers[form]
                before.append(form)
                steps += 1
            elif form in mods.ko_diminishers:
                factor *= mods.ko_diminishers[form]
                before.append(form)
                steps += 1
            elif tag != "SW":
                steps += 1
            k -= 1
        # look ahead: -지 않다 / -지 못하다 / 없다 / 아니다 / -지 마, or 안/못 after a noun cue
        if not negated:
            noun_cue = classes[last] == "N"
            seen_ji = False
            first_content = True
            k = last + 1
            while k < n and k <= last + LOOKAHEAD_TOKENS:
                tag = tags[k]
                form = forms[k]
                if tag in _BOUNDARY or in_hit[k]:
                    break
                if tag == "EC":
                    if form in ("지", "게"):
                        seen_ji = seen_ji or form == "지"
                        k += 1
                        continue
                    break
                cls = classes[k]
                if (
                    (cls == "V" or cls == "M")
                    and form in mods.ko_post_negators
                    and (form != "말" or tag == "VX")
                ):
                    negated = True
                    after = form + "다" if cls == "V" else form
                    break
                if (
                    cls == "M"
                    and form in mods.ko_pre_negators
                    and (seen_ji or (noun_cue and first_content))
                ):
                    negated = True
                    after = form
                    break
                if cls is not None and cls != "XS":
                    first_content = False
                k += 1
        before.reverse()
        hits.append(Hit(cue, pos, min(factor, MAX_FACTOR), negated, "+".join(before), after))
    return hits
