"""Lessons per keyboard layout: which keys each drills, its text, and when it is passed.

Every layout (``bartype.core.layouts``) gets the same seven lessons, in the
order touch typing is taught: the home row, the top row, the bottom row,
numbers, punctuation and symbols, capitals, then real words. Each lesson
*introduces* some keys (``Lesson.new_keys``) and may use every key taught
before it (``Lesson.keys``): the top-row lesson drills the top row's letters
with the home row's around them. A drill is made only of the lesson's keys and
spaces, so a Dvorak typist's home-row lesson holds only ``aoeuidhtns``.

Drill text is made from the layout's keys and a word list it is given (real
words made only of the lesson's letters, where enough exist), with a seeded
``random.Random``: the same lesson, words and seed always give the same text.
A lesson is passed by a finished test at or above its ``PassRule`` (speed and
accuracy). Nothing here reads a file or a clock.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Sequence
from enum import Enum

from bartype.core.layouts import Layout, Row
from bartype.core.records import frozen

__all__ = [
    "DRILL_WORDS",
    "Lesson",
    "LessonKind",
    "PassRule",
    "lesson",
    "lesson_text",
    "lessons",
    "next_lesson",
]

DRILL_WORDS = 24
"""Words (or letter groups) in one drill: about a minute at the pass speed."""
MIN_REAL_WORDS = 12
"""Real words made of the lesson's letters needed before a drill uses them."""
MAX_REAL_WORDS = 2000
"""Real words considered, most common first."""
DIGITS = "0123456789"


class LessonKind(Enum):
    """What a lesson drills; the value is how it is named."""

    HOME = "home row"
    TOP = "top row"
    BOTTOM = "bottom row"
    NUMBERS = "numbers"
    SYMBOLS = "punctuation, symbols"
    CAPITALS = "capitals"
    WORDS = "real words"


@frozen
class PassRule:
    """What a finished test of a lesson needs: at least this speed and accuracy."""

    min_wpm: float
    min_accuracy: float
    """In percent, as results show it (95.0)."""

    def passed(self, wpm: float, accuracy: float, completed: bool = True) -> bool:
        """Whether a test at ``wpm`` and ``accuracy`` % passes (one ended early never does)."""
        return completed and wpm >= self.min_wpm and accuracy >= self.min_accuracy

    def verdict(self, wpm: float, accuracy: float, completed: bool = True) -> str:
        """The outcome in words: "passed ✓", or what it needs against what it had."""
        if not completed:
            return "not passed (not finished)"
        if self.passed(wpm, accuracy):
            return "passed ✓"
        return f"not passed: needs {self} (had {wpm:.0f} wpm, {math.floor(accuracy)}%)"

    def __str__(self) -> str:
        return f"{self.min_wpm:g} wpm, {self.min_accuracy:g}%"


RULES = {
    LessonKind.HOME: PassRule(20, 95),
    LessonKind.TOP: PassRule(20, 95),
    LessonKind.BOTTOM: PassRule(20, 94),
    LessonKind.NUMBERS: PassRule(15, 93),
    LessonKind.SYMBOLS: PassRule(15, 93),
    LessonKind.CAPITALS: PassRule(20, 94),
    LessonKind.WORDS: PassRule(30, 95),
}
"""Pass rules by kind: new rows and symbols are slower than words."""


@frozen
class Lesson:
    """One lesson of one layout."""

    layout: str
    """The layout's name ("dvorak")."""
    number: int
    """1 for the first lesson."""
    kind: LessonKind
    new_keys: str
    """The characters this lesson introduces, in keyboard order."""
    keys: frozenset[str]
    """Every character a drill may use besides the space: these and earlier lessons'."""
    rule: PassRule

    @property
    def title(self) -> str:
        return self.kind.value

    @property
    def id(self) -> str:
        """How results and progress name it: "dvorak 3"."""
        return f"{self.layout} {self.number}"


def _letters(layout: Layout, row: Row) -> str:
    return layout.row_letters(row)


def _dead(layout: Layout) -> set[str]:
    """The dead keys: they type nothing by themselves."""
    dead = {key for _, key, _ in layout.dead_keys}
    if "´" in dead:
        dead.add("`")  # shift and the German acute key: the grave accent, dead too
    return dead


def _symbols(layout: Layout) -> str:
    """Punctuation and symbols typed directly (no dead key), in keyboard order."""
    dead = _dead(layout)
    seen: list[str] = []
    for layer in (layout.rows, layout.shifted):
        for keys in layer:
            for ch in keys:
                if not ch.isalnum() and ch not in dead and ch not in seen:
                    seen.append(ch)
    return "".join(seen)


def _capitals(layout: Layout, letters: str) -> str:
    """The capitals of ``letters`` that have a key of their own (not German ``ß``'s "SS")."""
    found = []
    for ch in letters:
        upper = ch.upper()
        if len(upper) == 1 and upper != ch and layout.position(upper) is not None:
            found.append(upper)
    return "".join(found)


