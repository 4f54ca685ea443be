"""Start-up time: `bartype play` to its first frame, against a bare Textual app.

Both programs run in a pseudo-terminal of 80x24, alternately, in the same run;
the clock stops when the terminal has received the frame that shows the
program's text. For bartype two moments are timed: "text ready", the first
frame that shows the text to type with its label (a typist can start), and
"key bar", when the footer with the key hints has been drawn too (Textual
mounts the footer's keys after the first frame). Also times `bartype --help`.

Each moment is given as wall-clock time and as the CPU time the program had
used by then (all its threads, from /proc on Linux): on a shared machine the
wall clock mostly says how long the program waited for a core, the CPU time
what it did.

    python bench/startup.py             # 7 runs each, medians
    python bench/startup.py --runs 15
    python bench/startup.py --instructions   # the work, counted by valgrind

``--instructions`` counts what noise does not move: the instructions each program
runs (callgrind's ``Ir``, ``PYTHONHASHSEED=0``) from its start until its terminal
writer is handed the frame with the marker (the program then exits at once).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BARE_APP = """
from textual.app import App
from textual.widgets import Static

class Bare(App):
    def compose(self):
        yield Static("bare textual app ready")

Bare().run()
"""

COUNTED = """
import os, re, runpy, sys
from textual.drivers import linux_driver
marker, what = sys.argv[1], sys.argv[2]
ANSI = re.compile({ansi!r})
written = []
write = linux_driver.LinuxDriver.write

def counted_write(self, data):
    written.append(data)
    if marker in ANSI.sub("", "".join(written)).replace("\\r", "").replace("\\n", ""):
        os._exit(0)
    write(self, data)

linux_driver.LinuxDriver.write = counted_write
if what == "bare":
    exec({bare!r})
else:
    sys.argv = ["bartype", "play", "--words", "10", "--seed", "1"]
    runpy.run_module("bartype", run_name="__main__")
"""

ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\x1b\][^\x07]*\x07")


def cpu_seconds(pid: int) -> float:
    """CPU time ``pid`` has used so far, all threads (NaN where /proc has no schedstat)."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/schedstat") as stat:
                total += int(stat.read().split()[0])
    except (OSError, ValueError, IndexError):
        return float("nan")
    return total / 1e9


def first_frame(
    argv: list[str], marker: str, env: dict[str, str], timeout: float = 20.0
) -> tuple[float, float]:
    """Seconds (wall clock, and CPU the program used) from spawn until ``marker`` is on
    the terminal; the program is then stopped."""
    pid, fd = pty.fork()
    if pid == 0:  # child: in ROOT, since ``-m``/``-c`` put the current folder first on sys.path
        os.chdir(ROOT)
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    seen = ""
    elapsed = cpu = float("nan")
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 65536).decode("utf-8", "replace")
            except OSError:
                break
            if "\x1b[6n" in chunk or "\x1b[c" in chunk:
                pass  # no terminal queries need answers for these programs
            seen += chunk
            if marker in ANSI.sub("", seen).replace("\r", "").replace("\n", ""):
                elapsed = time.perf_counter() - start
                cpu = cpu_seconds(pid)
                break
    finally:
        try:
            os.write(fd, b"\x11")  # Ctrl+Q quits both
        except OSError:
            pass
        deadline = time.time() + 5
        while time.time() < deadline:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            try:
                os.read(fd, 65536)
            except OSError:
                pass
            time.sleep(0.02)
        else:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)
    return elapsed, cpu


