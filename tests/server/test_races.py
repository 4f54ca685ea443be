"""Races against a real `bartype serve` process on port 0, with several real clients."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from support import TIMEOUT_FACTOR, start_server, stop_server
from websockets.asyncio.client import ClientConnection, connect

from bartype.core.race import RacePlace
from bartype.storage.history import History

T = 5 * TIMEOUT_FACTOR
TEXT = "the quick brown fox"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's history file."""
    return tmp_path_factory.mktemp("races") / "server.sqlite3"


@pytest.fixture(scope="module")
def port(db: Path) -> Iterator[int]:
    """One `bartype serve --port 0` for the module; each test makes its own rooms."""
    proc, bound = start_server(db)
    try:
        yield bound
    finally:
        stop_server(proc)


class Client:
    """One WebSocket client: sends frames, waits for a message type, keeps what it saw."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seen: list[tuple[str, dict[str, Any]]] = []
        self.offset_ms = 0.0
        """Server clock minus this client's monotonic clock, from the countdown."""

    async def send(self, type_: str, data: dict[str, Any] | None = None) -> None:
        await self.ws.send(json.dumps({"type": type_, "data": data or {}}))

    async def expect(
        self, type_: str, where: Callable[[dict[str, Any]], bool] = lambda _: True
    ) -> dict[str, Any]:
        """The next message of this type (for which ``where`` holds), skipping others."""
        async with asyncio.timeout(T):
            while True:
                message = json.loads(await self.ws.recv())
                self.seen.append((message["type"], message["data"]))
                if message["type"] == type_ and where(message["data"]):
                    data: dict[str, Any] = message["data"]
                    return data
                if message["type"] == "ERROR":
                    raise AssertionError(f"expected {type_}, got {message['data']}")

    async def countdown(self) -> dict[str, Any]:
        data = await self.expect("RACE_COUNTDOWN")
        self.offset_ms = data["serverTime"] - time.monotonic() * 1000
        return data

    def race_ms(self, countdown: dict[str, Any]) -> float:
        """Milliseconds since the start signal, on this client's clock."""
        return time.monotonic() * 1000 + self.offset_ms - float(countdown["startsAt"])


@asynccontextmanager
async def client(port: int) -> AsyncIterator[Client]:
    async with connect(f"ws://127.0.0.1:{port}/ws", compression=None) as ws:
        c = Client(ws)
        await c.send("HELLO", {"version": 1})
        await c.expect("WELCOME")
        yield c


async def create(c: Client, name: str = "Ann", **extra: Any) -> str:
    """A custom-text room with a short countdown; its code."""
    await c.send(
        "CREATE_ROOM",
        {"name": name, "options": {"mode": "custom", "text": TEXT}, "countdownS": 0.3, **extra},
    )
    return str((await c.expect("ROOM_JOINED"))["code"])


async def type_text(c: Client, countdown: dict[str, Any], step_ms: float, seq: int = 1) -> None:
    """Type TEXT once the race started: keys ``step_ms`` apart, sent as their times pass."""
    start = max(0.0, c.race_ms(countdown)) + 50
    keys: list[dict[str, Any]] = [
        {"key": ch, "t": round(start + i * step_ms, 1)} for i, ch in enumerate(TEXT)
    ]
    half = len(keys) // 2
    for batch, part in enumerate((keys[:half], keys[half:])):
        await asyncio.sleep(max(0.0, (part[-1]["t"] - c.race_ms(countdown)) / 1000))
        await c.send("RACE_INPUT", {"seq": seq + batch, "keys": part})


async def test_a_race_from_lobby_to_rematch(port: int, db: Path) -> None:
    """Two racers and a watcher: countdown, same text, live lanes, standings, rematch;
    the server keeps both results with the room, the race and the place."""
    async with client(port) as ann, client(port) as bob, client(port) as screen:
        code = await create(ann)
        await bob.send("JOIN_ROOM", {"code": code.lower(), "name": "Bob"})
        await bob.expect("ROOM_JOINED")
        await screen.send("JOIN_ROOM", {"code": code, "name": "Screen", "watch": True})
        await screen.expect("ROOM_JOINED")
        players = (await screen.expect("ROOM_STATE", lambda d: len(d["players"]) == 3))["players"]
        assert [(p["name"], p["role"]) for p in players] == [
            ("Ann", "racer"),
            ("Bob", "racer"),
            ("Screen", "spectator"),
        ]
        await ann.send("START_RACE")
        counts = [await c.countdown() for c in (ann, bob, screen)]
        assert all(c["text"] == TEXT and c["racers"] == ["p1", "p2"] for c in counts)
        await asyncio.gather(*(c.expect("RACE_STARTED") for c in (ann, bob)))
        await asyncio.gather(type_text(ann, counts[0], 25), type_text(bob, counts[1], 35))
        finished = await screen.expect("RACER_FINISHED")
        assert finished["id"] == "p1" and finished["place"] == 1
        standings = (await screen.expect("RACE_STANDINGS"))["standings"]
        assert [(s["name"], s["status"], s["flags"]) for s in standings] == [
            ("Ann", "finished", []),
            ("Bob", "finished", []),
        ]
        assert any(t == "RACE_PROGRESS" for t, _ in screen.seen)
        result = await bob.expect("RACE_RESULT")
        assert result["place"] == 2 and result["metrics"]["accuracy"] == 100.0
        await ann.send("REMATCH")
        lobby = await bob.expect("ROOM_STATE", lambda d: d["state"] == "lobby")
        assert not any(p["ready"] for p in lobby["players"])
    with History(db) as history:  # beside the running server (WAL)
        kept = [(r.race, r.wpm) for r in history.recent() if r.race and r.race.room == code]
    kept.sort(key=lambda k: k[0].place)
    assert kept == [
        (RacePlace(code, 1, 1, 2), standings[0]["wpm"]),
        (RacePlace(code, 1, 2, 2), standings[1]["wpm"]),
    ]


