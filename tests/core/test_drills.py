"""Bigram drills: words holding the slowest bigrams, seeded."""

from __future__ import annotations

import random

from bartype.core.drills import bigram_drill

WORDS = ["the", "of", "over", "love", "cover", "quick", "oven", "dog", "zebra", "move"]


def test_every_word_holds_a_drilled_bigram() -> None:
    """Each word of the drill contains one of the bigrams asked for."""
    text = bigram_drill(WORDS, [("ov", 500.0), ("qu", 300.0)], random.Random(1), count=40)
    assert text is not None
    words = text.split()
    assert len(words) == 40
    assert all("ov" in w or "qu" in w for w in words)


def test_the_slowest_bigram_comes_most_often() -> None:
    """A bigram twice as slow is drilled about twice as often."""
    text = bigram_drill(WORDS, [("ov", 600.0), ("qu", 300.0)], random.Random(2), count=600)
    assert text is not None
    ov = sum("ov" in w for w in text.split())
    assert 340 < ov < 460  # two thirds of 600 is 400


def test_a_seed_gives_the_same_drill() -> None:
    """The same seed gives the same text; another seed another one."""
    bigrams = [("ov", 500.0), ("ze", 400.0)]
    one = bigram_drill(WORDS, bigrams, random.Random(7))
    assert one == bigram_drill(WORDS, bigrams, random.Random(7))
    assert one != bigram_drill(WORDS, bigrams, random.Random(8))


def test_no_word_for_any_bigram_gives_none() -> None:
    """Bigrams no word holds leave nothing to drill: None, for the caller to explain."""
    assert bigram_drill(WORDS, [("xj", 900.0)], random.Random(1)) is None
    assert bigram_drill(WORDS, [], random.Random(1)) is None
