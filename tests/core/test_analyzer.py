"""Tests for bartype.core.analyzer: full and incremental analysis agree."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bartype.core.analyzer import (
    EXTRA_LIMIT,
    CharCounts,
    CharState,
    Effect,
    IncrementalAnalyzer,
    analyze_differences,
    count_chars,
    word_states,
)
from bartype.core.keystrokes import KeyKind, Keystroke
from bartype.core.normalize import normalize_text

C, U, WRONG, X, M = (
    CharState.CORRECT,
    CharState.UNTYPED,
    CharState.INCORRECT,
    CharState.EXTRA,
    CharState.MISSED,
)


def keys(*items: str) -> list[Keystroke]:
    out = []
    for t, item in enumerate(items):
        if item == "BS":
            out.append(Keystroke.backspace(t))
        elif item == "CBS":
            out.append(Keystroke.delete_word(t))
        else:
            out.extend(Keystroke(KeyKind.CHAR, t, ch) for ch in item)
    return out


def run(text: str | None, *items: str) -> IncrementalAnalyzer:
    analyzer = IncrementalAnalyzer(text)
    for key in keys(*items):
        analyzer.apply(key)
    return analyzer


# -- count_chars: Monkeytype's table ---------------------------------------------


def test_count_chars_correct_word_with_space() -> None:
    """A correct word and its space are all credited to WPM."""
    assert count_chars("the ", "the ", False) == CharCounts(4, 4, 0, 0, 0)


def test_count_chars_wrong_letter_space_becomes_extra() -> None:
    """The space after a wrong word counts as extra, not correct."""
    assert count_chars("thx ", "the ", False) == CharCounts(0, 2, 1, 1, 0)


def test_count_chars_space_too_early() -> None:
    """A space typed before the word's end is incorrect and the rest is missed."""
    assert count_chars("hel ", "hello ", False) == CharCounts(0, 3, 1, 0, 2)


def test_count_chars_extra_letter_then_space() -> None:
    """An extra letter in a committed word is incorrect and its space extra."""
    assert count_chars("abcx ", "abc ", False) == CharCounts(0, 3, 1, 1, 0)


def test_count_chars_open_word_with_extra_letter() -> None:
    """A letter over the separator of an open word is extra."""
    assert count_chars("abcx", "abc ", False) == CharCounts(0, 3, 0, 1, 0)


def test_count_chars_partial_credit() -> None:
    """With partial credit the correct prefix of the open word counts for WPM."""
    assert count_chars("hel", "hello ", True) == CharCounts(3, 3, 0, 0, 0)
    assert count_chars("hel", "hello ", False) == CharCounts(0, 3, 0, 0, 3)


def test_count_chars_newline_separator_like_space() -> None:
    """A newline separator is scored exactly like a space."""
    assert count_chars("def\n", "def\n", False) == CharCounts(4, 4, 0, 0, 0)
    assert count_chars("dex\n", "def\n", False) == CharCounts(0, 2, 1, 1, 0)


# -- display states -----------------------------------------------------------------


def test_word_states_committed_short_word_shows_missed() -> None:
    """Letters skipped by an early space are shown as missed."""
    assert word_states("hel ", "hello ", True) == [
        ("h", C), ("e", C), ("l", C), ("l", M), ("o", M), (" ", C)
    ]  # fmt: skip


def test_word_states_extra_letters_after_target() -> None:
    """Letters typed past the word are shown after it as extra."""
    assert word_states("abcd", "abc ", False) == [
        ("a", C), ("b", C), ("c", C), ("d", X), (" ", U)
    ]  # fmt: skip


def test_word_states_wrong_letter_untyped_rest() -> None:
    """A wrong letter is incorrect and untouched letters stay untyped."""
    assert word_states("tx", "the", False) == [("t", C), ("h", WRONG), ("e", U)]


# -- incremental rules ------------------------------------------------------------


def test_space_on_empty_word_is_blocked() -> None:
    """A space with nothing typed in the word is refused."""
    analyzer = IncrementalAnalyzer("a b")
    assert analyzer.apply(Keystroke(KeyKind.CHAR, 0, " ")).effect is Effect.BLOCKED
    assert analyzer.typed == ""


def test_backspace_cannot_reenter_correct_word() -> None:
    """Backspace at the start of a word does not go back into a correct word."""
    analyzer = run("one two", "one ", "BS")
    assert analyzer.index == 1
    assert analyzer.typed == "one "


def test_backspace_reenters_wrong_word_and_drops_separator() -> None:
    """Backspace on an empty word goes back into a wrong previous word without its space."""
    analyzer = run("one two", "onx ", "BS")
    assert analyzer.index == 0
    assert analyzer.typed == "onx"


