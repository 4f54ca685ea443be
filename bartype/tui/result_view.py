"""What the results screen shows, built from the handler's SESSION_COMPLETE data.

Kept free of Textual so the figures can be checked without a screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bartype.core.session import Result

if TYPE_CHECKING:
    from bartype.storage.history import StoredResult


@dataclass(frozen=True)
class ResultView:
    """The final figures of one test, as shown."""

    label: str
    wpm: float
    raw: float
    accuracy: float
    consistency: float
    correct: int
    incorrect: int
    extra: int
    missed: int
    duration_s: float
    afk: bool
    valid: bool
    invalid_reasons: tuple[str, ...] = ()
    wpm_series: tuple[float, ...] = ()
    raw_series: tuple[float, ...] = ()
    burst_series: tuple[float, ...] = ()
    """Raw WPM within each second (Monkeytype's burst), not the running average."""
    error_series: tuple[int, ...] = ()
    keys: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    keypresses: int = 0
    personal_best: bool = False
    layout: str = "qwerty"
    """The typist's keyboard layout, for the heat map."""

    @property
    def chars(self) -> str:
        return f"{self.correct}/{self.incorrect}/{self.extra}/{self.missed}"

    @property
    def worth_saving(self) -> bool:
        """An empty or AFK test is not kept in the history."""
        return self.keypresses > 0 and not self.afk


def _num(data: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    value = data.get(key, default)
    return float(value) if isinstance(value, int | float) else default


def from_complete(label: str, data: Mapping[str, Any]) -> ResultView:
    """Build the view from SESSION_COMPLETE ``data`` (camelCase metrics)."""
    metrics: Mapping[str, Any] = data.get("metrics") or {}
    series: Mapping[str, Any] = metrics.get("series") or {}
    reasons = tuple(str(r) for r in data.get("invalidReasons") or ())
    valid = bool(data.get("valid", not reasons))
    return ResultView(
        label=label,
        wpm=_num(metrics, "wpm"),
        raw=_num(metrics, "rawWpm"),
        accuracy=_num(metrics, "accuracy"),
        consistency=_num(metrics, "consistency"),
        correct=int(_num(metrics, "correct")),
        incorrect=int(_num(metrics, "incorrect")),
        extra=int(_num(metrics, "extra")),
        missed=int(_num(metrics, "missed")),
        duration_s=_num(metrics, "durationS"),
        afk=bool(metrics.get("afk", False)),
        valid=valid,
        invalid_reasons=reasons,
        wpm_series=tuple(float(v) for v in series.get("wpm") or ()),
        raw_series=tuple(float(v) for v in series.get("raw") or ()),
        burst_series=tuple(float(v) for v in series.get("burst") or ()),
        error_series=tuple(int(v) for v in series.get("errors") or ()),
        keys=dict(metrics.get("keys") or {}),
        keypresses=int(_num(metrics, "keypresses")),
    )


def from_result(label: str, result: Result) -> ResultView:
    """Build the view from a core ``Result`` (when the handler's answer is not there)."""
    return _from_figures(label, result.metrics, result.is_valid, result.invalid_reasons)


def from_stored(label: str, r: StoredResult) -> ResultView:
    """Build the view of a result from the history (``bartype.storage.history``)."""
    return _from_figures(label, r, r.valid, r.invalid_reasons)


def _from_figures(label: str, f: Any, valid: bool, reasons: tuple[str, ...]) -> ResultView:
    """``f`` is the core's ``Metrics`` or a ``StoredResult``: the same figures by name."""
    return ResultView(
        label=label,
        wpm=f.wpm,
        raw=f.raw,
        accuracy=f.accuracy,
        consistency=f.consistency,
        correct=f.correct,
        incorrect=f.incorrect,
        extra=f.extra,
        missed=f.missed,
        duration_s=f.duration_s,
        afk=f.afk,
        valid=valid,
        invalid_reasons=reasons,
        wpm_series=tuple(float(v) for v in f.series.wpm),
        raw_series=tuple(float(v) for v in f.series.raw),
        burst_series=tuple(float(v) for v in f.series.burst),
        error_series=tuple(f.series.errors),
        keys={
            k: {"presses": s.presses, "errors": s.errors, "meanIntervalMs": s.mean_interval_ms}
            for k, s in f.keys.items()
        },
        keypresses=f.keypresses,
    )
