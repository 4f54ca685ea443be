"""`bartype play --server` against a real `bartype serve` process on a free port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import free_port, start_server, stop_server
from support.pilot import until

from bartype.core.keystrokes import keystrokes_from_key
from bartype.core.session import replay
from bartype.tui.app import BartypeApp
from bartype.tui.attempt import TestSpec

from .helpers import _key_event, server_app, wait_for_results

pytest.importorskip("bartype.server.serve")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A real server process on an ephemeral port; yields its URL."""
    proc, port = start_server(tmp_path / "s.db")
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        stop_server(proc)


async def _type_live(pilot: Any, presses: list[str], gap_s: float) -> None:
    """Press keys in real time (the server checks key times against its own clock)."""
    import asyncio

    app = pilot.app
    for press in presses:
        await asyncio.sleep(gap_s)
        done = asyncio.Event()
        app.post_message(_key_event(press))
        app.call_later(lambda event=done: app.screen.call_later(event.set))
        await asyncio.wait_for(done.wait(), 20)


async def _first_attempt(pilot: Any, app: BartypeApp) -> Any:
    """Wait until the first test is ready to type (its text came from the server)."""
    for _ in range(300):
        if app.attempt is not None:
            break
        await pilot.pause(0.02)
    return app.attempt


async def test_complete_a_test_over_the_server(server: str, tmp_path: Path) -> None:
    """A words test typed against the server shows the core's numbers, marks the link
    online, and is kept in the local history too."""
    app = server_app(server, tmp_path, TestSpec(mode="words", words=10, seed=9))
    async with app.run_test() as pilot:
        attempt = await _first_attempt(pilot, app)
        assert attempt is not None and attempt.text
        assert app.connection == "connected"
        words = attempt.text.split()
        presses = [*words[0][:-1], "x", "backspace", words[0][-1], "space"]
        for word in words[1:]:
            presses += [*word, "space"]
        await _type_live(pilot, presses[:-1], 0.04)
        shown = (await wait_for_results(pilot)).view
        strokes = [s for name, t in attempt.keys for s in keystrokes_from_key(name, t)]
        core = replay(attempt.config, attempt.text, strokes).result
        assert core is not None
        assert (shown.wpm, shown.raw, shown.accuracy) == (
            core.metrics.wpm,
            core.metrics.raw,
            core.metrics.accuracy,
        )
        assert shown.personal_best == shown.valid  # the first valid result is a best
    from bartype.storage.history import History

    with History(tmp_path / "local" / "history.sqlite3") as history:
        stored = history.recent(5)
    assert len(stored) == 1 and stored[0].wpm == core.metrics.wpm


async def test_unreachable_server_exits_with_a_message(tmp_path: Path) -> None:
    """No server at the address: the app exits 1 with a sentence, not a traceback."""
    port = free_port()
    app = server_app(f"ws://127.0.0.1:{port}", tmp_path, TestSpec(mode="words", words=10))
    async with app.run_test() as pilot:
        for _ in range(200):
            if app._exit:
                break
            await pilot.pause(0.02)
    assert app.return_code == 1
    message = app.exit_message or ""
    assert message.startswith("bartype: ") and "Traceback" not in message
    assert f"127.0.0.1:{port}" in message


@pytest.mark.parametrize("crash", [False, True], ids=["restart", "crash"])
async def test_server_restart_mid_test(tmp_path: Path, crash: bool) -> None:
    """The link drops mid-test: the indicator says so and typing goes on. After a clean
    restart (SIGTERM) the server resumes the test and gives the result; after a crash
    (SIGKILL) it no longer knows the test, and the result is computed and kept here."""
    import signal

    port = free_port()
    proc, _ = start_server(tmp_path / "s.db", port)
    app = server_app(f"ws://127.0.0.1:{port}", tmp_path, TestSpec(mode="words", words=10, seed=4))
    statuses: list[str] = []
    try:
        async with app.run_test() as pilot:
            attempt = await _first_attempt(pilot, app)
            assert attempt is not None and attempt.text
            original = app._on_status

            def noted(status: str) -> None:
                statuses.append(status)
                original(status)

            assert app.client is not None
            app.client.on_status = noted
            words = attempt.text.split()
            await _type_live(pilot, [*words[0], "space", *words[1], "space"], 0.04)
            if crash:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            else:
                stop_server(proc)
            await until(pilot, lambda: app.connection != "connected", "the link lost")
            assert app.connection in ("reconnecting", "offline")
            label = str(app.screen.query_one("#connection").render())
            assert "reconnecting" in label or "offline" in label
            proc, _ = start_server(tmp_path / "s.db", port)
            presses: list[str] = []
            for word in words[2:]:
                presses += [*word, "space"]
            await _type_live(pilot, presses[:-1], 0.04)
            results = await wait_for_results(pilot)
            local = attempt.session.result
            assert local is not None and results.view.wpm == local.metrics.wpm
            if crash:
                assert attempt.final is None  # the server forgot the test
            else:
                assert attempt.final is not None  # the server's own result
                assert attempt.final["metrics"]["wpm"] == local.metrics.wpm
    finally:
        stop_server(proc)
    assert "reconnecting" in statuses
    from bartype.storage.history import History

    with History(tmp_path / "local" / "history.sqlite3") as history:
        assert history.count() == 1
    with History(tmp_path / "s.db") as server_history:
        assert server_history.count() == (0 if crash else 1)


