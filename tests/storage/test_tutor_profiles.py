"""The tutor's profile between tests: loaded from and saved to a real SQLite file."""

from __future__ import annotations

from pathlib import Path

from bartype.core.tutor import Tutor
from bartype.storage.corpus import TextLibrary, default_texts_root
from bartype.storage.history import History
from bartype.storage.tutor_profiles import (
    learn_test,
    load_tutor,
    practice_words,
    profile_language,
    save_tutor,
)

LIBRARY = TextLibrary(default_texts_root())


def _lesson(tutor: Tutor, ms: float = 250.0) -> None:
    text = tutor.next_text()
    tutor.record(text, [(ch, i * ms) for i, ch in enumerate(text)])


def test_a_saved_profile_is_carried_on_after_reopening(tmp_path: Path) -> None:
    """A tutor saved after a lesson comes back from the file with the same state and the
    same next lesson; a new profile starts from the seed given."""
    words = practice_words(LIBRARY, "english")
    path = tmp_path / "history.sqlite3"
    with History(path) as history:
        loaded = load_tutor(history, words, language="english", layout="qwerty", seed=4)
        assert loaded.problem is None and loaded.tutor.lessons == 0
        assert loaded.tutor.next_text() == Tutor(words, seed=4).next_text()
        _lesson(loaded.tutor)
        save_tutor(history, loaded.tutor)
    with History(path) as history:
        again = load_tutor(history, words, language="english", layout="qwerty", seed=99)
        other = load_tutor(history, words, language="english", layout="dvorak", seed=4)
    assert again.problem is None
    assert again.tutor.state() == loaded.tutor.state()
    assert again.tutor.next_text() == loaded.tutor.next_text()
    assert other.tutor.lessons == 0  # another layout is another profile


def test_a_damaged_profile_gives_a_new_one_and_says_why(tmp_path: Path) -> None:
    """A stored profile of another format is not used: a new profile, and the reason."""
    words = practice_words(LIBRARY, "english")
    with History(tmp_path / "history.sqlite3") as history:
        history.save_tutor_profile("english", "qwerty", {"version": 0, "keys": "?"})
        loaded = load_tutor(history, words, language="english", layout="qwerty", seed=1)
    assert loaded.tutor.lessons == 0
    assert loaded.problem is not None and "english" in loaded.problem


def test_a_language_is_practised_from_its_largest_list() -> None:
    """Lessons use the language's biggest word list whatever list was named, and the
    profile is the language's."""
    assert practice_words(LIBRARY, "english") == LIBRARY.words("english_1k")
    assert practice_words(LIBRARY, "english_200") == LIBRARY.words("english_1k")
    assert profile_language("English_200") == "english"
    assert profile_language("german") == "german"


def _store_test(history: History, text: str, language: str, interval: float) -> None:
    """A words test of ``text`` typed right, ``interval`` ms a key, kept in the history."""
    from bartype.core.keystrokes import type_text
    from bartype.core.options import Mode
    from bartype.core.session import SessionConfig, replay

    config = SessionConfig(Mode.WORDS, word_count=len(text.split()))
    session = replay(config, text, type_text(text, interval=interval))
    assert session.result is not None
    history.save(session.result, text=text, language=language)


def test_a_new_profile_learns_from_the_tests_already_typed(tmp_path: Path) -> None:
    """A typist with fast English word tests in the history starts adaptive practice with
    more than the six first letters; tests in another language are not learnt from, and
    a stored profile is not learnt into again."""
    words = practice_words(LIBRARY, "english")
    text = " ".join(words[:40])
    with History(tmp_path / "history.sqlite3") as history:
        for _ in range(3):
            _store_test(history, text, "english_1k", 150)
        _store_test(history, "ein zwei drei vier", "german", 150)
        loaded = load_tutor(history, words, language="english", layout="qwerty", seed=1)
        assert loaded.past_tests == 3 and loaded.tutor.lessons == 3
        assert len(loaded.tutor.unlocked) > 6
        save_tutor(history, loaded.tutor)
        again = load_tutor(history, words, language="english", layout="qwerty", seed=1)
    assert again.past_tests == 0 and again.tutor.lessons == 3


def test_a_stored_profile_learns_every_test_of_its_language_and_layout(tmp_path: Path) -> None:
    """``learn_test`` folds a finished test into the stored profile of its language and
    layout and saves it; with no profile, or another layout's, nothing is made or changed."""
    words = practice_words(LIBRARY, "english")
    text = " ".join(words[:30])
    keys = [(ch, i * 200.0) for i, ch in enumerate(text)]
    path = tmp_path / "history.sqlite3"
    with History(path) as history:
        assert learn_test(history, LIBRARY, "english", "qwerty", text, keys) is None
        assert history.tutor_profiles() == []
        save_tutor(history, Tutor(words, language="english", layout="qwerty", seed=2))
        assert learn_test(history, LIBRARY, "english", "dvorak", text, keys) is None
        learnt = learn_test(history, LIBRARY, "english", "qwerty", text, keys)
    assert learnt is not None and learnt.lessons == 1
    with History(path) as history:
        saved = history.tutor_profile("english", "qwerty")
        assert [p[:2] for p in history.tutor_profiles()] == [("english", "qwerty")]
    assert saved is not None
    again = Tutor.from_json(saved, words)
    assert again.state() == learnt.state()
    assert again.state().keys["e"].speed_cpm == 300.0  # 200 ms a key
