"""Instructions per frame of the handler's hot path, counted by valgrind: a figure that
noise on a shared machine does not move.

Usage: python bench/instructions.py [--frames 2000] [--sessions 30]

Wall-clock benchmarks (bench/handler.py, bench/load.py) need a quiet machine;
this one counts the instructions the CPU runs (callgrind's ``Ir``) for
``--frames`` one-key frames through ``SessionHandler.receive_text_direct``, as
bench/handler.py sends them, with and without ``HELLO {metricsMs: null}``.
Only the loop over the frames is counted (collection is on inside
``functools.reduce`` alone). Needs ``valgrind`` (Debian's package). Compare
two trees with ``PYTHONPATH=<tree> python bench/instructions.py``.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import random
import sys
from pathlib import Path

from callgrind import reduce_instructions

ROOT = Path(__file__).resolve().parent.parent


def child(lean: bool, sessions: int, frames: int) -> None:
    """The measured process: set up typists, then feed the frames inside ``reduce``."""
    sys.path.insert(0, str(ROOT / "bench"))
    from handler import Typist

    from bartype.protocol.handler import HandlerConfig, SessionHandler
    from bartype.protocol.textgen import LibraryTexts
    from bartype.storage.corpus import TextLibrary, default_texts_root

    rng = random.Random(1)
    handler = SessionHandler(
        LibraryTexts(TextLibrary(default_texts_root())),
        None,
        config=HandlerConfig(future_tolerance_ms=None),
    )
    typists = [Typist(handler, 300, rng, lean) for _ in range(sessions)]
    for typist in typists:  # part-way through their texts, as in a running server
        for _ in range(rng.randrange(150)):
            handler.receive_text_direct(typist.channel, typist.next_frame(), 0.0)
    work = [(t, t.next_frame()) for t in itertools.islice(itertools.cycle(typists), frames)]
    receive = handler.receive_text_direct
    functools.reduce(lambda _, tf: receive(tf[0].channel, tf[1], 1.0), work, None)


def count(lean: bool, sessions: int, frames: int) -> float:
    """Instructions per frame, from callgrind's totals."""
    child = ("--child", "lean" if lean else "plain", "--sessions", str(sessions))
    return reduce_instructions(__file__, *child, "--frames", str(frames)) / frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=2000)
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--child", choices=("plain", "lean"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child == "lean", args.sessions, args.frames)
        return
    plain = count(False, args.sessions, args.frames)
    lean = count(True, args.sessions, args.frames)
    print(
        f"# receive_text_direct, one key per frame, {args.frames} frames, {args.sessions} sessions"
    )
    print(f"plain HELLO (METRICS_UPDATE per frame): {plain:,.0f} instructions/frame")
    print(f"HELLO metricsMs null (INPUT_ACK):       {lean:,.0f} instructions/frame")


if __name__ == "__main__":
    main()