def test_ctrl_backspace_clears_word_then_wrong_previous_word() -> None:
    """Ctrl+Backspace clears the open word, and on an empty word clears a wrong previous one."""
    analyzer = run("one two", "onx tw", "CBS")
    assert analyzer.typed == "onx "
    analyzer.apply(Keystroke.delete_word(10))
    assert analyzer.typed == ""
    assert analyzer.index == 0


def test_extra_characters_are_capped() -> None:
    """At most EXTRA_LIMIT characters past a word's end are accepted."""
    analyzer = run("ab cd", "ab" + "x" * (EXTRA_LIMIT + 5))
    assert len(analyzer.typed) == 2 + 1 + EXTRA_LIMIT - 1 + 1  # target "ab " is 3 long


def test_last_word_correct_finishes() -> None:
    """The keystroke that makes the last word right finishes the text."""
    analyzer = IncrementalAnalyzer("ab cd")
    outcomes = [analyzer.apply(k) for k in keys("ab cd")]
    assert outcomes[-1].finished
    assert not any(o.finished for o in outcomes[:-1])


def test_last_word_wrong_needs_space_to_finish() -> None:
    """A wrong last word of full length does not finish; a space after it does."""
    analyzer = IncrementalAnalyzer("ab cd")
    outcomes = [analyzer.apply(k) for k in keys("ab cx")]
    assert not outcomes[-1].finished
    last = analyzer.apply(Keystroke(KeyKind.CHAR, 9, " "))
    assert last.finished and not last.correct
    assert analyzer.typed == "ab cx"


def test_zen_mode_everything_is_correct() -> None:
    """In zen mode every typed character is correct and words are what was typed."""
    analyzer = IncrementalAnalyzer(None)
    outcomes = [analyzer.apply(k) for k in keys("hello wrld ")]
    assert all(o.correct for o in outcomes)
    assert analyzer.counts(False) == CharCounts(11, 11, 0, 0, 0)


def test_non_ascii_text_and_keys() -> None:
    """Accented letters compare after NFC normalisation."""
    decomposed = "cafe\u0301"
    analyzer = IncrementalAnalyzer(decomposed + " ñu")
    for key in keys("café ñu"):
        analyzer.apply(key)
    assert analyzer.finished
    assert analyzer.counts(False).incorrect == 0


def test_analyze_differences_reference_example() -> None:
    """The full analysis classifies a small typed text as expected."""
    analysis = analyze_differences("the quick brown", "thx quick br")
    assert analysis.active_index == 2
    # "thx " 2 right + x wrong + space extra; "quick " all credited; "br" 2 right, 3 missed
    assert analysis.counts == CharCounts(6, 10, 1, 1, 3)


# -- properties ---------------------------------------------------------------------

WORD = st.text(alphabet="abcéñß", min_size=1, max_size=6)
SEPARATOR = st.sampled_from([" ", " ", " ", "\n"])
TEXT = st.lists(st.tuples(WORD, SEPARATOR), min_size=1, max_size=8).map(
    lambda pairs: "".join(word + sep for word, sep in pairs)[:-1]
)
"""Words separated by spaces and, now and then, a line break (as in code)."""
KEY = st.one_of(
    st.sampled_from(list("abcéñß ")),
    st.just("BS"),
    st.just("CBS"),
    st.just("\n"),
    st.integers(min_value=15, max_value=30).map(lambda n: "a" * n),  # past EXTRA_LIMIT
)


def _states_equal(analyzer: IncrementalAnalyzer, text: str | None, partial: bool) -> None:
    full = analyze_differences(text, analyzer.typed, credit_partial=partial)
    assert analyzer.snapshot(partial) == full


@settings(max_examples=300, deadline=None)
@given(TEXT, st.lists(KEY, max_size=60), st.booleans())
def test_incremental_equals_full(text: str, items: list[str], partial: bool) -> None:
    """After any keystroke sequence the incremental analysis equals the full one."""
    analyzer = IncrementalAnalyzer(text)
    for key in keys(*items):
        analyzer.apply(key)
        _states_equal(analyzer, text, partial)


def _expected_outcome(analyzer: IncrementalAnalyzer, ch: str) -> tuple[bool, str | None]:
    """``(correct, expected)`` for typing ``ch`` now, from the rules, not the code under test."""
    if analyzer.zen:
        return True, ch
    word = analyzer.inputs[analyzer.index]
    target = analyzer.targets[analyzer.index]
    expected = target[len(word)] if len(word) < len(target) else None
    return expected == ch, expected


