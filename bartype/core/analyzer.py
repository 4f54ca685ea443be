"""TextAnalyzer: the state of typed input against a target text.

Two entry points share one definition of a word's score (``count_chars``):

* ``analyze_differences(text, typed)`` — the full, obviously-correct analysis
  of a whole typed string, O(n). Kept from the original design as the reference.
* ``IncrementalAnalyzer`` — applies one keystroke at a time. Each keystroke
  touches only the word being typed (at most its length + ``EXTRA_LIMIT``
  characters, or ``ZEN_WORD_LIMIT`` in zen mode), so its cost does not depend
  on the length of the text, nor on how long the test has run.

Words carry their separator (``"the "``); the last word of a text has none.
A word is *committed* when a separator is typed after it. Scoring follows
Monkeytype's ``countChars`` (see docs/metrics.md), with a newline treated
exactly like a space.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from bartype.core.keystrokes import KeyKind, Keystroke
from bartype.core.normalize import INDENT, SEPARATORS, normalize_text, split_words
from bartype.core.records import frozen

EXTRA_LIMIT = 20
"""Characters typed past a word's end beyond this many are dropped, as in Monkeytype."""
ZEN_WORD_LIMIT = 100
"""In zen mode a word is at most this long; further characters (not separators) are
dropped, as past a word's end: a word without end must not grow without bound."""


class CharState(Enum):
    """How one displayed character stands."""

    UNTYPED = "untyped"
    CORRECT = "correct"
    INCORRECT = "incorrect"
    EXTRA = "extra"
    MISSED = "missed"


class CharCounts(NamedTuple):
    """Character classes summed over words (Monkeytype's ``countChars`` result).

    ``correct_word`` counts the characters credited to WPM: those of correctly
    typed words with their separators (and, with partial credit, the correct
    prefix of the word in progress). ``correct`` counts every character typed
    right, whether or not its word is right.
    """

    correct_word: int = 0
    correct: int = 0
    incorrect: int = 0
    extra: int = 0
    missed: int = 0

    # Element-wise sums, not tuple concatenation. A NamedTuple rather than a
    # frozen dataclass because one is built for every keystroke, at a third of the cost.
    def __add__(self, other: CharCounts) -> CharCounts:  # type: ignore[override]
        return add_counts(self, other)

    def __sub__(self, other: CharCounts) -> CharCounts:
        return CharCounts(
            self.correct_word - other.correct_word,
            self.correct - other.correct,
            self.incorrect - other.incorrect,
            self.extra - other.extra,
            self.missed - other.missed,
        )

    @property
    def typed(self) -> int:
        """Characters still in the input: the numerator of raw WPM."""
        return self.correct + self.incorrect + self.extra


ZERO = CharCounts()
_new = tuple.__new__
"""``tuple.__new__(NamedTupleClass, fields)``: every field given, it skips the generated
``__new__`` and its defaults (a third of the cost, for the tuples made on every keystroke)."""


def add_counts(a: CharCounts, b: CharCounts) -> CharCounts:
    """``a + b``, element-wise; called directly where the operator's slot lookup would cost
    more than the sum (the counts of every reply)."""
    p, q, r, s, t = a
    v, w, x, y, z = b
    return _new(CharCounts, (p + v, q + w, r + x, s + y, t + z))


def count_chars(typed: str, target: str, credit_partial: bool) -> CharCounts:
    """Score one word's input against its target (both with separator, if any).

    A port of Monkeytype's ``countChars``: a separator typed in place is
    ``correct`` only if the whole word is right (else ``extra``); a letter
    typed where the separator belongs is ``extra`` while the word is still
    open and ``incorrect`` once the word has been committed.
    """
    if target.startswith(typed):  # the common case: a correct word, or a correct prefix
        n = len(typed)
        if n == len(target) or credit_partial:
            return _new(CharCounts, (n, n, 0, 0, 0))
        return _new(CharCounts, (0, n, 0, 0, len(target) - n))
    # Not a prefix: the word is wrong, nothing in it is credited to WPM.
    typed_has_separator = any(ch in SEPARATORS for ch in typed)
    correct = incorrect = extra = missed = 0
    for i in range(max(len(typed), len(target))):
        typed_ch = typed[i] if i < len(typed) else None
        target_ch = target[i] if i < len(target) else None
        if typed_ch == target_ch:
            if target_ch in SEPARATORS:
                extra += 1
            else:
                correct += 1
        elif typed_ch is None:
            if not credit_partial:
                missed += 1
        elif target_ch is None or (
            target_ch in SEPARATORS and typed_ch not in SEPARATORS and not typed_has_separator
        ):
            extra += 1
        else:
            incorrect += 1
    return CharCounts(0, correct, incorrect, extra, missed)


