"""Texts for new sessions: the bundled library behind a small interface.

The handler asks a ``TextSource`` for the text of a ``CREATE_SESSION`` that
did not bring its own. ``LibraryTexts`` generates it from a ``Corpus`` it is
given (``bartype.storage.corpus.TextLibrary`` reads the bundled one), so the
protocol itself never touches the disk.
"""

from __future__ import annotations

import random
from typing import Protocol

from bartype.core.layouts import layout
from bartype.core.lessons import lesson, lesson_text
from bartype.core.normalize import normalize_text
from bartype.core.records import frozen
from bartype.core.texts import Corpus, TextError, pick_code, pick_quote, random_words
from bartype.protocol.messages import (
    MAX_TEXT_CHARS,
    MAX_WORDS,
    CreateSession,
    ErrorCode,
    ProtocolError,
)

TIME_MODE_WORDS_PER_S = 4
"""Words generated per second of a timed test: 240 WPM before the text runs out."""
MIN_TIME_MODE_WORDS = 50
CODE_SNIPPETS = 3


class TextUnavailable(Exception):
    """No text can be made for these options; the message says what to change."""


@frozen
class MadeText:
    """A text to type (``None`` in zen mode) and where it came from."""

    text: str | None
    text_id: str | None = None


class TextSource(Protocol):
    """Makes the text of a new session."""

    def make(self, options: CreateSession, rng: random.Random) -> MadeText: ...


def words_for(options: CreateSession) -> int:
    """How many words to generate for a words or time test."""
    if options.mode == "words":
        return options.word_count
    words = int(options.duration_s * TIME_MODE_WORDS_PER_S)
    return min(MAX_WORDS, max(MIN_TIME_MODE_WORDS, words))


class LibraryTexts:
    """Texts generated from a corpus (the bundled ``texts/`` folder, read by storage)."""

    def __init__(self, corpus: Corpus) -> None:
        self._corpus = corpus
        self._words: dict[str, list[str]] = {}

    def _word_list(self, language: str) -> list[str]:
        words = self._words.get(language)
        if words is None:
            words = self._words[language] = self._corpus.words(language)
        return words

    def make(self, options: CreateSession, rng: random.Random) -> MadeText:
        """Generate the text for ``options`` (which has no explicit text)."""
        if options.mode == "zen":
            return MadeText(None)
        try:
            if options.mode in ("time", "words"):
                text = random_words(
                    self._word_list(options.language),
                    words_for(options),
                    rng,
                    punctuation=options.punctuation,
                    numbers=options.numbers,
                )
                return MadeText(text, f"words:{options.language}")
            if options.mode == "quote":
                length = None if options.quote_length in (None, "any") else options.quote_length
                quote = pick_quote(self._corpus.quotes(), length, rng)
                return MadeText(quote.text, f"quote:{quote.id}")
            if options.mode == "lesson":
                item = lesson(layout(options.layout), options.lesson_number)
                text = lesson_text(item, self._word_list(options.language), rng)
                return MadeText(text, f"lesson:{item.id}")
            if options.mode == "code":
                lang = options.code or "python"
                snippets = pick_code(self._corpus.code(lang), rng, CODE_SNIPPETS)
                return MadeText(snippets, f"code:{lang}")
        except (TextError, LookupError, OSError, ValueError) as exc:
            raise TextUnavailable(str(exc) or type(exc).__name__) from exc
        raise TextUnavailable(f"{options.mode} mode needs an explicit text")


def session_text(
    texts: TextSource, message: CreateSession, seed: int
) -> tuple[MadeText, str | None]:
    """The text ``CREATE_SESSION`` asks for (its own, or made from ``seed``), and it normalised.

    Raises ``ProtocolError`` (``TEXT_UNAVAILABLE``) when there is none, or it is
    empty or too long once normalised.
    """
    if message.text is not None:
        made = MadeText(message.text, "custom")
    else:
        try:
            made = texts.make(message, random.Random(seed))
        except TextUnavailable as exc:
            raise ProtocolError(
                ErrorCode.TEXT_UNAVAILABLE,
                f"No text for these options ({exc}); change the options or send a text.",
            ) from None
    text = None if made.text is None else normalize_text(made.text)
    if text is not None and (not text or len(text) > MAX_TEXT_CHARS):
        raise ProtocolError(
            ErrorCode.TEXT_UNAVAILABLE,
            f"The text must have 1 to {MAX_TEXT_CHARS} characters after normalisation.",
        )
    return made, text
