"""What a bigram drill is made from: the typist's slowest bigrams and the language's words.

``bartype play --bigrams`` reads them once (``load_drill_source``) and makes each
drill with ``bartype.core.drills.bigram_drill``.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from bartype.core.options import DEFAULT_LANGUAGE
from bartype.core.progress import KeyTotals, progress
from bartype.storage.corpus import TextLibrary
from bartype.storage.history import History
from bartype.storage.tutor_profiles import practice_words, profile_language


class DrillSource(NamedTuple):
    """The words of the language (most common first) and the slowest bigrams, slowest first,
    each with its mean time in ms."""

    words: list[str]
    bigrams: list[tuple[str, float]]


def load_drill_source(
    history_path: Path | None, library: TextLibrary, language: str
) -> DrillSource:
    """Read the bigrams of the results typed in ``language`` (and, for English, of quotes and
    texts, which are English) and the language's words; the bigrams are summed from the
    totals the history keeps per result (``bartype.storage.key_totals``).

    Raises:
        TextError: the library has no word list for this language.
    """
    words = practice_words(library, language)
    base = profile_language(language)
    totals = KeyTotals()
    if history_path is not None and history_path.exists():
        with History(history_path) as history:
            history.fill_key_totals()
            languages = [
                lang
                for lang in history.languages()
                if (profile_language(lang) if lang else DEFAULT_LANGUAGE) == base
            ]
            totals = history.key_totals(languages=languages)
    slowest = progress((), keys=totals).slowest_bigrams
    return DrillSource(words, [(f.key, f.mean_ms) for f in slowest])
