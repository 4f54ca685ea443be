"""Per-keystroke cost of the typing engine, against the original full re-analysis.

Usage: python bench/core.py [--repeat 5] [--sizes 100,10000,100000]

For each text length, types the whole text (5 % typos, each fixed with
Backspace) through ``TypingSession.apply`` followed by ``live()`` — what the
handler does for every keystroke — and reports the median cost per keystroke.
The baseline, measured in the same run, is the original design: re-analyse
the whole input with ``analyze_differences`` and recompute the figures on
every keystroke (timed on keystrokes near the end of the text, where the
original design spends most of a test).
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import time

from bartype.core.analyzer import analyze_differences
from bartype.core.keystrokes import KeyKind, Keystroke
from bartype.core.metrics import round_to_2, words_per_minute
from bartype.core.options import Mode
from bartype.core.session import SessionConfig, TypingSession

WORDS = "the of and to in is you that it he was for on are as with his they at be".split()


def make_text(length: int, rng: random.Random) -> str:
    parts: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        parts.append(word)
        size += len(word) + 1
    return " ".join(parts)[:length].rstrip()


def make_keys(text: str, rng: random.Random) -> list[Keystroke]:
    keys: list[Keystroke] = []
    t = 0.0
    for ch in text:
        if ch != " " and rng.random() < 0.05:
            t += 80
            keys.append(Keystroke(KeyKind.CHAR, t, "z"))
            t += 80
            keys.append(Keystroke.backspace(t))
        t += 80
        keys.append(Keystroke(KeyKind.CHAR, t, ch))
    return keys


def incremental_cost(text: str, keys: list[Keystroke]) -> float:
    """Seconds per keystroke for apply + live over a whole test."""
    session = TypingSession(SessionConfig(Mode.WORDS, word_count=10**9), text)
    apply, live = session.apply, session.live
    gc.collect()
    start = time.perf_counter()
    for key in keys:
        apply(key)
        live()
    return (time.perf_counter() - start) / len(keys)


def full_reanalysis_cost(text: str, keys: list[Keystroke], sample: int) -> float:
    """Seconds per keystroke for the original design (analyse everything each key)."""
    typed: list[str] = []
    prefix = keys[: max(0, len(keys) - sample)]
    for key in prefix:
        if key.kind is KeyKind.CHAR:
            typed.append(key.char)
        elif typed:
            typed.pop()
    tail = keys[len(prefix) :]
    gc.collect()
    start = time.perf_counter()
    for key in tail:
        if key.kind is KeyKind.CHAR:
            typed.append(key.char)
        elif typed:
            typed.pop()
        analysis = analyze_differences(text, "".join(typed))
        seconds = key.t / 1000
        round_to_2(words_per_minute(analysis.counts.correct_word, seconds))
        round_to_2(words_per_minute(analysis.counts.typed, seconds))
    return (time.perf_counter() - start) / len(tail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--baseline-sample", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rng = random.Random(1)
    rows = []
    for size in sizes:
        text = make_text(size, rng)
        keys = make_keys(text, rng)
        inc = statistics.median(incremental_cost(text, keys) for _ in range(args.repeat))
        base = statistics.median(
            full_reanalysis_cost(text, keys, args.baseline_sample) for _ in range(args.repeat)
        )
        rows.append((size, len(keys), inc, base))
    smallest = rows[0][2]
    print(
        f"{'chars':>8} {'keys':>8} {'incremental µs/key':>19} {'vs smallest':>12} "
        f"{'full re-analysis µs/key':>24} {'speed-up':>9}"
    )
    for size, n, inc, base in rows:
        print(
            f"{size:>8} {n:>8} {inc * 1e6:>19.2f} {inc / smallest:>12.2f} "
            f"{base * 1e6:>24.1f} {base / inc:>9.1f}x"
        )


if __name__ == "__main__":
    main()
