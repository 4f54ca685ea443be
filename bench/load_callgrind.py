"""Instructions per key of ``bartype serve`` under a small load over real sockets, counted
by valgrind: bench/load.py's measure, without the noise of a shared machine.

Usage::

    python bench/load_callgrind.py --typists 20 --chars 600 --warmup 15 --measure 20   # plain
    python bench/load_callgrind.py --typists 20 --chars 600 --warmup 15 --measure 20 --lean
    python bench/load_callgrind.py --typists 20 --chars 600 --warmup 15 --measure 20 --echo
    python bench/load_callgrind.py ... --keep out.callgrind    # then callgrind_annotate it

With 600 characters no typist reaches the end of a text in that window (each starts in
the first half of its text), as in bench/load.py's target run (300 characters, 12 s
measured after 7 s): what is counted is the keys, not storing results and starting tests.
To count another tree, run that tree's copy of this file (and of bench/load.py): the
server runs from the tree the script is in.

The server (or bench/echo_server.py) runs under ``valgrind --tool=callgrind``, loaded
by bench/load.py's typists (one key per frame, 100 WPM unless told); callgrind's
counts are zeroed when the measured window opens and dumped when it closes, so the
figure is the server's instructions over the window divided by the keys (frames)
acknowledged in it. Only user-space instructions are counted: the kernel's share of a
socket read or write (``stime`` in bench/load.py) is not. With few typists each wake-up
of the event loop handles about one frame, where 1,000 typists share a wake-up, so the
loop's fixed cost per frame is larger here than under the target's load, for the echo as
for the server. Needs ``valgrind`` (Debian's package); slow (the server runs about 50 ×
slower under it), so keep the load small (20 typists at 100 WPM is about 170 keys a second).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import Case, drive, start_server, stop_server  # noqa: E402


def totals(path: Path) -> int:
    """The instruction count (``Ir``) of a callgrind dump."""
    for line in path.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise SystemExit(f"{path}: callgrind wrote no totals")


async def control(option: str, pid: int) -> None:
    """``callgrind_control option pid`` (zero or dump the counts), off the event loop."""
    cmd = ["callgrind_control", option, str(pid)]
    await asyncio.to_thread(subprocess.run, cmd, check=True, capture_output=True)


def measure(case: Case, args: argparse.Namespace, tmp: Path) -> tuple[dict[str, float], Path]:
    """Run the case's server under callgrind and load it; the load's figures and the dump."""
    out = tmp / "callgrind.out"
    under = (
        "valgrind", "-q", "--tool=callgrind", "--cache-sim=no", f"--callgrind-out-file={out}",
    )  # fmt: skip
    proc, port = start_server(case, args.server_core, tmp / "bench.sqlite3", under)

    async def window(edge: str) -> None:
        await control("--zero" if edge == "start" else "--dump", proc.pid)

    try:
        url = f"ws://127.0.0.1:{port}/ws"
        result = asyncio.run(drive(case, url, proc.pid, args.warmup, args.measure, window))
    finally:
        stop_server(proc, 60)
    dumps = sorted(tmp.glob("callgrind.out.*"))
    if not dumps:
        raise SystemExit("callgrind_control --dump wrote nothing")
    return result, dumps[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--typists", type=int, default=20)
    parser.add_argument("--wpm", type=float, default=100.0)
    parser.add_argument("--chars", type=int, default=600)
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds before measuring")
    parser.add_argument("--measure", type=float, default=20.0, help="seconds measured")
    parser.add_argument("--lean", action="store_true", help="HELLO {metricsMs: null}")
    parser.add_argument("--echo", action="store_true", help="bench/echo_server.py instead")
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="uvloop")
    parser.add_argument("--server-core", type=int, default=0)
    parser.add_argument("--client-core", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="copy the window's callgrind dump here")
    args = parser.parse_args()
    target = "echo" if args.echo else "server"
    case = Case(target, args.typists, args.wpm, args.chars, 1, 0.0, args.loop, args.lean)
    os.sched_setaffinity(0, {args.client_core})
    with tempfile.TemporaryDirectory() as name:
        result, dump = measure(case, args, Path(name))
        if args.keep is not None:
            shutil.copyfile(dump, args.keep)
        instructions = totals(dump)
    keys, frames = result["keys"], result["frames"]
    what = "echo" if args.echo else ("lean" if args.lean else "plain")
    print(
        f"# {what} on {args.loop}, {args.typists} typists x {args.wpm:g} WPM, one key a frame, "
        f"{args.measure:g} s measured after {args.warmup:g} s"
    )
    print(
        f"{keys:.0f} keys in {frames:.0f} frames, {result['errors'] + result['disconnects']:.0f} "
        f"errors; {instructions:,} instructions: {instructions / max(keys, 1):,.0f} a key, "
        f"{instructions / max(frames, 1):,.0f} a frame"
    )


if __name__ == "__main__":
    main()
