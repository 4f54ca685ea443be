"""``bartype play --bigrams``: drills made of words holding the typist's slowest bigrams."""

from __future__ import annotations

from pathlib import Path

from support import FakeClock
from support.history import fill
from support.pilot import until

from bartype.core.progress import progress
from bartype.storage.history import History
from bartype.tui.attempt import TestSpec

from .helpers import make_app, press_all, wait_for_results

SPEC = TestSpec(mode="bigrams", seed=3)


async def test_a_drill_holds_the_slowest_bigrams_and_is_kept_as_such(tmp_path: Path) -> None:
    """Each word of the drill holds one of the history's slowest bigrams; typed, it is
    stored as a bigrams test in English; Tab makes another drill."""
    path = tmp_path / "data" / "history.sqlite3"
    fill(path)
    with History(path) as history:
        slowest = {f.key for f in progress(history.results()).slowest_bigrams}
    assert "ov" in slowest
    clock = FakeClock()
    app = make_app(tmp_path, SPEC, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: app.attempt is not None, "no drill arrived")
        attempt = app.attempt
        assert attempt is not None and attempt.text
        words = attempt.text.split()
        assert len(words) == 25
        assert all(any(b in w for b in slowest) for w in words)
        await press_all(pilot, clock, [("space" if c == " " else c) for c in attempt.text])
        await wait_for_results(pilot)
        await pilot.press("tab")
        await until(
            pilot, lambda: app.attempt is not attempt and app.attempt is not None, "no new drill"
        )
        assert app.attempt is not None and app.attempt.text != attempt.text
    with History(path) as history:
        newest = history.recent(1)[0]
    assert (newest.mode, newest.mode2, newest.language) == ("bigrams", "", "english")
    assert newest.text == attempt.text


async def test_without_history_the_drill_says_what_to_do(tmp_path: Path) -> None:
    """With nothing measured yet the text area says to type a few tests first."""
    app = make_app(tmp_path, SPEC, FakeClock())
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.typing_screen.text_view
        await until(pilot, lambda: "No slow bigrams" in view.placeholder, "no message")
        assert app.attempt is None
