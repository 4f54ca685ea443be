"""The history as JSON Lines, to move it to another machine: ``bartype history export|import``.

One JSON object per line, ASCII only (any other character is a ``\\u`` escape, so
the file survives any editor or mail and no byte of it is a terminal control):

1. a header: ``{"format": "bartype-history", "version": 1, "schema": N, "exportedAt": T}``;
2. one line per result, oldest first: ``{"type": "result", ...}`` with every column of the
   ``results`` table by name but the local ``id`` (``series``, ``keys`` and
   ``invalid_reasons`` as JSON values, not strings), and ``keystrokes``, its
   keystroke log as ``[key, t]`` pairs;
3. one line per tutor profile: ``{"type": "tutorProfile", "language", "layout",
   "savedAt", "data"}``.

Per-key totals and personal bests are not written: they are computed from the
results, and follow them. Importing adds each result whose ``uid`` (see
``history.result_uid``) is not there yet, so importing a file twice adds nothing
the second time, and keeps a tutor profile if it is newer than the one here.
Each line is checked before it is stored; the first bad line stops the import
with its number, and every line before it stays imported.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from bartype.storage.history import SCHEMA_VERSION, History, result_uid, text_key

FORMAT = "bartype-history"
VERSION = 1
JSON_COLUMNS = ("series", "keys", "invalid_reasons")
"""Columns stored as JSON text, exported as JSON values."""
MAX_KEY_NAME = 64
"""Longest key name in a keystroke log (an IME may commit a few characters at once)."""


class ExchangeError(Exception):
    """A history file cannot be imported; ``line`` is the number of the bad line (from 1)."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line
        self.summary: ImportSummary | None = None
        """What the lines before this one imported."""


@dataclass
class ImportSummary:
    """What an import did: results added and already there, tutor profiles kept."""

    added: int = 0
    present: int = 0
    profiles: int = 0

    def __str__(self) -> str:
        text = f"{self.added} results added, {self.present} already there"
        return text + (f", {self.profiles} tutor profiles" if self.profiles else "")


# --- export --------------------------------------------------------------------------


def export_lines(history: History, now: float | None = None) -> Iterator[str]:
    """The history as lines of JSON (without their line breaks), header first."""
    header = {"format": FORMAT, "version": VERSION, "schema": SCHEMA_VERSION}
    yield json.dumps({**header, "exportedAt": time.time() if now is None else now})
    for row, log in history.rows():
        record: dict[str, Any] = {"type": "result"}
        for name, value in row.items():
            record[name] = json.loads(value) if name in JSON_COLUMNS else value
        record["keystrokes"] = json.loads(log)
        yield json.dumps(record)
    for language, layout, saved_at, data in history.tutor_profiles():
        yield json.dumps(
            {
                "type": "tutorProfile",
                "language": language,
                "layout": layout,
                "savedAt": saved_at,
                "data": json.loads(data),
            }
        )


def export_to(history: History, path: Path) -> int:
    """Write the export to ``path`` (readable by its owner only), all or nothing.

    Returns the number of results written.
    """
    path = Path(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="ascii", newline="\n") as out:
            count = write_lines(history, out)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return count


def write_lines(history: History, out: IO[str]) -> int:
    """Write the export to ``out``; returns the number of results written."""
    count = 0
    for line in export_lines(history):
        out.write(line + "\n")
        count += line.startswith('{"type": "result"')
    return count


# --- import ------------------------------------------------------------------------------


def import_lines(history: History, lines: Iterable[str]) -> ImportSummary:
    """Check and store each line in turn.

    Raises:
        ExchangeError: a line is not valid; the lines before it are imported
            (``error.summary`` says what they added).
    """
    summary = ImportSummary()
    columns = history.result_columns()
    seen_header = False
    try:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            record = _parse(line, number)
            if not seen_header:
                _check_header(record, number)
                seen_header = True
                continue
            kind = record.get("type")
            if kind == "result":
                row, log = _result_row(record, columns, number)
                if history.add_rows(row, log):
                    summary.added += 1
                else:
                    summary.present += 1
            elif kind == "tutorProfile":
                language, layout, saved_at, data = _profile(record, number)
                summary.profiles += history.add_tutor_profile(language, layout, saved_at, data)
            else:
                raise ExchangeError(
                    f"unknown record type {kind!r} (expected 'result' or 'tutorProfile')", number
                )
        if not seen_header:
            raise ExchangeError("the file is empty: it holds no exported history")
    except ExchangeError as exc:
        exc.summary = summary
        raise
    return summary


