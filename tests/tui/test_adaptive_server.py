"""`bartype play --adaptive --server`: the lesson is made here and typed against a real
`bartype serve`; the result is an adaptive test on both sides."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support import start_server, stop_server

from bartype.core.tutor import Tutor
from bartype.storage.corpus import TextLibrary, default_texts_root
from bartype.storage.history import History
from bartype.storage.tutor_profiles import practice_words
from bartype.tui.attempt import TestSpec

from .helpers import Script, server_app, wait_for_results, wait_until
from .test_server_e2e import _type_live

pytest.importorskip("bartype.server.serve")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A real server process on an ephemeral port; yields its URL."""
    proc, port = start_server(tmp_path / "s.db")
    try:
        yield f"ws://127.0.0.1:{port}"
    finally:
        stop_server(proc)


async def test_adaptive_lesson_over_a_server_is_adaptive_on_both_sides(
    server: str, tmp_path: Path
) -> None:
    """The server types the client's lesson (the local profile's next text, sent as the
    session's text); its history and the local one both keep an adaptive English test,
    and the local profile learnt the lesson."""
    app = server_app(server, tmp_path, TestSpec(mode="adaptive", seed=5))
    words = practice_words(TextLibrary(default_texts_root()), "english")
    async with app.run_test() as pilot:
        await wait_until(pilot, lambda: app.attempt is not None, "no lesson arrived", 500)
        attempt = app.attempt
        assert attempt is not None and attempt.text == Tutor(words, seed=5).next_text()
        assert attempt.session_id  # the server's session
        await _type_live(pilot, Script().text(attempt.text).presses, 0.03)
        await wait_for_results(pilot, app, 400)
        assert attempt.final is not None and attempt.final["mode"] == "adaptive"
        await wait_until(pilot, lambda: app.screen.tutor is not None, "no progress shown")
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
