"""Texts as values: quotes, code snippets, the parsers of corpus files, the generators.

Nothing here reads a file: ``bartype.storage.corpus`` reads the corpus folder and hands
the contents to the parsers below, which say what is wrong with a file in words. Every
text handed out has been through :func:`bartype.core.normalize.normalize_text`.

The generators take an explicit :class:`random.Random`, so a seed gives the
same text every time (races, replays, tests) and the global random state is
never touched.
"""

from __future__ import annotations

import json
import random
import unicodedata
from collections.abc import Sequence
from typing import Protocol

from bartype.core.normalize import normalize_text
from bartype.core.records import frozen

__all__ = [
    "QUOTE_LENGTHS",
    "CodeSnippet",
    "Corpus",
    "Quote",
    "TextError",
    "check_custom_text",
    "list_size",
    "parse_quotes",
    "parse_snippets",
    "parse_word_list",
    "pick_code",
    "pick_quote",
    "random_words",
]

QUOTE_LENGTHS = ("short", "medium", "long")
"""Quote length classes, by character count: <=100, <=300, >300."""

SHORT_QUOTE_MAX = 100
MEDIUM_QUOTE_MAX = 300

SNIPPET_SEPARATOR = "---"

# random_words tuning (probabilities are per word).
SENTENCE_MIN_WORDS = 5
SENTENCE_MAX_WORDS = 15
NUMBER_RATE = 0.10
COMMA_RATE = 0.10
SEMICOLON_RATE = 0.02
COLON_RATE = 0.02
QUOTE_WRAP_RATE = 0.03
PAREN_WRAP_RATE = 0.03
DASH_RATE = 0.03
SENTENCE_ENDINGS = (".", ".", ".", ".", "?", "!")

_ALLOWED_CONTROLS = frozenset("\t\n\r")


class TextError(ValueError):
    """A text file or request that cannot be used; the message says what to do."""


@frozen
class Quote:
    """One quotation: its stable id, the text to type and where it comes from."""

    id: int
    text: str
    source: str

    @property
    def length(self) -> str:
        """``"short"``, ``"medium"`` or ``"long"`` by character count (<=100, <=300, >300)."""
        n = len(self.text)
        if n <= SHORT_QUOTE_MAX:
            return "short"
        if n <= MEDIUM_QUOTE_MAX:
            return "medium"
        return "long"


@frozen
class CodeSnippet:
    """One code snippet; ``index`` is its 0-based position in the language's file."""

    language: str
    index: int
    text: str


def list_size(name: str) -> int:
    """The size a list name promises: ``english_200`` -> 200, ``german_1k`` -> 1000."""
    _, _, suffix = name.rpartition("_")
    multiplier = 1
    if suffix.endswith("k"):
        suffix, multiplier = suffix[:-1], 1000
    try:
        return int(suffix) * multiplier
    except ValueError:
        return 10**9  # unnamed sizes sort last


def parse_word_list(text: str, where: str) -> list[str]:
    """The words of a word list file (one per line), normalised, duplicates dropped.

    ``where`` names the file in error messages.
    """
    words: list[str] = []
    seen: set[str] = set()
    for line_no, raw in enumerate(text.splitlines(), start=1):
        word = normalize_text(raw)
        if not word:
            continue
        if any(ch.isspace() for ch in word):
            raise TextError(
                f"{where} line {line_no}: {word!r} is more than one word. "
                "Put one word on each line."
            )
        if word not in seen:
            seen.add(word)
            words.append(word)
    if not words:
        raise TextError(f"Word list {where} has no words. Put one word on each line.")
    return words


