"""A small, fixed history to compute progress from: real sessions, replayed, saved in SQLite."""

from __future__ import annotations

from pathlib import Path

from bartype.core.keystrokes import BACKSPACE_NAME, Keystroke, keystrokes_from_key
from bartype.core.options import Mode
from bartype.core.session import Result, SessionConfig, replay
from bartype.storage.history import History

TEXT = "the quick brown fox jumps over the lazy dog and then the fox sleeps"
DAY0 = 1_764_547_200.0
"""2025-12-01 00:00 UTC, a Monday."""
SLOW = {"z": 420.0, "q": 380.0}
"""Keys this typist is slow at (ms); every other key takes ``base`` ms."""
SLOW_BIGRAMS = {"ov": 500.0}
"""Bigrams whose second letter comes late."""


def keys_for(
    text: str, base: float, *, typo_at: int | None = None, pause_at: int | None = None
) -> list[Keystroke]:
    """Keystrokes typing ``text``: steady ``base`` ms, slow keys slower, one typo fixed with
    Backspace at ``typo_at``, and a 5 s pause before the character at ``pause_at``."""
    t = 0.0
    keys: list[Keystroke] = []
    for i, ch in enumerate(text):
        step = SLOW.get(ch, base)
        if i and text[i - 1 : i + 1] in SLOW_BIGRAMS:
            step = SLOW_BIGRAMS[text[i - 1 : i + 1]]
        if i == pause_at:
            step = 5_000.0
        if i == typo_at:
            t += base
            keys += keystrokes_from_key("x", t)
            t += base
            keys += keystrokes_from_key(BACKSPACE_NAME, t)
        t += step if i else 0.0
        keys += keystrokes_from_key(ch, t)
    return keys


def result_for(keys: list[Keystroke], text: str = TEXT) -> Result:
    config = SessionConfig(Mode.WORDS, word_count=len(text.split()))
    session = replay(config, text, keys)
    assert session.result is not None
    return session.result


def fill(path: Path, days: int = 5, per_day: int = 2) -> list[int]:
    """A history getting faster day by day; returns the ids saved."""
    ids = []
    with History(path) as history:
        for day in range(days):
            for n in range(per_day):
                base = 200.0 - 15 * day - 5 * n
                keys = keys_for(TEXT, base, typo_at=4 + day, pause_at=20 if n == 0 else None)
                ids.append(
                    history.save(
                        result_for(keys),
                        text=TEXT,
                        language="english",
                        created_at=DAY0 + day * 86_400 + 3_600 * (9 + n),
                    )
                )
    return ids


def varied_history(path: Path, count: int, seed: int = 1) -> None:
    """``bench/stats.py``'s history: ``count`` varied results, the first third stored as
    schema version 10 kept them (before per-result key totals), the rest after."""
    import importlib.util

    bench = Path(__file__).resolve().parents[2] / "bench" / "stats.py"
    spec = importlib.util.spec_from_file_location("bench_stats", bench)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build_history(path, count, seed)
