"""`bartype play --server` against a server sending Rich markup: it shows as typed characters.

A string handed to Textual as markup can end the app (``[/nope]`` is a MarkupError) or
write a hyperlink (``[link=...]``). Every test runs the real app against a real
WebSocket server and checks the bytes Textual writes.
"""

from __future__ import annotations

from pathlib import Path

from support.pilot import until

from bartype.storage.history import History
from bartype.tui.attempt import TestSpec

from .helpers import server_app
from .hostile import (
    MARKUP,
    MARKUP_BAD,
    MARKUP_LINK,
    SIZE,
    Script,
    capture,
    forbidden_in,
    hostile_server,
    plain,
    remote_app,
    toasts,
    type_text,
    type_the_test,
)


async def test_server_errors_with_markup_are_shown_literally(tmp_path: Path) -> None:
    """An ERROR whose code and message are Rich markup is a toast showing the brackets;
    the app keeps running."""
    error = {"type": "ERROR", "data": {"code": "WEIRD" + MARKUP_BAD, "message": MARKUP}}
    async with hostile_server(Script(after_start=[error])) as server:
        app = remote_app(server.url, tmp_path)
        output = capture(app)
        async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
            await until(pilot, lambda: MARKUP_BAD in toasts(app))
            await until(pilot, lambda: MARKUP_BAD in plain(bytes(output)))
            await type_text(pilot, "the")
            assert app.attempt is not None and app.attempt.analyzer.word(0).typed == "the"
    out = bytes(output)
    assert forbidden_in(out) == []
    assert "[link=http://evil.example/x]click me[/link]" in plain(out)


async def test_a_refusal_made_of_markup_is_shown_literally(tmp_path: Path) -> None:
    """The server refuses the test with a message of markup: the typing screen quotes it."""
    script = Script(create_error={"code": "TEXT_UNAVAILABLE", "message": MARKUP})
    async with hostile_server(script) as server:
        app = remote_app(server.url, tmp_path)
        output = capture(app)
        async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
            view = app.typing_screen.text_view
            await until(pilot, lambda: MARKUP_BAD in view.placeholder)
            await until(pilot, lambda: MARKUP_BAD in plain(bytes(output)))
    assert forbidden_in(bytes(output)) == []


async def test_a_close_reason_made_of_markup(tmp_path: Path) -> None:
    """The server closes instead of giving the result, with a reason of markup: the result
    is computed here and nothing crashes on the way."""
    script = Script(close_at_end=(1011, MARKUP_BAD + "[link=http://evil.example/x]x"))
    async with hostile_server(script) as server:
        app = remote_app(server.url, tmp_path)
        output = capture(app)
        async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
            await type_the_test(pilot)
            await until(pilot, lambda: "computed here" in toasts(app))
            await until(pilot, lambda: "computed here" in plain(bytes(output)))
    assert forbidden_in(bytes(output)) == []


async def test_a_result_made_of_markup_stays_text_here_and_in_history(tmp_path: Path) -> None:
    """SESSION_COMPLETE with markup in its label and reasons, and "[" among its keys: the
    results screen and, once the result is kept locally, the history screen show the
    brackets as characters; nothing becomes a style or a hyperlink."""
    keys = {"[": {"presses": 1, "errors": 1, "meanIntervalMs": 400.0}}
    complete = {
        "mode2": MARKUP_LINK,
        "valid": False,
        "invalidReasons": [MARKUP_BAD, MARKUP_LINK],
        "metrics": {"keys": keys},
    }
    script = Script(created={"mode2": MARKUP_LINK}, complete=complete)
    async with hostile_server(script) as server:
        app = remote_app(server.url, tmp_path)
        output = capture(app)
        async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
            await type_the_test(pilot)
            await until(pilot, lambda: "invalid: [/nope]" in plain(bytes(output)))
            app.action_history()
            await until(pilot, lambda: "words [link=" in plain(bytes(output)))
    assert forbidden_in(bytes(output)) == []
    with History(tmp_path / "local" / "history.sqlite3") as history:
        (stored,) = history.recent()
    assert stored.mode2 == MARKUP_LINK  # kept as data, shown as data


async def test_a_language_made_of_markup_shows_in_the_label(tmp_path: Path) -> None:
    """`--language '[/oops]'` against a server that takes it: the test label shows it."""
    async with hostile_server(Script()) as server:
        spec = TestSpec(mode="words", words=10, language="[/oops]")
        app = server_app(server.url, tmp_path, spec)
        output = capture(app)
        async with app.run_test(headless=False, size=SIZE) as pilot:
            await until(pilot, lambda: app.attempt is not None)
            await until(pilot, lambda: "[/oops]" in plain(bytes(output)))
    assert "words 10  ·  [/oops]" in plain(bytes(output))
