"""The big-screen page at /rooms/CODE, in headless Chromium against a real `bartype serve`."""

from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from support import TIMEOUT_FACTOR, start_server, stop_server
from support.browser import CHROMIUM, headless_page
from websockets.asyncio.client import ClientConnection, connect

T = 5 * TIMEOUT_FACTOR
TEXT = "the quick brown fox"
HOSTILE = "<img src onerror=f>"  # the 20-character name limit leaves no room for alert(1)
MARKUP = "[red]x[/]"


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One `bartype serve --port 0` for the module."""
    proc, bound = start_server(tmp_path_factory.mktemp("page") / "server.sqlite3")
    try:
        yield bound
    finally:
        stop_server(proc)


class Racer:
    """A WebSocket client in a room, typing keys at times it has let pass."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.offset_ms = 0.0
        self.starts_at = 0
        self.last_t = 0.0
        self.seq = 0

    async def send(self, type_: str, data: dict[str, Any] | None = None) -> None:
        await self.ws.send(json.dumps({"type": type_, "data": data or {}}))

    async def expect(self, type_: str) -> dict[str, Any]:
        async with asyncio.timeout(T):
            while True:
                message = json.loads(await self.ws.recv())
                assert message["type"] != "ERROR", message
                if message["type"] == type_:
                    data: dict[str, Any] = message["data"]
                    return data

    async def countdown(self) -> None:
        data = await self.expect("RACE_COUNTDOWN")
        self.offset_ms = data["serverTime"] - time.monotonic() * 1000
        self.starts_at = data["startsAt"]

    def race_ms(self) -> float:
        return time.monotonic() * 1000 + self.offset_ms - self.starts_at

    async def type(self, chars: str, step_ms: float) -> None:
        """Type ``chars`` ``step_ms`` apart from now on, sent once their times have passed."""
        start = max(self.last_t, self.race_ms()) + 10
        keys: list[dict[str, Any]] = [
            {"key": ch, "t": round(start + i * step_ms, 1)} for i, ch in enumerate(chars)
        ]
        self.last_t = keys[-1]["t"]
        await asyncio.sleep(max(0.0, (self.last_t - self.race_ms()) / 1000))
        self.seq += 1
        await self.send("RACE_INPUT", {"seq": self.seq, "keys": keys})
        await self.expect("RACE_METRICS")


@asynccontextmanager
async def racer(port: int) -> AsyncIterator[Racer]:
    async with connect(f"ws://127.0.0.1:{port}/ws", compression=None) as ws:
        r = Racer(ws)
        await r.send("HELLO", {"version": 1})
        await r.expect("WELCOME")
        yield r


def get(port: int, path: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=T) as reply:
            return reply.status, dict(reply.headers), reply.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


def test_the_page_and_its_files_are_served_with_a_strict_policy(port: int) -> None:
    """/rooms/CODE is the page for any code, its script and style come from /static, and
    the policy allows nothing inline and nothing from elsewhere."""
    status, headers, html = get(port, "/rooms/anything")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self';" in policy
    assert f"connect-src 'self' ws://127.0.0.1:{port};" in policy
    assert "unsafe" not in policy and headers["X-Content-Type-Options"] == "nosniff"
    assert not re.search(r"<script>|<style|\son\w+=|style=", html)  # nothing inline
    assert '<script src="/static/room.js" defer></script>' in html
    for path, kind in (("/static/room.js", "text/javascript"), ("/static/room.css", "text/css")):
        status, headers, body = get(port, path)
        assert status == 200 and headers["Content-Type"].startswith(kind) and body
    assert "innerHTML" not in get(port, "/static/room.js")[2]
    assert get(port, "/rooms/A/B")[0] == 404 and get(port, "/static/nope.js")[0] == 404


@pytest.fixture
def chromium() -> None:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium): page not tested")


LANES = """(() => [...document.querySelectorAll('#lanes .name')].map((name) => ({
  name: name.textContent,
  place: name.previousElementSibling.textContent,
  position: Number(name.nextElementSibling.firstChild.dataset.position || 0),
  width: name.nextElementSibling.firstChild.style.width,
})))()"""


async def lanes_where(page: Any, condition: str) -> list[dict[str, Any]]:
    lanes: list[dict[str, Any]] = await page.wait_for(
        f"(() => {{ const lanes = {LANES}; return ({condition}) && lanes; }})()"
    )
    return lanes


async def test_the_page_shows_a_race_live(chromium: None, port: int, tmp_path: Path) -> None:
    """Two real racers: the page lists them, counts down, shows their lanes advancing and
    the final standings, with hostile names shown literally; an unknown code says so."""
    async with racer(port) as ann, racer(port) as bob:
        await ann.send(
            "CREATE_ROOM",
            {"name": MARKUP, "options": {"mode": "custom", "text": TEXT}, "countdownS": 1.5},
        )
        code = (await ann.expect("ROOM_JOINED"))["code"]
        await bob.send("JOIN_ROOM", {"code": code, "name": HOSTILE})
        await bob.expect("ROOM_JOINED")
        url = f"http://127.0.0.1:{port}/rooms/{code.lower()}"
        async with headless_page(url, tmp_path / "profile") as page:
            lobby = await page.wait_for(
                "document.querySelectorAll('#players li').length === 2 &&"
                " [...document.querySelectorAll('#players li')].map((li) => li.textContent)"
            )
            assert lobby == [f"· {MARKUP}", f"· {HOSTILE}"]
            assert await page.evaluate("document.getElementById('code').textContent") == code

            await ann.send("START_RACE")
            await asyncio.gather(ann.countdown(), bob.countdown())
            assert await page.wait_for(
                "/^[12]$/.test(document.getElementById('clock').textContent)"
            )
            await asyncio.gather(ann.expect("RACE_STARTED"), bob.expect("RACE_STARTED"))

            await asyncio.gather(ann.type(TEXT[:12], 40), bob.type(TEXT[:6], 60))
            lanes = await lanes_where(
                page, "lanes.length === 2 && lanes[0].position === 12 && lanes[1].position === 6"
            )
            assert [(lane["name"], lane["position"], lane["place"]) for lane in lanes] == [
                (MARKUP, 12, "1st"),
                (HOSTILE, 6, "2nd"),
            ]
            assert lanes[0]["width"] == "63.2%"
            assert "s" in await page.evaluate("document.getElementById('clock').textContent")

            await asyncio.gather(ann.type(TEXT[12:], 40), bob.type(TEXT[6:], 60))
            rows = await page.wait_for(
                "!document.getElementById('results').hidden &&"
                " [...document.querySelectorAll('#standings tr')]"
                ".map((tr) => [...tr.cells].map((td) => td.textContent))"
            )
            assert [row[:2] for row in rows] == [["1st", MARKUP], ["2nd", HOSTILE]]
            assert all(float(row[2]) > 0 and row[3] == "100.0%" for row in rows)
            assert all(row[4].endswith(" s") for row in rows)
            assert await page.wait_for(
                "document.getElementById('clock').textContent === 'Finished'"
            )
            lanes = await lanes_where(page, "lanes[0].position === 19 && lanes[1].position === 19")
            assert [lane["width"] for lane in lanes] == ["100%", "100%"]
            # Nothing from the names became markup.
            assert await page.evaluate("document.querySelectorAll('img, b, span.red').length") == 0

            await page.call("Page.navigate", url=f"http://127.0.0.1:{port}/rooms/ZZZZ")
            notice = await page.wait_for(
                "document.getElementById('notice')?.hidden === false &&"
                " document.getElementById('notice').textContent"
            )
            assert notice.startswith("No such room: ZZZZ.")