async def test_server_gone_at_the_end_shows_the_local_result_without_waiting(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """The server vanishes mid-test and stays away: the finished test does not wait out
    the long timeouts meant for a live server; the local result shows and is kept, as the
    quote it was."""
    import bartype.tui.controller as controller_module

    # Timeouts no test could sit through: only the offline wait may apply.
    monkeypatch.setattr(controller_module, "COMPLETE_TIMEOUT_S", 120.0)
    monkeypatch.setattr(controller_module, "END_TIMEOUT_S", 120.0)
    port = free_port()
    proc, _ = start_server(tmp_path / "s.db", port)
    spec = TestSpec(mode="quote", quote_length="short", seed=5)
    app = server_app(f"ws://127.0.0.1:{port}", tmp_path, spec)
    try:
        async with app.run_test() as pilot:
            attempt = await _first_attempt(pilot, app)
            assert attempt is not None and attempt.text
            assert attempt.text_id and attempt.text_id.startswith("quote:")
            words = attempt.text.split()
            await _type_live(pilot, [*words[0], "space"], 0.04)
            stop_server(proc)
            await until(pilot, lambda: app.connection != "connected", "the link lost")
            presses: list[str] = []
            for word in words[1:]:
                presses += [*word, "space"]
            await _type_live(pilot, presses[:-1], 0.02)
            results = await wait_for_results(pilot)
            local = attempt.session.result
            assert local is not None and results.view.wpm == local.metrics.wpm
    finally:
        stop_server(proc)
    from bartype.storage.history import History

    with History(tmp_path / "local" / "history.sqlite3") as history:
        (stored,) = history.recent()
        assert stored.mode == "quote" and stored.text_id == attempt.text_id
        assert stored.mode2 == attempt.text_id.removeprefix("quote:")


async def test_a_new_test_waits_for_a_server_that_is_away(tmp_path: Path) -> None:
    """Tab while the server is down: no dead end. The app says it is trying again, and the
    new test appears by itself once the server is back; no old figures stay on screen."""
    import signal

    port = free_port()
    proc, _ = start_server(tmp_path / "s.db", port)
    app = server_app(f"ws://127.0.0.1:{port}", tmp_path, TestSpec(mode="words", words=10, seed=6))
    try:
        async with app.run_test() as pilot:
            first = await _first_attempt(pilot, app)
            assert first is not None and first.text
            await _type_live(pilot, [*first.text.split()[0], "space"], 0.04)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            await _type_live(pilot, ["tab"], 0.04)
            waiting = ""
            for _ in range(250):
                waiting = app.typing_screen.text_view.placeholder
                if "Trying again" in waiting:
                    break
                await pilot.pause(0.02)
            assert "Cannot reach" in waiting and "Trying again" in waiting
            assert app.attempt is None
            proc, _ = start_server(tmp_path / "s.db", port)
            for _ in range(400):
                if app.attempt is not None:
                    break
                await pilot.pause(0.02)
            assert app.attempt is not None and app.attempt is not first and app.attempt.text
    finally:
        stop_server(proc)


async def test_adaptive_lesson_over_a_server_is_adaptive_on_both_sides(
    server: str, tmp_path: Path
) -> None:
    """The server types the client's lesson (the local profile's next text, sent as the
    session's text); its history and the local one both keep an adaptive English test,
    and the local profile learnt the lesson."""
    from bartype.core.tutor import Tutor
    from bartype.storage.corpus import TextLibrary, default_texts_root
    from bartype.storage.history import History
    from bartype.storage.tutor_profiles import practice_words

    from .helpers import Script

    app = server_app(server, tmp_path, TestSpec(mode="adaptive", seed=5))
    words = practice_words(TextLibrary(default_texts_root()), "english")
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.attempt is not None, "no lesson arrived")
        attempt = app.attempt
        assert attempt is not None and attempt.text == Tutor(words, seed=5).next_text()
        assert attempt.session_id  # the server's session
        await _type_live(pilot, Script().text(attempt.text).presses, 0.03)
        results = await wait_for_results(pilot)
        assert attempt.final is not None and attempt.final["mode"] == "adaptive"
        await until(pilot, lambda: results.tutor is not None, "the progress shown")
    with History(tmp_path / "s.db") as remote:
        on_server = remote.recent(5)
    with History(tmp_path / "local" / "history.sqlite3") as local:
        here = local.recent(5)
        profile = local.tutor_profile("english", "qwerty")
    assert [(r.mode, r.language, r.text) for r in on_server] == [
        ("adaptive", "english", attempt.text)
    ]
    assert [(r.mode, r.language, r.text) for r in here] == [("adaptive", "english", attempt.text)]
    assert on_server[0].wpm == here[0].wpm
    assert profile is not None and profile["lessons"] == 1