async def test_join_mid_race_spectates_and_a_leaver_is_dnf(port: int) -> None:
    """Joining during a race spectates; a racer who leaves is DNF; the host's leaving hands on."""
    async with client(port) as ann, client(port) as bob:
        code = await create(ann)
        await bob.send("JOIN_ROOM", {"code": code, "name": "Bob"})
        await bob.expect("ROOM_JOINED")
        await ann.send("START_RACE")
        countdown = await ann.countdown()
        await ann.expect("RACE_STARTED")
        async with client(port) as late:
            await late.send("JOIN_ROOM", {"code": code, "name": "Late"})
            await late.expect("ROOM_JOINED")
            joined = await late.expect("ROOM_STATE")  # sent on joining: everyone in the room
            roles = {p["name"]: p["role"] for p in joined["players"]}
            assert roles == {"Ann": "racer", "Bob": "racer", "Late": "spectator"}
            assert (await late.expect("RACE_COUNTDOWN"))["text"] == TEXT
            await late.send("RACE_INPUT", {"seq": 1, "keys": [{"key": "t", "t": 0}]})
            assert (await late.expect("ERROR"))["code"] == "NOT_RACING"
            await bob.send("LEAVE_ROOM")
            await bob.expect("ROOM_LEFT")
            await type_text(ann, countdown, 20)
            standings = (await late.expect("RACE_STANDINGS"))["standings"]
            assert [(s["name"], s["status"]) for s in standings] == [
                ("Ann", "finished"),
                ("Bob", "dnf"),
            ]
            await ann.send("LEAVE_ROOM")
            state = await late.expect("ROOM_STATE", lambda d: len(d["players"]) == 1)
            assert state["hostId"] == "p3" and state["players"][0]["name"] == "Late"


async def test_full_rooms_and_hostile_names(port: int) -> None:
    """A full room says so; control characters in names are refused, markup kept literally."""
    async with client(port) as ann, client(port) as bob, client(port) as cat:
        code = await create(ann, "[red]x[/]", maxPlayers=2)
        await bob.send("JOIN_ROOM", {"code": code, "name": "\x1b[2J"})
        assert (await bob.expect("ERROR"))["code"] == "BAD_NAME"
        await bob.send("JOIN_ROOM", {"code": code, "name": "[RED]X[/]"})
        assert (await bob.expect("ERROR"))["code"] == "NAME_TAKEN"
        await bob.send("JOIN_ROOM", {"code": code, "name": "Bob"})
        names = [p["name"] for p in (await bob.expect("ROOM_STATE"))["players"]]  # on joining
        assert names == ["[red]x[/]", "Bob"]
        await cat.send("JOIN_ROOM", {"code": code, "name": "Cat"})
        full = await cat.expect("ERROR")
        assert full["code"] == "ROOM_FULL" and "2 players" in full["message"]


async def test_a_dropped_racer_resumes_and_finishes_as_if_nothing_happened(port: int) -> None:
    """The link drops mid-race; a new connection resumes with the token, resends, finishes."""
    async with client(port) as ann, client(port) as bob:
        code = await create(ann)
        await bob.send("JOIN_ROOM", {"code": code, "name": "Bob"})
        token = (await bob.expect("ROOM_JOINED"))["token"]
        await ann.send("START_RACE")
        countdown = await bob.countdown()
        await bob.expect("RACE_STARTED")
        start = max(0.0, bob.race_ms(countdown)) + 20
        keys: list[dict[str, Any]] = [
            {"key": ch, "t": round(start + i * 25, 1)} for i, ch in enumerate(TEXT)
        ]
        await asyncio.sleep((keys[9]["t"] - bob.race_ms(countdown)) / 1000 + 0.02)
        await bob.send("RACE_INPUT", {"seq": 1, "keys": keys[:10]})
        await bob.expect("RACE_METRICS")
        bob.ws.transport.abort()  # the link is cut: no close frame
        dropped = await ann.expect("ROOM_STATE", lambda d: not d["players"][-1]["connected"])
        assert [(p["name"], p["connected"]) for p in dropped["players"]] == [
            ("Ann", True),
            ("Bob", False),
        ]
        async with client(port) as again:
            await again.send("RESUME_ROOM", {"code": code, "token": token})
            assert (await again.expect("ROOM_JOINED"))["resumed"] is True
            assert (await again.expect("RACE_METRICS"))["ack"] == 1
            await again.send("RACE_INPUT", {"seq": 1, "keys": keys[:10]})  # a resend: re-acked
            assert (await again.expect("RACE_METRICS"))["ack"] == 1
            await again.send("RACE_INPUT", {"seq": 2, "keys": keys[10:]})
            await again.expect("RACE_RESULT")
            await ann.send("LEAVE_ROOM")
            standings = (await again.expect("RACE_STANDINGS"))["standings"]
            bob_row = next(s for s in standings if s["name"] == "Bob")
            assert bob_row["status"] == "finished" and bob_row["flags"] == []
            assert bob_row["timeMs"] == keys[-1]["t"]
