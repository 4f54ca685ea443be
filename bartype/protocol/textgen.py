"""Texts for new sessions: the bundled library behind a small interface.

The handler asks a ``TextSource`` for the text of a ``CREATE_SESSION`` that
did not bring its own. ``LibraryTexts`` uses ``bartype.core.texts`` (imported
on first use, so the protocol imports without touching the disk).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from bartype.protocol.messages import MAX_WORDS, CreateSession

TIME_MODE_WORDS_PER_S = 4
"""Words generated per second of a timed test: 240 WPM before the text runs out."""
MIN_TIME_MODE_WORDS = 50
CODE_SNIPPETS = 3


class TextUnavailable(Exception):
    """No text can be made for these options; the message says what to change."""


@dataclass(frozen=True, slots=True)
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
        return options.words or 25
    duration = options.duration or 30.0
    return min(MAX_WORDS, max(MIN_TIME_MODE_WORDS, int(duration * TIME_MODE_WORDS_PER_S)))


def _as_text(value: Any, sep: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return sep.join(_as_text(v, sep) for v in value)
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return text
    raise TextUnavailable(f"the text library returned {type(value).__name__}, not a text")


class LibraryTexts:
    """Texts from the bundled library (``texts/``) or another root."""

    def __init__(self, root: Path | None = None) -> None:
        self._root = root
        self._library: Any = None
        self._words: dict[str, Any] = {}

    def _lib(self) -> Any:
        if self._library is None:
            try:
                from bartype.core import texts
            except ImportError as exc:  # pragma: no cover - only while texts.py is missing
                raise TextUnavailable(
                    "this build has no text library; send an explicit text"
                ) from exc
            root = self._root if self._root is not None else texts.default_texts_root()
            self._library = (texts, texts.TextLibrary(root))
        return self._library

    def make(self, options: CreateSession, rng: random.Random) -> MadeText:
        """Generate the text for ``options`` (which has no explicit text)."""
        if options.mode == "zen":
            return MadeText(None)
        module, library = self._lib()
        error: type[Exception] = getattr(module, "TextError", LookupError)
        try:
            if options.mode in ("time", "words"):
                words = self._words.get(options.language)
                if words is None:
                    words = self._words[options.language] = library.words(options.language)
                count = words_for(options)
                text = module.random_words(
                    words,
                    count,
                    rng,
                    punctuation=options.punctuation,
                    numbers=options.numbers,
                )
                return MadeText(_as_text(text, " "), f"words:{options.language}")
            if options.mode == "quote":
                length = None if options.quote_length in (None, "any") else options.quote_length
                quote = module.pick_quote(library.quotes(), length, rng)
                quote_id = getattr(quote, "id", None)
                return MadeText(
                    _as_text(quote, " "), None if quote_id is None else f"quote:{quote_id}"
                )
            if options.mode == "code":
                lang = options.code or "python"
                snippets = module.pick_code(library.code(lang), rng, CODE_SNIPPETS)
                return MadeText(_as_text(snippets, "\n"), f"code:{lang}")
        except (error, LookupError, OSError, ValueError) as exc:
            raise TextUnavailable(str(exc) or type(exc).__name__) from exc
        raise TextUnavailable(f"{options.mode} mode needs an explicit text")
