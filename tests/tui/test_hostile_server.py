"""`bartype play --server` against a server sending control characters: none reaches the
terminal.

Every test runs the real app against a real WebSocket server (``hostile.HostileServer``)
and checks the bytes Textual writes: the payloads' escape sequences never appear; a text
that cannot be typed is refused with a reason, other strings show their escapes as text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.pilot import until

from bartype.storage.history import History

from .hostile import (
    BIDI,
    CLEAR,
    CONTROLS,
    NUL,
    OSC_TITLE,
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


async def test_a_text_with_control_characters_is_refused(tmp_path: Path) -> None:
    """A text holding escape sequences, NUL or a bidi override is not started: the typing
    screen says why (naming the character), and none of it reaches the terminal."""
    script = Script(created={"text": "type this " + CONTROLS})
    async with hostile_server(script) as server:
        app = remote_app(server.url, tmp_path)
        output = capture(app)
        async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
            view = app.typing_screen.text_view
            await until(pilot, lambda: "cannot be shown or typed" in view.placeholder)
            await until(pilot, lambda: "U+001B" in plain(bytes(output)))
            assert app.attempt is None
            assert "U+001B" in view.placeholder
    assert forbidden_in(bytes(output)) == []
    assert "holds U+001B" in plain(bytes(output))
    assert not any(m.get("type") == "START_SESSION" for m in server.received)


UNTYPABLE = [
    ({"text": "plain words " + BIDI}, "U+202E"),
    ({"text": "zero\u200bwidth"}, "U+200B"),
    ({"mode2": "25" + OSC_TITLE}, "mode2"),
    ({"textId": "custom" + OSC_TITLE}, "textId"),
    ({"sessionId": "s1" + NUL}, "sessionId"),
]


@pytest.mark.parametrize(
    ("created", "says"), UNTYPABLE, ids=["bidi", "zero-width", "mode2", "textId", "sessionId"]
)
async def test_one_invisible_character_anywhere_refuses_the_test(
    tmp_path: Path, created: dict[str, str], says: str
) -> None:
    """A right-to-left override or a zero-width space alone makes a text untypable (the
    typist could not see what the server expects); a label or id holding a control
    character is refused like a text. The test does not start; nothing is written raw."""
    async with hostile_server(Script(created=created)) as server:
        app = remote_app(server.url, tmp_path)
        output = capture(app)
        async with app.run_test(headless=False, size=SIZE) as pilot:
            view = app.typing_screen.text_view
            await until(pilot, lambda: "Cannot start a test" in view.placeholder)
            assert app.attempt is None
            assert says in view.placeholder
    assert forbidden_in(bytes(output)) == []


async def test_server_errors_with_control_characters_show_them_as_escapes(
    tmp_path: Path,
) -> None:
    """An ERROR whose message holds escape sequences, NUL and a bidi override is a toast
    showing them as escapes (``\\x1b``); typing goes on."""
    error = {"type": "ERROR", "data": {"code": "WEIRD", "message": CONTROLS}}
    async with hostile_server(Script(after_start=[error])) as server:
        app = remote_app(server.url, tmp_path)
        output = capture(app)
        async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
            await until(pilot, lambda: "PWNED" in toasts(app))
            await until(pilot, lambda: "PWNED-TITLE\\x07" in plain(bytes(output)))
            assert app.attempt is not None
            await type_text(pilot, "the")
            assert app.attempt.analyzer.word(0).typed == "the"
    out = bytes(output)
    assert forbidden_in(out) == []
    assert "\\x1b]0;PWNED-TITLE\\x07" in plain(out)
    assert "N\\x00UL" in plain(out)


async def test_a_refusal_with_control_characters_shows_them_as_escapes(tmp_path: Path) -> None:
    """The server refuses the test with a message full of escapes: the typing screen says
    so, the escapes shown as text."""
    script = Script(create_error={"code": "TEXT_UNAVAILABLE", "message": CONTROLS})
    async with hostile_server(script) as server:
        app = remote_app(server.url, tmp_path)
        output = capture(app)
        async with app.run_test(headless=False, size=SIZE) as pilot:
            view = app.typing_screen.text_view
            await until(pilot, lambda: "Cannot start a test" in view.placeholder)
            await until(pilot, lambda: "PWNED-TITLE\\x07" in plain(bytes(output)))
    out = bytes(output)
    assert forbidden_in(out) == []
    assert "\\x1b]0;PWNED-TITLE\\x07" in plain(out)


async def test_a_close_reason_with_control_characters(tmp_path: Path) -> None:
    """The server closes instead of giving the result, its reason full of escapes: the
    result is computed here and the toast shows the reason's escapes as text."""
    script = Script(close_at_end=(4001, OSC_TITLE + NUL + CLEAR))
    async with hostile_server(script) as server:
        app = remote_app(server.url, tmp_path)
        output = capture(app)
        async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
            await type_the_test(pilot)
            await until(pilot, lambda: "PWNED" in toasts(app))
            await until(pilot, lambda: "PWNED-TITLE\\x07" in plain(bytes(output)))
    out = bytes(output)
    assert forbidden_in(out) == []
    assert "\\x1b]0;PWNED-TITLE\\x07" in plain(out)


