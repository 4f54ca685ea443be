"""The words of an adaptive lesson: which ones, and how often each letter is practised.

Pure: the tutor says what each letter needs and gives the random generator.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Mapping, Sequence

from bartype.core.ngram import practice_form
from bartype.core.records import frozen

MAX_USES = 2
"""A word appears at most this often in one lesson."""


@frozen
class Candidate:
    """A word a lesson may use, with how often each of its letters occurs."""

    word: str
    counts: tuple[tuple[str, int], ...]


def candidate(word: str) -> Candidate:
    """``word`` as a candidate: its letters counted."""
    counts: dict[str, int] = {}
    for ch in word:
        counts[ch] = counts.get(ch, 0) + 1
    return Candidate(word, tuple(counts.items()))


def word_value(candidate: Candidate, needs: Mapping[str, float]) -> float:
    """Practice where it is needed, per keystroke (the space after the word included)."""
    gain = 0.0
    length = 0
    for ch, n in candidate.counts:
        gain += needs.get(ch, 0.0) * n
        length += n
    return gain / (length + 1)


def compose(
    pool: Sequence[Candidate], needs: Mapping[str, float], rng: random.Random, letters: int
) -> list[str]:
    """Words for one lesson of at least ``letters`` letters.

    Each word first picks the letter it is for, with probability growing as
    the square of the letter's need (so the weakest letter gets most words,
    and a letter that is nearly there still gets some), then a word holding
    that letter, by the practice it gives per keystroke to every letter in
    it. How many words a pool holds does not change how often a letter is
    practised.
    """
    values = [word_value(c, needs) for c in pool]
    by_letter: dict[str, list[int]] = {}
    for i, candidate in enumerate(pool):
        for ch, _ in candidate.counts:
            by_letter.setdefault(ch, []).append(i)
    targets = [ch for ch, n in needs.items() if n > 0 and ch in by_letter]
    target_weights = [needs[ch] ** 2 for ch in targets]
    everything = list(range(len(pool)))
    cumulative: dict[str | None, tuple[list[int], list[float]]] = {}

    def draw() -> int:
        letter = rng.choices(targets, target_weights)[0] if targets else None
        if letter not in cumulative:
            indexes = by_letter[letter] if letter is not None else everything
            weights = [values[i] for i in indexes]
            if not any(weights):
                weights = [1.0] * len(indexes)
            cumulative[letter] = (indexes, list(itertools.accumulate(weights)))
        indexes, cum = cumulative[letter]
        return rng.choices(indexes, cum_weights=cum)[0]

    chosen: list[str] = []
    uses: dict[int, int] = {}
    total = 0
    previous = -1
    while total < letters:
        index = draw()
        if len(pool) > 1 and (index == previous or uses.get(index, 0) >= MAX_USES):
            index = draw()  # once: a small pool must still fill a lesson
            if index == previous:
                index = (index + 1) % len(pool)
        uses[index] = uses.get(index, 0) + 1
        previous = index
        chosen.append(pool[index].word)
        total += len(pool[index].word)
    return chosen


def real_words(words: Sequence[str]) -> list[str]:
    """Distinct practice forms of the list's words made of letters, longer than 2."""
    seen: dict[str, None] = {}
    for raw in words:
        word = practice_form(raw.strip())
        if len(word) > 2 and word.isalpha():
            seen.setdefault(word, None)
    return list(seen)