@settings(max_examples=300, deadline=None)
@given(TEXT, st.lists(KEY, max_size=60))
def test_keypress_outcomes_follow_the_rules(text: str, items: list[str]) -> None:
    """Every keypress says whether it was right and which character was expected, and
    ``finished`` is set exactly on the keystroke that completes the text."""
    analyzer = IncrementalAnalyzer(text)
    for key in keys(*items):
        if analyzer.finished:
            break
        before = analyzer.typed
        expected = _expected_outcome(analyzer, key.char) if key.kind is KeyKind.CHAR else None
        word = analyzer.inputs[analyzer.index]
        too_long = (
            not analyzer.zen and len(word) >= len(analyzer.targets[analyzer.index]) + EXTRA_LIMIT
        )
        outcome = analyzer.apply(key)
        if key.kind is KeyKind.CHAR and not key.char.isspace():
            assert outcome.effect is (Effect.BLOCKED if too_long else Effect.TYPED)
        assert outcome.finished == analyzer.finished
        if outcome.effect in (Effect.TYPED, Effect.COMMITTED):
            assert expected is not None
            assert (outcome.correct, outcome.expected) == expected
        elif outcome.effect is Effect.BLOCKED:
            assert analyzer.typed == before


@settings(max_examples=200, deadline=None)
@given(st.lists(KEY, max_size=60), st.booleans())
def test_incremental_equals_full_zen(items: list[str], partial: bool) -> None:
    """In zen mode too the incremental analysis equals the full one."""
    analyzer = IncrementalAnalyzer(None)
    for key in keys(*items):
        analyzer.apply(key)
        _states_equal(analyzer, None, partial)


@settings(max_examples=300, deadline=None)
@given(TEXT, st.lists(KEY, max_size=40), st.integers(min_value=1, max_value=10))
def test_delete_and_retype_leaves_counts_unchanged(text: str, items: list[str], n: int) -> None:
    """Deleting the last characters and retyping them identically changes no count."""
    analyzer = IncrementalAnalyzer(text)
    for key in keys(*items):
        analyzer.apply(key)
    if analyzer.finished:
        return
    before_typed = analyzer.typed
    before = (analyzer.counts(False), analyzer.counts(True), analyzer.snapshot())
    # Delete n characters, only as far as Backspace may go (into wrong words).
    for _ in range(n):
        analyzer.apply(Keystroke.backspace(0))
    removed = before_typed[len(analyzer.typed) :]
    assert before_typed.startswith(analyzer.typed)
    for ch in removed:
        analyzer.apply(Keystroke(KeyKind.CHAR, 0, ch))
    assert analyzer.typed == before_typed
    assert (analyzer.counts(False), analyzer.counts(True), analyzer.snapshot()) == before


# --- indentation (code) -----------------------------------------------------------

CODE = "if x:\n\treturn 1\nelse:\n\t\tpass"


def test_enter_types_the_next_lines_indentation() -> None:
    """After Enter, the indentation of the next line is typed for the typist, as an editor
    would: the caret sits on its first letter and the tabs count as typed right."""
    analyzer = run(CODE, "if x:\n")
    assert analyzer.inputs[-1] == "\t"
    assert run(CODE, "if x:\n", "return 1\n", "else:\n").inputs[-1] == "\t\t"
    done = run(CODE, "if x:\n", "return 1\n", "else:\n", "pass")
    assert done.finished and done.counts(False).incorrect == 0


def test_a_space_where_the_line_breaks_gets_no_indentation() -> None:
    """Only a typed line break indents: after a space the tabs are the typist's to type."""
    analyzer = run(CODE, "if x: ")
    assert analyzer.inputs[-1] == ""
    outcome = analyzer.apply(Keystroke(KeyKind.CHAR, 9, "\t"))
    assert outcome.correct and outcome.expected == "\t"


def test_ctrl_backspace_keeps_the_indentation() -> None:
    """Deleting a word on an indented line leaves its indentation, as in an editor; a second
    one clears the line."""
    analyzer = run(CODE, "if x:\n", "retun")
    analyzer.apply(Keystroke.delete_word(9))
    assert analyzer.inputs[-1] == "\t"
    analyzer.apply(Keystroke.delete_word(10))
    assert analyzer.inputs[-1] == ""


INDENTED_TEXT = st.lists(
    st.tuples(WORD, st.sampled_from([" ", "\n", "\n\t", "\n\t\t"])), min_size=1, max_size=8
).map(lambda pairs: normalize_text("".join(word + sep for word, sep in pairs)))
KEY_OR_TAB = st.one_of(KEY, st.just("\t"))


@settings(max_examples=300, deadline=None)
@given(INDENTED_TEXT, st.lists(KEY_OR_TAB, max_size=60), st.booleans())
def test_incremental_equals_full_with_indentation(
    text: str, items: list[str], partial: bool
) -> None:
    """With indented lines too, the incremental analysis equals the full one of what is typed."""
    analyzer = IncrementalAnalyzer(text)
    for key in keys(*items):
        analyzer.apply(key)
        _states_equal(analyzer, text, partial)
