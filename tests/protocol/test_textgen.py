"""Texts for new sessions come from the bundled library, reproducibly."""

from __future__ import annotations

import random

import pytest

from bartype.protocol.messages import CreateSession
from bartype.protocol.textgen import LibraryTexts, TextUnavailable, words_for
from bartype.storage.corpus import TextLibrary, default_texts_root


@pytest.mark.parametrize(
    ("options", "prefix"),
    [
        (CreateSession(mode="words", words=10), "words:english"),
        (CreateSession(mode="time", duration=15, punctuation=True, numbers=True), "words:"),
        (CreateSession(mode="quote", quote_length="any"), "quote:"),
        (CreateSession(mode="quote", quote_length="short"), "quote:"),
        (CreateSession(mode="code", code="python"), "code:python"),
    ],
)
def test_each_mode_gets_a_text(options: CreateSession, prefix: str) -> None:
    """Every mode with a text gets a non-empty one and an id saying where it came from."""
    made = LibraryTexts(TextLibrary(default_texts_root())).make(options, random.Random(7))
    assert made.text and made.text_id is not None and made.text_id.startswith(prefix)


def test_same_seed_same_text() -> None:
    """The same options and seed give the same text."""
    source = LibraryTexts(TextLibrary(default_texts_root()))
    options = CreateSession(mode="words", words=20, punctuation=True)
    assert source.make(options, random.Random(3)) == source.make(options, random.Random(3))


def test_word_counts() -> None:
    """Words mode asks for its count; time mode for 4 words a second within bounds."""
    assert words_for(CreateSession(mode="words", words=12)) == 12
    assert words_for(CreateSession(mode="time", duration=30)) == 120
    assert words_for(CreateSession(mode="time", duration=5)) == 50
    assert words_for(CreateSession(mode="time", duration=3600)) == 1000


def test_unknown_language_is_unavailable() -> None:
    """An unknown language raises TextUnavailable with the library's advice."""
    with pytest.raises(TextUnavailable, match="Available"):
        LibraryTexts(TextLibrary(default_texts_root())).make(
            CreateSession(mode="words", language="klingon"), random.Random(1)
        )
    assert (
        LibraryTexts(TextLibrary(default_texts_root()))
        .make(CreateSession(mode="zen"), random.Random(1))
        .text
        is None
    )


def test_lesson_mode_gets_the_layouts_drill() -> None:
    """A lesson test gets a drill of that layout's lesson keys, reproducible from its seed."""
    from bartype.core.layouts import layout
    from bartype.core.lessons import lesson

    source = LibraryTexts(TextLibrary(default_texts_root()))
    options = CreateSession(mode="lesson", layout="dvorak", lesson=1)
    made = source.make(options, random.Random(4))
    assert made.text_id == "lesson:dvorak 1"
    assert made.text and set(made.text) <= set("aoeuidhtns ")
    assert made == source.make(options, random.Random(4))
    assert lesson(layout("dvorak"), 1).keys == frozenset("aoeuidhtns")