def word_states(typed: str, target: str, committed: bool) -> list[tuple[str, CharState]]:
    """The characters to display for one word, each with its state.

    Target letters come first (correct, incorrect, missed or untyped), then any
    extra letters typed past the word, then the separator.
    """
    separator = target[-1] if target and target[-1] in SEPARATORS else ""
    letters = target[:-1] if separator else target
    commit_char = ""
    if committed and typed and typed[-1] in SEPARATORS:
        commit_char, typed = typed[-1], typed[:-1]
    states: list[tuple[str, CharState]] = []
    for i, ch in enumerate(letters):
        if i < len(typed):
            states.append((ch, CharState.CORRECT if typed[i] == ch else CharState.INCORRECT))
        else:
            states.append((ch, CharState.MISSED if committed else CharState.UNTYPED))
    for ch in typed[len(letters) :]:
        states.append((ch, CharState.EXTRA))
    if separator:
        if not commit_char:
            state = CharState.UNTYPED
        else:
            state = CharState.CORRECT if commit_char == separator else CharState.INCORRECT
        states.append((separator, state))
    return states


@frozen
class WordAnalysis:
    """One word: its target, what was typed for it, and whether it was committed."""

    target: str
    typed: str
    committed: bool

    @property
    def is_correct(self) -> bool:
        return self.typed == self.target

    def states(self) -> list[tuple[str, CharState]]:
        return word_states(self.typed, self.target, self.committed)


@frozen
class Analysis:
    """The full state of a typed text: every word and the summed counts."""

    words: tuple[WordAnalysis, ...]
    active_index: int
    counts: CharCounts

    def char_states(self) -> list[tuple[str, CharState]]:
        """Every displayed character of the text, in order."""
        return [state for word in self.words for state in word.states()]


def _split_typed(typed: str) -> list[str]:
    """Split typed text into per-word inputs; committed words keep their separator."""
    inputs = [""]
    for ch in typed:
        inputs[-1] += ch
        if ch in SEPARATORS:
            inputs.append("")
    return inputs


def analyze_differences(text: str | None, typed: str, *, credit_partial: bool = False) -> Analysis:
    """Analyse ``typed`` against ``text`` from scratch (the reference algorithm).

    ``text`` is normalised first; ``None`` means zen mode, where whatever is
    typed is the target. ``credit_partial`` credits the correct prefix of the
    word in progress to WPM (time mode and tests ended early).
    """
    inputs = _split_typed(typed)
    if text is None:
        targets = inputs
    else:
        targets = split_words(normalize_text(text))
    active = len(inputs) - 1
    words: list[WordAnalysis] = []
    counts = ZERO
    for i in range(max(len(targets), len(inputs))):
        target = targets[i] if i < len(targets) else ""
        word_input = inputs[i] if i < len(inputs) else ""
        if i <= active:
            counts += count_chars(word_input, target, credit_partial and i == active)
        if target or word_input:
            words.append(WordAnalysis(target, word_input, i < active))
    return Analysis(tuple(words), active, counts)


class Effect(Enum):
    """What a keystroke did to the input."""

    TYPED = "typed"  # a character was added to the word in progress
    COMMITTED = "committed"  # a separator ended the word in progress
    DELETED = "deleted"  # Backspace / Ctrl+Backspace removed something
    BLOCKED = "blocked"  # refused: not logged as a keypress (e.g. space on an empty word)
    NOOP = "noop"  # an editing key with nothing it may delete


class KeyOutcome(NamedTuple):
    """The effect of one keystroke, as the metrics need it.

    ``correct`` and ``expected`` apply to keypresses (TYPED, COMMITTED):
    ``expected`` is the target character at the caret, ``None`` past the word.
    ``finished`` is set on the keystroke that completes a finite text.
    """

    effect: Effect
    correct: bool = False
    expected: str | None = None
    finished: bool = False


_CHAR = KeyKind.CHAR
_BLOCKED = KeyOutcome(Effect.BLOCKED)
_TYPED = Effect.TYPED
_COMMITTED = Effect.COMMITTED
_NOOP = KeyOutcome(Effect.NOOP)
_DELETED = KeyOutcome(Effect.DELETED)


