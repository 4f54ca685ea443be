"""Per-frame cost of the session handler's hot path, without sockets.

Usage: python bench/handler.py [--sessions 1000] [--chars 300] [--repeat 5]

Runs ``--sessions`` sessions side by side (as a loaded server does, so the
caches see many sessions, not one) and feeds them one-key ``INPUT_UPDATE``
frames round-robin through ``SessionHandler.receive_text_direct``, the call
``bartype serve`` makes for every text frame. Keys are the text itself with
5 % typos, each fixed with Backspace; a session that completes is replaced
by a new one. Reports the median µs per frame over ``--repeat`` rounds, and
the same for its parts: parsing the frame alone, and formatting the reply
alone. The baseline, run in the same command, is ``json.loads`` of the same
frames plus a fixed reply: what a server that does no typing work at all
pays for the JSON. Each round is run twice, alternating: with sessions whose
connections said a plain ``HELLO`` (a ``METRICS_UPDATE`` answers each frame),
and with ``HELLO {metricsMs: null}`` as ``bartype play`` says it (a lean
``INPUT_ACK``). The transport (websockets, sockets) is measured by
bench/load.py instead.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import random
import statistics
import time

from bartype.protocol.codec import encode_message, parse_key_batch
from bartype.protocol.handler import Channel, HandlerConfig, SessionHandler
from bartype.protocol.textgen import LibraryTexts
from bartype.protocol.views import metrics_update_frame
from bartype.storage.corpus import TextLibrary, default_texts_root

INTERVAL_MS = 120.0
"""100 WPM: one key every 120 ms."""


class Typist:
    """One session and the frames that type its text."""

    def __init__(
        self, handler: SessionHandler, chars: int, rng: random.Random, lean: bool = False
    ) -> None:
        self.handler = handler
        self.chars = chars
        self.rng = rng
        self.clock = 0.0
        # Each typist from its own address, as on a real server (one address may hold
        # only so many sessions: HandlerConfig.budget).
        self.channel: Channel = handler.open(0.0, peer=f"typist-{id(self)}")
        hello = {"version": 1, "metricsMs": None} if lean else {"version": 1}
        handler.receive_text(self.channel, encode_message("HELLO", hello), 0.0)
        self._new_test()

    def _new_test(self) -> None:
        words = " ".join(self.rng.choice(WORDS) for _ in range(self.chars // 4))
        text = words[: self.chars].rstrip()
        create = encode_message("CREATE_SESSION", {"mode": "custom", "text": text})
        self.handler.receive_text(self.channel, create, self.clock)
        start = encode_message("START_SESSION", {})
        self.handler.receive_text(self.channel, start, self.clock)
        for dirty in self.handler.take_dirty():
            dirty.take()
        self.started = self.clock
        self.frames = iter(self._frames(text))

    def _frames(self, text: str) -> list[str]:
        keys: list[str] = []
        for ch in text:
            if ch != " " and self.rng.random() < 0.05:
                keys += ["z", "Backspace"]
            keys.append(ch)
        return [
            json.dumps(
                {
                    "type": "INPUT_UPDATE",
                    "data": {"seq": seq, "keys": [{"key": key, "t": (seq - 1) * INTERVAL_MS}]},
                },
                separators=(",", ":"),
            )
            for seq, key in enumerate(keys, 1)
        ]

    def next_frame(self) -> str:
        frame = next(self.frames, None)
        if frame is None:
            self._new_test()
            frame = next(self.frames)
        return frame


WORDS = "the of and to in is you that it he was for on are as with his they at be".split()


def run(
    sessions: int, chars: int, frames: int, rng: random.Random, lean: bool = False
) -> dict[str, float]:
    """µs per frame for the handler, its parts, and the JSON-only baseline."""
    handler = SessionHandler(
        LibraryTexts(TextLibrary(default_texts_root())),
        None,
        config=HandlerConfig(future_tolerance_ms=None),
    )
    typists = [Typist(handler, chars, rng, lean) for _ in range(sessions)]
    # Warm up: every session part-way through its text, as in a running server.
    for typist in typists:
        for _ in range(rng.randrange(chars // 2)):
            handler.receive_text_direct(typist.channel, typist.next_frame(), 0.0)
    # At most 100 frames per session: with at most half the text typed in the
    # warm-up, every measured frame belongs to the session it is sent to.
    frames = min(frames, 100 * sessions)
    work = [(t, t.next_frame()) for t in itertools.islice(itertools.cycle(typists), frames)]
    now = 1.0
    receive = handler.receive_text_direct
    loads = json.loads
    reply = '{"type":"ACK","data":{"ack":0}}'

    gc.collect()
    start = time.perf_counter()
    for _, frame in work:
        loads(frame)
        _ = reply
    baseline = time.perf_counter() - start

    gc.collect()
    start = time.perf_counter()
    for _, frame in work:
        parse_key_batch(frame)
    parse = time.perf_counter() - start

    sample = [typists[i % sessions].channel.session for i in range(frames)]
    gc.collect()
    start = time.perf_counter()
    for live in sample:
        if live is not None:
            metrics_update_frame(live.acked, live.session)
    reply_cost = time.perf_counter() - start

    gc.collect()
    start = time.perf_counter()
    unanswered = 0
    for typist, frame in work:
        if receive(typist.channel, frame, now) is None:
            unanswered += 1
    total = time.perf_counter() - start
    if unanswered:
        raise SystemExit(f"{unanswered} frames were not answered directly")
    for dirty in handler.take_dirty():
        dirty.take()
    scale = 1e6 / frames
    return {
        "baseline": baseline * scale,
        "handler": total * scale,
        "parse": parse * scale,
        "reply": reply_cost * scale,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--chars", type=int, default=300, help="at least 200")
    parser.add_argument("--frames", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(1)
    rounds = []
    for _ in range(args.repeat):
        plain = run(args.sessions, args.chars, args.frames, rng)
        plain["lean"] = run(args.sessions, args.chars, args.frames, rng, lean=True)["handler"]
        rounds.append(plain)
    med = {k: statistics.median(r[k] for r in rounds) for k in rounds[0]}
    print(
        f"# {args.sessions} sessions, {args.chars} chars, one key per frame, "
        f"median of {args.repeat}"
    )
    print(f"{'part':<34} {'µs/frame':>9} {'vs baseline':>12}")
    for name, label in [
        ("baseline", "json.loads + fixed reply"),
        ("parse", "parse_key_batch"),
        ("reply", "metrics_update_frame"),
        ("handler", "receive_text_direct (all of it)"),
        ("lean", "the same, HELLO metricsMs null"),
    ]:
        print(f"{label:<34} {med[name]:>9.2f} {med[name] / med['baseline']:>12.2f}")


if __name__ == "__main__":
    main()
