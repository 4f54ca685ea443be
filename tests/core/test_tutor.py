"""Tests for the adaptive tutor: profiles, unlocking, focus, practice text, saving."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bartype.core.tutor import Tutor, TutorError, TutorSettings
from bartype.storage.corpus import TextLibrary, default_texts_root

DOCS = Path(__file__).resolve().parents[2] / "docs"
LANGUAGES = ("english", "french", "german", "spanish")


@pytest.fixture(scope="module")
def library() -> TextLibrary:
    return TextLibrary(default_texts_root())


@pytest.fixture(scope="module")
def english(library: TextLibrary) -> list[str]:
    return library.words("english_1k")


def typed(
    text: str,
    ms: Callable[[str], float],
    *,
    wrong: Callable[[str, int], bool] = lambda ch, i: False,
) -> list[tuple[str, float]]:
    """Keys typing ``text``, ``ms(ch)`` per character; ``wrong`` adds a typo and a Backspace."""
    keys: list[tuple[str, float]] = []
    t = 0.0
    for i, ch in enumerate(text):
        if ch != " " and wrong(ch, i):
            t += ms(ch)
            keys.append(("#", t))
            t += 150
            keys.append(("Backspace", t))
        t += ms(ch)
        keys.append((ch, t))
    return keys


def practise(tutor: Tutor, lessons: int, ms: Callable[[str], float], **kw: Any) -> None:
    for _ in range(lessons):
        text = tutor.next_text()
        tutor.record(text, typed(text, ms, **kw))


def fast(ch: str) -> float:
    return 200.0  # 300 cpm, well over the 175 cpm target


def test_starts_with_the_six_most_frequent_letters(english: list[str]) -> None:
    """A new tutor unlocks keybr's six first letters, most frequent first, and focuses one."""
    tutor = Tutor(english, seed=1)
    assert tutor.unlocked == tutor.letters[:6]
    assert tutor.letters[:3] == ("e", "t", "o")
    assert tutor.state().focus in tutor.unlocked


def test_all_letters_setting_unlocks_everything(english: list[str]) -> None:
    """keybr's alphabet size 1.0 starts with every letter of the language."""
    tutor = Tutor(english, settings=TutorSettings(alphabet_size=1.0))
    assert set(tutor.unlocked) == set(tutor.letters)
    assert len(tutor.letters) == 26


@pytest.mark.parametrize("language", LANGUAGES)
def test_lessons_only_hold_unlocked_letters(library: TextLibrary, language: str) -> None:
    """Every lesson, as letters unlock, is made of unlocked letters and spaces only."""
    tutor = Tutor(library.words(language), language=language, seed=3)
    grew = False
    for lesson in range(12):
        text = tutor.next_text()
        assert set(text) <= set(tutor.unlocked) | {" "}, (lesson, text)
        assert "  " not in text and text == text.strip()
        before = len(tutor.unlocked)
        tutor.record(text, typed(text, fast))
        grew = grew or len(tutor.unlocked) > before
    assert grew


def test_accented_letters_are_practised(library: TextLibrary) -> None:
    """French letters with accents are letters of the tutor, and appear once unlocked."""
    words = library.words("french_1k")
    tutor = Tutor(words, language="french", settings=TutorSettings(alphabet_size=1.0), seed=2)
    assert {"é", "è", "à", "ç"} <= set(tutor.letters)
    texts = " ".join(tutor.next_text() for _ in range(1))
    tutor.record(texts, typed(texts, fast))
    seen = "".join(tutor.next_text() for _ in range(3))
    assert "é" in seen


def test_a_letter_that_gets_fast_unlocks_the_next(english: list[str]) -> None:
    """While one letter is slow nothing unlocks; once it is fast, the next letter does."""
    tutor = Tutor(english, seed=5)
    seventh = tutor.letters[6]
    practise(tutor, 6, lambda ch: 650.0 if ch == "o" else 200.0)
    assert seventh not in tutor.unlocked
    assert tutor.state().focus == "o"
    assert tutor.state().waiting_for == ("o",)
    practise(tutor, 12, fast)
    assert seventh in tutor.unlocked


def test_slow_letters_unlock_nothing(english: list[str]) -> None:
    """Typing every letter at 100 cpm (the target is 175) never unlocks a letter."""
    tutor = Tutor(english, seed=6)
    practise(tutor, 15, lambda ch: 600.0)
    assert tutor.unlocked == tutor.letters[:6]
    assert not any(tutor.state().keys[ch].ready for ch in tutor.unlocked)


def test_error_prone_letter_unlocks_nothing(english: list[str]) -> None:
    """A letter typed fast but wrong a third of the time holds the next letter back."""
    tutor = Tutor(english, seed=7)
    practise(tutor, 10, fast, wrong=lambda ch, i: ch == "t" and i % 3 == 0)
    assert tutor.unlocked == tutor.letters[:6]
    state = tutor.state()
    assert state.focus == "t"
    assert state.keys["t"].accuracy < 0.8
    assert state.keys["t"].confidence > 1  # fast enough: accuracy is what holds it back


def test_focus_is_the_weakest_letter_and_comes_up_more(english: list[str]) -> None:
    """The slowest unlocked letter is the focus, and lessons hold more of it than before."""
    tutor = Tutor(english, seed=8)
    baseline = "".join(tutor.next_text() for _ in range(1))
    practise(tutor, 4, lambda ch: 520.0 if ch == "h" else 210.0)
    state = tutor.state()
    assert state.focus == "h"
    assert state.keys["h"].confidence == min(state.keys[ch].confidence for ch in state.unlocked)
    later = tutor.next_text()
    share = later.count("h") / len(later.replace(" ", ""))
    assert share > 1.5 * baseline.count("h") / len(baseline.replace(" ", ""))