class IncrementalAnalyzer:
    """Applies keystrokes one at a time, in time independent of the text's length.

    Invariant: ``inputs`` has one entry per word up to the word in progress
    (``index``); the scores of the words before it are kept summed in
    ``committed`` so that ``counts()`` only scores the word in progress.

    Rules (Monkeytype's defaults): a separator on an empty word is refused;
    any separator on a non-empty word commits it; Backspace on an empty word
    re-enters the previous word only if that word is wrong (dropping its
    separator); Ctrl+Backspace clears the word in progress, or a wrong
    previous word; at most ``EXTRA_LIMIT`` characters past a word's end.
    Indentation (code): a line break typed before an indented line types that
    line's tabs too, as an editor indents (Monkeytype's code mode does the same),
    and Ctrl+Backspace keeps them; a tab typed where one belongs is right. In
    zen mode (``text=None``) every character is correct, any previous word
    may be re-entered, and a word holds at most ``ZEN_WORD_LIMIT`` characters.
    """

    def __init__(self, text: str | None) -> None:
        self.zen = text is None
        self.targets: list[str] = [] if text is None else split_words(normalize_text(text))
        if not self.zen and not self.targets:
            raise ValueError("the text to type is empty")
        self.inputs: list[str] = [""]
        self.finished = False
        self.committed = ZERO
        """The summed counts of the words before the one in progress."""

    @property
    def index(self) -> int:
        """Index of the word in progress."""
        return len(self.inputs) - 1

    @property
    def typed(self) -> str:
        """The whole input as a string (O(n): for tests and final results)."""
        return "".join(self.inputs)

    def target(self, i: int) -> str:
        """Target of word ``i`` (in zen mode, what was typed for it)."""
        if self.zen:
            return self.inputs[i] if i == self.index else self.targets[i]
        return self.targets[i]

    def counts(self, credit_partial: bool) -> CharCounts:
        """Summed counts up to the word in progress, in O(word length)."""
        inputs = self.inputs
        typed = inputs[-1]
        target = typed if self.zen else self.targets[len(inputs) - 1]  # ``target(index)``
        return add_counts(self.committed, count_chars(typed, target, credit_partial))

    def apply(self, key: Keystroke) -> KeyOutcome:
        """Apply one keystroke and say what it did."""
        if self.finished:
            return _BLOCKED
        if key.kind is not _CHAR:
            return self._delete(whole_word=key.kind is KeyKind.DELETE_WORD)
        # Typing a character: the hot path of every test, so written out
        # without helper calls (``index`` is len(inputs) - 1; ``target(i)``
        # of the open word is the word itself in zen).
        ch = key.char
        inputs = self.inputs
        i = len(inputs) - 1
        word = inputs[i]
        is_separator = ch in SEPARATORS
        if is_separator and not word:
            return _BLOCKED
        zen = self.zen
        expected: str | None
        if zen:
            if not is_separator and len(word) >= ZEN_WORD_LIMIT:
                return _BLOCKED
            target = word
            expected = ch
            last_word = False
        else:
            target = self.targets[i]
            position = len(word)
            expected = target[position] if position < len(target) else None
            if not is_separator and position >= len(target) + EXTRA_LIMIT:
                return _BLOCKED
            last_word = i == len(self.targets) - 1
        correct = expected == ch
        if is_separator:
            if last_word:
                # A separator ends the last word; it is a keypress but not input.
                self.finished = True
                return _new(KeyOutcome, (_COMMITTED, correct, expected, True))
            word += ch
            inputs[i] = word
            if zen:
                self.targets.append(word)
                target = word
            self.committed += count_chars(word, target, False)
            following = "" if zen else self.targets[i + 1]
            if ch == "\n" and following[:1] == INDENT:
                inputs.append(following[: len(following) - len(following.lstrip(INDENT))])
            else:
                inputs.append("")
            return _new(KeyOutcome, (_COMMITTED, correct, expected, False))
        word += ch
        inputs[i] = word
        if last_word and word == target:
            self.finished = True
            return _new(KeyOutcome, (_TYPED, correct, expected, True))
        return _new(KeyOutcome, (_TYPED, correct, expected, False))

    def _delete(self, whole_word: bool) -> KeyOutcome:
        i = self.index
        word = self.inputs[i]
        if word:
            if whole_word:
                indent = word[: len(word) - len(word.lstrip(INDENT))]
                self.inputs[i] = indent if indent != word and not self.zen else ""
            else:
                self.inputs[i] = word[:-1]
            return _DELETED
        if i == 0:
            return _NOOP
        previous = self.inputs[i - 1]
        if not self.zen and previous == self.targets[i - 1]:
            return _NOOP
        self.committed -= count_chars(previous, self.target(i - 1), False)
        self.inputs.pop()
        if self.zen:
            self.targets.pop()
        self.inputs[i - 1] = "" if whole_word else previous[:-1]
        return _DELETED

    def word(self, i: int) -> WordAnalysis:
        """Word ``i`` as it stands (untyped words have an empty input)."""
        typed = self.inputs[i] if i < len(self.inputs) else ""
        target = self.target(i) if i < len(self.targets) or i == self.index else ""
        return WordAnalysis(target, typed, i < self.index)

    def word_count(self) -> int:
        """Number of words to display: the target's, or in zen what was typed."""
        return len(self.inputs) if self.zen else len(self.targets)

    def snapshot(self, credit_partial: bool = False) -> Analysis:
        """The full analysis of the current state (O(n))."""
        words = tuple(self.word(i) for i in range(self.word_count()))
        if self.zen and not words[-1].typed:
            words = words[:-1]
        return Analysis(words, self.index, self.counts(credit_partial))
