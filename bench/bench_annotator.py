"""Throughput of the offline dictionary annotator (not a test).

Generates realistic short posts (unique, so the cache does not help), then measures
posts/second for Korean, English and mixed posts, one ``annotate()`` call per post versus
``annotate_many()``, plus a duplicate-heavy batch that exercises the cache.

    .venv/bin/python bench/bench_annotator.py            # 20,000 posts per language
    .venv/bin/python bench/bench_annotator.py --n 5000
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable, Sequence

from emobatch.annotators import MODEL_VERSION, annotate, annotate_many
from emobatch.annotators.engine import clear_cache

KO_OPENERS = ["오늘", "아 진짜", "요즘", "방금", "어제", "솔직히", "와", "헐", "ㅋㅋ", "근데", ""]
KO_TOPICS = [
    "회사에서", "학교 앞에서", "지하철에서", "친구랑 카페에서", "집 앞 편의점에서",
    "유튜브 보다가", "뉴스 보고", "시험 끝나고", "콘서트 예매하다가", "택배 기다리다가",
    "엄마랑 통화하다가", "팀장님 말 듣고", "새 폰 개봉하고", "동생이랑 싸우고", "",
]  # fmt: skip
KO_BODIES = [
    "너무 행복했어", "진짜 빡쳤다", "완전 설렌다", "좀 무서웠어", "소름 돋았음",
    "한숨만 나온다", "기분 안 좋아", "걱정돼 죽겠다", "믿을 수가 없어", "역겨워서 못 보겠다",
    "화이팅 하자", "기대된다", "그냥 그랬어", "밥 먹었어", "비 온대", "정말 고마웠어",
    "우울하다", "킹받네", "개꿀잼이었음", "별로였음", "하나도 안 슬퍼", "놀라서 말이 안 나옴",
    "내일 다시 가야 함", "사진 올려야지", "짜증나 죽겠네", "마음이 따뜻해졌다",
]  # fmt: skip
KO_TAILS = ["ㅋㅋㅋ", "ㅠㅠ", "ㅡㅡ", "ㄷㄷ", "!!", "...", "😂", "😭", "🙏", "", "", ""]

EN_OPENERS = ["Honestly", "Just", "Today", "lol", "OMG", "Ugh", "Wow", "So", "Not gonna lie", ""]
EN_BODIES = [
    "I'm so happy with how it turned out", "this is really annoying", "can't wait for the weekend",
    "I'm kinda worried about tomorrow", "that was disgusting", "I miss my friends so much",
    "we finally won the game", "I don't trust this app anymore", "the meeting moved to 3pm",
    "the bus was late again", "thank you all for the support", "I was not expecting that at all",
    "feeling lonely tonight", "this new update is terrible", "looking forward to the trip",
    "they cancelled my flight", "I had pasta for lunch", "she is the best teacher ever",
    "not bad for a first try", "I'm furious with customer service", "that movie was scary af",
]  # fmt: skip
EN_TAILS = ["!", "!!", "...", "?!", " 😂", " 😭", " ❤️", " 🤮", " 😡", "", "", ""]

MIXED = [
    "오늘 진짜 happy 했어", "so tired ㅠㅠ 야근 또 함", "can't wait 다음 주 여행",
    "이거 완전 scary했음", "Thanks 진짜 든든하다", "wtf 이게 무슨 일이야", "best day ever ㅋㅋ",
    "meeting 3시로 바뀜",
]  # fmt: skip


def _unique(make: Callable[[random.Random], str], n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    seen: dict[str, None] = {}
    while len(seen) < n:
        seen.setdefault(make(rng), None)
    return list(seen)


def korean_posts(n: int, seed: int = 1) -> list[str]:
    """``n`` distinct Korean posts of one or two clauses."""

    def make(rng: random.Random) -> str:
        parts = [rng.choice(KO_OPENERS), rng.choice(KO_TOPICS), rng.choice(KO_BODIES)]
        if rng.random() < 0.6:
            parts += [rng.choice(KO_TOPICS), rng.choice(KO_BODIES)]
        parts.append(rng.choice(KO_TAILS))
        return " ".join(p for p in parts if p)

    return _unique(make, n, seed)


def english_posts(n: int, seed: int = 2) -> list[str]:
    """``n`` distinct English posts of one or two clauses."""

    def make(rng: random.Random) -> str:
        text = " ".join(p for p in (rng.choice(EN_OPENERS), rng.choice(EN_BODIES)) if p)
        if rng.random() < 0.6:
            text += ", " + rng.choice(EN_BODIES)
        return text + rng.choice(EN_TAILS)

    return _unique(make, n, seed)


def mixed_posts(n: int, seed: int = 3) -> list[str]:
    """``n`` distinct mixed Korean/English posts."""

    def make(rng: random.Random) -> str:
        return " ".join(
            (rng.choice(MIXED), rng.choice(KO_BODIES), rng.choice(EN_BODIES), rng.choice(KO_TAILS))
        )

    return _unique(make, n, seed)


def _rate(fn: Callable[[Sequence[str]], object], texts: Sequence[str]) -> tuple[float, float]:
    """(posts per wall-clock second, posts per CPU-second of this process, all threads)."""
    clear_cache()
    wall, cpu = time.perf_counter(), time.process_time()
    fn(texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return len(texts) / wall, len(texts) / cpu


def _single(texts: Sequence[str]) -> None:
    for t in texts:
        annotate(t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="posts per language")
    args = parser.parse_args()

    print(f"{MODEL_VERSION}; cpus={os.cpu_count()}; load average {os.getloadavg()[0]:.2f}")
    start = time.perf_counter()
    annotate("준비")  # Kiwi model load + Korean cue compilation, once per process
    print(f"warm-up (Kiwi load + cue compilation): {time.perf_counter() - start:.2f} s")

    sets = {
        "korean": korean_posts(args.n),
        "english": english_posts(args.n),
        "mixed": mixed_posts(max(1, args.n // 4)),
    }
    print("posts/s = wall clock; per CPU-s = process CPU time over all threads (robust to load)")
    for name, texts in sets.items():
        batched, batched_cpu = _rate(annotate_many, texts)
        single, single_cpu = _rate(_single, texts)
        print(
            f"{name:8s} {len(texts):6d} posts: annotate_many {batched:7.0f} posts/s"
            f" ({batched_cpu:6.0f} per CPU-s) | annotate() per post {single:7.0f} posts/s"
            f" ({single_cpu:6.0f} per CPU-s)"
        )

    # emulator-like workload: 5 x n posts drawn from all three sets (reposts = duplicates)
    rng = random.Random(4)
    pool = sets["korean"] + sets["english"] + sets["mixed"]
    workload = [rng.choice(pool) for _ in range(5 * args.n)]
    rate, rate_cpu = _rate(annotate_many, workload)
    print(
        f"workload {len(workload):6d} posts ({len(set(workload))} distinct, all languages):"
        f" annotate_many {rate:7.0f} posts/s ({rate_cpu:6.0f} per CPU-s)"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
