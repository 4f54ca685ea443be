"""A hostile `bartype serve` for the TUI tests, and a driver that keeps the bytes Textual writes.

``HostileServer`` is a real WebSocket server on 127.0.0.1 (port 0) speaking enough of
protocol version 1 (docs/protocol.md) for ``bartype play --server`` to run a test against
it, with every string it sends replaceable by an attacker's: texts, labels, error
messages, close reasons. ``CapturingDriver`` is Textual's headless driver made to render:
the terminal output the app would write is kept, so a test can check that no byte of the
payloads reaches the terminal.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support import TIMEOUT_FACTOR
from support.pilot import WAIT_S, until
from textual.drivers.headless_driver import HeadlessDriver
from textual.pilot import Pilot
from websockets.asyncio.server import ServerConnection, serve

from bartype.tui.app import BartypeApp
from bartype.tui.attempt import TestSpec
from bartype.tui.screens.results import ResultsScreen

from .helpers import server_app, told

OSC_TITLE = "\x1b]0;PWNED-TITLE\x07"
"""Retitles the terminal (window or tmux pane)."""
OSC_LINK = "\x1b]8;;http://evil.example/osc\x1b\\click\x1b]8;;\x1b\\"
"""A hyperlink to the attacker's site."""
CLEAR = "\x1b[2J\x1b[HCLEARED"
"""Clears the screen and homes the cursor."""
SGR = "\x1b[5;31mBLINK\x1b[0m"
NUL = "N\x00UL"
BIDI = "\u202egnp.exe\u202c"
"""A right-to-left override: shows the text reversed."""
MARKUP_LINK = "[link=http://evil.example/x]click me[/link]"
MARKUP_BAD = "[/nope]"
MARKUP_STYLE = "[reverse blink]loud[/]"

CONTROLS = OSC_TITLE + OSC_LINK + CLEAR + SGR + NUL + BIDI
"""Every control-byte payload at once."""
MARKUP = MARKUP_LINK + " " + MARKUP_BAD + " " + MARKUP_STYLE
"""Every markup payload at once."""
HOSTILE = MARKUP + " " + CONTROLS
"""Both."""

FORBIDDEN_OUTPUT = (
    b"\x1b]0;",
    b"PWNED-TITLE\x07",
    b"\x1b]8;",
    b"\x1b[2J\x1b[HCLEARED",
    b"\x1b[5;31mBLINK",
    b"\x00",
    "\u202e".encode(),
    b"http://evil.example/x",
)
"""Bytes that reach the terminal only if a payload got through (Textual never writes them).

The link target of the markup payload only appears inside an OSC 8 sequence, since the
literal markup text is ``[link=http://evil.example/x]``: its ``http://`` form is checked
after removing the literal.
"""

_CSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]")


def forbidden_in(output: bytes) -> list[bytes]:
    """The payload markers found in terminal ``output`` (empty when it is clean)."""
    literal = b"[link=http://evil.example/x]"
    cleaned = output.replace(literal, b"")
    return [marker for marker in FORBIDDEN_OUTPUT if marker in cleaned]


def plain(output: bytes) -> str:
    """Terminal ``output`` with Textual's own cursor and style sequences removed."""
    return _CSI.sub("", output.decode("utf-8", "replace"))


class CapturingDriver(HeadlessDriver):
    """Textual's headless driver, rendering: every byte the app writes is kept."""

    output = bytearray()
    """What the app wrote (shared by the class: reset it before each app)."""

    @property
    def is_headless(self) -> bool:
        return False  # makes the app render its screens through write()

    def write(self, data: str) -> None:
        CapturingDriver.output += data.encode("utf-8", "surrogateescape")

    def flush(self) -> None:
        pass


def capture(app: Any) -> bytearray:
    """Make ``app`` write through a ``CapturingDriver``; returns the (emptied) buffer.

    Run the app with ``run_test(headless=False)``.
    """
    CapturingDriver.output = bytearray()
    app.driver_class = CapturingDriver
    return CapturingDriver.output


DEFAULT_TEXT = "the quick brown fox"
SIZE = (110, 32)
"""The terminal the app runs in: wide enough for every toast and label."""


def remote_app(url: str, tmp_path: Path) -> BartypeApp:
    """``bartype play --server url`` (words mode), keeping its files under ``tmp_path``."""
    return server_app(url, tmp_path, TestSpec(mode="words", words=10), give_up_after=0.5)


async def type_text(pilot: Any, text: str, gap_s: float = 0.06) -> None:
    """Type ``text`` in real time, as the terminal would deliver it."""
    from .helpers import _key_event

    app = pilot.app
    for ch in text:
        await asyncio.sleep(gap_s)
        done = asyncio.Event()
        app.post_message(_key_event("space" if ch == " " else ch))
        app.call_later(lambda event=done: app.screen.call_later(event.set))
        await asyncio.wait_for(done.wait(), WAIT_S * TIMEOUT_FACTOR)


async def type_the_test(pilot: Pilot[int]) -> ResultsScreen:
    """Wait for the test, type all of ``DEFAULT_TEXT``, wait for the results screen."""
    from .helpers import wait_for_results

    app = pilot.app
    assert isinstance(app, BartypeApp)
    await until(pilot, lambda: app.attempt is not None, "the test")
    await type_text(pilot, DEFAULT_TEXT)
    return await wait_for_results(pilot, 12)  # a result that never comes times out


def toasts(app: BartypeApp) -> str:
    """The messages of every notification ``app`` showed, one a line."""
    return "\n".join(told(app))


