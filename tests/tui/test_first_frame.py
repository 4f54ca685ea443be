"""A real `bartype play` in a terminal (a pty): its first frame is the whole typing screen."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from support.terminal import bartype_in_terminal

from .hostile import plain

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")

_KEY_BAR = "new text"
"""In the key bar, on the screen's last row: a frame is drawn top to bottom."""


async def _until_the_key_bar(fd: int, timeout: float) -> str:
    """What the terminal shows (as text) up to the first time the key bar is drawn: all
    the first frame that has it, and any frame before."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    output = bytearray()
    while True:
        shown = plain(bytes(output))
        if _KEY_BAR in shown:
            return shown[: shown.index(_KEY_BAR) + len(_KEY_BAR)]
        if loop.time() > deadline:
            raise AssertionError(f"no whole frame came: {plain(bytes(output))!r}")
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            await asyncio.sleep(0.02)
            continue
        if not chunk:
            raise AssertionError(f"the terminal closed: {plain(bytes(output))!r}")
        output += chunk


async def test_the_first_frame_has_the_text_its_label_and_the_keys(tmp_path: Path) -> None:
    """Start-up lays the screen out and draws it once: the first frame a typist sees holds
    the text, its label, the hint and the key bar, not a placeholder to be redrawn."""
    play = ("play", "--words", "10", "--seed", "1")
    async with bartype_in_terminal(tmp_path / "home", *play) as (proc, terminal):
        frame = await _until_the_key_bar(terminal, 30)
        os.write(terminal, b"\x03")
        code = await asyncio.wait_for(proc.wait(), 15)
    assert code == 0
    for shown in ("words 10", "0/10", "me both second", "start typing"):
        assert shown in frame, f"{shown!r} is not drawn before the key bar: {frame!r}"
    assert "…" not in frame  # the placeholder while a text is made