def test_profile_times_keys_from_the_interval_before_them(english: list[str]) -> None:
    """A key's time is the gap since the previous keystroke; typos and pauses are not timed."""
    tutor = Tutor(english)
    keys = [("t", 0.0), ("h", 300.0), ("x", 500.0), ("Backspace", 600.0), ("e", 800.0)]
    keys += [(" ", 1000.0), ("t", 5000.0), ("o", 5250.0)]
    tutor.record("the to", keys)
    h, e, t, o = (tutor.profiles[ch] for ch in "heto")
    assert (h.hits, h.misses, h.recent_ms) == (1, 0, 300.0)
    assert (e.hits, e.misses, e.timed) == (0, 1, 0)  # wrong first: a miss, not timed
    assert (t.hits, t.timed) == (2, 0)  # the first key and the one after a 4 s pause
    assert o.recent_ms == 250.0
    assert tutor.state().keys["o"].speed_cpm == 240.0


def test_next_text_is_reproducible_for_a_seed(english: list[str]) -> None:
    """The same seed and history give the same lessons; another seed gives others."""
    a, b, c = Tutor(english, seed=11), Tutor(english, seed=11), Tutor(english, seed=12)
    for _ in range(3):
        ta, tb, tc = a.next_text(), b.next_text(), c.next_text()
        assert ta == tb and ta != tc
        for tutor, text in ((a, ta), (b, tb), (c, tc)):
            tutor.record(text, typed(text, fast))


def test_lesson_mixes_real_words_when_enough_exist(english: list[str]) -> None:
    """Once many letters are unlocked, real words of the list make up part of a lesson."""
    tutor = Tutor(english, seed=4, settings=TutorSettings(alphabet_size=1.0))
    words = tutor.next_text().split()
    real = set(english)
    assert 0 < sum(w in real for w in words) < len(words) or all(w in real for w in words)
    assert sum(w in real for w in words) >= len(words) // 4


def test_save_and_restore_round_trip(english: list[str]) -> None:
    """to_json survives JSON, and the restored tutor is in the same state and goes on alike."""
    tutor = Tutor(english, language="english", layout="dvorak", seed=9)
    practise(tutor, 5, lambda ch: 260.0 if ch in "eta" else 420.0)
    saved = json.loads(json.dumps(tutor.to_json()))
    restored = Tutor.from_json(saved, english)
    assert restored.state() == tutor.state()
    assert (restored.language, restored.layout, restored.seed) == ("english", "dvorak", 9)
    assert restored.next_text() == tutor.next_text()


def test_damaged_saved_data_is_refused(english: list[str]) -> None:
    """Saved data of another version, or with broken fields (a key's counts and times
    included), raises a TutorError that says so."""
    good = Tutor(english).to_json()
    with pytest.raises(TutorError, match="version"):
        Tutor.from_json({**good, "version": 99}, english)
    with pytest.raises(TutorError, match="damaged"):
        Tutor.from_json({**good, "settings": {"target_cpm": "fast"}}, english)
    with pytest.raises(TutorError, match="not in this word list"):
        Tutor.from_json({**good, "unlocked": ["ж"]}, english)
    typed = Tutor(english)
    practise(typed, 1, lambda ch: 300.0)
    saved = typed.to_json()
    key = next(iter(saved["keys"]))
    for field, value in (("hits", "x"), ("recent_ms", float("nan")), ("misses", None)):
        broken = {**saved["keys"][key], field: value}
        with pytest.raises(TutorError, match=f"unusable {field}"):
            Tutor.from_json({**saved, "keys": {**saved["keys"], key: broken}}, english)


def test_settings_are_checked() -> None:
    """Out-of-range settings raise a TutorError naming the range."""
    with pytest.raises(TutorError, match="30-1500"):
        TutorSettings(target_cpm=5)
    with pytest.raises(TutorError, match="0.0-1.0"):
        TutorSettings(alphabet_size=2)


def test_a_new_goal_moves_the_target_and_keeps_what_is_unlocked(english: list[str]) -> None:
    """At 240 cpm a letter is ready for keybr's 175 cpm but not for 300 cpm; aiming at
    300 cpm makes it not ready, keeps the letters unlocked, and is saved; a goal out of
    range is refused."""
    tutor = Tutor(english, seed=3)
    practise(tutor, 3, lambda ch: 250.0)
    unlocked = tutor.unlocked
    assert tutor.state().keys["e"].ready
    tutor.retarget(300, 0.97)
    state = tutor.state()
    assert not state.keys["e"].ready and state.keys["e"].confidence == 0.8
    assert tutor.unlocked == unlocked and (state.target_cpm, state.min_accuracy) == (300, 0.97)
    assert Tutor.from_json(tutor.to_json(), english).settings.target_cpm == 300
    with pytest.raises(TutorError, match="50-100|0.5-1"):
        tutor.retarget(300, 0.2)


def test_docs_example_runs() -> None:
    """The example in docs/tutor.md runs as written and prints what it says."""
    text = (DOCS / "tutor.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "docs/tutor.md", "exec"), namespace)  # noqa: S102


def test_a_skipped_lesson_has_other_variants(english: list[str]) -> None:
    """Variants of the next lesson differ from it and from each other, are reproducible,
    and hold only unlocked letters; variant 0 is the lesson itself."""
    tutor = Tutor(english, seed=8)
    lessons = [tutor.next_text(variant) for variant in range(4)]
    assert lessons[0] == tutor.next_text()
    assert len(set(lessons)) == 4
    assert lessons == [Tutor(english, seed=8).next_text(v) for v in range(4)]
    unlocked = set(tutor.unlocked) | {" "}
    assert all(set(text) <= unlocked for text in lessons)
