"""Tests for the one options value, its modes, limits, defaults and labels."""

from __future__ import annotations

import pytest

from bartype.core.options import (
    DEFAULT_DURATION_S,
    DEFAULT_WORDS,
    MODE_RULES,
    MODES,
    Mode,
    TestLabel,
    TestOptions,
)


def test_every_mode_has_rules() -> None:
    """A mode without rules could not be offered, generated or saved."""
    assert set(MODE_RULES) == set(Mode)
    assert MODES == tuple(m.value for m in Mode)


def test_modes_compare_equal_to_their_protocol_names() -> None:
    """A Mode is its wire name, so decoded strings and members agree."""
    # mypy sees no overlap, but a StrEnum member is a str equal to its value.
    assert Mode.TIME == "time"  # type: ignore[comparison-overlap]
    assert Mode("code") is Mode.CODE


def test_defaults_fill_in_what_was_not_given() -> None:
    """No duration or word count means the documented defaults."""
    options = TestOptions()
    assert options.duration_s == DEFAULT_DURATION_S
    assert options.word_count == DEFAULT_WORDS
    assert options.label == "time 30"
    assert TestOptions(mode="words").label == "words 25"
    assert TestOptions(mode="quote").label == "quote any"
    assert TestOptions(mode="code").label == "code python"


@pytest.mark.parametrize(
    ("options", "label"),
    [
        (
            TestOptions(duration=60, punctuation=True),
            TestLabel("time", "60", "english", None, "punctuation"),
        ),
        (
            TestOptions(mode="words", words=10, numbers=True, language="german"),
            TestLabel("words", "10", "german", None, "numbers"),
        ),
        (
            TestOptions(mode="quote", punctuation=True),
            TestLabel("quote", "17", None, "quote:17", ""),
        ),
        (TestOptions(mode="code", code="rust"), TestLabel("code", "rust", None, "code:rust", "")),
        (TestOptions(mode="zen"), TestLabel("zen", "", None, None, "")),
        (
            TestOptions(mode="adaptive", language="german", punctuation=True, text="ein"),
            TestLabel("adaptive", "", "german", "custom", ""),
        ),
        (
            TestOptions(mode="lesson", layout="dvorak", lesson=3, language="german"),
            TestLabel("lesson", "dvorak 3", None, None, ""),
        ),
    ],
)
def test_results_are_labelled_by_what_makes_them_comparable(
    options: TestOptions, label: TestLabel
) -> None:
    """Text options label only generated word tests, a language those and adaptive
    practice (a profile per language); a quote its id."""
    text_id = {"quote": "quote:17", "code": "code:rust", "adaptive": "custom"}.get(options.mode)
    assert options.label_for(text_id) == label


def test_a_words_test_is_labelled_by_the_words_it_really_had() -> None:
    """A text sent for a words test counts its own words."""
    assert TestOptions(mode="words", words=25).label_for(None, word_count=7).mode2 == "7"


@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (TestOptions(mode="bogus"), "mode must be one of"),
        (TestOptions(duration=0.5), "duration must be"),
        (TestOptions(mode="words", words=0), "words must be"),
        (TestOptions(mode="quote", quote_length="huge"), "quote length"),
        (TestOptions(mode="custom"), "needs the text"),
    ],
)
def test_options_that_make_no_test_say_why(options: TestOptions, problem: str) -> None:
    """Each limit is checked in one place and explained in words."""
    assert any(problem in p for p in options.problems())


def test_good_options_have_no_problems() -> None:
    """Every mode's defaults make a test (custom with its text)."""
    for mode in Mode:
        text = "some text" if MODE_RULES[mode].needs_text else None
        assert TestOptions(mode=mode, text=text).problems() == []


def test_adaptive_practice_brings_its_text_and_is_not_raced() -> None:
    """Adaptive lessons are made by the client, may be the saved default, end where the
    text ends, and are one typist's: no race is typed on one."""
    from bartype.protocol.messages import RACE_MODES

    rules = MODE_RULES[Mode.ADAPTIVE]
    assert rules.needs_text and rules.savable and rules.finish_line and rules.from_profile
    assert "adaptive mode needs the text" in " ".join(TestOptions(mode="adaptive").problems())
    assert "adaptive" not in RACE_MODES and "custom" in RACE_MODES


def test_bigram_drills_bring_their_text_are_filed_by_language_and_not_raced() -> None:
    """A bigram drill is made by the client from its typist's history: it needs its text,
    is not a default to save, is filed under its language, and is not raced on."""
    from bartype.protocol.messages import RACE_MODES

    rules = MODE_RULES[Mode.BIGRAMS]
    assert rules.needs_text and not rules.savable and rules.from_profile
    options = TestOptions(mode="bigrams", language="german", text="über")
    assert options.label_for("custom") == TestLabel("bigrams", "", "german", "custom", "")
    assert "bigrams" not in RACE_MODES
