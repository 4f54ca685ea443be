"""Per-keystroke cost of the typing engine, against the original full re-analysis.

Usage: python bench/core.py [--repeat 5] [--sizes 100,10000,100000]
       python bench/core.py --instructions    # counted by valgrind, not timed

For each text length, types the whole text (5 % typos, each fixed with
Backspace) through ``TypingSession.apply`` followed by ``live()`` — what the
handler does for every keystroke — and reports the median cost per keystroke.
The baseline, measured in the same run, is the original design: re-analyse
the whole input with ``analyze_differences`` and recompute the figures on
every keystroke (timed on keystrokes near the end of the text, where the
original design spends most of a test).

Timings per key move by up to 1.5 x between runs on a shared machine, so
``--instructions`` counts instead (callgrind's ``Ir``, with collection on only
inside ``functools.reduce`` over the keys): the ``--tail`` keys of each text before its
last (all of a short one) through apply + live, after the keys before them, with the
cyclic garbage collector off. Needs
``valgrind``; compare two trees with ``PYTHONPATH=<tree> python bench/core.py
--instructions``.
"""

from __future__ import annotations

import argparse
import functools
import gc
import random
import statistics
import time

from callgrind import reduce_instructions

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


def tail_keys(size: int, tail: int) -> tuple[TypingSession, list[Keystroke]]:
    """A session of a ``size``-character text (the timed run's kind, seeded by its size)
    typed up to ``tail`` keys before its last, and those keys. The last key, which ends
    the test and computes its result once, is left out: this is the cost per key."""
    rng = random.Random(size)
    text = make_text(size, rng)
    keys = make_keys(text, rng)
    session = TypingSession(SessionConfig(Mode.WORDS, word_count=10**9), text)
    keys = keys[:-1]
    split = max(0, len(keys) - tail)
    for key in keys[:split]:
        session.apply(key)
    return session, keys[split:]


def counted_child(size: int, tail: int) -> None:
    """The measured process: only the reduce over the last keys is counted, without the
    cyclic collector (a full collection, walking every object of a long text, would land
    on whichever key set it off)."""
    session, keys = tail_keys(size, tail)
    apply, live = session.apply, session.live
    gc.collect()
    gc.disable()
    functools.reduce(lambda _, key: (apply(key), live()), keys, None)


def instructions_per_key(size: int, tail: int) -> tuple[int, float]:
    """(keys counted, instructions per key through apply + live)."""
    keys = len(tail_keys(size, tail)[1])
    return keys, reduce_instructions(__file__, "--child", str(size), "--tail", str(tail)) / keys


def count_instructions(sizes: list[int], tail: int) -> None:
    rows = [(size, *instructions_per_key(size, tail)) for size in sizes]
    smallest = rows[0][2]
    print(f"{'chars':>8} {'keys counted':>13} {'instructions/key':>17} {'vs smallest':>12}")
    for size, keys, per_key in rows:
        print(f"{size:>8} {keys:>13} {per_key:>17,.0f} {per_key / smallest:>12.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="100,10000,100000")
    parser.add_argument("--baseline-sample", type=int, default=200)
    parser.add_argument("--instructions", action="store_true", help="count, do not time")
    parser.add_argument("--tail", type=int, default=2000, help="keys counted per text")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.child is not None:
        counted_child(args.child, args.tail)
        return
    if args.instructions:
        count_instructions(sizes, args.tail)
        return
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
