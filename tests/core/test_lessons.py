"""Tests for the lessons per layout: what each drills, its text, and its pass rule."""

from __future__ import annotations

import random

import pytest

from bartype.core.layouts import LANGUAGE_LAYOUTS, LAYOUTS, layout
from bartype.core.lessons import LessonKind, PassRule, lesson, lesson_text, lessons, next_lesson
from bartype.storage.corpus import TextLibrary, default_texts_root


@pytest.fixture(scope="module")
def library() -> TextLibrary:
    return TextLibrary(default_texts_root())


def _language(name: str) -> str:
    return {v: k for k, v in LANGUAGE_LAYOUTS.items()}.get(name, "english")


def test_every_layout_has_the_seven_lessons_in_order() -> None:
    """Home, top and bottom rows, numbers, symbols, capitals, then real words, numbered from 1."""
    kinds = [k for k in LessonKind]
    for board in LAYOUTS.values():
        found = lessons(board)
        assert [x.kind for x in found] == kinds
        assert [x.number for x in found] == list(range(1, 8))
        assert found[0].id == f"{board.name} 1"


def test_dvorak_lessons_follow_dvorak_rows() -> None:
    """Dvorak's home row lesson drills aoeuidhtns, its top row pyfgcrl, and each lesson
    keeps the keys of the lessons before it."""
    home, top, bottom, numbers, *_ = lessons(layout("dvorak"))
    assert home.new_keys == "aoeuidhtns" and home.keys == frozenset("aoeuidhtns")
    assert top.new_keys == "pyfgcrl" and top.keys == frozenset("aoeuidhtnspyfgcrl")
    assert set(bottom.new_keys) == set("qjkxbmwvz")
    assert numbers.keys >= frozenset("0123456789abcdefghijklmnopqrstuvwxyz")


def test_symbols_leave_out_dead_keys() -> None:
    """A dead key types nothing alone: AZERTY's ^ and ¨, QWERTZ's ^, ´ and ` are not drilled."""
    azerty = lesson(layout("azerty"), 5)
    qwertz = lesson(layout("qwertz"), 5)
    assert not set("^¨") & azerty.keys
    assert not set("^´`") & qwertz.keys
    assert set(",;:!") <= azerty.keys
    assert lesson(layout("azerty"), 7).new_keys.startswith("âêîôû")


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_drills_use_only_the_lesson_keys(name: str, library: TextLibrary) -> None:
    """Whatever the seed, a drill holds only the lesson's keys and single spaces, and the
    row lessons use the keys they introduce."""
    board = layout(name)
    words = library.words(_language(name))
    for item in lessons(board):
        for seed in range(8):
            text = lesson_text(item, words, random.Random(seed))
            assert text and "  " not in text and text == text.strip()
            assert set(text) - {" "} <= item.keys, (item.id, set(text) - item.keys)
            if item.kind in (LessonKind.HOME, LessonKind.TOP, LessonKind.BOTTOM):
                assert all(any(ch in item.new_keys for ch in w) for w in text.split())


def test_home_row_drill_without_words_is_letter_groups() -> None:
    """With no word list, QWERTY's home row drill is groups of its letters, no key three
    times running, each group holding a home key."""
    text = lesson_text(lesson(layout("qwerty"), 1), [], random.Random(3))
    groups = text.split()
    assert len(groups) == 24
    assert all(set(g) <= set("asdfghjkl") and 2 <= len(g) <= 5 for g in groups)
    assert not any(g[i] == g[i + 1] == g[i + 2] for g in groups for i in range(len(g) - 2))


def test_drills_are_seeded(library: TextLibrary) -> None:
    """The same lesson, words and seed give the same drill; another seed another one."""
    words = library.words("english")
    item = lesson(layout("colemak"), 2)
    assert lesson_text(item, words, random.Random(5)) == lesson_text(item, words, random.Random(5))
    assert lesson_text(item, words, random.Random(5)) != lesson_text(item, words, random.Random(6))


def test_symbols_drill_holds_every_symbol_and_capitals_drill_capitals(
    library: TextLibrary,
) -> None:
    """The symbols lesson shows each of its symbols at least once; the capitals lesson
    capitalises words."""
    words = library.words("english")
    symbols = lesson(layout("qwerty"), 5)
    text = lesson_text(symbols, words, random.Random(1))
    assert set(symbols.new_keys) <= set(text)
    capitals = lesson_text(lesson(layout("qwerty"), 6), words, random.Random(1))
    assert sum(w[0].isupper() for w in capitals.split()) >= 8


def test_pass_rule_passes_and_fails() -> None:
    """A lesson passes at or above both its speed and its accuracy, never when unfinished,
    and the verdict says what was missing."""
    rule = PassRule(20, 95)
    assert rule.passed(20, 95) and rule.passed(48.5, 100)
    assert not rule.passed(19.9, 99)
    assert not rule.passed(30, 94.9)
    assert not rule.passed(30, 99, completed=False)
    assert rule.verdict(30, 99) == "passed ✓"
    assert rule.verdict(17, 99.5) == "not passed: needs 20 wpm, 95% (had 17 wpm, 99%)"
    assert rule.verdict(30, 94.99) == "not passed: needs 20 wpm, 95% (had 30 wpm, 94%)"
    assert rule.verdict(30, 99, completed=False) == "not passed (not finished)"


def test_next_lesson_is_the_first_not_passed() -> None:
    """Passing lessons 1 and 2 makes 3 the next; passing all leaves none."""
    found = lessons(layout("qwerty"))
    assert next_lesson(found, set()) is found[0]
    assert next_lesson(found, {1, 2, 4}) is found[2]
    assert next_lesson(found, set(range(1, 8))) is None


def test_unknown_lesson_names_the_choices() -> None:
    """Asking for lesson 9 says which lessons there are."""
    with pytest.raises(ValueError, match="lessons 1 to 7, not 9: 1 home row"):
        lesson(layout("dvorak"), 9)
