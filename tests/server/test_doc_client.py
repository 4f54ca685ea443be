"""docs/protocol.md is enough to write a client: its examples run against a real server."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from support import TIMEOUT_FACTOR
from websockets.asyncio.client import connect

from bartype.server.serve import BartypeServer, ServerConfig
from bartype.storage.history import History

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"


def section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def normalise(frame: dict[str, Any]) -> dict[str, Any]:
    data = dict(frame.get("data", {}))
    for key in ("sessionId", "token"):
        if key in data:
            data[key] = "*"
    if "options" in data:
        data["options"] = {**data["options"], "seed": "*"}
    return {"type": frame["type"], "data": data}


async def start(tmp_path: Path) -> BartypeServer:
    server = BartypeServer(ServerConfig(port=0), history=History(tmp_path / "doc.sqlite3"))
    await server.start()
    return server


async def test_minimal_client_from_the_doc_completes_a_test(tmp_path: Path) -> None:
    """The minimal client printed in the doc completes a test longer than 32 characters
    (several batches) with the default server rules, the clock check included."""
    code = section("A minimal client").split("```python", 1)[1].split("```", 1)[0]
    code, calls = re.subn(r"^print\(asyncio\.run\(type_test\(.*$", "", code, flags=re.M)
    assert calls == 1
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), namespace)
    text = "the quick brown fox jumps over the lazy dog while the cat naps"
    server = await start(tmp_path)
    try:
        async with asyncio.timeout(20 * TIMEOUT_FACTOR):
            result = await namespace["type_test"](f"ws://127.0.0.1:{server.port}", text)
    finally:
        await server.stop()
    assert len(text) > 32
    assert result["state"] == "completed"
    assert result["metrics"]["correct"] == len(text)
    assert result["resultId"] == 1


async def test_example_exchange_matches_the_server(tmp_path: Path) -> None:
    """Replaying the doc's example exchange gives exactly the server frames the doc shows."""
    block = section("A full example exchange").split("```text", 1)[1].split("```", 1)[0]
    lines = [line for line in block.splitlines() if re.match(r"[CS]: \{", line)]
    server = await start(tmp_path)
    try:
        async with connect(f"ws://127.0.0.1:{server.port}/ws") as ws:
            expected: list[dict[str, Any]] = []
            for line in lines:
                if line.startswith("S: "):
                    expected.append(normalise(json.loads(line[3:])))
                    continue
                await ws.send(line[3:])
            got: list[Any] = []
            async with asyncio.timeout(5 * TIMEOUT_FACTOR):
                while len(got) < len(expected):
                    got.append(normalise(json.loads(await ws.recv())))
    finally:
        await server.stop()
    assert got == expected


def test_every_error_and_close_code_is_documented() -> None:
    """Each error code and close code the code base defines appears in the doc's tables."""
    from bartype.protocol.messages import CloseCode, ErrorCode

    errors = section("Error codes")
    closes = section("Close codes")
    for name, value in vars(ErrorCode).items():
        if name.isupper():
            assert f"`{value}`" in errors, value
    for name, value in vars(CloseCode).items():
        if name.isupper():
            assert f"| {value} |" in closes, value
