"""PlayController runs whole tests without Textual: the real loopback handler, real SQLite."""

from __future__ import annotations

from pathlib import Path

from support import FakeClock

from bartype.cli import local_client
from bartype.protocol.handler import HandlerConfig
from bartype.storage.history import History
from bartype.tui.attempt import TestSpec
from bartype.tui.controller import Completed, Escape, PlayController, Tick, Typed
from bartype.tui.notice import Notice

WORDS = TestSpec(mode="words", words=10, seed=11)
"""Ten words: the fewest an untimed result needs to be valid (and a personal best)."""

# The test clock runs ahead of the handler's real one: do not reject "future" keys.
LENIENT = HandlerConfig(future_tolerance_ms=None)


def controller(
    tmp_path: Path, *, remote: bool = False
) -> tuple[PlayController, FakeClock, list[Notice]]:
    """A controller on the in-process handler, with its local history under ``tmp_path``.
    ``remote``: the handler keeps nothing (a server's history is not ours)."""
    clock = FakeClock()
    notices: list[Notice] = []
    history_path = tmp_path / "history.sqlite3"
    ctl = PlayController(
        WORDS, history_path=history_path, remote=remote, clock=clock, on_notice=notices.append
    )
    ctl.client = local_client(None if remote else history_path, config=LENIENT)
    return ctl, clock, notices


async def start(ctl: PlayController, spec: TestSpec) -> str:
    """Start ``spec`` as the app does; its text (empty in zen)."""
    shown: list[str] = []
    ctl.reset(spec)
    started = await ctl.start(spec, shown.append, cleared=lambda: None)
    assert started is not None, shown
    attempt = started.attempt
    assert attempt is not None and (attempt.text or spec.mode == "zen"), shown
    return attempt.text or ""


def type_text(ctl: PlayController, clock: FakeClock, text: str, step_s: float) -> list[Typed]:
    """Type ``text`` with no mistake, one key every ``step_s``."""
    typed = []
    for ch in text:
        clock.advance(step_s)
        typed.append(ctl.type_key(ch))
    return typed


async def finish(ctl: PlayController) -> Completed:
    """End the test as the app does once a key finished it; what to show."""
    attempt = ctl.finish()
    assert attempt is not None
    done = await ctl.complete(attempt, by_user=False)
    assert done is not None and done.view is not None
    return done


async def test_a_whole_test_is_typed_kept_and_retried_slower_without_a_new_best(
    tmp_path: Path,
) -> None:
    """Start, every key, the live figures, the finish, the result kept by the handler with a
    personal best, then a slower retry of the same text: kept, same text, no best."""
    ctl, clock, notices = controller(tmp_path)
    try:
        text = await start(ctl, WORDS)
        assert ctl.hint() == "start typing" and ctl.heading().startswith("words 10")
        figures = ctl.figures()
        assert figures is not None and figures.counter == f"0/{len(text.split())}"
        typed = type_text(ctl, clock, text, 0.25)
        assert typed[0].started and not any(t.started for t in typed[1:])
        assert typed[-1].finished and not any(t.finished for t in typed[:-1])
        assert ctl.hint() == ""
        done = await finish(ctl)
        assert done.view is not None and done.view.personal_best and done.ghost
        assert ctl.result == done.view
        assert done.view.wpm > 0 and done.view.accuracy == 100

        retry = ctl.retry_spec()
        assert retry.text == text
        assert await start(ctl, retry) == text
        type_text(ctl, clock, text, 0.5)  # half the speed
        again = await finish(ctl)
        assert again.view is not None and not again.view.personal_best
        assert again.view.wpm < done.view.wpm
        assert notices == []
    finally:
        assert ctl.client is not None
        await ctl.client.close()
    with History(tmp_path / "history.sqlite3") as history:
        kept = history.results()
    assert sorted(round(r.wpm, 2) for r in kept) == sorted(
        round(v.wpm, 2) for v in (done.view, again.view)
    )
    assert {(r.mode, r.mode2, r.text) for r in kept} == {("words", "10", text)}