def parse_quotes(text: str, where: str) -> list[Quote]:
    """The quotes of a JSON Lines file of ``{"id", "text", "source"}`` objects."""
    quotes: list[Quote] = []
    ids: set[int] = set()
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        at = f"{where} line {line_no}"
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise TextError(f"{at} is not valid JSON ({exc.msg}).") from None
        if not isinstance(obj, dict):
            raise TextError(f'{at}: expected an object {{"id", "text", "source"}}.')
        quote_id, body, source = obj.get("id"), obj.get("text"), obj.get("source")
        if not isinstance(quote_id, int) or isinstance(quote_id, bool):
            raise TextError(f'{at}: "id" must be an integer.')
        if not isinstance(body, str) or not normalize_text(body):
            raise TextError(f'{at}: "text" must be a non-empty string.')
        if not isinstance(source, str) or not source.strip():
            raise TextError(f'{at}: "source" must name the author and work.')
        if quote_id in ids:
            raise TextError(f"{at}: id {quote_id} is used twice. Give each quote its own id.")
        ids.add(quote_id)
        quotes.append(Quote(quote_id, normalize_text(body), " ".join(source.split())))
    if not quotes:
        raise TextError(f"{where} has no quotes. Add one JSON object per line.")
    return quotes


def parse_snippets(text: str, language: str, where: str) -> list[CodeSnippet]:
    """The snippets of a code file, separated by lines that are exactly ``---``."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip() == SNIPPET_SEPARATOR:
            blocks.append([])
        else:
            blocks[-1].append(line)
    snippets: list[CodeSnippet] = []
    for block in blocks:
        body = normalize_text("\n".join(block))
        if body:
            snippets.append(CodeSnippet(language, len(snippets), body))
    if not snippets:
        raise TextError(f"{where} has no snippets. Separate snippets with a line '---'.")
    return snippets


def _describe_char(ch: str) -> str:
    code = f"U+{ord(ch):04X}"
    try:
        return f"{code} ({unicodedata.name(ch)})"
    except ValueError:
        return code


def check_custom_text(text: str, where: str) -> str:
    """A user's own text, normalised; a :class:`TextError` for what cannot be typed.

    Control characters other than tab, newline and CR are refused (naming the first one and
    its line), and so is a text that is empty or whitespace only after normalisation.
    """
    for line_no, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        for column, ch in enumerate(line, start=1):
            if ch not in _ALLOWED_CONTROLS and unicodedata.category(ch) == "Cc":
                raise TextError(
                    f"{where} line {line_no}, column {column}: control character "
                    f"{_describe_char(ch)} cannot be typed. Remove it; only tabs and "
                    "line breaks are allowed."
                )
    normalized = normalize_text(text)
    if not normalized:
        what = "is empty" if not text else "contains only whitespace"
        raise TextError(f"{where} {what}. Put some text to type in it.")
    return normalized


class Corpus(Protocol):
    """Where word lists, quotes and code snippets come from (``storage.corpus.TextLibrary``)."""

    def words(self, name: str) -> list[str]:
        """The words of a list, by list name or by language name."""
        ...

    def quotes(self) -> list[Quote]:
        """Every quote."""
        ...

    def code(self, language: str) -> list[CodeSnippet]:
        """The snippets of one programming language."""
        ...


# --- generators ------------------------------------------------------------


def _random_number(rng: random.Random) -> str:
    digits = rng.randint(1, 4)
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return str(rng.randrange(low, 10**digits))


def _pick_words(words: Sequence[str], count: int, rng: random.Random, numbers: bool) -> list[str]:
    """``count`` tokens, never the same twice in a row."""
    distinct = list(dict.fromkeys(normalize_text(w) for w in words))
    distinct = [w for w in distinct if w]
    if not distinct:
        raise TextError("The word list is empty. Choose a list that has words in it.")
    if len(distinct) < 2 and count > 1:
        raise TextError(
            "The word list needs at least two different words so no word repeats twice in a row."
        )
    n = len(distinct)
    tokens: list[str] = []
    previous_index = -1
    for _ in range(count):
        previous = tokens[-1] if tokens else None
        if numbers and rng.random() < NUMBER_RATE:
            token = _random_number(rng)
            while token == previous:
                token = _random_number(rng)
            previous_index = -1
        else:
            index = rng.randrange(n)
            if n > 1 and (index == previous_index or distinct[index] == previous):
                index = (index + 1 + rng.randrange(n - 1)) % n
            token = distinct[index]
            previous_index = index
        tokens.append(token)
    return tokens


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:]


def _punctuate(tokens: list[str], rng: random.Random) -> list[str]:
    """Sentence case, sentence ends, commas, quotes, parentheses and dashes."""
    out: list[str] = []
    sentence_left = rng.randint(SENTENCE_MIN_WORDS, SENTENCE_MAX_WORDS)
    start_of_sentence = True
    last = len(tokens) - 1
    for i, token in enumerate(tokens):
        word = _capitalise(token) if start_of_sentence else token
        start_of_sentence = False
        sentence_left -= 1
        if i == last:
            out.append(word + ".")
            break
        if sentence_left <= 0:
            out.append(word + rng.choice(SENTENCE_ENDINGS))
            sentence_left = rng.randint(SENTENCE_MIN_WORDS, SENTENCE_MAX_WORDS)
            start_of_sentence = True
            continue
        roll = rng.random()
        if roll < QUOTE_WRAP_RATE:
            word = f'"{word}"'
        elif roll < QUOTE_WRAP_RATE + PAREN_WRAP_RATE:
            word = f"({word})"
        roll = rng.random()
        if roll < COMMA_RATE:
            word += ","
        elif roll < COMMA_RATE + SEMICOLON_RATE:
            word += ";"
        elif roll < COMMA_RATE + SEMICOLON_RATE + COLON_RATE:
            word += ":"
        elif roll < COMMA_RATE + SEMICOLON_RATE + COLON_RATE + DASH_RATE:
            out.append(word)
            word = "-"
        out.append(word)
    return out


def random_words(
    words: Sequence[str],
    count: int,
    rng: random.Random,
    *,
    punctuation: bool = False,
    numbers: bool = False,
) -> str:
    """``count`` words joined by spaces.

    Never the same word twice in a row. With ``punctuation`` (Monkeytype-like):
    capitalise the first word and words after . ? !, end sentences with . ? !
    every 5-15 words, occasional , ; : and quotes/parentheses around single
    words or a standalone ``-`` dash between two words (a dash is not one of the
    ``count`` words), end with a full stop. With ``numbers``: replace about 10%
    of words by 1-4 digit numbers. Deterministic given the rng state.
    """
    if count < 1:
        raise TextError(f"Asked for {count} words; ask for at least 1.")
    tokens = _pick_words(words, count, rng, numbers)
    if punctuation:
        tokens = _punctuate(tokens, rng)
    return normalize_text(" ".join(tokens))


def pick_quote(quotes: Sequence[Quote], length: str | None, rng: random.Random) -> Quote:
    """A random quote of the given length class (``None`` = any length)."""
    if length is not None and length not in QUOTE_LENGTHS:
        raise TextError(f"Unknown quote length {length!r}. Use one of: {', '.join(QUOTE_LENGTHS)}.")
    pool = [q for q in quotes if length is None or q.length == length]
    if not pool:
        what = f"{length} quotes" if length else "quotes"
        raise TextError(f"There are no {what} to choose from. Try another length.")
    return rng.choice(pool)


def pick_code(snippets: Sequence[CodeSnippet], rng: random.Random, count: int = 1) -> str:
    """``count`` random snippets joined by newlines.

    No snippet repeats until all have been used, and never twice in a row.
    """
    if count < 1:
        raise TextError(f"Asked for {count} snippets; ask for at least 1.")
    if not snippets:
        raise TextError("There are no code snippets to choose from.")
    pool = list(snippets)
    chosen: list[CodeSnippet] = []
    while len(chosen) < count:
        batch = rng.sample(pool, len(pool))
        if chosen and len(batch) > 1 and batch[0] == chosen[-1]:
            batch.append(batch.pop(0))
        chosen.extend(batch)
    return normalize_text("\n".join(s.text for s in chosen[:count]))
