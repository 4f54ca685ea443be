"""Regenerate docs/screenshots/race-page.png: the big-screen page during a real race.

Starts a real server on a free loopback port, races three clients part of the way
through a text, and has headless Chromium take a picture of /rooms/CODE:

    python scripts/race_page_screenshot.py [--out docs/screenshots/race-page.png]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TEXT = "the quick brown fox jumps over the lazy dog while the typists race along"
RACERS = [("Ann", 44, 60), ("Bob", 30, 75), ("[red]x[/]", 18, 95)]
"""Name, characters typed before the picture, milliseconds between keys."""


async def race_and_shoot(out: Path, chromium: str) -> None:
    from websockets.asyncio.client import connect

    from bartype.server.serve import BartypeServer, ServerConfig
    from bartype.storage.history import History

    with tempfile.TemporaryDirectory() as tmp:
        server = BartypeServer(ServerConfig(port=0), history=History(Path(tmp) / "db.sqlite3"))
        await server.start()
        try:
            links = [await connect(f"ws://127.0.0.1:{server.port}/ws") for _ in RACERS]

            async def say(ws: Any, type_: str, data: dict[str, Any] | None = None) -> None:
                await ws.send(json.dumps({"type": type_, "data": data or {}}))

            async def wait(ws: Any, type_: str) -> dict[str, Any]:
                while True:
                    message = json.loads(await ws.recv())
                    if message["type"] == type_:
                        return dict(message["data"])

            for ws in links:
                await say(ws, "HELLO", {"version": 1})
            options = {"mode": "custom", "text": TEXT}
            await say(links[0], "CREATE_ROOM", {"name": RACERS[0][0], "options": options})
            code = (await wait(links[0], "ROOM_JOINED"))["code"]
            for ws, (name, _, _) in zip(links[1:], RACERS[1:], strict=True):
                await say(ws, "JOIN_ROOM", {"code": code, "name": name})
                await wait(ws, "ROOM_JOINED")
            await say(links[0], "START_RACE")
            countdown = await wait(links[0], "RACE_COUNTDOWN")
            offset = countdown["serverTime"] - time.monotonic() * 1000
            await wait(links[0], "RACE_STARTED")
            started = countdown["startsAt"] - offset  # on time.monotonic() * 1000

            async def typist(ws: Any, chars: int, step: float) -> None:
                keys = [
                    {"key": ch, "t": round(300 + i * step, 1)} for i, ch in enumerate(TEXT[:chars])
                ]
                await asyncio.sleep(
                    max(0.0, keys[-1]["t"] + started - time.monotonic() * 1000) / 1000
                )
                await say(ws, "RACE_INPUT", {"seq": 1, "keys": keys})

            await asyncio.gather(
                *(typist(ws, n, step) for ws, (_, n, step) in zip(links, RACERS, strict=True))
            )
            proc = await asyncio.create_subprocess_exec(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--hide-scrollbars",
                f"--user-data-dir={tmp}/profile",
                "--window-size=1280,720",
                "--virtual-time-budget=1500",
                f"--screenshot={out.resolve()}",
                f"http://127.0.0.1:{server.port}/rooms/{code}",
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            await proc.wait()
            for ws in links:
                await ws.close()
        finally:
            await server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/screenshots/race-page.png")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 1
    asyncio.run(race_and_shoot(args.out, chromium))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
