"""What a test is called on the typing and results screens."""

from __future__ import annotations

from bartype.tui.attempt import TestSpec
from bartype.tui.heading import heading_for, quote_source


def test_generated_words_name_their_language_and_options() -> None:
    """A words or time test names its word list and text options in full words."""
    spec = TestSpec(mode="words", words=25, language="german", punctuation=True, numbers=True)
    assert heading_for(spec) == "words 25  ·  german  ·  punctuation, numbers"
    assert heading_for(TestSpec(mode="time", duration=30)) == "time 30  ·  english"


def test_a_quote_names_its_source_and_a_file_its_name() -> None:
    """A quote gives where it is from; a custom text the file it came from."""
    assert heading_for(TestSpec(mode="quote"), source="Moby Dick") == "quote any  ·  Moby Dick"
    custom = TestSpec(mode="custom", text="hello there")
    assert heading_for(custom, file_name="notes.txt") == "custom  ·  notes.txt"
    assert heading_for(custom) == "custom"
    assert heading_for(TestSpec(mode="code", code="rust"), source="x") == "code rust"


def test_quote_sources_come_from_the_bundled_quotes() -> None:
    """A bundled quote's id gives its source; an unknown id or another kind of text none."""
    from bartype.storage.corpus import TextLibrary, default_texts_root

    quote = TextLibrary(default_texts_root()).quotes()[0]
    assert quote_source(f"quote:{quote.id}") == quote.source
    assert quote_source("quote:999999") is None
    assert quote_source("custom:abc") is None
    assert quote_source(None) is None