@dataclass
class Script:
    """What the hostile server sends; each dict is merged into the honest message."""

    welcome: dict[str, Any] = field(default_factory=dict)
    created: dict[str, Any] = field(default_factory=dict)
    create_error: dict[str, Any] | None = None
    """Answer CREATE_SESSION with this ERROR instead."""
    after_start: list[dict[str, Any]] = field(default_factory=list)
    """Frames sent right after SESSION_STARTED (unprompted errors, ...)."""
    complete: dict[str, Any] = field(default_factory=dict)
    """Merged into SESSION_COMPLETE (its ``metrics`` into the honest metrics)."""
    metrics: dict[str, Any] = field(default_factory=dict)
    close_at_end: tuple[int, str] | None = None
    """Close with this code and reason on END_SESSION instead of answering it."""


LIMITS = {"maxFrame": 65536, "rate": 50.0, "maxKeys": 256, "maxText": 20000, "sessionTtlS": 600.0}
LIVE = {
    "analysis": {"wordIndex": 0, "typed": "", "states": "", "finished": False},
    "metrics": {
        "wpm": 0.0,
        "rawWpm": 0.0,
        "accuracy": 100.0,
        "consistency": 0.0,
        "errors": 0,
        "keypresses": 0,
        "correct": 0,
        "incorrect": 0,
        "extra": 0,
        "elapsedS": 0.0,
    },
}
"""The figures of every METRICS_UPDATE (the app computes its own live figures)."""


def honest_complete(session_id: str, mode: str, mode2: str, text: str) -> dict[str, Any]:
    """A plausible SESSION_COMPLETE for ``text`` typed without a mistake."""
    chars = len(text)
    keys = {ch: {"presses": text.count(ch), "errors": 0, "meanIntervalMs": 120.0} for ch in text}
    return {
        "sessionId": session_id,
        "state": "completed",
        "mode": mode,
        "mode2": mode2,
        "ack": 1,
        "metrics": {
            "wpm": 60.0,
            "rawWpm": 61.0,
            "accuracy": 100.0,
            "consistency": 80.0,
            "keyConsistency": 70.0,
            "correct": chars,
            "incorrect": 0,
            "extra": 0,
            "missed": 0,
            "keypresses": chars,
            "errors": 0,
            "durationS": 4.0,
            "afk": False,
            "series": {"wpm": [60, 60], "raw": [61, 61], "burst": [60, 62], "errors": [0, 0]},
            "keys": keys,
        },
        "valid": True,
        "invalidReasons": [],
        "flags": [],
        "resultId": 7,
        "personalBest": False,
    }


class HostileServer:
    """Serves ``script`` to every connection; ``received`` logs the client's frames."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.received: list[dict[str, Any]] = []
        self.url = ""

    async def _send(self, ws: ServerConnection, type_: str, data: dict[str, Any]) -> None:
        await ws.send(json.dumps({"type": type_, "data": data}))

    async def handle(self, ws: ServerConnection) -> None:
        script = self.script
        session_id, mode, mode2, text = "s1", "words", "4", DEFAULT_TEXT
        typed = 0
        async for frame in ws:
            message = json.loads(frame)
            self.received.append(message)
            type_, data = message.get("type"), message.get("data") or {}
            if type_ == "HELLO":
                welcome = {"version": 1, "server": "bartype/0.1.0", "limits": LIMITS}
                await self._send(ws, "WELCOME", {**welcome, **script.welcome})
            elif type_ == "CREATE_SESSION":
                if script.create_error is not None:
                    await self._send(ws, "ERROR", script.create_error)
                    continue
                mode = str(data.get("mode", "words"))
                text = str(data.get("text") or DEFAULT_TEXT)
                created: dict[str, Any] = {
                    "sessionId": session_id,
                    "token": "t0k3n",
                    "text": text,
                    "mode": mode,
                    "mode2": mode2,
                    "textId": "custom",
                    "options": {**data, "seed": 1},
                }
                created.update(script.created)
                text = created["text"] or ""
                mode2 = created["mode2"]
                await self._send(ws, "SESSION_CREATED", created)
            elif type_ == "START_SESSION":
                await self._send(ws, "SESSION_STARTED", {"sessionId": session_id})
                for extra in script.after_start:
                    await ws.send(json.dumps(extra))
            elif type_ == "INPUT_UPDATE":
                update = {"ack": data.get("seq", 0), **LIVE}
                await self._send(ws, "METRICS_UPDATE", {**update, **script.metrics})
                typed += len(data.get("keys") or ())
            if type_ == "END_SESSION" or (type_ == "INPUT_UPDATE" and typed >= len(text)):
                # The end of the test, as the typist ended it or typed the whole text.
                if script.close_at_end is not None:
                    await ws.close(*script.close_at_end)
                    return
                complete = honest_complete(session_id, mode, mode2, text)
                overrides = dict(script.complete)
                complete["metrics"].update(overrides.pop("metrics", {}))
                complete.update(overrides)
                await self._send(ws, "SESSION_COMPLETE", complete)


@asynccontextmanager
async def hostile_server(script: Script) -> AsyncIterator[HostileServer]:
    """Run a ``HostileServer`` on 127.0.0.1 and a free port for the ``with`` block."""
    hostile = HostileServer(script)
    async with serve(hostile.handle, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        hostile.url = f"ws://127.0.0.1:{port}"
        yield hostile
    await asyncio.sleep(0)
