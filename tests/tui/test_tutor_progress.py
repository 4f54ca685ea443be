"""The tutor's progress as text: colours by readiness, what the next unlock needs, widths."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from bartype.core.tutor import KeyState, Tutor, TutorSettings, TutorState
from bartype.storage.corpus import TextLibrary, default_texts_root
from bartype.storage.tutor_profiles import practice_words
from bartype.tui.widgets.tutor_progress import (
    compact_text,
    detailed_text,
    letter_style,
    next_unlock,
)

WORDS = practice_words(TextLibrary(default_texts_root()), "english")


def _typed(tutor: Tutor, ms: float) -> TutorState:
    """Type the tutor's next lesson right, ``ms`` before each key."""
    text = tutor.next_text()
    tutor.record(text, [(ch, i * ms) for i, ch in enumerate(text)])
    return tutor.state()


LETTERS = ("e", "t", "o", "h", "a", "n", "i", "s")


def _state(
    readiness: Mapping[str, tuple[float, float]], focus: str = "h", target: float = 175.0
) -> TutorState:
    """A state with these unlocked letters at (confidence, accuracy); the rest locked."""
    keys = {}
    for ch in LETTERS:
        confidence, accuracy = readiness.get(ch, (0.0, 1.0))
        allowed = 0.08 / (1 - accuracy) if accuracy < 1 else 9.0
        ready = min(1.0, confidence, allowed)
        keys[ch] = KeyState(
            letter=ch,
            unlocked=ch in readiness,
            speed_cpm=confidence * target if confidence else None,
            keybr_cpm=None,
            confidence=confidence,
            accuracy=accuracy,
            presses=20 if confidence else 0,
            readiness=ready,
            ready=ready >= 1.0,
        )
    unlocked = tuple(ch for ch in LETTERS if ch in readiness)
    locked = [ch for ch in LETTERS if ch not in readiness]
    return TutorState(
        letters=LETTERS,
        unlocked=unlocked,
        focus=focus,
        next_letter=locked[0] if locked else None,
        keys=keys,
        lessons=3,
        target_cpm=target,
    )


BEFORE = {"e": (0.9, 1.0), "t": (0.85, 1.0), "o": (0.4, 1.0), "h": (0.3, 1.0), "a": (1.2, 0.8)}
AFTER = {"e": (1.1, 1.0), "t": (0.82, 1.0), "o": (0.6, 1.0), "h": (0.2, 1.0), "a": (1.2, 0.8)}


def test_letters_are_coloured_by_readiness() -> None:
    """Red far from the target, yellow under the unlock line, green near, bold green
    ready; faint when locked or not typed yet; reversed for the focus."""
    state = _state({**AFTER, "n": (0.95, 1.0)})
    styles = {ch: letter_style(state.keys[ch]) for ch in LETTERS}
    assert styles == {
        "e": "bold green",
        "t": "green",
        "o": "yellow",
        "h": "red",
        "a": "red",  # fast, but one key in five wrong
        "n": "green",
        "i": "dim",
        "s": "dim",
    }
    assert letter_style(state.keys["h"], focus=True) == "red reverse"
    fresh = Tutor(WORDS, seed=3).state()
    assert letter_style(fresh.keys[fresh.unlocked[0]]) == "dim italic"


def test_next_unlock_names_what_each_letter_lacks() -> None:
    """A slow letter must reach the speed, an error-prone one make fewer errors; a short
    line gets a shorter sentence, never one longer than the room."""
    state = _state(AFTER)
    assert next_unlock(state) == "n unlocks when o h reach 140 cpm and a makes ≤10% errors"
    assert next_unlock(state, 50) == "n: o h reach 140 cpm and a makes ≤10% errors"
    assert next_unlock(state, 40) == "n: o h a to 140 cpm, ≤10% errors"
    assert next_unlock(state, 20) == "n: 3 letters to 140 cpm"
    slow_only = _state({"e": (0.5, 1.0)}, focus="e")
    assert next_unlock(slow_only) == "t unlocks when e reaches 140 cpm"
    ready = _state({"e": (0.9, 1.0)}, focus="e")
    assert next_unlock(ready) == "t unlocks after this lesson"
    everything = _state({ch: (1.0, 1.0) for ch in LETTERS}, focus="e")
    assert next_unlock(everything) == "every letter unlocked"


def test_detailed_shows_readiness_and_how_it_moved() -> None:
    """On the results screen each unlocked letter says how ready it is, up to 100 % at
    the target (a fast letter with too many errors is held at its accuracy's share),
    an up arrow where it rose, a down arrow where it fell, none for a letter that stays
    ready, "new" for a letter unlocked by this lesson, said once more below."""
    after = _state({**AFTER, "i": (3.52, 1.0), "n": (0.0, 1.0)})
    before = _state({**BEFORE, "i": (9.99, 1.0)})
    shown = detailed_text(after, before, 76).plain
    assert shown.split("\n")[0].split() == (
        "e 100% ▲ t 82% ▼ o 60% ▲ h 20% ▼ a 40% n – new i 100%".split()
    )
    assert "unlocked n!" in shown
    assert "focus h 20%" in shown


@pytest.mark.parametrize("width", [56, 76])
def test_no_line_is_wider_than_the_screen(width: int) -> None:
    """At 60 and 80 columns (less the padding) every line of both forms fits, with the
    whole alphabet unlocked too."""
    before, after = _state(BEFORE), _state(AFTER)
    tutor = Tutor(WORDS, seed=2, settings=TutorSettings(alphabet_size=1.0))
    everything = _typed(tutor, 300)
    for state, old in ((after, before), (everything, None)):
        for text in (compact_text(state, width), detailed_text(state, old, width)):
            lines = text.plain.split("\n")
            assert all(len(line) <= width for line in lines[1:]), lines
    rows = detailed_text(everything, None, width).plain.split("\n")[:-1]
    assert all(len(row) <= width for row in rows)
    assert sum(row.count("%") + row.count("–") for row in rows) == len(everything.unlocked)
