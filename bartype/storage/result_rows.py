"""How a result is kept in a row of the history database, and read back.

``StoredResult`` is a row as the rest of BARtype sees it; the per-key
totals, the per-second series and the keystroke log are JSON columns, made
and read here. ``text_key`` and ``result_uid`` are the digests that tell
tests and results apart (the migrations fill them in for older rows too).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import field
from typing import Any, NamedTuple

from bartype.core.keystrokes import Keystroke, keystrokes_from_key
from bartype.core.metrics import KeyStat, SecondSeries
from bartype.core.options import Mode
from bartype.core.race import RacePlace
from bartype.core.records import frozen
from bartype.core.session import SessionConfig


@frozen
class StoredResult:
    """One stored test. ``keystrokes`` is loaded by ``History.get`` only."""

    id: int
    created_at: float
    mode: str
    mode2: str
    language: str | None
    wpm: float
    raw: float
    accuracy: float
    consistency: float
    duration_s: float
    correct: int
    incorrect: int
    extra: int
    missed: int
    valid: bool
    invalid_reasons: tuple[str, ...]
    state: str
    text: str | None
    series: SecondSeries
    keys: Mapping[str, KeyStat]
    text_id: str | None = None
    key_consistency: float = 0.0
    keypresses: int = 0
    errors: int = 0
    afk: bool = False
    duration_limit_s: float | None = None
    word_count: int | None = None
    options: str = ""
    """Text options the test had, space-separated: "punctuation", "numbers"."""
    race: RacePlace | None = None
    """The room, race and place, for a result typed in a race."""
    keystrokes: tuple[Keystroke, ...] | None = field(default=None, repr=False)

    def session_config(self) -> SessionConfig:
        """The configuration to replay this test with ``bartype.core.session.replay``."""
        core_mode = {m.value: m for m in Mode}.get(self.mode, Mode.CUSTOM)
        return SessionConfig(
            core_mode, duration_s=self.duration_limit_s, word_count=self.word_count
        )


class ResultSample(NamedTuple):
    """A stored result as ``bartype stats`` reads it: none of its JSON columns (its key
    figures are summed from ``bartype.storage.key_totals``)."""

    created_at: float
    mode: str
    language: str | None
    wpm: float
    accuracy: float
    duration_s: float
    valid: bool
    text: str | None = None
    keystrokes: tuple[Keystroke, ...] | None = None


BestKey = tuple[str, str, str | None, str, str]
"""What makes two results the same test: mode, mode2 (the quote id, the word
count...), language, text options, and for a custom text its content
(``text_key``). One rule for the results screen and the History screen."""


def text_key(mode: str, text: str | None) -> str:
    """What makes a custom text the same test as another: a digest of its content.

    Other modes are told apart by ``mode2`` (the quote id, the word count...),
    so their key is empty.
    """
    if mode != "custom" or not text:
        return ""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def result_uid(created_at: float, mode: str, mode2: str, text: str | None, log: str) -> str:
    """A result's identity across machines: a digest of when it was typed, what and how.

    ``log`` is the keystroke log as stored (JSON). An exported result keeps its
    ``uid``, so importing it again finds it instead of adding it twice.
    """
    content = json.dumps([repr(float(created_at)), mode, mode2, text, log], ensure_ascii=True)
    return hashlib.sha256(content.encode("ascii")).hexdigest()[:32]


def add_keys(totals: dict[str, KeyStat], keys: Mapping[str, KeyStat]) -> None:
    for key, stat in keys.items():
        total = totals.get(key)
        if total is None:
            total = totals[key] = KeyStat()
        total.presses += stat.presses
        total.errors += stat.errors
        total.interval_total_ms += stat.interval_total_ms
        total.interval_count += stat.interval_count


def keys_to_json(keys: Mapping[str, KeyStat]) -> str:
    return json.dumps(
        {k: [s.presses, s.errors, s.interval_total_ms, s.interval_count] for k, s in keys.items()},
        ensure_ascii=False,
    )


def keys_from_json(text: str) -> dict[str, KeyStat]:
    raw: dict[str, list[Any]] = json.loads(text)
    return {k: KeyStat(int(v[0]), int(v[1]), float(v[2]), int(v[3])) for k, v in raw.items()}


def series_to_json(series: SecondSeries) -> str:
    return json.dumps(
        {
            "wpm": list(series.wpm),
            "raw": list(series.raw),
            "burst": list(series.burst),
            "errors": list(series.errors),
            "times": list(series.times),
        }
    )


def series_from_json(text: str, duration_s: float) -> SecondSeries:
    raw = json.loads(text)
    wpm = tuple(raw["wpm"])
    times = raw.get("times")
    if times is None:  # stored before the times were: whole seconds, then maybe the end
        times = [float(i) for i in range(1, len(wpm) + 1)]
        if times and times[-1] > duration_s:
            times[-1] = duration_s
    return SecondSeries(
        wpm, tuple(raw["raw"]), tuple(raw["burst"]), tuple(raw["errors"]), tuple(times)
    )


RESULT_COLUMNS = (
    "id, created_at, mode, mode2, language, wpm, raw, accuracy, consistency, duration_s, "
    "correct, incorrect, extra, missed, valid, invalid_reasons, state, text, series, keys, "
    "text_id, key_consistency, keypresses, errors, afk, duration_limit_s, word_count, options, "
    "room, race_id, place, racers"
)


def row_to_result(row: tuple[Any, ...], keystrokes: tuple[Keystroke, ...] | None) -> StoredResult:
    return StoredResult(
        id=row[0],
        created_at=row[1],
        mode=row[2],
        mode2=row[3],
        language=row[4],
        wpm=row[5],
        raw=row[6],
        accuracy=row[7],
        consistency=row[8],
        duration_s=row[9],
        correct=row[10],
        incorrect=row[11],
        extra=row[12],
        missed=row[13],
        valid=bool(row[14]),
        invalid_reasons=tuple(json.loads(row[15])),
        state=row[16],
        text=row[17],
        series=series_from_json(row[18], row[9]),
        keys=keys_from_json(row[19]),
        text_id=row[20],
        key_consistency=row[21],
        keypresses=row[22],
        errors=row[23],
        afk=bool(row[24]),
        duration_limit_s=row[25],
        word_count=row[26],
        options=row[27],
        race=None if row[28] is None else RacePlace(row[28], row[29], row[30], row[31]),
        keystrokes=keystrokes,
    )


def log_from_json(log: str | None) -> tuple[Keystroke, ...]:
    keystrokes: list[Keystroke] = []
    for name, t in json.loads(log or "[]"):
        keystrokes.extend(keystrokes_from_key(name, float(t)))
    return tuple(keystrokes)


def log_to_json(keystrokes: Sequence[Keystroke]) -> str:
    """The keystroke log as stored: ``[[name, t], ...]``."""
    return json.dumps([[k.name, k.t] for k in keystrokes], ensure_ascii=False)
