"""Run inside a fresh network namespace (``unshare -rn``): per-address limits on IPv6.

Gives the namespace's loopback three addresses of 2001:db8::/64 and one of
another /64 (documentation prefixes, inside the namespace only), starts a
real server on 2001:db8::1 holding each address to 2 connections and 1
session, and prints what each client got as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from bartype.protocol.budget import Budget
from bartype.protocol.config import HandlerConfig
from bartype.server.serve import BartypeServer, ServerConfig
from bartype.storage.history import History

SERVER = "2001:db8::1"
SAME_64 = ("2001:db8::2", "2001:db8::3", "2001:db8::4")
OTHER_64 = "2001:db8:0:1::1"
HELLO = '{"type":"HELLO","data":{"version":1}}'
CREATE = '{"type":"CREATE_SESSION","data":{"mode":"custom","text":"ab cd"}}'


async def client(port: int, source: str) -> tuple[ClientConnection | None, list[str]]:
    """Connect from ``source``; HELLO, then CREATE_SESSION: the types of the answers."""
    try:
        ws = await connect(f"ws://[{SERVER}]:{port}/ws", local_addr=(source, 0), open_timeout=10)
    except InvalidStatus as exc:
        return None, [f"HTTP {exc.response.status_code}"]
    got = []
    for frame in (HELLO, CREATE):
        await ws.send(frame)
        reply = json.loads(await asyncio.wait_for(ws.recv(), 10))
        got.append(reply["data"]["code"] if reply["type"] == "ERROR" else reply["type"])
    return ws, got


async def main() -> dict[str, list[str]]:
    handler = replace(HandlerConfig(future_tolerance_ms=None), budget=Budget(address_sessions=1))
    config = ServerConfig(host=SERVER, port=0, max_per_ip=2, handler=handler)
    with tempfile.TemporaryDirectory() as tmp:
        server = BartypeServer(config, history=History(Path(tmp) / "ipv6.sqlite3"))
        await server.start()
        try:
            results: dict[str, list[str]] = {}
            held = []
            for source in (*SAME_64, OTHER_64):
                ws, results[source] = await client(server.port, source)
                held.append(ws)
            for ws in held:
                if ws is not None:
                    await ws.close()
        finally:
            await server.stop()
    return results


if __name__ == "__main__":
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    for address in (SERVER, *SAME_64, OTHER_64):
        subprocess.run(["ip", "addr", "add", f"{address}/64", "dev", "lo"], check=True)
    print(json.dumps(asyncio.run(main())))
    sys.exit(0)
