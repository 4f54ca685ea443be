"""``bartype history export|import`` as a user runs it, files and pipes."""

from __future__ import annotations

import json
from pathlib import Path

from support.history import fill

from bartype.storage.history import History

from .test_stats import bartype


def test_moving_to_a_new_machine(tmp_path: Path) -> None:
    """Export to a file, import it on a fresh data folder twice: every result arrives once,
    and stats on the new folder are the same as on the old."""
    old, new = tmp_path / "old", tmp_path / "new"
    fill(old / "history.sqlite3")
    export = tmp_path / "moving.jsonl"
    result = bartype("history", "export", str(export), data=old)
    assert result.returncode == 0 and "Exported 10 results" in result.stderr
    assert len(export.read_text().splitlines()) == 11
    result = bartype("history", "import", str(export), data=new)
    assert result.returncode == 0 and "10 results added, 0 already there" in result.stderr
    result = bartype("history", "import", str(export), data=new)
    assert result.returncode == 0 and "0 results added, 10 already there" in result.stderr
    with History(new / "history.sqlite3") as history:
        assert history.count() == 10
    before = bartype("stats", "--json", "--until", "2025-12-07", data=old).stdout
    assert bartype("stats", "--json", "--until", "2025-12-07", data=new).stdout == before


def test_dash_is_stdout_and_stdin(tmp_path: Path) -> None:
    """``export -`` writes the lines to stdout and ``import -`` reads them from stdin."""
    old, new = tmp_path / "old", tmp_path / "new"
    fill(old / "history.sqlite3", days=2, per_day=1)
    exported = bartype("history", "export", "-", data=old)
    assert exported.returncode == 0
    assert json.loads(exported.stdout.splitlines()[0])["format"] == "bartype-history"
    import subprocess
    import sys

    command = Path(sys.executable).with_name("bartype")
    imported = subprocess.run(
        [str(command), "history", "import", "-", "--data-dir", str(new)],
        input=exported.stdout,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.returncode == 0 and "2 results added" in imported.stderr


def test_a_broken_file_says_which_line(tmp_path: Path) -> None:
    """A truncated last line fails with exit 1 naming it; the results before it are kept."""
    old, new = tmp_path / "old", tmp_path / "new"
    fill(old / "history.sqlite3", days=2, per_day=2)
    export = tmp_path / "e.jsonl"
    bartype("history", "export", str(export), data=old)
    lines = export.read_text().splitlines()
    export.write_text("\n".join([*lines[:-1], lines[-1][:50]]) + "\n")
    result = bartype("history", "import", str(export), data=new)
    assert result.returncode == 1
    assert "line 5: not JSON" in result.stderr and "3 results added" in result.stderr
    assert "Traceback" not in result.stderr
    with History(new / "history.sqlite3") as history:
        assert history.count() == 3


def test_exporting_nothing_and_reading_nothing_are_errors(tmp_path: Path) -> None:
    """No history to export, or a file that does not exist, is a message and exit 1."""
    result = bartype("history", "export", str(tmp_path / "x.jsonl"), data=tmp_path / "none")
    assert result.returncode == 1 and "nothing to export" in result.stderr
    result = bartype("history", "import", str(tmp_path / "missing.jsonl"), data=tmp_path)
    assert result.returncode == 1 and "cannot read" in result.stderr
