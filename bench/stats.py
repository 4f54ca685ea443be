"""``bartype stats`` at thousands of results: stored key totals against replaying every log.

Usage: python bench/stats.py [--results 2000] [--repeat 3] [--seed 1]

Builds a real history file of ``--results`` varied results (words, time, quote
and custom tests in four languages, typos fixed and left, extra letters,
pauses, invalid tests), the first third saved before the key-totals table
existed (an old file migrated on open), then times, in the same run:

* ``stored``: the report as ``bartype stats`` computes it (``load_report``: the
  key figures from the totals stored per result, ``bartype.storage.key_totals``);
* ``replay``: the same report computed the old way, every stored keystroke log
  replayed (``load_report(..., replay=True)``);
* ``print``: rendering it as ``bartype stats`` prints it (the same either way);
* ``first run``: the first ``stats`` on the old file, which fills the totals of
  the results saved before the table existed.

Prints the median of ``--repeat`` runs and the ratios replay / stored (computing,
and computing plus printing), and checks every way gives the same report (JSON
and the terminal text); exits 1 if not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

from bartype.commands.report import Report, load_report, render, to_json
from bartype.core.keystrokes import BACKSPACE_NAME, Keystroke, keystrokes_from_key
from bartype.core.options import Mode
from bartype.core.session import SessionConfig, TypingSession
from bartype.storage.corpus import TextLibrary, default_texts_root
from bartype.storage.history import History

LANGUAGES = ("english", "german", "french", "spanish")
DAY0 = 1_700_000_000.0
KEY_TABLE_VERSION = 11
"""The schema version that added ``result_key_totals``."""


def typed(text: str, rng: random.Random, speed: dict[str, float]) -> list[Keystroke]:
    """Keystrokes of a typist with a speed per letter: typos (most fixed with Backspace),
    extra letters, pauses, and sometimes a test left before the end."""
    keys: list[Keystroke] = []
    t = 0.0
    stop = len(text) if rng.random() < 0.85 else rng.randrange(1, len(text))
    for i, ch in enumerate(text[:stop]):
        t += 0.0 if i == 0 else speed.get(ch, 180.0) * rng.lognormvariate(0.0, 0.3)
        if rng.random() < 0.01:
            t += rng.uniform(3_000.0, 9_000.0)  # a pause: no figure counts it
        roll = rng.random()
        if roll < 0.04 and ch != " ":
            keys += keystrokes_from_key(rng.choice("asdfghjkl"), t)
            if rng.random() < 0.8:  # fixed
                t += rng.uniform(80.0, 400.0)
                keys += keystrokes_from_key(BACKSPACE_NAME, t)
                t += rng.uniform(80.0, 300.0)
                keys += keystrokes_from_key(ch, t)
            continue
        if roll < 0.05 and ch == " ":
            keys += keystrokes_from_key(rng.choice("eio"), t)  # an extra letter, left
            t += rng.uniform(60.0, 200.0)
        keys += keystrokes_from_key(ch, t)
    return keys


def build_history(path: Path, count: int, seed: int, old_share: float = 1 / 3) -> None:
    """Fill ``path`` with ``count`` varied results; the first ``old_share`` of them as a
    file of schema version 10 held them (before ``result_key_totals``)."""
    rng = random.Random(seed)
    library = TextLibrary(default_texts_root())
    words = {lang: library.words(lang)[:600] for lang in LANGUAGES}
    quotes = library.quotes()[:200]
    speed = {ch: rng.uniform(90.0, 420.0) for ch in "abcdefghijklmnopqrstuvwxyzäöüéèàñß ,.'"}
    old = int(count * old_share)
    for part, (start, end) in enumerate(((0, old), (old, count))):
        with History(path) as history:
            for n in range(start, end):
                _save_one(history, n, rng, words, quotes, speed)
        if part == 0:
            _as_version_10(path)


def _save_one(
    history: History,
    n: int,
    rng: random.Random,
    words: dict[str, list[str]],
    quotes: list,  # type: ignore[type-arg]
    speed: dict[str, float],
) -> None:
    kind = rng.choices(("words", "time", "quote", "custom"), (5, 3, 2, 1))[0]
    language: str | None = rng.choice(LANGUAGES) if kind in ("words", "time") else None
    if kind == "quote":
        text = rng.choice(quotes).text
        config = SessionConfig(Mode.QUOTE)
    elif kind == "custom":
        text = " ".join(rng.choice(words["english"]) for _ in range(rng.randint(5, 40)))
        config = SessionConfig(Mode.CUSTOM)
    else:
        count = rng.choice((10, 25, 50))
        text = " ".join(rng.choice(words[language or "english"]) for _ in range(count))
        config = (
            SessionConfig(Mode.WORDS, word_count=count)
            if kind == "words"
            else SessionConfig(Mode.TIME, duration_s=rng.choice((15.0, 30.0)))
        )
    session = TypingSession(config, text)
    for key in typed(text, rng, speed):
        if not session.state.is_open:
            break
        session.apply(key)
    if session.state.is_open:
        session.end()
    if session.result is None:
        return
    # Drift: a few results a day over a year or so, faster with practice.
    created_at = DAY0 + n * 86_400 * 0.2 + rng.uniform(0, 3_600)
    history.save(session.result, text=text, language=language, created_at=created_at)
    for ch in speed:
        speed[ch] = max(70.0, speed[ch] * 0.9995)


def _as_version_10(path: Path) -> None:
    """Make ``path`` the file schema version 10 kept: the same results, no key totals."""
    db = sqlite3.connect(path, isolation_level=None)
    for table in ("result_key_totals", "all_key_totals", "key_totals_pending"):
        db.execute(f"DROP TABLE {table}")
    db.execute(f"PRAGMA user_version = {KEY_TABLE_VERSION - 1}")
    db.close()


def printed(report: Report) -> str:
    """The report as ``bartype stats`` prints it, 100 columns wide."""
    out = io.StringIO()
    Console(file=out, width=100, highlight=False, emoji=False).print(render(report, 100))
    return out.getvalue()


def report_text(report: Report) -> str:
    """The report printed, and as ``--json``."""
    return printed(report) + json.dumps(to_json(report), indent=2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bartype-bench-stats-"))
    try:
        path = folder / "history.sqlite3"
        t0 = time.perf_counter()
        build_history(path, args.results, args.seed)
        built = time.perf_counter() - t0
        until = dt.date(2100, 1, 1)
        t0 = time.perf_counter()
        first = load_report(path, None, until)
        first_run = time.perf_counter() - t0
        runs: dict[str, list[float]] = {name: [] for name in ("stored", "replay", "print")}
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fast = load_report(path, None, until)
            t1 = time.perf_counter()
            printed(fast)
            t2 = time.perf_counter()
            slow = load_report(path, None, until, replay=True)
            t3 = time.perf_counter()
            runs["stored"].append(t1 - t0)
            runs["print"].append(t2 - t1)
            runs["replay"].append(t3 - t2)
        same = report_text(fast) == report_text(slow) == report_text(first)
        s, r, p = (statistics.median(runs[name]) for name in ("stored", "replay", "print"))
        print(f"history: {fast.progress.tests} results (built in {built:.1f} s)")
        print(f"report, stored totals:   median {s:.3f} s  (runs: {_fmt(runs['stored'])})")
        print(f"report, replay every log: median {r:.3f} s  (runs: {_fmt(runs['replay'])})")
        print(f"printing it (either way): median {p:.3f} s  (runs: {_fmt(runs['print'])})")
        print(f"first report on the old file (fills its totals): {first_run:.3f} s")
        print(f"ratio replay / stored: {r / s:.1f}x, printed too {(r + p) / (s + p):.1f}x")
        print(f"same report (text and JSON, stored, replayed, first run): {same}")
        return 0 if same else 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.3f}" for v in values)


if __name__ == "__main__":
    sys.exit(main())
