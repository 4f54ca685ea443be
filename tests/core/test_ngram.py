"""Tests for the letter n-gram model behind the tutor's pseudo-words."""

from __future__ import annotations

import random

import pytest

from bartype.core.ngram import LetterModel, practice_form
from bartype.storage.corpus import TextLibrary, default_texts_root

VOWELS = set("aeiouyàâäéèêëîïôöùûüáíóúœ")
LANGUAGES = ("english", "french", "german", "spanish")


@pytest.fixture(scope="module")
def models() -> dict[str, LetterModel]:
    library = TextLibrary(default_texts_root())
    return {lang: LetterModel.from_words(library.words(f"{lang}_1k")) for lang in LANGUAGES}


def test_same_seed_same_words(models: dict[str, LetterModel]) -> None:
    """Words are a function of the seed: equal seeds agree, different seeds do not."""
    model = models["english"]
    letters = set(model.letters[:10])
    a = model.words(random.Random(5), letters, 30)
    b = model.words(random.Random(5), letters, 30)
    c = model.words(random.Random(6), letters, 30)
    assert a == b and a != c


def test_building_twice_gives_the_same_model() -> None:
    """Training is deterministic: two models of one list generate the same words."""
    words = TextLibrary(default_texts_root()).words("german_1k")
    one, two = LetterModel.from_words(words), LetterModel.from_words(words)
    assert one.letters == two.letters
    assert one.words(random.Random(1), set(one.letters), 20) == two.words(
        random.Random(1), set(two.letters), 20
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("unlocked", [6, 10, 100])
def test_words_look_like_the_language(
    models: dict[str, LetterModel], language: str, unlocked: int
) -> None:
    """Words use only allowed letters, most hold a vowel, none is a run of one letter."""
    model = models[language]
    letters = set(model.letters[:unlocked])
    words = model.words(random.Random(unlocked), letters, 200)
    assert len(words) >= 30
    assert all(set(w) <= letters for w in words)
    assert all(len(set(w)) > 1 for w in words)
    assert all(3 <= len(w) <= 10 for w in words)
    with_vowel = sum(1 for w in words if set(w) & VOWELS)
    assert with_vowel >= 0.9 * len(words)


def test_letter_order_follows_frequency(models: dict[str, LetterModel]) -> None:
    """Letters come most frequent first: e leads in English, rare letters come last."""
    letters = models["english"].letters
    assert letters[0] == "e" and set(letters[-4:]) <= set("jxqzkv")
    assert "ß" in models["german"].letters and "ñ" in models["spanish"].letters
    assert abs(sum(models["french"].frequency.values()) - 1) < 1e-9


def test_containing_puts_the_letter_in_every_word(models: dict[str, LetterModel]) -> None:
    """A word asked to hold a rare letter holds it, and stays in the allowed letters."""
    model = models["english"]
    letters = set(model.letters[:12]) | {"z"}
    words = model.words(random.Random(2), letters, 20, containing="z")
    assert words and all("z" in w and set(w) <= letters for w in words)
    assert model.word(random.Random(2), {"a", "b"}, containing="z") is None


def test_boost_leans_toward_a_letter(models: dict[str, LetterModel]) -> None:
    """Boosting a letter makes it more common in the words drawn."""
    model = models["english"]
    letters = set(model.letters[:12])
    plain = "".join(model.words(random.Random(3), letters, 150))
    boosted = "".join(model.words(random.Random(3), letters, 150, boost={"d": 6.0}))
    assert boosted.count("d") / len(boosted) > 1.5 * plain.count("d") / len(plain)


def test_practice_form_keeps_sharp_s() -> None:
    """Practice words are lower case, and German ß is not turned into ss."""
    assert practice_form("Straße") == "straße"


def test_empty_word_list_is_refused() -> None:
    """A list with no word made of letters cannot train a model."""
    with pytest.raises(ValueError, match="no words"):
        LetterModel.from_words(["123", "a-b", ""])
