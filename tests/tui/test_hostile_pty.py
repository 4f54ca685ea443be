"""A real `bartype play --server` process in a terminal (a pty) against a hostile server."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
from support.terminal import bartype_in_terminal

from .hostile import HOSTILE, MARKUP_BAD, MARKUP_LINK, Script, forbidden_in, hostile_server, plain

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")


async def _read_until(fd: int, output: bytearray, marker: bytes, timeout: float) -> None:
    """Read the terminal into ``output`` until ``marker`` shows (in its plain text)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while marker.decode() not in plain(bytes(output)):
        if loop.time() > deadline:
            raise AssertionError(f"{marker!r} never showed; the screen: {plain(bytes(output))!r}")
        await _read_some(fd, output, 0.1)


async def _read_some(fd: int, output: bytearray, seconds: float) -> None:
    """Read what the terminal gets for ``seconds``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            await asyncio.sleep(0.02)
            continue
        except OSError:  # the child closed the terminal
            return
        if not chunk:
            return
        output += chunk


async def test_a_real_terminal_gets_no_control_byte_from_a_hostile_server(
    tmp_path: Path,
) -> None:
    """The process shows a hostile error, types a test and shows a result whose label and
    reasons are markup: it exits cleanly on Ctrl+C, and the bytes the terminal received
    hold none of the payloads' escape sequences, only their literal text."""
    error = {"type": "ERROR", "data": {"code": "WEIRD" + MARKUP_BAD, "message": HOSTILE}}
    complete = {"mode2": MARKUP_LINK, "valid": False, "invalidReasons": [MARKUP_BAD]}
    script = Script(created={"mode2": MARKUP_LINK}, after_start=[error], complete=complete)
    async with hostile_server(script) as server:
        play = ("play", "--server", server.url, "--words", "10")
        output = bytearray()
        async with bartype_in_terminal(tmp_path / "home", *play, rows=32, columns=110) as (
            proc,
            master,
        ):
            await _read_until(master, output, b"PWNED-TITLE", 30)
            for ch in "the quick brown fox":
                os.write(master, ch.encode())
                await _read_some(master, output, 0.06)
            await _read_until(master, output, b"invalid: [/nope]", 20)
            await _read_some(master, output, 1.2)  # results take keys after a pause
            os.write(master, b"h")  # the history screen: the kept result's label
            await _read_until(master, output, b"words [link=", 10)
            os.write(master, b"\x03")
            code = await asyncio.wait_for(proc.wait(), 15)
            await _read_some(master, output, 0.2)
    assert code == 0, plain(bytes(output))[-2000:]
    assert forbidden_in(bytes(output)) == []
    shown = plain(bytes(output))
    assert "Traceback" not in shown
    assert "\\x1b]0;PWNED-TITLE\\x07" in shown and MARKUP_BAD in shown
