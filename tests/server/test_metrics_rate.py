"""HELLO.metricsMs over a real bartype serve: lean INPUT_ACKs, figures at the rate asked."""

from __future__ import annotations

import asyncio

from support import TIMEOUT_FACTOR
from websockets.asyncio.client import connect

from bartype.server.serve import BartypeServer
from bartype.transport.client import SessionClient, SessionOptions

from .test_serve import create, keys, recv, send, url


async def test_null_answers_every_batch_with_a_lean_ack(server: BartypeServer) -> None:
    """A client asking for no figures gets INPUT_ACK {ack} per batch, then SESSION_COMPLETE."""
    async with connect(url(server)) as ws:
        await send(ws, "HELLO", {"version": 1, "metricsMs": None})
        assert (await recv(ws))[0] == "WELCOME"
        await create(ws, "hello world")
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": keys("hello ")})
        assert await recv(ws) == ("INPUT_ACK", {"ack": 1})
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": keys("hello ")})  # resent
        assert await recv(ws) == ("INPUT_ACK", {"ack": 1})
        await send(ws, "INPUT_UPDATE", {"seq": 2, "keys": keys("world", 600)})
        assert await recv(ws) == ("INPUT_ACK", {"ack": 2})
        type_, complete = await recv(ws)
        assert type_ == "SESSION_COMPLETE" and complete["metrics"]["correct"] == 11


async def test_figures_come_by_the_clock_at_the_rate_asked(server: BartypeServer) -> None:
    """metricsMs 200: the first batch gets figures, the next a lean ack, and the server's
    clock sends the latest figures once 200 ms have passed."""
    async with connect(url(server)) as ws:
        await send(ws, "HELLO", {"version": 1, "metricsMs": 200})
        assert (await recv(ws))[0] == "WELCOME"
        await create(ws, "hello world")
        await send(ws, "INPUT_UPDATE", {"seq": 1, "keys": keys("he")})
        type_, data = await recv(ws)
        assert type_ == "METRICS_UPDATE" and data["ack"] == 1
        await send(ws, "INPUT_UPDATE", {"seq": 2, "keys": keys("llo", 200)})
        assert await recv(ws) == ("INPUT_ACK", {"ack": 2})
        type_, data = await recv(ws)  # within about 200 ms plus a tick
        assert type_ == "METRICS_UPDATE" and data["ack"] == 2
        assert data["analysis"]["typed"] == "hello"


async def test_the_client_trims_its_buffer_on_lean_acks(server: BartypeServer) -> None:
    """SessionClient asking for no figures (as bartype play does) types a whole test: every
    batch is acknowledged by INPUT_ACK and none waits."""
    client = await SessionClient.connect(f"ws://127.0.0.1:{server.port}", metrics_ms=None)
    seen: list[str] = []
    client.on_message = lambda type_, data: seen.append(type_)
    text = "lean acks only"
    await client.create(SessionOptions(mode="words", text=text))
    for i, ch in enumerate(text[:6]):
        client.send_key(ch, i * 100.0)
    client.flush()
    async with asyncio.timeout(5 * TIMEOUT_FACTOR):
        while client.unacked:
            await asyncio.sleep(0.005)
    for i, ch in enumerate(text[6:], 6):
        client.send_key(ch, i * 100.0)
    async with asyncio.timeout(5 * TIMEOUT_FACTOR):
        result = await client.wait_complete()
    await client.close()
    assert result["metrics"]["correct"] == len(text)
    assert "INPUT_ACK" in seen and "METRICS_UPDATE" not in seen