async def test_a_servers_result_is_kept_locally_and_judged_against_the_local_history(
    tmp_path: Path,
) -> None:
    """Typed against a handler that keeps nothing (a server): the controller files each result
    in the local history under the handler's label, and the local history decides the best."""
    ctl, clock, _ = controller(tmp_path, remote=True)
    try:
        text = await start(ctl, WORDS)
        type_text(ctl, clock, text, 0.25)
        first = await finish(ctl)
        assert first.view is not None and first.view.personal_best
        await start(ctl, ctl.retry_spec())
        type_text(ctl, clock, text, 0.2)  # faster: a new best
        faster = await finish(ctl)
        assert faster.view is not None and faster.view.personal_best
        await start(ctl, ctl.retry_spec())
        type_text(ctl, clock, text, 0.5)
        slower = await finish(ctl)
        assert slower.view is not None and not slower.view.personal_best
    finally:
        assert ctl.client is not None
        await ctl.client.close()
    with History(tmp_path / "history.sqlite3") as history:
        kept = history.results()
    assert len(kept) == 3
    assert {(r.mode, r.mode2, r.language, r.text) for r in kept} == {
        ("words", "10", WORDS.language, text)
    }


async def test_a_timed_test_ends_on_the_tick_after_its_time_and_an_idle_one_is_dropped(
    tmp_path: Path,
) -> None:
    """A tick counts a timed test down and ends it once its time is up; an untimed test left a
    minute without a key is dropped: no result, a notice, and the same test again."""
    ctl, clock, notices = controller(tmp_path)
    try:
        timed = TestSpec(mode="time", duration=2, seed=3)
        await start(ctl, timed)
        assert ctl.tick() is Tick.IDLE  # nothing typed: the clock has not started
        clock.advance(0.25)
        ctl.type_key("x")
        clock.advance(1.0)
        assert ctl.tick() is Tick.RUNNING
        figures = ctl.figures()
        assert figures is not None and figures.counter == "1"
        clock.advance(1.5)
        assert ctl.tick() is Tick.OVER
        done = await finish(ctl)
        assert done.view is not None and done.view.duration_s == 2 and not done.ghost

        text = await start(ctl, WORDS)
        clock.advance(0.25)
        ctl.type_key(text[0])
        clock.advance(61)
        assert ctl.tick() is Tick.OVER
        attempt = ctl.finish()
        assert attempt is not None
        dropped = await ctl.complete(attempt, by_user=False)
        assert dropped == Completed(restart=WORDS)
        assert [n.title for n in notices] == ["test dropped"]
        assert dropped.restart is not None
        await start(ctl, dropped.restart)
        assert ctl.hint() == "the last test was dropped (a minute idle); start typing"
    finally:
        assert ctl.client is not None
        await ctl.client.close()
    with History(tmp_path / "history.sqlite3") as history:
        assert len(history.results()) == 1


async def test_escape_opens_the_menu_ends_zen_and_drops_a_test_in_progress(
    tmp_path: Path,
) -> None:
    """Esc with nothing typed opens the menu; in zen it ends the test; in a test under way it
    drops it, which takes no more keys and is never kept."""
    ctl, clock, _ = controller(tmp_path)
    try:
        await start(ctl, TestSpec(mode="zen"))
        assert ctl.escape() is Escape.MENU and ctl.hint() == "start typing; esc now opens the menu"
        clock.advance(0.25)
        ctl.type_key("a")
        assert ctl.escape() is Escape.END and ctl.hint() == "esc ends the test"

        text = await start(ctl, WORDS)
        clock.advance(0.25)
        assert ctl.type_key(text[0]).started
        assert ctl.escape() is Escape.DROPPED
        clock.advance(0.25)
        assert ctl.type_key(text[1]) == Typed() and ctl.finish() is not None
        assert ctl.new_text_spec() == WORDS
    finally:
        assert ctl.client is not None
        await ctl.client.close()
    with History(tmp_path / "history.sqlite3") as history:
        assert history.results() == []
