"""Key press → screen update latency of the typing screen, for a short and a long text.

Each key is posted to the app the way the terminal driver posts it, and the
clock stops when the frame that follows has been rendered into the bytes a
terminal would receive. Keys are spaced like very fast typing (``--gap``, 40 ms
by default: 300 WPM). Closer keys share a frame: Textual draws at most 60 frames
a second and, after a frame, waits for the next tick of its frame timer, so a
key 25 ms after the previous one may wait up to 16 ms for that tick; that is
pacing, not work. The long text is typed nearly to its end first, so the
measured keys come after the whole layout before them. The app reaches its
handler as ``bartype play`` does (in process, asking for no METRICS_UPDATE).

The same keys go to a bare Textual app (one line showing the last key, and a
footer) in the same run: Textual's own cost per key on this machine, the
baseline the figures are read against when the machine is slower or shared.
Each app's CPU time per key (the event loop's thread, key to frame) is printed
too: on a loaded machine it moves far less than the wall clock.

    python bench/tui_latency.py            # 100 vs 5,000 characters
    python bench/tui_latency.py --keys 600 --gap 25   # see the frame pacing
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_text(chars: int, seed: int) -> str:
    """Words from the bundled English list, about ``chars`` characters long."""
    from bartype.storage.corpus import TextLibrary, default_texts_root

    words = TextLibrary(default_texts_root()).words("english_200")
    rng = random.Random(seed)
    out: list[str] = []
    length = 0
    while length < chars:
        word = rng.choice(words)
        out.append(word)
        length += len(word) + 1
    return " ".join(out)[:chars].rstrip()


def script(text: str, start: int, count: int, seed: int) -> list[str]:
    """Keys typing ``text`` from ``start``: mostly right, every so often a typo and Backspace."""
    rng = random.Random(seed)
    keys: list[str] = []
    i = start
    while len(keys) < count and i < len(text) - 1:
        if rng.random() < 0.08:
            keys += ["x", "backspace"]
        keys.append(text[i])
        i += 1
    return keys[:count]


def key_event(char: str) -> Any:
    from textual import events
    from textual.keys import _character_to_key

    if char == "backspace":
        return events.Key("backspace", "\x7f")
    if char == " ":
        return events.Key("space", " ")
    return events.Key(char if char.isalnum() else _character_to_key(char), char)


CPU_MS: list[float] = []
"""The thread CPU time (ms) of each key timed since the list was last cleared."""


async def timed_keys(app: Any, keys: list[str], gap_ms: float) -> list[float]:
    """Post ``keys`` to the running ``app`` one by one; each one's ms to its next frame
    (and its CPU time to ``CPU_MS``)."""
    from textual._compositor import CompositorUpdate

    latencies: list[float] = []
    frame = asyncio.Event()
    pending: dict[str, float] = {}
    original = app._display

    def display(screen: Any, renderable: Any) -> None:
        if isinstance(renderable, CompositorUpdate):
            renderable.render_segments(app.console)  # the bytes a terminal would get
        original(screen, renderable)
        t0 = pending.pop("t0", None)
        if t0 is not None:
            latencies.append((time.perf_counter() - t0) * 1000)
            CPU_MS.append((time.thread_time() - pending.pop("cpu0")) * 1000)
            frame.set()

    app._display = display
    for key in keys:
        await asyncio.sleep(gap_ms / 1000)
        frame.clear()
        pending["cpu0"] = time.thread_time()
        pending["t0"] = time.perf_counter()
        app.post_message(key_event(key))
        await asyncio.wait_for(frame.wait(), 2)
    app._display = original
    return latencies


async def measure(chars: int, keys: int, gap_ms: float, seed: int) -> list[float]:
    """Latencies (ms) of ``keys`` key presses near the end of a ``chars``-character text."""
    from bartype.cli import local_client
    from bartype.protocol.handler import HandlerConfig
    from bartype.tui.app import BartypeApp
    from bartype.tui.attempt import TestSpec

    text = make_text(chars, seed)

    async def connect() -> Any:
        # As `bartype play` connects (bartype.cli.open_client): no METRICS_UPDATE asked for.
        config = HandlerConfig(future_tolerance_ms=None)
        return local_client(None, config=config, metrics_ms=None)

    app = BartypeApp(TestSpec(mode="custom", text=text), connect)
    async with app.run_test(size=(80, 24)) as pilot:
        while app.attempt is None:
            await pilot.pause(0.01)
        # Type most of a long text first (untimed), so the measured keys come late in it.
        start = max(0, len(text) - keys - 20) if chars > 1000 else 0
        for ch in text[:start]:
            app.post_message(key_event(ch))
        await pilot.pause(0.2)
        return await timed_keys(app, script(text, start, keys, seed), gap_ms)


async def measure_bare(keys: int, gap_ms: float, seed: int) -> list[float]:
    """The baseline: the same keys into a bare Textual app that shows the last key."""
    from textual.app import App, ComposeResult
    from textual.widget import Widget
    from textual.widgets import Footer

    class LastKey(Widget):
        DEFAULT_CSS = "LastKey { height: 1; }"
        key = ""

        def render(self) -> str:
            return self.key

    class Bare(App[None]):
        BINDINGS = [("ctrl+q", "quit", "quit")]

        def compose(self) -> ComposeResult:
            yield LastKey()
            yield Footer()

        def on_key(self, event: Any) -> None:
            line = self.query_one(LastKey)
            line.key = event.key
            line.refresh()  # one line repainted, as bartype's lines are

    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        text = make_text(keys * 2, seed)
        return await timed_keys(app, script(text, 0, keys, seed), gap_ms)


def summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]

    return {
        "n": len(values),
        "mean": statistics.fmean(values),
        "p50": pct(50),
        "p90": pct(90),
        "p99": pct(99),
        "max": ordered[-1],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=300, help="measured keys per text")
    parser.add_argument("--gap", type=float, default=40.0, help="ms between keys")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results = {}
    bare = summary(asyncio.run(measure_bare(args.keys, args.gap, args.seed)))
    cpu: dict[str | int, float] = {"bare": statistics.fmean(CPU_MS)}
    print(
        f" bare Textual app: n={bare['n']:.0f} mean={bare['mean']:.2f} ms p50={bare['p50']:.2f} "
        f"p90={bare['p90']:.2f} p99={bare['p99']:.2f} max={bare['max']:.2f} "
        f"cpu/key={cpu['bare']:.2f} ms"
    )
    for chars in (100, 5000):
        values: list[float] = []
        CPU_MS.clear()
        rounds = 0
        while len(values) < args.keys:
            # A 100-character text holds fewer keys than asked: type it again.
            values += asyncio.run(
                measure(chars, args.keys - len(values), args.gap, args.seed + rounds)
            )
            rounds += 1
        results[chars] = summary(values)
        cpu[chars] = statistics.fmean(CPU_MS)
        s = results[chars]
        print(
            f"{chars:>5} chars: n={s['n']:.0f} mean={s['mean']:.2f} ms p50={s['p50']:.2f} "
            f"p90={s['p90']:.2f} p99={s['p99']:.2f} max={s['max']:.2f} cpu/key={cpu[chars]:.2f} ms"
        )
    ratio = results[5000]["p99"] / results[100]["p99"]
    mean_ratio = results[5000]["mean"] / results[100]["mean"]
    print(f"ratio 5000/100: p99 {ratio:.2f}, mean {mean_ratio:.2f}")
    for chars in (100, 5000):
        s = results[chars]
        print(
            f"ratio {chars}/bare: mean {s['mean'] / bare['mean']:.2f}, "
            f"p50 {s['p50'] / bare['p50']:.2f}, p99 {s['p99'] / bare['p99']:.2f}, "
            f"cpu/key {cpu[chars] / cpu['bare']:.2f}"
        )
    ok = results[5000]["p99"] < 4 and results[100]["p99"] < 4 and ratio < 1.5
    print("PASS" if ok else "FAIL", "(p99 < 4 ms, ratio < 1.5)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
