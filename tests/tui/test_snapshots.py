"""Snapshots of the main screens (fixed seed, fixed clock, a still caret)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support import FakeClock
from textual.pilot import Pilot

from bartype.tui.attempt import TestSpec
from bartype.tui.screens.results import ResultsScreen

from .helpers import Script, make_app, press_all, press_timed, ready, typo_script

SnapCompare = Callable[..., bool]
"""pytest-textual-snapshot's ``snap_compare`` fixture: the app matches its snapshot."""


@pytest.fixture(autouse=True)
def _utc() -> Iterator[None]:
    """Times in the history table do not depend on the machine's time zone."""
    old = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_typing_screen(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """Mid-test at 80x24: typed words in the text colour, the text still to type well
    fainter, one wrong letter bold red on a tinted ground, a word left wrong underlined
    with its missed letter in faded red, the reverse-video caret, live figures."""
    clock = FakeClock()
    app = make_app(tmp_path, TestSpec(mode="words", words=25, seed=42), clock)

    async def run_before(pilot: Pilot[int]) -> None:
        text = (await ready(pilot, app)).text or ""
        script = typo_script(text, stop_after_words=6)
        await press_all(pilot, clock, [*script.presses, "space", "x"])
        await pilot.pause(0.05)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
def test_results_screen(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int], theme: str
) -> None:
    """After a 10-word test with mistakes, in a dark and a light theme, small and large:
    big WPM and accuracy, the other figures, the per-second chart with errors marked,
    the keyboard heatmap with the worst keys, and a footer offering tab, ctrl+r and esc
    (the letters only after a pause), every label readable on its background."""
    from bartype.storage.settings import Settings

    clock = FakeClock()
    app = make_app(
        tmp_path,
        TestSpec(mode="words", words=10, seed=42),
        clock,
        settings=Settings(theme=theme),
    )

    async def run_before(pilot: Pilot[int]) -> None:
        script = typo_script((await ready(pilot, app)).text or "")
        await press_all(pilot, clock, script.presses)
        for _ in range(200):
            if isinstance(app.screen, ResultsScreen):
                break
            await pilot.pause(0.01)
        await pilot.pause(0.05)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def _fill_history(path: Path) -> None:
    from bartype.core.keystrokes import type_text
    from bartype.core.options import Mode
    from bartype.core.session import SessionConfig, replay
    from bartype.storage.history import History

    texts = ["the quick brown fox jumps over the lazy dog and runs far away"] * 8
    with History(path) as history:
        for i, text in enumerate(texts):
            config = SessionConfig(Mode.WORDS, word_count=13)
            session = replay(config, text, type_text(text, interval=180 - i * 12))
            assert session.result is not None
            history.save(
                session.result, text=text, language="english", created_at=1_600_000_000 + i * 600
            )
        config = SessionConfig(Mode.TIME, duration_s=15)
        session = replay(config, "a b c", type_text("a b", interval=100))
        session.end(20_000)
        assert session.result is not None
        history.save(session.result, text="a b c", created_at=1_600_010_000)


def test_history_screen(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """The history at 80x24: personal bests per test, the WPM trend rising, and the
    table (newest first) with an invalid result and its reason."""
    _fill_history(tmp_path / "data" / "history.sqlite3")
    app = make_app(tmp_path, TestSpec(mode="words", words=10, seed=42), FakeClock())

    async def run_before(pilot: Pilot[int]) -> None:
        await ready(pilot, app)
        app.action_history()
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


UNEVEN_S = {"t": 0.25, "e": 0.3, "h": 0.45, "o": 0.6, "a": 0.35, "n": 0.8}
"""Seconds before each letter: a typist fast at some letters and slow at others."""


@pytest.mark.parametrize("size", [(80, 24), (60, 18)], ids=["80x24", "60x18"])
def test_adaptive_typing_screen(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    """An adaptive lesson at 80x24 and 60x18: a text of the six first letters with the
    focus letter marked in it, and under it the unlocked letters, the locked ones faint,
    the focus and what the next letter needs."""
    app = make_app(tmp_path, TestSpec(mode="adaptive", seed=11), FakeClock())

    async def run_before(pilot: Pilot[int]) -> None:
        await ready(pilot, app)
        await pilot.pause(0.05)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (60, 18)], ids=["80x24", "60x18"])
def test_adaptive_results_screen(
    tmp_path: Path, snap_compare: SnapCompare, size: tuple[int, int]
) -> None:
    """After a second lesson typed unevenly, faster but for one letter, at 80x24 and
    60x18: how ready each unlocked letter is (100 % at most) coloured by it, an arrow up or
    down for how it moved, the focus marked, and what the next unlock needs (in fewer
    words where the line is short), above the chart."""
    from .helpers import Script

    clock = FakeClock()
    app = make_app(tmp_path, TestSpec(mode="adaptive", seed=11), clock)

    async def lesson(pilot: Pilot[int], faster: float, slower: str = "") -> None:
        presses = Script().text((await ready(pilot, app)).text or "").presses
        steps = [UNEVEN_S.get(p, 0.3) * (1.3 if p == slower else faster) for p in presses]
        await press_timed(pilot, clock, zip(presses, steps, strict=True))
        for _ in range(200):
            if isinstance(app.screen, ResultsScreen):
                break
            await pilot.pause(0.01)

    async def run_before(pilot: Pilot[int]) -> None:
        await lesson(pilot, 1.0)
        app.action_new_test()
        for _ in range(200):
            if not isinstance(app.screen, ResultsScreen) and app.attempt is not None:
                break
            await pilot.pause(0.01)
        await lesson(pilot, 0.8, slower="h")
        await pilot.pause(0.05)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_lessons_screen_dvorak(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """Dvorak's seven lessons at 80x24: home row passed with its best, top row tried
    twice and marked next (the cursor on it), the new keys and what each needs to pass."""
    from bartype.storage.history import History

    with History(tmp_path / "data" / "history.sqlite3") as history:
        history.record_lesson("dvorak", 1, wpm=31, accuracy=98, passed=True, at=1.0)
        history.record_lesson("dvorak", 2, wpm=17, accuracy=96, passed=False, at=2.0)
        history.record_lesson("dvorak", 2, wpm=19, accuracy=91, passed=False, at=3.0)
    spec = TestSpec(mode="words", words=10, seed=42, layout="dvorak")
    app = make_app(tmp_path, spec, FakeClock())

    async def run_before(pilot: Pilot[int]) -> None:
        await ready(pilot, app)
        app.action_lessons()
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_live_keyboard_dvorak(tmp_path: Path, snap_compare: SnapCompare) -> None:
    """Dvorak's home-row lesson at 80x30 with the live keyboard: two words typed, the
    Dvorak board under the text with the next letter lit in the accent colour, the other
    keys of its finger tinted, and the line naming that finger."""
    from bartype.storage.settings import Settings

    clock = FakeClock()
    spec = TestSpec(mode="lesson", lesson=1, layout="dvorak", seed=42)
    app = make_app(tmp_path, spec, clock, settings=Settings(keyboard=True))

    async def run_before(pilot: Pilot[int]) -> None:
        words = ((await ready(pilot, app)).text or "").split(" ")
        await press_all(pilot, clock, Script().text(" ".join(words[:2]) + " ").presses)
        await pilot.pause(0.05)

    assert snap_compare(app, terminal_size=(80, 30), run_before=run_before)
