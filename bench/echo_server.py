"""The ceiling for bench/load.py: a bare websockets server, one small JSON reply per frame.

Usage: python bench/echo_server.py --port 8799 [--loop uvloop]

Same transport settings as ``bartype serve`` (no compression, keepalive on);
no parsing, no logic: every text frame is answered with a fixed small JSON
message. Prints ``ready <port>`` once listening; exits on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from websockets.asyncio.server import ServerConnection, serve

REPLY = '{"type":"ACK","data":{"ack":0}}'


async def echo(ws: ServerConnection) -> None:
    async for _ in ws:
        await ws.send(REPLY)


async def main(port: int) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with serve(
        echo,
        "127.0.0.1",
        port,
        compression=None,
        max_size=65536,
        ping_interval=10,
        ping_timeout=10,
    ) as server:
        bound = list(server.sockets)[0].getsockname()[1]
        print(f"ready {bound}", flush=True)
        await stop.wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(main(args.port))
    else:
        asyncio.run(main(args.port))
