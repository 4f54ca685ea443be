"""Instructions a benchmark's child process runs inside ``functools.reduce``, counted by
valgrind's callgrind: a figure that noise on a shared machine does not move.

A bench that counts runs itself again as the child (``python <script> <args>``), which
sets up what it measures outside the count and runs the measured work as a
``functools.reduce`` over it: collection is on inside that C function alone
(``--toggle-collect``). Needs ``valgrind`` (Debian's package).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path


def reduce_instructions(script: str, *args: str) -> int:
    """Instructions ``python script *args`` ran inside ``functools.reduce`` (``Ir``)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        cmd = [
            "valgrind", "--tool=callgrind", "--cache-sim=no",
            "--toggle-collect=functools_reduce", f"--callgrind-out-file={out}",
            sys.executable, script, *args,
        ]  # fmt: skip
        subprocess.run(cmd, check=True, capture_output=True, env=os.environ)
        for line in out.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise SystemExit("callgrind wrote no totals")