RESULTS_WITH_CONTROLS = [
    {"mode2": "4" + OSC_TITLE},
    {"invalidReasons": ["too short" + CLEAR]},
    {"valid": False, "invalidReasons": [BIDI]},
    {"metrics": {"keys": {"\x1b": {"presses": 1, "errors": 0, "meanIntervalMs": 90.0}}}},
]


@pytest.mark.parametrize("complete", RESULTS_WITH_CONTROLS, ids=["mode2", "reason", "bidi", "key"])
async def test_a_result_with_control_characters_is_not_used(
    tmp_path: Path, complete: dict[str, Any]
) -> None:
    """SESSION_COMPLETE with escapes in its label, reasons or keys is not a result: the one
    computed here shows and is kept (with the label the test started with), the toast
    says why, and no escape is written."""
    async with hostile_server(Script(complete=complete)) as server:
        app = remote_app(server.url, tmp_path)
        output = capture(app)
        async with app.run_test(headless=False, size=SIZE, notifications=True) as pilot:
            results = await type_the_test(pilot)
            attempt = app.attempt
            await until(pilot, lambda: "unreadable result" in toasts(app))
            assert attempt is not None and attempt.final is None
            local = attempt.session.result
            assert local is not None and results.view.wpm == local.metrics.wpm
    assert forbidden_in(bytes(output)) == []
    with History(tmp_path / "local" / "history.sqlite3") as history:
        assert [r.mode2 for r in history.recent()] == ["4"]


ABSURD_METRICS = [
    {"wpm": float("nan")},
    {"rawWpm": float("inf")},
    {"correct": 10**400},
    {"series": {"wpm": ["fast"]}},
    {"keys": {"a": {"presses": "many", "errors": 0, "meanIntervalMs": None}}},
]


@pytest.mark.parametrize("metrics", ABSURD_METRICS, ids=["nan", "inf", "huge", "str", "keys"])
async def test_numbers_a_chart_cannot_draw_are_not_a_result(
    tmp_path: Path, metrics: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """NaN, infinite or absurd figures, or strings where numbers belong, in the server's
    result: the app does not crash; the result computed here shows. (NaN and infinities
    are not even JSON to the decoder: that result never comes, and the end times out.)"""
    if metrics in ABSURD_METRICS[:2]:  # the timeouts are the path: shorter ones, same path
        import bartype.tui.controller as controller_module

        monkeypatch.setattr(controller_module, "COMPLETE_TIMEOUT_S", 0.2)
        monkeypatch.setattr(controller_module, "END_TIMEOUT_S", 0.5)
    async with hostile_server(Script(complete={"metrics": metrics})) as server:
        app = remote_app(server.url, tmp_path)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await type_the_test(pilot)  # the results wait for the end's timeout at most
            await until(pilot, lambda: "computed here" in toasts(app))