def help_time(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bartype", "--help"],
        env=env,
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return time.perf_counter() - start


def instructions(what: str, marker: str, env: dict[str, str]) -> int:
    """Instructions ``what`` (``bare`` or ``play``) runs until ``marker`` is written."""
    code = COUNTED.format(ansi=ANSI.pattern, bare=BARE_APP)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"]
        argv += [sys.executable, "-c", code, marker, what]
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(ROOT)
            os.execvpe(argv[0], argv, env)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        while not os.waitpid(pid, os.WNOHANG)[0]:
            if select.select([fd], [], [], 0.5)[0]:
                try:
                    os.read(fd, 65536)
                except OSError:
                    pass
        os.close(fd)
        summary = re.search(r"^summary: (\d+)", out.read_text(), re.M)
        if summary is None:
            raise SystemExit(f"no instruction count for {what}: is valgrind installed?")
        return int(summary.group(1))


def count_instructions(env: dict[str, str]) -> int:
    env = {**env, "PYTHONHASHSEED": "0"}
    first_frame([sys.executable, "-m", "bartype", "play", "--words", "10"], "new text", env)
    bare = instructions("bare", "bare textual app ready", env)
    ready = instructions("play", "words 10", env)
    bar = instructions("play", "new text", env)
    print(f"bare Textual app, first frame: {bare / 1e9:.3f} G instructions")
    for name, count in (("text ready", ready), ("key bar", bar)):
        print(
            f"bartype play, {name + ':':12} {count / 1e9:.3f} G, "
            f"{(count - bare) / 1e9:+.3f} G over bare (ratio {count / bare:.2f})"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions (valgrind), not time"
    )
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="bartype-bench-")
    env = {
        **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
        "BARTYPE_HOME": home,
        "TERM": "xterm-256color",
        "COLUMNS": "80",
        "LINES": "24",
        "PYTHONPATH": str(ROOT),
    }
    if args.instructions:
        return count_instructions(env)
    bare_argv = [sys.executable, "-c", BARE_APP]
    play_argv = [sys.executable, "-m", "bartype", "play", "--words", "10", "--seed", "1"]
    # Warm the OS file cache and the bytecode caches once, as an installed package has
    # them (PYTHONDONTWRITEBYTECODE is dropped above: without caches every run would
    # compile bartype's modules again, a cost no installed copy pays).
    first_frame(bare_argv, "bare textual app ready", env)
    first_frame(play_argv, "new text", env)
    runs: dict[str, list[tuple[float, float]]] = {"bare": [], "ready": [], "play": []}
    helps: list[float] = []
    for _ in range(args.runs):
        runs["bare"].append(first_frame(bare_argv, "bare textual app ready", env))
        runs["play"].append(first_frame(play_argv, "new text", env))
        runs["ready"].append(first_frame(play_argv, "words 10", env))
        helps.append(help_time(env))
    (b, bc), (r, rc), (p, pc) = (_medians(runs[k]) for k in ("bare", "ready", "play"))
    h = statistics.median(helps)
    print(f"bare Textual app, first frame: median {b:.3f} s  (runs: {_fmt(runs['bare'])})")
    print(f"bartype play, text ready:      median {r:.3f} s  (runs: {_fmt(runs['ready'])})")
    print(f"bartype play, key bar:         median {p:.3f} s  (runs: {_fmt(runs['play'])})")
    print(
        f"vs bare: text ready {r - b:+.3f} s (ratio {r / b:.2f}), "
        f"key bar {p - b:+.3f} s (ratio {p / b:.2f})"
    )
    print(
        f"CPU used by then: bare {bc:.3f} s, text ready {rc:.3f} s ({rc - bc:+.3f}, "
        f"ratio {rc / bc:.2f}), key bar {pc:.3f} s ({pc - bc:+.3f}, ratio {pc / bc:.2f})"
    )
    print(f"bartype --help:                median {h:.3f} s  (runs: {_fmt_wall(helps)})")
    ok = p - b <= 0.15 and r - b <= 0.15 and h < 0.3
    print("PASS" if ok else "FAIL", "(both within 0.15 s of bare, --help < 0.3 s)")
    return 0 if ok else 1


def _medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The median wall-clock time and the median CPU time of ``runs``."""
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def _fmt_wall(values: list[float]) -> str:
    return " ".join(f"{v:.3f}" for v in values)


def _fmt(runs: list[tuple[float, float]]) -> str:
    """Each run's wall-clock time, its CPU time in brackets."""
    return " ".join(f"{w:.3f}[{c:.3f}]" for w, c in runs)


if __name__ == "__main__":
    raise SystemExit(main())
