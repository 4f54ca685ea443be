"""Bigram drills: practice text built around the typist's slowest bigrams.

``bartype play --bigrams`` asks ``bartype.core.progress`` for the slowest bigrams
of the local history and this module for a text: real words of the language
that hold them, the slowest drawn most often, common words before rare ones.
Pure: the words and the randomness are passed in.
"""

from __future__ import annotations

import random
from collections.abc import Sequence


def bigram_drill(
    words: Sequence[str],
    bigrams: Sequence[tuple[str, float]],
    rng: random.Random,
    count: int = 25,
) -> str | None:
    """``count`` words, each holding one of ``bigrams`` (pairs of letters and their mean
    time in ms, slowest first), drawn in proportion to that time.

    ``words`` are the language's, most frequent first: a word of rank ``r`` weighs
    ``1 / r`` among those holding a bigram (Zipf's law), so the drill reads like the
    language. Returns ``None`` when no word holds any of the bigrams.
    """
    holders: list[tuple[str, float, list[str], list[float]]] = []
    for bigram, mean_ms in bigrams:
        found = [(w, 1.0 / (rank + 1)) for rank, w in enumerate(words) if bigram in w.lower()]
        if found:  # a bigram no word holds is left out
            holders.append((bigram, mean_ms, [w for w, _ in found], [x for _, x in found]))
    if not holders:
        return None
    weights = [mean_ms for _, mean_ms, _, _ in holders]
    drawn: list[str] = []
    for _ in range(count):
        _, _, choices, zipf = rng.choices(holders, weights)[0]
        word = rng.choices(choices, zipf)[0]
        if drawn and word == drawn[-1] and len(choices) > 1:
            word = rng.choices(choices, zipf)[0]  # once: a word twice in a row reads as a typo
        drawn.append(word)
    return " ".join(drawn)
