"""A real `bartype` process in a terminal (a pty) for tests: started, and ended for sure."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import struct
import sys
import termios
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path


@asynccontextmanager
async def bartype_in_terminal(
    home: Path, *args: str, rows: int = 24, columns: int = 80
) -> AsyncIterator[tuple[asyncio.subprocess.Process, int]]:
    """``bartype *args`` in a ``rows`` x ``columns`` pseudo-terminal with its data under
    ``home``: the process and the terminal's end to read and write (non-blocking). On the
    way out the process is killed if it still runs, and the terminal closed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "BARTYPE_HOME": str(home)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "bartype", *args),
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    os.set_blocking(master, False)
    try:
        yield proc, master
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        os.close(master)
