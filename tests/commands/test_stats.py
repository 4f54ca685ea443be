"""``bartype stats`` as a user runs it: the real command on a real history file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from support.history import TEXT, fill, keys_for, result_for, varied_history

from bartype.commands.report import load_report, render, to_json
from bartype.storage.history import History

GOLDEN = Path(__file__).parent / "golden" / "stats.txt"
UNTIL = "2025-12-07"
"""The last day of the report: the calendar ends with its week, whatever today is."""


def bartype(*args: str, data: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run the installed ``bartype`` command in UTC, 100 columns wide, on ``data``."""
    command = Path(sys.executable).with_name("bartype")
    argv = [str(command)] if command.exists() else [sys.executable, "-m", "bartype"]
    return subprocess.run(
        [*argv, *args, "--data-dir", str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TZ": "UTC", "COLUMNS": "100", "NO_COLOR": "1", **env},
    )


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("data")
    fill(folder / "history.sqlite3")
    return folder


def test_the_report_matches_its_golden_file(data: Path) -> None:
    """The terminal report (trend, bests, weakest keys, slowest bigrams, calendar) is the one
    in golden/stats.txt; set BARTYPE_UPDATE_GOLDEN=1 to rewrite it after a deliberate change."""
    result = bartype("stats", "--until", UNTIL, data=data)
    assert result.returncode == 0, result.stderr
    if os.environ.get("BARTYPE_UPDATE_GOLDEN"):
        GOLDEN.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == GOLDEN.read_text(encoding="utf-8")


def test_json_has_every_section(data: Path) -> None:
    """--json gives the trend per day, bests, weakest keys, slowest bigrams and days; the slow
    keys of the typist come first and the 5 s pauses are not in any figure."""
    result = bartype("stats", "--json", "--until", UNTIL, data=data)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["tests"], report["validTests"], report["daysPractised"]) == (10, 10, 5)
    (trend,) = report["trends"]
    assert (trend["mode"], trend["language"], len(trend["days"])) == ("words", "english", 5)
    wpm = [day["wpm"] for day in trend["days"]]
    assert wpm == sorted(wpm)  # the sample typist gets faster every day
    assert [best["test"] for best in report["personalBests"]] == ["words 14"]
    keys = {k["key"]: k for k in report["weakestKeys"]}
    assert {"v", "q", "z"} <= set(list(keys)[:3])
    assert max(k["meanMs"] for k in report["weakestKeys"]) < 3_000  # no pause counted
    assert report["slowestBigrams"][0] == {"bigram": "ov", "count": 10, "meanMs": 500.0}
    assert [d["day"] for d in report["days"]][0] == "2025-12-01"


def test_since_keeps_the_later_days(data: Path) -> None:
    """--since 2025-12-04 counts the tests of the last two days only."""
    result = bartype("stats", "--json", "--since", "2025-12-04", "--until", UNTIL, data=data)
    report = json.loads(result.stdout)
    assert report["tests"] == 4 and report["since"] == "2025-12-04"
    assert [d["day"] for d in report["days"]] == ["2025-12-04", "2025-12-05"]


@pytest.mark.parametrize(
    ("table", "header"),
    [
        (None, ["day", "mode", "language", "tests", "wpm", "accuracy", "best_wpm"]),
        ("keys", ["key", "presses", "accuracy", "mean_ms", "cpm"]),
        ("bigrams", ["bigram", "count", "mean_ms"]),
        ("days", ["day", "seconds", "tests"]),
        ("bests", ["test", "mode", "mode2", "language", "options", "wpm", "accuracy", "day"]),
    ],
)
def test_csv_prints_one_table(data: Path, table: str | None, header: list[str]) -> None:
    """--csv prints the daily trend; --csv TABLE another table; each with a header row."""
    args = ["stats", "--csv"] + ([table] if table else []) + ["--until", UNTIL]
    result = bartype(*args, data=data)
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == header and len(rows) > 1
    if table == "days":
        assert rows[1][0] == "2025-12-01" and rows[1][2] == "2"


def test_an_empty_history_gets_a_friendly_line(tmp_path: Path) -> None:
    """With no history file the report is one line saying what to do; JSON says zero tests;
    no file is created by looking."""
    result = bartype("stats", data=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("No results yet: type a test with `bartype play`")
    assert json.loads(bartype("stats", "--json", data=tmp_path).stdout)["tests"] == 0
    assert bartype("stats", "--csv", data=tmp_path).stdout.startswith("day,mode,")
    assert not (tmp_path / "history.sqlite3").exists()


def test_bad_days_are_usage_errors(tmp_path: Path) -> None:
    """A day that is not a day, or --since after --until, is refused with exit 2."""
    result = bartype("stats", "--since", "yesterday-ish", data=tmp_path)
    assert result.returncode == 2 and "must be a day like 2026-11-30" in result.stderr
    result = bartype("stats", "--since", "2025-12-05", "--until", "2025-12-01", data=tmp_path)
    assert result.returncode == 2 and "is after --until" in result.stderr
    assert "Traceback" not in result.stderr


def test_strings_from_the_history_are_shown_as_data(tmp_path: Path) -> None:
    """A language holding markup and an escape sequence prints literally: no ESC byte reaches
    the terminal, the brackets stay brackets, and the report does not crash."""
    hostile = "[red]x[/oops]\x1b]0;pwned\x07"
    with History(tmp_path / "history.sqlite3") as history:
        for day in range(2):
            history.save(
                result_for(keys_for(TEXT, 150.0)),
                text=TEXT,
                language=hostile,
                created_at=1_764_547_200.0 + day * 86_400,
            )
    result = bartype("stats", "--until", UNTIL, data=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "[red]x[/oops]\\x1b" in result.stdout
    result = bartype("stats", "--csv", "--until", UNTIL, data=tmp_path)
    assert "\x1b" not in result.stdout and "\\x1b]0;pwned" in result.stdout
    assert "\x1b" not in bartype("stats", "--json", data=tmp_path).stdout


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("varied")
    varied_history(folder / "history.sqlite3", 120)
    return folder


def test_stored_totals_print_what_replaying_every_log_prints(varied: Path) -> None:
    """On a history of varied results, a third saved before key totals were stored (an old
    file migrated), ``bartype stats`` prints the very report, text and JSON, that replaying
    every keystroke log gives; and so does every range of days."""
    path = varied / "history.sqlite3"
    text = bartype("stats", "--until", "2030-01-01", data=varied)  # fills the old third
    as_json = bartype("stats", "--json", "--until", "2030-01-01", data=varied)
    assert text.returncode == 0 and as_json.returncode == 0, text.stderr + as_json.stderr
    with History(path) as history:
        assert history._db.execute("SELECT COUNT(*) FROM key_totals_pending").fetchone()[0] == 0
    reference = load_report(path, None, dt.date(2030, 1, 1), replay=True)
    assert reference.progress.weakest_keys and reference.progress.slowest_bigrams
    assert as_json.stdout == json.dumps(to_json(reference), indent=2) + "\n"
    out = io.StringIO()
    Console(file=out, width=100, highlight=False, emoji=False).print(render(reference, 100))
    assert text.stdout == out.getvalue()
    day = dt.date(2023, 12, 5)  # the 120 results span 2023-11-14 to 2023-12-08
    for since, until in ((None, dt.date(2030, 1, 1)), (day, dt.date(2030, 1, 1)), (None, day)):
        stored = load_report(path, since, until)
        assert stored.progress == load_report(path, since, until, replay=True).progress
        assert 0 < stored.progress.tests and stored.progress.weakest_keys