def lessons(layout: Layout) -> tuple[Lesson, ...]:
    """The seven lessons of ``layout``, in order."""
    home = _letters(layout, Row.HOME)
    top = _letters(layout, Row.TOP)
    bottom = "".join(ch for ch in _letters(layout, Row.BOTTOM) if ch not in home + top)
    number_letters = "".join(ch for ch in _letters(layout, Row.NUMBER) if ch not in home + top)
    letters = home + top + bottom + number_letters  # AZERTY's é è ç à are on the number row
    capitals = _capitals(layout, letters)
    steps: list[tuple[LessonKind, str]] = [
        (LessonKind.HOME, home),
        (LessonKind.TOP, top),
        (LessonKind.BOTTOM, bottom + number_letters),
        (LessonKind.NUMBERS, DIGITS),
        (LessonKind.SYMBOLS, _symbols(layout)),
        (LessonKind.CAPITALS, capitals),
        # Accented letters reached through a dead key (AZERTY's ê, QWERTZ's é).
        (LessonKind.WORDS, "".join(composed for composed, _, _ in layout.dead_keys)),
    ]
    made: list[Lesson] = []
    keys: set[str] = set()
    for number, (kind, new) in enumerate(steps, start=1):
        keys |= set(new)
        made.append(Lesson(layout.name, number, kind, new, frozenset(keys), RULES[kind]))
    return tuple(made)


def lesson(layout: Layout, number: int) -> Lesson:
    """Lesson ``number`` (from 1) of ``layout``; ``ValueError`` says which there are."""
    found = lessons(layout)
    if not 1 <= number <= len(found):
        raise ValueError(
            f"{layout.title} has lessons 1 to {len(found)}, not {number}: "
            + ", ".join(f"{x.number} {x.title}" for x in found)
            + "."
        )
    return found[number - 1]


def next_lesson(all_lessons: Sequence[Lesson], passed: Collection[int]) -> Lesson | None:
    """The first lesson not passed yet (``None`` when every one is)."""
    for item in all_lessons:
        if item.number not in passed:
            return item
    return None


# -- drill text ----------------------------------------------------------------


def _group(rng: random.Random, pool: str, focus: str, low: int = 2, high: int = 5) -> str:
    """A letter group as gtypist drills them ("fjdk"): at least one focus key, no key
    three times in a row."""
    length = rng.randint(low, high)
    chars = [rng.choice(focus)]
    while len(chars) < length:
        ch = rng.choice(pool)
        if len(chars) >= 2 and chars[-1] == chars[-2] == ch:
            continue
        chars.append(ch)
    rng.shuffle(chars)
    return "".join(chars)


def _real_words(words: Sequence[str], allowed: Collection[str], focus: str) -> list[str]:
    """Common words made only of ``allowed`` characters and holding a ``focus`` one."""
    found = []
    for word in words[:MAX_REAL_WORDS]:
        if len(word) >= 2 and all(ch in allowed for ch in word):
            if not focus or any(ch in focus for ch in word):
                found.append(word)
    return found


def _mixed(rng: random.Random, count: int, real: list[str], make: Callable[[], str]) -> list[str]:
    """Half real words (when there are enough), half made-up groups."""
    out = []
    for _ in range(count):
        if len(real) >= MIN_REAL_WORDS and rng.random() < 0.5:
            out.append(rng.choice(real))
        else:
            out.append(make())
    return out


def lesson_text(
    item: Lesson, words: Sequence[str], rng: random.Random, count: int = DRILL_WORDS
) -> str:
    """A drill for ``item``: ``count`` words of its keys only, separated by single spaces.

    ``words`` is the language's word list, most common first (may be empty: the
    drill is then made-up letter groups); only words made of the lesson's
    characters are used.
    """
    letters = "".join(sorted(ch for ch in item.keys if ch.isalpha() and ch.islower()))
    lower = frozenset(letters)
    kind = item.kind
    if kind in (LessonKind.HOME, LessonKind.TOP, LessonKind.BOTTOM):
        focus = item.new_keys or letters
        real = _real_words(words, lower, focus)
        tokens = _mixed(rng, count, real, lambda: _group(rng, letters, focus))
    elif kind is LessonKind.NUMBERS:
        real = _real_words(words, lower, "")
        tokens = []
        for i in range(count):
            if i % 2 == 0 or len(real) < MIN_REAL_WORDS:
                tokens.append("".join(rng.choice(DIGITS) for _ in range(rng.randint(1, 4))))
            else:
                tokens.append(rng.choice(real))
    elif kind is LessonKind.SYMBOLS:
        real = _real_words(words, lower, "") or [_group(rng, letters, letters) for _ in range(20)]
        order = list(item.new_keys)
        rng.shuffle(order)
        tokens = []
        for i in range(max(count, len(order))):
            # Every symbol once before any comes again, each next to a word as in prose.
            symbol = order[i % len(order)] if order else ""
            word = rng.choice(real)
            tokens.append(word + symbol if rng.random() < 0.6 else symbol + word)
    elif kind is LessonKind.CAPITALS:
        real = _real_words(words, lower, "") or [_group(rng, letters, letters) for _ in range(20)]
        capitals = set(item.new_keys)
        able = [w for w in real if w[0].upper() in capitals]
        tokens = []
        for i in range(count):
            if i % 2 == 0 and able:
                word = rng.choice(able)
                tokens.append(word[0].upper() + word[1:])
            else:
                tokens.append(rng.choice(real))
    else:
        typable = frozenset(ch for ch in item.keys if ch.isalpha() and ch.islower())
        real = _real_words(words, typable, "")
        if not real:
            real = [_group(rng, letters, letters, 3, 7) for _ in range(40)]
        tokens = [rng.choice(real) for _ in range(count)]
    return " ".join(tokens)
