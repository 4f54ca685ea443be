"""A letter n-gram model of a language's words, for pronounceable practice words.

Trained on a word list, most common word first. The lists carry ranks, not
counts, so each word is weighted by Zipf's law (the word of rank ``r`` counts
``1 / r``): common words shape the model most, as in keybr's model, which
counts each word as often as a frequency dictionary saw it.

The model predicts the next letter from the three before it (order 4, as
keybr's), backing off to two, one and no letters of context when a row has
nothing allowed. Generation can be restricted to a set of letters and biased
toward some of them; it always ends a word with the model's own end-of-word
weight, boosted as the word grows (``1.3 ** length``, keybr's rule) so words
stay short.

Pure: the word list arrives as an argument and randomness as a
:class:`random.Random`.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["LetterModel", "practice_form", "rank_weights"]

ORDER = 4
"""Context of ``ORDER - 1`` letters predicts the next one."""

MIN_LENGTH = 3
MAX_LENGTH = 10
END_BOOST = 1.3
ATTEMPTS = 8

_START = "^"
_END = "$"


def practice_form(word: str) -> str:
    """A word as the tutor practises it: lower case (``str.lower`` keeps ``ß``)."""
    return word.lower()


class LetterModel:
    """Letter transition weights of a language, with the frequency of each letter.

    Build it with :meth:`from_words`; it holds plain dicts, so building it
    twice from the same list gives the same model and the same words for a seed.
    """

    def __init__(self, rows: dict[str, dict[str, float]], frequency: dict[str, float]) -> None:
        self._rows = rows
        self._prefixes: dict[str, list[tuple[str, float]]] = {}
        self.frequency: Mapping[str, float] = frequency
        """Share of each letter in the weighted words (sums to 1)."""

    @classmethod
    def from_words(cls, words: Iterable[str]) -> LetterModel:
        """Train on words in frequency order (the first is the most common).

        Words are lower-cased; words with characters other than letters are
        skipped (the tutor drills letters). Raises ``ValueError`` if no word is left.
        """
        rows: dict[str, dict[str, float]] = {}
        letter_weight: dict[str, float] = {}
        seen: set[str] = set()
        rank = 0
        for raw in words:
            word = practice_form(raw.strip())
            if not word or not word.isalpha() or word in seen:
                continue
            seen.add(word)
            rank += 1
            weight = 1.0 / rank
            padded = _START + word + _END
            for i in range(1, len(padded)):
                nxt = padded[i]
                for n in range(ORDER):
                    if i - n < 0:
                        break
                    context = padded[i - n : i]
                    row = rows.setdefault(context, {})
                    row[nxt] = row.get(nxt, 0.0) + weight
            for ch in word:
                letter_weight[ch] = letter_weight.get(ch, 0.0) + weight
        if not letter_weight:
            raise ValueError("the word list has no words made only of letters")
        total = sum(letter_weight.values())
        frequency = {
            ch: w / total
            for ch, w in sorted(letter_weight.items(), key=lambda item: (-item[1], item[0]))
        }
        return cls(rows, frequency)

    @property
    def letters(self) -> tuple[str, ...]:
        """Every letter of the language, most frequent first."""
        return tuple(self.frequency)

    def row(self, context: str) -> Mapping[str, float]:
        """Next-letter weights after ``context`` (``"^"`` marks a word start, ``"$"`` an end)."""
        return self._rows.get(context, {})

    def next_weights(self, word: str, allowed: frozenset[str] | set[str]) -> dict[str, float]:
        """Weights of the next character of ``word`` (``"$"`` ends it), only ``allowed`` letters.

        Uses the longest context whose row has an allowed continuation.
        """
        padded = _START + word
        for n in range(ORDER - 1, -1, -1):
            if n > len(padded):
                continue
            row = self._rows.get(padded[len(padded) - n :] if n else "")
            if not row:
                continue
            weights = {ch: w for ch, w in row.items() if ch in allowed or ch == _END}
            if any(ch != _END for ch in weights):
                return weights
        return {}

    def word(
        self,
        rng: random.Random,
        allowed: frozenset[str] | set[str],
        *,
        boost: Mapping[str, float] | None = None,
        min_length: int = MIN_LENGTH,
        max_length: int = MAX_LENGTH,
        containing: str | None = None,
    ) -> str | None:
        """One pronounceable word made only of ``allowed`` letters, or ``None``.

        ``boost`` multiplies the weight of some letters (the tutor's weak
        keys) each time one may come next. With ``containing``, the word holds
        that letter (drawn freely first, then, as keybr does, grown from a
        word start that ends in it). A word that is a run of one letter, or
        that repeats a letter three times in a row, is drawn again.
        """
        usable = frozenset(ch for ch in allowed if ch in self.frequency)
        if not usable or (containing is not None and containing not in usable):
            return None
        min_length = min(min_length, max_length)
        for attempt in range(ATTEMPTS):
            start = ""
            if containing is not None and attempt >= ATTEMPTS // 2:
                # keybr's way: begin with a start of a word that ends in the letter.
                start = self._prefix_with(rng, containing, usable)
            word = self._draw(rng, usable, boost or {}, min_length, max_length, start)
            if word and _looks_like_a_word(word) and (containing is None or containing in word):
                return word
        return None

    def _prefix_with(self, rng: random.Random, letter: str, allowed: frozenset[str]) -> str:
        """A word start ending in ``letter``: a real one of 1-3 letters, or a piece of a word.

        Real starts and pieces from inside words weigh half each.
        """
        prefixes = self._prefixes.get(letter)
        if prefixes is None:
            found: dict[str, float] = {}

            def walk(prefix: str, weight: float) -> None:
                row = self._rows.get(_START + prefix, {})
                total = sum(row.values())
                for ch, w in row.items():
                    if ch == _END:
                        continue
                    grown, p = prefix + ch, weight * w / total
                    if ch == letter:
                        found[grown] = found.get(grown, 0.0) + p
                    if len(grown) < ORDER - 1:
                        walk(grown, p)

            walk("", 1.0)
            # Inside words too (``"raz"`` of "crazy"), for letters that rarely begin one.
            starts = sum(found.values())
            inside: dict[str, float] = {}
            for context, row in self._rows.items():
                if len(context) == ORDER - 2 and _START not in context and letter in row:
                    inside[context + letter] = row[letter]
            total = sum(inside.values())
            for prefix, w in inside.items():
                found[prefix] = found.get(prefix, 0.0) + starts * w / total
            prefixes = self._prefixes[letter] = list(found.items())
        usable = [(p, w) for p, w in prefixes if all(ch in allowed for ch in p)]
        if not usable:
            return letter
        return rng.choices([p for p, _ in usable], [w for _, w in usable])[0]

    def _draw(
        self,
        rng: random.Random,
        allowed: frozenset[str],
        boost: Mapping[str, float],
        min_length: int,
        max_length: int,
        start: str = "",
    ) -> str:
        word = start
        while len(word) < max_length:
            weights = self.next_weights(word, allowed)
            if not weights:
                return ""
            choices: list[str] = []
            cumulative: list[float] = []
            total = 0.0
            for ch, w in weights.items():
                if ch == _END:
                    if len(word) < min_length:
                        continue
                    w *= END_BOOST ** len(word)
                else:
                    w *= boost.get(ch, 1.0)
                if w <= 0.0:
                    continue
                total += w
                choices.append(ch)
                cumulative.append(total)
            if not choices:
                return ""
            pick = rng.random() * total
            index = 0
            while cumulative[index] < pick:
                index += 1
            ch = choices[index]
            if ch == _END:
                return word
            word += ch
        return word

    def words(
        self,
        rng: random.Random,
        allowed: frozenset[str] | set[str],
        count: int,
        *,
        boost: Mapping[str, float] | None = None,
        containing: str | None = None,
    ) -> list[str]:
        """Up to ``count`` distinct words (fewer if the letters allow fewer)."""
        out: dict[str, None] = {}
        for _ in range(count * 3):
            if len(out) >= count:
                break
            word = self.word(rng, allowed, boost=boost, containing=containing)
            if word is not None:
                out[word] = None
        return list(out)


def _looks_like_a_word(word: str) -> bool:
    """Not a run of one letter, and no letter three times in a row."""
    if len(set(word)) < 2:
        return False
    return all(not (word[i] == word[i + 1] == word[i + 2]) for i in range(len(word) - 2))


def rank_weights(words: Sequence[str]) -> list[float]:
    """Zipf weights ``1 / rank`` for a list in frequency order."""
    return [1.0 / (i + 1) for i in range(len(words))]
