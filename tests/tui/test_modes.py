"""A whole test typed in each mode, with mistakes, checked against the core's numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import FakeClock

from bartype.core.session import TypingSession
from bartype.tui.attempt import TestSpec
from bartype.tui.result_view import ResultView
from bartype.tui.screens.results import ResultsScreen

from .helpers import (
    STEP_S,
    core_session,
    make_app,
    press_all,
    ready,
    typo_script,
    wait_for_results,
)


def _assert_same(shown: ResultView, core: TypingSession) -> None:
    assert core.result is not None
    m = core.result.metrics
    assert shown.wpm == m.wpm
    assert shown.raw == m.raw
    assert shown.accuracy == m.accuracy
    assert shown.consistency == m.consistency
    assert (shown.correct, shown.incorrect, shown.extra, shown.missed) == (
        m.correct,
        m.incorrect,
        m.extra,
        m.missed,
    )
    assert shown.duration_s == m.duration_s
    assert shown.valid == core.result.is_valid


def _figures_text(screen: ResultsScreen) -> str:
    from textual.widgets import Digits, Static

    digits = [w.value for w in screen.query(Digits)]
    statics = [w for w in screen.query(".figure") if isinstance(w, Static)]
    return " ".join(digits + [str(w.render()) for w in statics])


@pytest.mark.parametrize(
    "spec",
    [
        TestSpec(mode="words", words=12, seed=7),
        TestSpec(mode="quote", quote_length="short", seed=3),
        TestSpec(mode="code", code="python", seed=5),
    ],
    ids=["words", "quote", "code"],
)
async def test_finite_modes_match_the_core(
    tmp_path: Path, clock: FakeClock, spec: TestSpec
) -> None:
    """Typing a whole text with fixed and kept mistakes shows the core's numbers."""
    app = make_app(tmp_path, spec, clock)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        assert app.attempt is not None and app.attempt.text
        script = typo_script(app.attempt.text)
        await press_all(pilot, clock, script.presses)
        screen = await wait_for_results(pilot)
        core = core_session(app, script.presses)
        _assert_same(screen.view, core)
        assert core.result is not None
        assert f"{core.result.metrics.wpm:.0f}" in _figures_text(screen)
        if spec.mode == "code":
            assert "\n" in app.attempt.text  # Enter typed the line breaks


async def test_custom_file_mode(tmp_path: Path, clock: FakeClock) -> None:
    """A text from a file (with accents) is typed and scored like any other."""
    from bartype.storage.corpus import load_custom_text

    path = tmp_path / "mine.txt"
    path.write_text("Ça va très bien, merci.\nNiño große Übung über alles und mehr!\n")
    text = load_custom_text(path)
    app = make_app(tmp_path, TestSpec(mode="custom", text=text), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        assert app.attempt is not None and app.attempt.text is not None
        script = typo_script(app.attempt.text)
        await press_all(pilot, clock, script.presses)
        screen = await wait_for_results(pilot)
        _assert_same(screen.view, core_session(app, script.presses))
        assert screen.view.correct > 0


async def test_time_mode_ends_at_the_limit(tmp_path: Path, clock: FakeClock) -> None:
    """A timed test counts down and ends when the time is up, with the core's numbers."""
    app = make_app(tmp_path, TestSpec(mode="time", duration=15, seed=11), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        attempt = app.attempt
        assert attempt is not None
        assert str(app.screen.query_one("#stats").render()).startswith("15")
        script = typo_script(attempt.text or "")
        script.presses = script.presses[:48]  # 12 s of typing
        await press_all(pilot, clock, script.presses)
        typed_s = len(script.presses) * STEP_S
        assert typed_s < 15
        app.tick()
        assert str(app.screen.query_one("#stats").render()).split()[0] == str(
            int(15 - (typed_s - STEP_S) + 0.999)
        )
        clock.advance(15 - typed_s + 1)
        app.tick()
        screen = await wait_for_results(pilot)
        start_t = STEP_S * 1000
        core = core_session(app, script.presses, end_t=start_t + 15_000)
        _assert_same(screen.view, core)
        assert screen.view.duration_s == 15


async def test_zen_mode_ends_on_escape(tmp_path: Path, clock: FakeClock) -> None:
    """Zen mode has no text; Esc ends it and the result is the core's."""
    app = make_app(tmp_path, TestSpec(mode="zen"), clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot, app)
        presses: list[str] = []
        for word in "free typing with no text at all".split():
            presses += [*word, "space"]
        presses += ["x", "backspace", "d", "o", "n", "e"]
        await press_all(pilot, clock, presses)
        clock.advance(STEP_S)
        await pilot.press("escape")
        screen = await wait_for_results(pilot)
        end_t = (len(presses) + 1) * STEP_S * 1000
        _assert_same(screen.view, core_session(app, presses, end_t=end_t))