def _parse(line: str, number: int) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except RecursionError:
        raise ExchangeError("nested too deeply to be a history record", number) from None
    except ValueError as exc:
        raise ExchangeError(f"not JSON ({exc})", number) from None
    if not isinstance(record, dict):
        raise ExchangeError("not a JSON object", number)
    return record


def _check_header(record: dict[str, Any], number: int) -> None:
    if record.get("format") != FORMAT:
        raise ExchangeError(
            "not the header of a BARtype history export "
            '({"format": "bartype-history", ...}); was the file made by bartype history export?',
            number,
        )
    version = record.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version > VERSION:
        raise ExchangeError(
            f"the file has format version {version!r}; this BARtype reads version {VERSION}. "
            "Upgrade bartype to import it.",
            number,
        )


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_value(name: str, value: Any, declared: str, not_null: bool, number: int) -> Any:
    if value is None:
        if not_null:
            raise ExchangeError(f"field {name!r} may not be null", number)
        return None
    if declared == "TEXT" and isinstance(value, str):
        return value
    if declared == "REAL" and _number(value):
        return float(value)
    if declared == "INTEGER" and isinstance(value, int):  # true and false are 1 and 0
        return int(value)
    kind = {"TEXT": "a string", "REAL": "a number", "INTEGER": "a whole number"}.get(declared)
    raise ExchangeError(f"field {name!r} must be {kind or declared}, not {value!r:.40}", number)


def _json_column(name: str, value: Any, number: int) -> str:
    """Check the shape of a JSON column and return it as stored."""
    ok = False
    if name == "invalid_reasons":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif name == "keys":
        ok = isinstance(value, dict) and all(
            isinstance(v, list) and len(v) == 4 and all(_number(x) for x in v)
            for v in value.values()
        )
    elif name == "series":
        ok = (
            isinstance(value, dict)
            and all(isinstance(value.get(k), list) for k in ("wpm", "raw", "burst", "errors"))
            and all(
                isinstance(v, list) and all(_number(x) for x in v)
                for k, v in value.items()
                if k in ("wpm", "raw", "burst", "errors", "times")
            )
        )
    if not ok:
        raise ExchangeError(f"field {name!r} is not a valid {name.replace('_', ' ')}", number)
    return json.dumps(value, ensure_ascii=False)


def _keystrokes(value: Any, number: int) -> str:
    if not isinstance(value, list) or not all(
        isinstance(pair, list)
        and len(pair) == 2
        and isinstance(pair[0], str)
        and 0 < len(pair[0]) <= MAX_KEY_NAME
        and _number(pair[1])
        for pair in value
    ):
        raise ExchangeError("field 'keystrokes' must be a list of [key, milliseconds]", number)
    return json.dumps(value, ensure_ascii=False)


def _result_row(
    record: dict[str, Any], columns: dict[str, tuple[str, bool, bool]], number: int
) -> tuple[dict[str, Any], str]:
    unknown = sorted(set(record) - set(columns) - {"type", "keystrokes"})
    if unknown:
        raise ExchangeError(
            f"unknown field {unknown[0]!r} (exported by a newer BARtype? upgrade to import it)",
            number,
        )
    row: dict[str, Any] = {}
    for name, (declared, not_null, _) in columns.items():
        if name not in record:
            continue
        value = record[name]
        if name in JSON_COLUMNS:
            row[name] = _json_column(name, value, number)
        else:
            row[name] = _check_value(name, value, declared, not_null, number)
    log = _keystrokes(record.get("keystrokes", []), number)
    if "text_key" not in row and "mode" in row:
        row["text_key"] = text_key(row["mode"], row.get("text"))
    if row.get("uid") is None and {"created_at", "mode", "mode2"} <= set(row):
        row["uid"] = result_uid(row["created_at"], row["mode"], row["mode2"], row.get("text"), log)
    for name, (_, not_null, has_default) in columns.items():
        if not_null and not has_default and name not in row:
            raise ExchangeError(f"a result needs the field {name!r}", number)
    return row, log


def _profile(record: dict[str, Any], number: int) -> tuple[str, str, float, str]:
    language, layout = record.get("language"), record.get("layout")
    saved_at, data = record.get("savedAt"), record.get("data")
    if not (
        isinstance(language, str)
        and isinstance(layout, str)
        and isinstance(saved_at, int | float)
        and _number(saved_at)
    ):
        raise ExchangeError(
            "a tutor profile needs a language, a layout and savedAt (a number)", number
        )
    if not isinstance(data, dict):
        raise ExchangeError("a tutor profile's data must be a JSON object", number)
    return language, layout, float(saved_at), json.dumps(data)
