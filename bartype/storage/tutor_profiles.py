"""The adaptive tutor of a language and layout, kept in the local history between tests.

``load_tutor`` carries on from the stored profile (``History.tutor_profile``) or
starts a new one; ``save_tutor`` stores it again after a test; ``learn_test`` lets a
stored profile learn from a test typed while it was not loaded (a words test...). The tutor itself
(``bartype.core.tutor``) never touches a file; this is where it meets one.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from bartype.core.texts import list_size
from bartype.core.tutor import Tutor, TutorError
from bartype.storage.corpus import TextLibrary
from bartype.storage.history import History


def profile_language(language: str) -> str:
    """The language a profile is kept under: a word list's ("english_200" is English)."""
    return language.strip().casefold().rpartition("_")[0] or language.strip().casefold()


def practice_words(library: TextLibrary, language: str) -> list[str]:
    """The words lessons in ``language`` are made from: its largest list, most common
    first (more words make more real words to practise and likelier pseudo-words).

    Raises:
        TextError: the library has no list for this language.
    """
    base = profile_language(language)
    lists = [n for n in library.word_lists() if (n.rpartition("_")[0] or n) == base]
    return library.words(max(lists, key=list_size) if lists else language)


PAST_TESTS = 100
"""A new profile starts from at most this many of the latest tests in its language."""


class LoadedTutor(NamedTuple):
    """A tutor to practise with, why the stored profile was not used (if it was not),
    and how many past tests a new profile learnt from."""

    tutor: Tutor
    problem: str | None = None
    past_tests: int = 0


def learn_past_tests(history: History, tutor: Tutor, limit: int = PAST_TESTS) -> int:
    """Let a new profile learn from the tests already stored in its language (word
    tests and lessons, oldest first, from their keystroke logs); return how many."""
    language = tutor.language
    latest = [
        r
        for r in history.recent(limit * 5)
        if r.language and r.text and profile_language(r.language) == language
    ][:limit]
    for stored in reversed(latest):
        full = history.get(stored.id)
        if full.text and full.keystrokes:
            tutor.record(full.text, [(k.name, k.t) for k in full.keystrokes])
    return len(latest)


def load_tutor(
    history: History,
    words: Sequence[str],
    *,
    language: str,
    layout: str,
    seed: int | None = None,
    goal: tuple[float, float] | None = None,
) -> LoadedTutor:
    """The tutor for ``language`` and ``layout``: the stored one, or a new one.

    ``words`` is the language's word list, most common first. A stored profile
    that no longer fits (damaged, an older format, another word list) is set
    aside for a new one rather than stop practice, and ``problem`` says why. A
    new profile learns from the tests already typed in the language
    (``learn_past_tests``), so a typist who already knows the keys does not
    start from six letters; ``seed`` seeds its lessons (a random one when
    ``None``; a stored profile keeps its own). ``goal``, the learner's target
    speed and accuracy floor (``Settings.tutor_goal``), replaces the profile's.
    """
    data = history.tutor_profile(language, layout)
    problem = None
    if data is not None:
        try:
            return LoadedTutor(aimed(Tutor.from_json(data, words), goal))
        except TutorError as error:
            problem = f"the stored {language} profile could not be used ({error})"
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    tutor = aimed(Tutor(words, language=language, layout=layout, seed=seed), goal)
    return LoadedTutor(tutor, problem, learn_past_tests(history, tutor))


def aimed(tutor: Tutor, goal: tuple[float, float] | None) -> Tutor:
    """``tutor`` aiming at ``goal`` (target cpm, accuracy floor 0-1) if one is given."""
    if goal is not None:
        tutor.retarget(*goal)
    return tutor


def learn_test(
    history: History,
    library: TextLibrary,
    language: str,
    layout: str,
    text: str,
    keys: Iterable[tuple[str, float]],
    goal: tuple[float, float] | None = None,
) -> Tutor | None:
    """Let the stored profile of ``language`` and ``layout`` learn from one finished
    test (any test with a language: a words or time test, a drill) and save it.

    Returns the profile as saved, or ``None`` when there is none to learn (no profile
    yet: a new one learns from the tests already stored when it is made; or the stored
    one cannot be used: ``load_tutor`` will say why and start another). The word list
    is read only when there is a profile; ``goal`` is as for ``load_tutor``.
    """
    data = history.tutor_profile(language, layout)
    if data is None:
        return None
    try:
        tutor = aimed(Tutor.from_json(data, practice_words(library, language)), goal)
    except TutorError:
        return None
    tutor.record(text, keys)
    save_tutor(history, tutor)
    return tutor


def save_tutor(history: History, tutor: Tutor) -> None:
    """Store the tutor's profile under its language and layout, replacing the last one."""
    history.save_tutor_profile(tutor.language, tutor.layout, tutor.to_json())
